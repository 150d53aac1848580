// The deployment controller: each Deployment owns ReplicaSets named after its pod template's
// hash; a changed template gets a new ReplicaSet, and the rollout moves pods from the old ones
// to it (RollingUpdate, within maxSurge and maxUnavailable; or Recreate: all old pods gone
// first). It numbers revisions, keeps revisionHistoryLimit old ReplicaSets, and reports status
// and the Available and Progressing conditions. The arithmetic is rollout.ts's.
import type { Deployment, DeploymentCondition, DeploymentStatus, PodTemplateSpec, ReplicaSet } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import { matchesLabels, selectorFromLabelSelector } from '../api/selectors.js';
import { rfc3339 } from '../api/time.js';
import type { OwnerReference } from '../api/types.js';
import { keyController, type Controller, type Enqueue, type Result } from '../client/controller.js';
import { objectKey, type ObjectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import { resources, type Resources } from '../client/resources.js';
import type { Stored } from '../client/typed-resource.js';
import { kobj, QUIET, type Logger } from '../logging/log.js';
import { EventRecorder } from './events.js';
import { computeHash, templateJSON } from './pod-template-hash.js';
import { controllerOf } from './replication.js';
import {
  availableCondition, deploymentComplete, deploymentProgressing, maxSurge, newCondition, newReplicaSetReplicas,
  progressDeadline, proportionalSizes, rolloutTimedOut, scaleDownOldReplicaSets, setCondition, type ReplicaSetState,
  type RolloutSpec, type ScaledReplicaSet,
} from './rollout.js';
import { copyJSON } from '../api/json.js';

const MANAGER = 'kube-controller-manager';
export const POD_TEMPLATE_HASH = 'pod-template-hash';
export const REVISION = 'deployment.kubernetes.io/revision';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
/** Deployment annotations its ReplicaSets do not copy (kube's skipCopyAnnotation). */
const NOT_COPIED = new Set(['kubectl.kubernetes.io/last-applied-configuration', REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, 'deprecated.deployment.rollback.to']);
/** How long revision-history may grow, in characters (kube-controller-manager's default). */
const REVISION_HISTORY_CHARS = 2000;

type RS = Stored<ReplicaSet>;

export const revisionOf = (rs: ReplicaSet): number => {
  const n = Number(rs.metadata.annotations?.[REVISION] ?? 0);
  return Number.isInteger(n) ? n : 0;
};

/** The template without its pod-template-hash label: how kube compares a ReplicaSet's to its Deployment's (EqualIgnoreHash). */
function templateKey(template: PodTemplateSpec | undefined): string {
  const t = copyJSON(template ?? {});
  if (t.metadata?.labels) {
    delete t.metadata.labels[POD_TEMPLATE_HASH];
    if (!Object.keys(t.metadata.labels).length) delete t.metadata.labels;
  }
  return templateJSON(t);
}

const byCreation = (a: RS, b: RS) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp) || a.metadata.name.localeCompare(b.metadata.name);
const state = (rs: RS): ReplicaSetState => ({ name: rs.metadata.name, replicas: rs.spec?.replicas ?? 0, available: rs.status?.availableReplicas ?? 0 });
const annotatedCount = (rs: ReplicaSet, key: string): number | undefined => {
  const value = rs.metadata.annotations?.[key];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
};
const scaled = (rs: RS): ScaledReplicaSet => ({ ...state(rs), created: rs.metadata.creationTimestamp, maxReplicas: annotatedCount(rs, MAX_REPLICAS) || undefined });

/**
 * The revision-history annotation of a ReplicaSet rolled back to (it had `previous` and becomes a
 * newer revision): earlier numbers kept, oldest dropped first to stay within the limit.
 */
export function revisionHistory(current: string | undefined, previous: string): string | undefined {
  const kept = current ? current.split(',') : [];
  let length = (current?.length ?? 0) + previous.length + (kept.length ? 1 : 0);
  let dropped = 0;
  for (; length > REVISION_HISTORY_CHARS && dropped < kept.length; dropped++) length -= kept[dropped].length + 1;
  return length <= REVISION_HISTORY_CHARS ? [...kept.slice(dropped), previous].join(',') : current;
}

