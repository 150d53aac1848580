// The statefulset controller: each StatefulSet keeps pods `<set>-<ordinal>` with stable names,
// hostnames (`spec.hostname`, `spec.subdomain` = serviceName) and claims `<template>-<set>-<ordinal>`
// made from volumeClaimTemplates before their pod. Its templates are recorded as ControllerRevisions
// (controller-history.ts) and its pods carry theirs in controller-revision-hash; what to create,
// delete or replace next is statefulset-policy.ts's decision, written back as kube's status.
import type { ClaimTemplate, StatefulSet, StatefulSetStatus } from '../api/apps-objects.js';
import type { Pod, PodSpec, PodTemplateSpec } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import { matchesLabels, selectorFromLabelSelector, type LabelSelector } from '../api/selectors.js';
import type { KObject, OwnerReference } from '../api/types.js';
import { keyController, type Controller, type Result } from '../client/controller.js';
import { objectKey, type ObjectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import { resources } from '../client/resources.js';
import { TypedResource, typedResource, type Stored } from '../client/typed-resource.js';
import { kobj, QUIET, type Logger } from '../logging/log.js';
import { ControllerHistory, nextRevision, POD_REVISION_LABEL, revisionHash, revisionsToTruncate, revisionTemplate, templatePatch, equalRevision, type Revision } from './controller-history.js';
import { EventRecorder } from './events.js';
import { availableIn, controllerOf, isReady } from './replication.js';
import { memberOrdinal, plan, statusCounts, type Action, type Member, type SetState } from './statefulset-policy.js';
import { copyJSON } from '../api/json.js';

const MANAGER = 'kube-controller-manager';
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

type Set = Stored<StatefulSet>;

/** The revisions one pass works with. */
interface Revisions { current: Revision; update: Revision; collisionCount: number }

export class StatefulSetController {
  private readonly sets: TypedResource<StatefulSet>;
  private readonly pods: TypedResource<Pod>;
  private readonly history: ControllerHistory;
  private readonly controller: Controller<ObjectKey>;
  private readonly events: EventRecorder;

  constructor(private readonly registry: Registry, private readonly log: Logger = QUIET) {
    this.sets = typedResource<StatefulSet>(registry, 'statefulsets', 'apps');
    this.pods = resources(registry).pods;
    this.history = new ControllerHistory(registry, (o) => this.ownerRef(o));
    this.events = new EventRecorder(registry, { component: 'statefulset-controller' }, log);
    const { sets } = this;
    const ownerOf = (obj: KObject, queue: { add(k: ObjectKey): void }) => {
      const ref = controllerOf(obj);
      if (ref?.kind === 'StatefulSet' && ref.apiVersion === sets.apiVersion) queue.add({ namespace: obj.metadata.namespace, name: ref.name });
      return ref;
    };
    this.controller = keyController('statefulset controller', (key) => this.reconcile(key), log)
      .watch(sets, ({ object }, queue) => queue.add(objectKey(object)))
      .watch(this.pods, ({ object }, queue) => {
        // An orphan may be adopted by a set of its namespace.
        if (!ownerOf(object, queue)) for (const s of sets.lister.list(object.metadata.namespace)) queue.add(objectKey(s));
      })
      .watch(this.history.revisions, ({ object }, queue) => { ownerOf(object, queue); });
  }

  start(): void { this.controller.start(); }
  stop(): void { this.controller.stop(); }

  private ownerRef(set: Stored<KObject>): OwnerReference {
    return { apiVersion: this.sets.apiVersion, kind: 'StatefulSet', name: set.metadata.name, uid: set.metadata.uid, controller: true, blockOwnerDeletion: true };
  }

  private async reconcile(key: ObjectKey): Promise<Result | void> {
    const set = this.sets.lister.getKey(key);
    if (!set || set.metadata.deletionTimestamp) return;
    const selector = selectorFromLabelSelector(set.spec?.selector);
    if (!selector.length) return;
    const pods = await this.claimPods(set, selector);
    const revisions = await this.revisions(set, await this.history.list(set, selector));
    const now = this.registry.now().getTime();
    const minReady = set.spec?.minReadySeconds ?? 0;
    const state = this.state(set, revisions, pods, now);
    for (const action of plan(state)) await this.act(set, revisions, pods, action);
    const after = this.state(set, revisions, this.ownedPods(set), now);
    await this.updateStatus(set, revisions, after);
    await this.truncateHistory(set, selector, after);
    const waits = pods.map((p) => (isRunning(p) ? availableIn(p, minReady, now) : undefined)).filter((w): w is number => w !== undefined && w > 0);
    if (waits.length) return { requeueAfterMs: Math.min(...waits) };
  }

  private state(set: Set, revisions: Revisions, pods: Pod[], now: number): SetState {
    const spec = set.spec ?? {};
    const strategy = spec.updateStrategy;
    const minReady = spec.minReadySeconds ?? 0;
    const members: Member[] = pods.map((p) => {
      const runningReady = isRunning(p) && isReady(p);
      return {
        ordinal: memberOrdinal(set.metadata.name, p.metadata.name ?? ''),
        revision: p.metadata.labels?.[POD_REVISION_LABEL] ?? '',
        runningReady,
        available: runningReady && availableIn(p, minReady, now) === 0,
        terminating: !!p.metadata.deletionTimestamp,
        finished: p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed',
        created: !!p.status?.phase,
      };
    });
    return {
      replicas: spec.replicas ?? 1, start: spec.ordinals?.start ?? 0, parallel: spec.podManagementPolicy === 'Parallel',
      rolling: (strategy?.type ?? 'RollingUpdate') === 'RollingUpdate', partition: strategy?.rollingUpdate?.partition ?? 0,
      currentRevision: revisions.current.metadata.name, updateRevision: revisions.update.metadata.name, members,
    };
  }

  /** The pods of `set` named as its members, whether it controls them already or adopts them now. */
  private ownedPods(set: Set): Stored<Pod>[] {
    return this.pods.lister.list(set.metadata.namespace).filter((p) => controllerOf(p)?.uid === set.metadata.uid && memberOrdinal(set.metadata.name, p.metadata.name) >= 0);
  }

  /** ClaimPods: adopts matching orphans named as members, releases owned pods that no longer match. */
  private async claimPods(set: Set, selector: LabelSelector): Promise<Stored<Pod>[]> {
    const { uid } = set.metadata;
    const owned: Stored<Pod>[] = [];
    for (const pod of this.pods.lister.list(set.metadata.namespace)) {
      const ref = controllerOf(pod);
      const member = memberOrdinal(set.metadata.name, pod.metadata.name) >= 0 && matchesLabels(selector, pod.metadata.labels);
      if (ref?.uid === uid) {
        if (member) { owned.push(pod); continue; }
        await ignoreRaces(this.pods.update(objectKey(pod), (p) => {
          p.metadata.ownerReferences = (p.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
          if (!p.metadata.ownerReferences.length) delete p.metadata.ownerReferences;
          return p;
        }, { dryRun: false, fieldManager: MANAGER }));
      } else if (!ref && member && !pod.metadata.deletionTimestamp) {
        const adopted = await ignoreRaces(this.pods.update(objectKey(pod), (p) => {
          if (!controllerOf(p)) p.metadata.ownerReferences = [...(p.metadata.ownerReferences ?? []), this.ownerRef(set)];
          return p;
        }, { dryRun: false, fieldManager: MANAGER }));
        if (adopted) owned.push(adopted);
      }
    }
    return owned;
  }

  /** getStatefulSetRevisions: the update revision is the set's template, made or renumbered newest as needed. */
  private async revisions(set: Set, revisions: Revision[]): Promise<Revisions> {
    const template = set.spec?.template ?? {};
    const candidate = {
      apiVersion: this.history.revisions.apiVersion, kind: 'ControllerRevision',
      metadata: { labels: { ...template.metadata?.labels }, annotations: { ...set.metadata.annotations }, ownerReferences: [this.ownerRef(set)] },
      data: templatePatch(template), revision: nextRevision(revisions),
    };
    let collisionCount = set.status?.collisionCount ?? 0;
    const equal = revisions.filter((r) => equalRevision(r, candidate));
    let update: Revision;
    if (equal.length && equal.at(-1) === revisions.at(-1)) update = revisions[revisions.length - 1];
    else if (equal.length) update = await this.history.renumber(equal[equal.length - 1], candidate.revision);
    else {
      ({ revision: update, collisionCount } = await this.history.create(set, candidate, (n) => revisionHash(candidate.data, n), collisionCount));
      this.log.V(2).info('Created revision', { statefulSet: kobj(set), revision: update.metadata.name, number: update.revision });
    }
    const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount };
  }

  private async act(set: Set, revisions: Revisions, pods: Stored<Pod>[], action: Action): Promise<void> {
    const name = `${set.metadata.name}-${action.ordinal}`;
    if (action.type === 'create') {
      const revision = action.revision === 'current' ? revisions.current : revisions.update;
      const template = action.revision === 'current' ? revisionTemplate(revision) : set.spec?.template ?? {};
      await this.createClaims(set, action.ordinal);
      const created = await ignoreRaces(this.pods.create(set.metadata.namespace, this.newPod(set, template, action.ordinal, revision.metadata.name), { dryRun: false, fieldManager: MANAGER }));
      if (!created) return;
      this.log.V(2).info('Created pod', { statefulSet: kobj(set), pod: kobj(created), revision: revision.metadata.name });
      await this.events.record(set, 'Normal', 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} successful`);
      return;
    }
    const pod = pods.find((p) => p.metadata.name === name);
    if (!pod) return;
    const deleted = await ignoreRaces(this.pods.delete(objectKey(pod), { preconditions: { uid: pod.metadata.uid } }, { dryRun: false }));
    if (!deleted) return;
    this.log.V(2).info(action.reason === 'update' ? 'Pod of StatefulSet is terminating for update' : 'Deleted pod', { statefulSet: kobj(set), pod: kobj(pod), reason: action.reason });
    await this.events.record(set, 'Normal', 'SuccessfulDelete', `delete Pod ${name} in StatefulSet ${set.metadata.name} successful`);
  }

  /** newVersionedStatefulSetPod: the template with the member's identity, storage and revision. */
  private newPod(set: Set, template: PodTemplateSpec, ordinal: number, revision: string): Pod {
    const name = `${set.metadata.name}-${ordinal}`;
    const spec: PodSpec = copyJSON(template.spec ?? { containers: [] });
    spec.hostname = name;
    if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
    const claims = set.spec?.volumeClaimTemplates ?? [];
    if (claims.length) {
      const names = new Set(claims.map((c) => c.metadata?.name ?? ''));
      const volumes: unknown[] = Array.isArray(spec.volumes) ? spec.volumes.filter((v: { name?: string }) => !names.has(v.name ?? '')) : [];
      spec.volumes = [...claims.map((c) => ({ name: c.metadata?.name ?? '', persistentVolumeClaim: { claimName: claimName(set, c, ordinal) } })), ...volumes];
    }
    const meta = template.metadata ?? {};
    return {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name,
        labels: { ...meta.labels, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [POD_REVISION_LABEL]: revision },
        ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
        ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
        ownerReferences: [this.ownerRef(set)],
      },
      spec,
    };
  }

  /** The member's claims, created through the API before its pod, when the cluster serves claims. */
  private async createClaims(set: Set, ordinal: number): Promise<void> {
    const templates = set.spec?.volumeClaimTemplates ?? [];
    if (!templates.length) return;
    const store = this.registry.resource('persistentvolumeclaims');
    if (!store) return;
    const claims = new TypedResource<KObject>(store);
    const ns = set.metadata.namespace;
    const pod = `${set.metadata.name}-${ordinal}`;
    const owners = set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete'
      ? [{ apiVersion: this.sets.apiVersion, kind: 'StatefulSet', name: set.metadata.name, uid: set.metadata.uid }] : undefined;
    for (const t of templates) {
      const name = claimName(set, t, ordinal);
      if (claims.lister.get(ns, name)) continue;
      const claim: KObject = {
        apiVersion: 'v1', kind: 'PersistentVolumeClaim',
        metadata: {
          name, namespace: ns, labels: { ...set.spec?.selector?.matchLabels },
          ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
          ...(owners ? { ownerReferences: owners } : {}),
        },
        spec: copyJSON(t.spec ?? {}),
      };
      await ignoreRaces(claims.create(ns, claim, { dryRun: false, fieldManager: MANAGER }));
      await this.events.record(set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${pod} in StatefulSet ${set.metadata.name} success`);
    }
  }

  private async updateStatus(set: Set, revisions: Revisions, state: SetState): Promise<void> {
    const counts = statusCounts(state);
    const status: StatefulSetStatus = {
      observedGeneration: set.metadata.generation,
      replicas: counts.replicas,
      readyReplicas: counts.readyReplicas,
      currentReplicas: counts.currentReplicas,
      updatedReplicas: counts.updatedReplicas,
      currentRevision: counts.currentRevision,
      updateRevision: counts.updateRevision,
      collisionCount: revisions.collisionCount,
      availableReplicas: counts.availableReplicas,
    };
    // Zero counts are left out, as kube's omitempty int32s are (availableReplicas has no omitempty).
    for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas'] as const) if (!status[k]) delete status[k];
    await ignoreRaces(this.sets.update(objectKey(set), (s) => ({ ...s, status: { ...status, ...(s.status?.conditions ? { conditions: s.status.conditions } : {}) } }), { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
  }

  /** Keeps revisionHistoryLimit revisions beyond those in use. */
  private async truncateHistory(set: Set, selector: LabelSelector, state: SetState): Promise<void> {
    const live = new Set([state.currentRevision, state.updateRevision, ...state.members.map((m) => m.revision)]);
    const counts = statusCounts(state);
    live.add(counts.currentRevision);
    const revisions = await this.history.list(set, selector);
    for (const r of revisionsToTruncate(revisions, live, set.spec?.revisionHistoryLimit ?? 10)) await this.history.delete(r);
  }
}

const isRunning = (pod: Pod) => pod.status?.phase === 'Running';

/** getPersistentVolumeClaimName: `<template>-<set>-<ordinal>`. */
export const claimName = (set: StatefulSet, claim: ClaimTemplate, ordinal: number): string => `${claim.metadata?.name ?? ''}-${set.metadata.name}-${ordinal}`;
