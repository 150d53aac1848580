// The replica controllers: ReplicationControllers (core/v1) and ReplicaSets (apps/v1) are one
// loop over two kinds, as kube's replication manager is its replicaset controller wrapped. Each
// keeps its selected pods at spec.replicas, adopting orphans and releasing pods whose labels no
// longer match, and reports replicas, fully labeled, ready and available pods.
import { hasStatusCause, NAMESPACE_TERMINATING_CAUSE, StatusError } from '../api/errors.js';
import type { Pod, PodTemplateSpec, ReplicaSet, ReplicaSetCondition, ReplicationController, ReplicationControllerStatus } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import { matchesLabels, selectorFromLabelSelector, selectorFromMap, type LabelSelector } from '../api/selectors.js';
import type { KObject, OwnerReference } from '../api/types.js';
import { keyController, type Controller, type Result } from '../client/controller.js';
import { objectKey, type ObjectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import { resources } from '../client/resources.js';
import type { Stored, TypedResource } from '../client/typed-resource.js';
import { rfc3339 } from '../api/time.js';
import { kobj, kref, QUIET, type Logger } from '../logging/log.js';
import { EventRecorder } from './events.js';
import { copyJSON } from '../api/json.js';

const MANAGER = 'kube-controller-manager';

export const controllerOf = (obj: KObject): OwnerReference | undefined => obj.metadata.ownerReferences?.find((r) => r.controller);
export const isActive = (pod: Pod): boolean => {
  const phase = pod.status?.phase;
  return !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
};
const readyCondition = (pod: Pod) => (pod.status?.conditions ?? []).find((c) => c.type === 'Ready' && c.status === 'True');
export const isReady = (pod: Pod): boolean => readyCondition(pod) !== undefined;

/**
 * How long until a ready pod counts as available (0: it is; undefined: not ready): ready for
 * minReadySeconds, as podutil.IsPodAvailable judges by the Ready condition's transition time.
 */
export function availableIn(pod: Pod, minReadySeconds: number, now: number): number | undefined {
  const ready = readyCondition(pod);
  if (!ready) return undefined;
  if (minReadySeconds <= 0 || !ready.lastTransitionTime) return 0;
  return Math.max(0, Date.parse(ready.lastTransitionTime) + minReadySeconds * 1000 - now);
}

/** Which pods to delete first when scaling down: unscheduled, then pending, then not ready, then newest. */
function deletionOrder(a: Pod, b: Pod): number {
  const rank = (p: Pod) => (!p.spec?.nodeName ? 0 : p.status?.phase === 'Pending' ? 1 : !isReady(p) ? 2 : 3);
  return rank(a) - rank(b) || (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '');
}

/** What the loop needs of a kind that keeps copies of a pod template. */
export interface ReplicaKind<T extends KObject> {
  resource: TypedResource<T>;
  /** The event source, as kube's controller names itself. */
  component: string;
  /** The key the owner is logged under. */
  logKey: string;
  /** The selector; an empty one selects nothing here (validation refuses it anyway). */
  selector(obj: T): LabelSelector;
  replicas(obj: T): number;
  template(obj: T): PodTemplateSpec;
  minReadySeconds(obj: T): number;
  status(obj: T): ReplicationControllerStatus | undefined;
  setStatus(obj: T, status: ReplicationControllerStatus): void;
}

export class ReplicaController<T extends KObject> {
  private readonly pods: TypedResource<Pod>;
  private readonly controller: Controller<ObjectKey>;
  private readonly events: EventRecorder;

  constructor(registry: Registry, private readonly kind: ReplicaKind<T>, private readonly log: Logger = QUIET) {
    this.pods = resources(registry).pods;
    this.events = new EventRecorder(registry, { component: kind.component }, log);
    const owners = kind.resource;
    this.controller = keyController(kind.component, (key) => this.reconcile(key), log)
      .watch(owners, ({ object }, queue) => queue.add(objectKey(object)))
      .watch(this.pods, ({ object: pod }, queue) => {
        const owner = controllerOf(pod);
        if (owner?.kind === owners.kind && owner.apiVersion === owners.apiVersion) queue.add({ namespace: pod.metadata.namespace, name: owner.name });
        // An orphan may match some owner: let each of the namespace look.
        else if (!owner) for (const o of owners.lister.list(pod.metadata.namespace)) queue.add(objectKey(o));
      });
  }

  start(): void { this.controller.start(); }
  stop(): void { this.controller.stop(); }

  private ownerRef(obj: Stored<T>): OwnerReference {
    const { resource } = this.kind;
    return { apiVersion: resource.apiVersion, kind: resource.kind, name: obj.metadata.name, uid: obj.metadata.uid, controller: true, blockOwnerDeletion: true };
  }

  /** The pods `obj` controls now: adopting matching orphans, releasing those no longer matching. */
  private async claimPods(obj: Stored<T>, selector: LabelSelector): Promise<Pod[]> {
    const { pods } = this;
    const ns = obj.metadata.namespace;
    const { uid, name } = obj.metadata;
    const ref = this.ownerRef(obj);
    const owned: Pod[] = [];
    for (const pod of pods.lister.list(ns)) {
      const podKey = objectKey(pod);
      const owner = controllerOf(pod);
      const matching = selector.length > 0 && matchesLabels(selector, pod.metadata.labels);
      if (owner?.uid === uid) {
        if (matching) { owned.push(pod); continue; }
        this.log.V(2).info('Releasing pod', { [this.kind.logKey]: kref(ns, name), pod: kobj(pod) });
        await ignoreRaces(pods.update(podKey, (p) => {
          p.metadata.ownerReferences = (p.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
          if (!p.metadata.ownerReferences.length) delete p.metadata.ownerReferences;
          return p;
        }, { dryRun: false, fieldManager: MANAGER }));
      } else if (!owner && matching && !pod.metadata.deletionTimestamp) {
        const adopted = await ignoreRaces(pods.update(podKey, (p) => {
          if (controllerOf(p)) return p;
          p.metadata.ownerReferences = [...(p.metadata.ownerReferences ?? []), ref];
          return p;
        }, { dryRun: false, fieldManager: MANAGER }));
        if (adopted) {
          this.log.V(2).info('Adopted pod', { [this.kind.logKey]: kref(ns, name), pod: kobj(pod) });
          owned.push(adopted);
        }
      }
    }
    return owned;
  }

  private async reconcile(key: ObjectKey): Promise<Result | void> {
    const { kind, pods } = this;
    const obj = kind.resource.lister.getKey(key);
    if (!obj || obj.metadata.deletionTimestamp) return;
    const ns = obj.metadata.namespace ?? 'default';
    const name = obj.metadata.name;
    const selector = kind.selector(obj);
    const active = (await this.claimPods(obj, selector)).filter(isActive);
    const want = kind.replicas(obj);
    const template = kind.template(obj);
    let failure: Error | undefined;
    for (let i = active.length; i < want; i++) {
      let created;
      try {
        created = await pods.create(ns, {
          metadata: {
            generateName: `${name}-`,
            labels: { ...(template.metadata?.labels ?? {}) }, ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
            ownerReferences: [this.ownerRef(obj)],
          },
          spec: copyJSON(template.spec ?? {}),
        }, { dryRun: false, fieldManager: MANAGER });
      } catch (e) {
        // Refused (a quota, a LimitRange, a webhook): kube's FailedCreate event and the
        // ReplicaFailure condition say why, and the sync is retried with back-off.
        if (!(e instanceof StatusError) || terminatingNamespace(e)) throw e;
        failure = e;
        await this.events.record(obj, 'Warning', 'FailedCreate', `Error creating: ${e.message}`);
        break;
      }
      active.push(created);
      this.log.V(2).info('Created pod', { [kind.logKey]: kref(ns, name), pod: kobj(created), replicas: active.length, want });
      await this.events.record(obj, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    }
    if (active.length > want) {
      for (const pod of [...active].sort(deletionOrder).slice(0, active.length - want)) {
        const deleted = await ignoreRaces(pods.delete(objectKey(pod), {}, { dryRun: false }));
        if (deleted) {
          this.log.V(2).info('Deleted pod', { [kind.logKey]: kref(ns, name), pod: kobj(pod), want });
          await this.events.record(obj, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
        }
      }
    }
    const result = await this.updateStatus(obj, template, failure);
    if (failure) throw failure;
    return result;
  }

  /** Writes what the pods are now; asks to come back when a ready pod will turn available. */
  private async updateStatus(obj: Stored<T>, template: PodTemplateSpec, failure: Error | undefined): Promise<Result | void> {
    const { kind } = this;
    const uid = obj.metadata.uid;
    const current = this.pods.lister.list(obj.metadata.namespace).filter((p) => controllerOf(p)?.uid === uid && isActive(p));
    const templateLabels = template.metadata?.labels ?? {};
    const now = this.pods.store.now().getTime();
    const waits = current.map((p) => availableIn(p, kind.minReadySeconds(obj), now));
    const status: ReplicationControllerStatus = {
      replicas: current.length,
      fullyLabeledReplicas: current.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
      readyReplicas: current.filter(isReady).length,
      availableReplicas: waits.filter((w) => w === 0).length,
      observedGeneration: obj.metadata.generation,
    };
    await ignoreRaces(kind.resource.update(objectKey(obj), (o) => {
      const next: ReplicationControllerStatus = { ...kind.status(o), ...status };
      const conditions = replicaFailureConditions(next.conditions ?? [], failure, rfc3339(this.pods.store.now()));
      if (conditions.length) next.conditions = conditions; else delete next.conditions;
      // Zero counts are left out, as kube's omitempty int32s are.
      for (const k of ['readyReplicas', 'availableReplicas', 'fullyLabeledReplicas'] as const) if (!status[k]) delete next[k];
      kind.setStatus(o, next);
      return o;
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
    const pending = waits.filter((w): w is number => w !== undefined && w > 0);
    if (pending.length) return { requeueAfterMs: Math.min(...pending) };
  }
}

/** Whether a create was refused because its namespace is going away (kube records nothing then). */
function terminatingNamespace(e: StatusError): boolean {
  return hasStatusCause(e, NAMESPACE_TERMINATING_CAUSE);
}

/**
 * The conditions with ReplicaFailure as calculateStatus keeps it: set (reason FailedCreate, the
 * error's message) when creating pods failed and it is not there yet, removed once a sync
 * succeeds.
 */
export function replicaFailureConditions(conditions: readonly ReplicaSetCondition[], failure: Error | undefined, now: string): ReplicaSetCondition[] {
  const present = conditions.some((c) => c.type === 'ReplicaFailure');
  if (failure && !present) return [...conditions, { type: 'ReplicaFailure', status: 'True', lastTransitionTime: now, reason: 'FailedCreate', message: failure.message }];
  if (!failure && present) return conditions.filter((c) => c.type !== 'ReplicaFailure');
  return [...conditions];
}

/** kube's replication manager: ReplicationControllers, selecting by a map. */
export function replicationManager(registry: Registry, log?: Logger): ReplicaController<ReplicationController> {
  return new ReplicaController<ReplicationController>(registry, {
    resource: resources(registry).replicationControllers,
    component: 'replication-controller',
    logKey: 'replicationController',
    selector: (rc) => selectorFromMap(rc.spec?.selector ?? {}),
    replicas: (rc) => rc.spec?.replicas ?? 1,
    template: (rc) => rc.spec?.template ?? {},
    minReadySeconds: (rc) => rc.spec?.minReadySeconds ?? 0,
    status: (rc) => rc.status,
    setStatus: (rc, status) => { rc.status = status; },
  }, log);
}

/** kube's replicaset controller: ReplicaSets, selecting by a metav1.LabelSelector. */
export function replicaSetController(registry: Registry, log?: Logger): ReplicaController<ReplicaSet> {
  return new ReplicaController<ReplicaSet>(registry, {
    resource: resources(registry).replicaSets,
    component: 'replicaset-controller',
    logKey: 'replicaSet',
    selector: (rs) => selectorFromLabelSelector(rs.spec?.selector),
    replicas: (rs) => rs.spec?.replicas ?? 1,
    template: (rs) => rs.spec?.template ?? {},
    minReadySeconds: (rs) => rs.spec?.minReadySeconds ?? 0,
    status: (rs) => rs.status,
    setStatus: (rs, status) => { rs.status = status; },
  }, log);
}