export function rolloutSpec(d: Deployment): RolloutSpec {
  const strategy = d.spec?.strategy;
  return {
    replicas: d.spec?.replicas ?? 1,
    type: strategy?.type === 'Recreate' ? 'Recreate' : 'RollingUpdate',
    maxSurge: strategy?.rollingUpdate?.maxSurge,
    maxUnavailable: strategy?.rollingUpdate?.maxUnavailable,
  };
}

/** What one reconcile works with. */
interface Sync {
  d: Stored<Deployment>;
  spec: RolloutSpec;
  newRS?: RS;
  old: RS[];
  /** A Progressing condition this pass decided (the new ReplicaSet created or found). */
  progressing?: DeploymentCondition;
  /** Whether this pass is a rollout step (syncRolloutStatus), not a scale or a paused sync. */
  rolling?: boolean;
}

export class DeploymentController {
  private readonly client: Resources;
  private readonly controller: Controller<ObjectKey>;
  private readonly events: EventRecorder;

  constructor(registry: Registry, private readonly log: Logger = QUIET) {
    this.client = resources(registry);
    this.events = new EventRecorder(registry, { component: 'deployment-controller' }, log);
    const { deployments, replicaSets, pods } = this.client;
    const ownerOf = (rs: ReplicaSet, queue: Enqueue<ObjectKey>) => {
      const owner = controllerOf(rs);
      if (owner?.kind === 'Deployment' && owner.apiVersion === deployments.apiVersion) queue.add({ namespace: rs.metadata.namespace, name: owner.name });
    };
    this.controller = keyController('deployment controller', (key) => this.reconcile(key), log)
      .watch(deployments, ({ object }, queue) => queue.add(objectKey(object)))
      .watch(replicaSets, ({ object }, queue) => ownerOf(object, queue))
      // Recreate waits for the old pods to be gone: their deletion is news.
      .watch(pods, ({ type, object }, queue) => {
        const owner = controllerOf(object);
        if (type !== 'DELETED' || owner?.kind !== 'ReplicaSet') return;
        const rs = replicaSets.lister.get(object.metadata.namespace, owner.name);
        if (rs) ownerOf(rs, queue);
      });
  }

  start(): void { this.controller.start(); }
  stop(): void { this.controller.stop(); }

  private now(): string { return rfc3339(this.client.registry.now()); }

  private async reconcile(key: ObjectKey): Promise<Result | void> {
    const d = this.client.deployments.lister.getKey(key);
    if (!d || d.metadata.deletionTimestamp) return;
    const selector = selectorFromLabelSelector(d.spec?.selector);
    // An empty selector would select every pod: kube refuses to act on it, and so do we.
    if (!selector.length) return;
    const owned = await this.claimReplicaSets(d);
    const sync = this.split(d, owned);
    if (d.spec?.paused || this.isScalingEvent(sync)) return this.syncScale(sync);
    sync.rolling = true;
    if (sync.spec.type === 'Recreate') return this.rolloutRecreate(sync);
    return this.rolloutRolling(sync);
  }

  /** Whether spec.replicas changed since an active ReplicaSet was last sized (isScalingEvent). */
  private isScalingEvent(sync: Sync): boolean {
    const all = sync.newRS ? [...sync.old, sync.newRS] : sync.old;
    return all.some((rs) => {
      const desired = annotatedCount(rs, DESIRED_REPLICAS);
      return (rs.spec?.replicas ?? 0) > 0 && desired !== undefined && desired !== sync.spec.replicas;
    });
  }

  private ownerRef(d: Stored<Deployment>): OwnerReference {
    return { apiVersion: this.client.deployments.apiVersion, kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid, controller: true, blockOwnerDeletion: true };
  }

  /** The ReplicaSets `d` controls, adopting orphans its selector matches. */
  private async claimReplicaSets(d: Stored<Deployment>): Promise<RS[]> {
    const { replicaSets } = this.client;
    const selector = selectorFromLabelSelector(d.spec?.selector);
    const owned: RS[] = [];
    for (const rs of replicaSets.lister.list(d.metadata.namespace)) {
      const owner = controllerOf(rs);
      if (owner?.uid === d.metadata.uid) owned.push(rs);
      else if (!owner && !rs.metadata.deletionTimestamp && matchesLabels(selector, rs.metadata.labels)) {
        const adopted = await ignoreRaces(replicaSets.update(objectKey(rs), (r) => {
          if (!controllerOf(r)) r.metadata.ownerReferences = [...(r.metadata.ownerReferences ?? []), this.ownerRef(d)];
          return r;
        }, { dryRun: false, fieldManager: MANAGER }));
        if (adopted) owned.push(adopted);
      }
    }
    return owned.sort(byCreation);
  }

  /** The new ReplicaSet (the oldest whose template is the Deployment's) and the old ones, oldest first. */
  private split(d: Stored<Deployment>, owned: RS[]): Sync {
    const want = templateKey(d.spec?.template);
    const newRS = owned.find((rs) => templateKey(rs.spec?.template) === want);
    return { d, spec: rolloutSpec(d), newRS, old: owned.filter((rs) => rs !== newRS) };
  }

  /**
   * Makes sure the new ReplicaSet exists (when `create`) and carries the newest revision, and
   * the Deployment carries it too (getAllReplicaSetsAndSyncRevision).
   */
  private async syncRevision(sync: Sync, create: boolean): Promise<void> {
    const { d } = sync;
    const revision = String(Math.max(0, ...sync.old.map(revisionOf)) + 1);
    if (sync.newRS) {
      const rs = sync.newRS;
      if (revisionOf(rs) < Number(revision)) {
        sync.newRS = await this.client.replicaSets.update(objectKey(rs), (r) => {
          const previous = r.metadata.annotations?.[REVISION];
          r.metadata.annotations = { ...r.metadata.annotations, ...this.copiedAnnotations(d), [REVISION]: revision };
          // Rolled back to: the revisions it was before are kept (kube's SetNewReplicaSetAnnotations).
          const history = previous && revisionHistory(r.metadata.annotations[REVISION_HISTORY], previous);
          if (history) r.metadata.annotations[REVISION_HISTORY] = history;
          return r;
        }, { dryRun: false, fieldManager: MANAGER });
      }
      if (!d.status?.conditions?.some((c) => c.type === 'Progressing')) {
        sync.progressing = newCondition('Progressing', 'True', 'FoundNewReplicaSet', `Found new replica set "${rs.metadata.name}"`, this.now());
      }
    } else if (create) {
      sync.newRS = await this.createReplicaSet(sync, revision);
    }
    const current = sync.newRS ? String(revisionOf(sync.newRS)) : undefined;
    if (current && d.metadata.annotations?.[REVISION] !== current) {
      sync.d = await this.client.deployments.update(objectKey(d), (o) => {
        o.metadata.annotations = { ...o.metadata.annotations, [REVISION]: current };
        return o;
      }, { dryRun: false, fieldManager: MANAGER });
    }
  }

  private copiedAnnotations(d: Deployment): Record<string, string> {
    return Object.fromEntries(Object.entries(d.metadata.annotations ?? {}).filter(([k]) => !NOT_COPIED.has(k)));
  }

  private async createReplicaSet(sync: Sync, revision: string): Promise<RS> {
    const { d, spec } = sync;
    const template = copyJSON(d.spec?.template ?? {});
    const hash = computeHash(template, d.status?.collisionCount);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH]: hash } };
    const selector = copyJSON(d.spec?.selector ?? {});
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH]: hash };
    const replicas = newReplicaSetReplicas(spec, sync.old.map(state), 0);
    const name = `${d.metadata.name}-${hash}`;
    const rs: ReplicaSet = {
      apiVersion: this.client.replicaSets.apiVersion, kind: 'ReplicaSet',
      metadata: {
        name, namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels },
        annotations: { ...this.copiedAnnotations(d), [REVISION]: revision, [DESIRED_REPLICAS]: String(spec.replicas), [MAX_REPLICAS]: String(spec.replicas + maxSurge(spec)) },
        ownerReferences: [this.ownerRef(d)],
      },
      spec: { replicas, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    const created = await ignoreRaces(this.client.replicaSets.create(d.metadata.namespace, rs, { dryRun: false, fieldManager: MANAGER }));
    if (!created) {
      // The name is taken. Ours with this template is the new ReplicaSet; anything else is a
      // hash collision: count it, so the next hash differs.
      const existing = this.client.replicaSets.lister.get(d.metadata.namespace, name);
      if (existing && controllerOf(existing)?.uid === d.metadata.uid && templateKey(existing.spec?.template) === templateKey(d.spec?.template)) return existing;
      await this.client.deployments.update(objectKey(d), (o) => {
        o.status = { ...o.status, collisionCount: (o.status?.collisionCount ?? 0) + 1 };
        return o;
      }, { dryRun: false, subresource: 'status', fieldManager: MANAGER });
      throw new Error(`hash collision creating replica set ${name}`);
    }
    this.log.V(2).info('Created new replica set', { deployment: kobj(d), replicaSet: name, replicas });
    if (replicas > 0) await this.events.record(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${name} from 0 to ${replicas}`);
    sync.progressing = newCondition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${name}"`, this.now());
    return created;
  }

  /** Sets a ReplicaSet's size and the annotations that record the Deployment's; true when the size changed. */
  private async scale(sync: Sync, rs: RS, size: number): Promise<boolean> {
    const { d, spec } = sync;
    const desired = String(spec.replicas);
    const max = String(spec.replicas + maxSurge(spec));
    const from = rs.spec?.replicas ?? 0;
    const annotations = rs.metadata.annotations ?? {};
    if (from === size && annotations[DESIRED_REPLICAS] === desired && annotations[MAX_REPLICAS] === max) return false;
    const updated = await this.client.replicaSets.update(objectKey(rs), (r) => {
      r.spec = { ...r.spec, replicas: size };
      r.metadata.annotations = { ...r.metadata.annotations, [DESIRED_REPLICAS]: desired, [MAX_REPLICAS]: max };
      return r;
    }, { dryRun: false, fieldManager: MANAGER });
    if (sync.newRS === rs) sync.newRS = updated;
    else sync.old = sync.old.map((o) => (o === rs ? updated : o));
    if (from === size) return false;
    await this.events.record(d, 'Normal', 'ScalingReplicaSet', `Scaled ${size > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${size}`);
    return true;
  }

  private async rolloutRolling(sync: Sync): Promise<Result | void> {
    await this.syncRevision(sync, true);
    const { spec, newRS } = sync;
    if (!newRS) return;
    const current = newRS.spec?.replicas ?? 0;
    const all = [...sync.old, newRS].map(state);
    const target = current > spec.replicas ? spec.replicas : newReplicaSetReplicas(spec, all, current);
    if (await this.scale(sync, newRS, target)) return this.syncStatus(sync);
    let scaledDown = false;
    for (const [name, size] of scaleDownOldReplicaSets(spec, sync.old.map(state), state(newRS))) {
      const rs = sync.old.find((o) => o.metadata.name === name);
      if (rs && await this.scale(sync, rs, size)) scaledDown = true;
    }
    if (scaledDown) return this.syncStatus(sync);
    return this.syncStatus(sync, true);
  }

  private async rolloutRecreate(sync: Sync): Promise<Result | void> {
    await this.syncRevision(sync, false);
    let scaledDown = false;
    for (const rs of sync.old) if (await this.scale(sync, rs, 0)) scaledDown = true;
    if (scaledDown || this.oldPodsRunning(sync)) return this.syncStatus(sync);
    if (!sync.newRS) await this.syncRevision(sync, true);
    if (sync.newRS) await this.scale(sync, sync.newRS, sync.spec.replicas);
    return this.syncStatus(sync, true);
  }

  /** Whether any pod of an old ReplicaSet still exists and has not finished. */
  private oldPodsRunning(sync: Sync): boolean {
    const old = new Set(sync.old.map((rs) => rs.metadata.uid));
    return this.client.pods.lister.list(sync.d.metadata.namespace).some((p) => {
      const owner = controllerOf(p);
      return owner !== undefined && old.has(owner.uid) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
    });
  }

  /**
   * A scaling event or a paused Deployment (kube's sync): no rollout step; the ReplicaSets follow
   * spec.replicas: the one active (or latest) set takes it all, a saturated new set leaves the old
   * ones nothing, and otherwise a rolling update shares the change in proportion.
   */
  private async syncScale(sync: Sync): Promise<Result | void> {
    await this.syncRevision(sync, false);
    const { spec, newRS } = sync;
    const all = newRS ? [...sync.old, newRS] : sync.old;
    const active = all.filter((rs) => (rs.spec?.replicas ?? 0) > 0);
    const latest = active.length === 1 ? active[0] : active.length === 0 ? newRS ?? sync.old.at(-1) : undefined;
    if (latest) {
      await this.scale(sync, latest, spec.replicas);
    } else if (newRS && this.saturated(sync, newRS)) {
      for (const rs of sync.old) await this.scale(sync, rs, 0);
    } else if (spec.type === 'RollingUpdate') {
      for (const [name, size] of proportionalSizes(spec, sync.d.status?.replicas ?? 0, active.map(scaled))) {
        const rs = active.find((a) => a.metadata.name === name);
        if (rs) await this.scale(sync, rs, size);
      }
    }
    if (sync.d.spec?.paused) await this.cleanup(sync);
    return this.syncStatus(sync);
  }

  /** Whether the new ReplicaSet has all spec.replicas, sized for them and available (IsSaturated). */
  private saturated(sync: Sync, rs: RS): boolean {
    const { replicas } = sync.spec;
    return annotatedCount(rs, DESIRED_REPLICAS) === replicas && (rs.spec?.replicas ?? 0) === replicas && (rs.status?.availableReplicas ?? 0) === replicas;
  }

  /** Deletes the oldest scaled-down ReplicaSets beyond revisionHistoryLimit. */
  private async cleanup(sync: Sync): Promise<void> {
    const limit = sync.d.spec?.revisionHistoryLimit ?? 10;
    const cleanable = sync.old.filter((rs) => !rs.metadata.deletionTimestamp).sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of cleanable.slice(0, Math.max(0, cleanable.length - limit))) {
      if ((rs.status?.replicas ?? 0) !== 0 || (rs.spec?.replicas ?? 0) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      this.log.V(4).info('Trimming old replica set', { deployment: kobj(sync.d), replicaSet: rs.metadata.name });
      await ignoreRaces(this.client.replicaSets.delete(objectKey(rs), {}, { dryRun: false }));
    }
  }

  /** Writes status and conditions from the ReplicaSets; at the end of a rollout step, cleans up history. */
  private async syncStatus(sync: Sync, stepDone = false): Promise<Result | void> {
    const { d, spec, newRS } = sync;
    const all = newRS ? [...sync.old, newRS] : sync.old;
    const sum = (f: (rs: RS) => number | undefined) => all.reduce((n, rs) => n + (f(rs) ?? 0), 0);
    const before = d.status ?? {};
    const available = sum((rs) => rs.status?.availableReplicas);
    const status: DeploymentStatus = {
      observedGeneration: d.metadata.generation,
      replicas: sum((rs) => rs.status?.replicas),
      updatedReplicas: newRS?.status?.replicas ?? 0,
      readyReplicas: sum((rs) => rs.status?.readyReplicas),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, spec.replicas - available),
      collisionCount: before.collisionCount,
    };
    const now = this.now();
    let conditions = setCondition(before.conditions ?? [], availableCondition(spec, available, now));
    conditions = this.progressingCondition(sync, conditions, before, status, now);
    conditions = replicaFailure(conditions, newRS ? [newRS, ...sync.old] : sync.old);
    const complete = deploymentComplete(spec.replicas, d.metadata.generation, status);
    if (stepDone && complete) await this.cleanup(sync);
    const next: DeploymentStatus = { ...status, conditions };
    // Zero counts are left out, as kube's omitempty int32s are.
    for (const k of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'collisionCount'] as const) if (!next[k]) delete next[k];
    await ignoreRaces(this.client.deployments.update(objectKey(d), (o) => {
      o.status = next;
      return o;
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
    return this.progressCheck(d, next);
  }

  /**
   * When to look again at a rollout that may run out of time (requeueStuckDeployment): just after
   * its deadline passes, unless it is complete or already timed out.
   */
  private progressCheck(d: Deployment, status: DeploymentStatus): Result | void {
    const deadline = progressDeadline(d.spec?.progressDeadlineSeconds);
    const current = status.conditions?.find((c) => c.type === 'Progressing');
    if (deadline === undefined || !current || current.reason === 'ProgressDeadlineExceeded') return;
    if (deploymentComplete(d.spec?.replicas ?? 1, d.metadata.generation, status)) return;
    const after = Date.parse(current.lastUpdateTime ?? '') + deadline * 1000 - this.client.registry.now().getTime();
    if (!Number.isFinite(after)) return;
    return { requeueAfterMs: after < 1000 ? 0 : after + 1000 };
  }

  /**
   * The Progressing condition as checkPausedConditions, getNewReplicaSet and syncRolloutStatus set
   * it; without a progress deadline there is none.
   */
  private progressingCondition(sync: Sync, conditions: DeploymentCondition[], before: DeploymentStatus, after: DeploymentStatus, now: string): DeploymentCondition[] {
    const { d, spec, newRS } = sync;
    const deadline = progressDeadline(d.spec?.progressDeadlineSeconds);
    if (deadline === undefined) return conditions.filter((c) => c.type !== 'Progressing');
    const current = conditions.find((c) => c.type === 'Progressing');
    // A reported lack of progress is not overwritten by pausing.
    if (current?.reason !== 'ProgressDeadlineExceeded') {
      if (d.spec?.paused && current?.reason !== 'DeploymentPaused') return setCondition(conditions, newCondition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', now));
      if (!d.spec?.paused && current?.reason === 'DeploymentPaused') conditions = setCondition(conditions, newCondition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed', now));
    }
    if (sync.progressing) conditions = setCondition(conditions, sync.progressing);
    if (!sync.rolling) return conditions;
    const progressing = conditions.find((c) => c.type === 'Progressing');
    // A finished rollout's condition stays until the template changes.
    if (after.replicas === after.updatedReplicas && progressing?.reason === 'NewReplicaSetAvailable') return conditions;
    const name = newRS?.metadata.name;
    if (deploymentComplete(spec.replicas, d.metadata.generation, after)) {
      return setCondition(conditions, newCondition('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${name}" has successfully progressed.`, now));
    }
    if (deploymentProgressing(before, after)) {
      // Replaced even when the reason is the same: lastUpdateTime says when it last moved.
      const kept = conditions.find((c) => c.type === 'Progressing');
      const condition = newCondition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${name}" is progressing.`, now);
      if (kept?.status === 'True') condition.lastTransitionTime = kept.lastTransitionTime;
      return [...conditions.filter((c) => c.type !== 'Progressing'), condition];
    }
    if (rolloutTimedOut(deadline, progressing, this.client.registry.now())) {
      const message = name ? `ReplicaSet "${name}" has timed out progressing.` : `Deployment "${d.metadata.name}" has timed out progressing.`;
      return setCondition(conditions, newCondition('Progressing', 'False', 'ProgressDeadlineExceeded', message, now));
    }
    return conditions;
  }
}

/**
 * The ReplicaFailure condition as syncRolloutStatus carries it over from the ReplicaSets (the new
 * one's first): its times are the ReplicaSet condition's transition; gone when none has one.
 */
function replicaFailure(conditions: DeploymentCondition[], replicaSets: RS[]): DeploymentCondition[] {
  const failed = replicaSets.flatMap((rs) => rs.status?.conditions ?? []).find((c) => c.type === 'ReplicaFailure');
  if (!failed) return conditions.filter((c) => c.type !== 'ReplicaFailure');
  const at = failed.lastTransitionTime ?? '';
  return setCondition(conditions, { type: 'ReplicaFailure', status: failed.status, lastUpdateTime: at, lastTransitionTime: at, reason: failed.reason ?? '', message: failed.message ?? '' });
}
