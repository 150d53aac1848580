// The replication controller: keeps each RC's matching pods at spec.replicas, adopting orphans
// and releasing pods whose labels no longer match, and reports status.
import type { Registry } from '../api/registry.js';
import { matchesLabels, selectorFromMap } from '../api/selectors.js';
import type { KObject, OwnerReference } from '../api/types.js';
import { kobj, kref, QUIET, type Logger } from '../logging/log.js';
import { EventRecorder } from './events.js';
import { ignoreRaces, informer, keyOf, listAll, splitKey, WorkQueue } from './runtime.js';

const MANAGER = 'kube-controller-manager';

interface RCSpec { replicas?: number; selector?: Record<string, string>; minReadySeconds?: number; template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown> } }

const controllerOf = (pod: KObject) => pod.metadata.ownerReferences?.find((r) => r.controller);
const isActive = (pod: KObject) => {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
};
const isReady = (pod: KObject) => ((pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Which pods to delete first when scaling down: unscheduled, then pending, then not ready, then newest. */
function deletionOrder(a: KObject, b: KObject): number {
  const rank = (p: KObject) => (!(p.spec as { nodeName?: string }).nodeName ? 0 : (p.status as { phase?: string })?.phase === 'Pending' ? 1 : !isReady(p) ? 2 : 3);
  return rank(a) - rank(b) || (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '');
}

export class ReplicationController {
  private readonly queue: WorkQueue;
  private readonly events: EventRecorder;
  private readonly stops: (() => void)[] = [];

  constructor(private readonly registry: Registry, private readonly log: Logger = QUIET) {
    this.queue = new WorkQueue('replication controller', (key) => this.reconcile(key), log);
    this.events = new EventRecorder(registry, { component: 'replication-controller' }, log);
  }

  start(): void {
    this.stops.push(informer(this.registry.resource('replicationcontrollers')!, (rc) => this.queue.add(keyOf(rc))));
    this.stops.push(informer(this.registry.resource('pods')!, (pod) => {
      const owner = controllerOf(pod);
      if (owner?.kind === 'ReplicationController') this.queue.add(`${pod.metadata.namespace}/${owner.name}`);
      // An orphan may match some RC: let each RC of the namespace look.
      else if (!owner) for (const rc of listAll(this.registry.resource('replicationcontrollers')!, pod.metadata.namespace)) this.queue.add(keyOf(rc));
    }));
  }

  stop(): void {
    for (const s of this.stops) s();
    this.queue.stop();
  }

  private async reconcile(key: string): Promise<void | { requeueAfterMs: number }> {
    const rcs = this.registry.resource('replicationcontrollers')!;
    const pods = this.registry.resource('pods')!;
    const [ns, name] = splitKey(key);
    const rc = rcs.cache.get(rcs.key(ns, name))?.object;
    if (!rc || rc.metadata.deletionTimestamp) return;
    const spec = (rc.spec ?? {}) as RCSpec;
    const selector = selectorFromMap(spec.selector ?? {});
    const ref: OwnerReference = { apiVersion: 'v1', kind: 'ReplicationController', name: name, uid: rc.metadata.uid!, controller: true, blockOwnerDeletion: true };
    const owned: KObject[] = [];
    for (const pod of listAll(pods, ns)) {
      const owner = controllerOf(pod);
      const matching = Object.keys(spec.selector ?? {}).length > 0 && matchesLabels(selector, pod.metadata.labels);
      if (owner?.uid === rc.metadata.uid) {
        if (matching) { owned.push(pod); continue; }
        // Labels changed: release it.
        this.log.V(2).info('Releasing pod', { replicationController: kref(ns, name), pod: kobj(pod) });
        await ignoreRaces(pods.update(ns, pod.metadata.name!, (p) => {
          p.metadata.ownerReferences = (p.metadata.ownerReferences ?? []).filter((r) => r.uid !== rc.metadata.uid);
          if (!p.metadata.ownerReferences.length) delete p.metadata.ownerReferences;
          return p;
        }, { dryRun: false, fieldManager: MANAGER }));
      } else if (!owner && matching && !pod.metadata.deletionTimestamp) {
        const adopted = await ignoreRaces(pods.update(ns, pod.metadata.name!, (p) => {
          if (controllerOf(p)) return p;
          p.metadata.ownerReferences = [...(p.metadata.ownerReferences ?? []), ref];
          return p;
        }, { dryRun: false, fieldManager: MANAGER }));
        if (adopted) {
          this.log.V(2).info('Adopted pod', { replicationController: kref(ns, name), pod: kobj(pod) });
          owned.push(adopted.object);
        }
      }
    }
    const active = owned.filter(isActive);
    const want = spec.replicas ?? 1;
    if (active.length < want) {
      for (let i = active.length; i < want; i++) {
        const template = spec.template ?? {};
        const created = await pods.create(ns, {
          metadata: {
            generateName: `${name}-`,
            labels: { ...(template.metadata?.labels ?? {}) }, ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
            ownerReferences: [ref],
          },
          spec: structuredClone(template.spec ?? {}),
        }, { dryRun: false, fieldManager: MANAGER });
        active.push(created);
        this.log.V(2).info('Created pod', { replicationController: kref(ns, name), pod: kobj(created), replicas: active.length, want });
        await this.events.record(rc, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      }
    } else if (active.length > want) {
      for (const pod of [...active].sort(deletionOrder).slice(0, active.length - want)) {
        const deleted = await ignoreRaces(pods.delete(ns, pod.metadata.name!, {}, { dryRun: false }));
        if (deleted) {
          this.log.V(2).info('Deleted pod', { replicationController: kref(ns, name), pod: kobj(pod), want });
          await this.events.record(rc, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
        }
      }
    }
    const current = listAll(pods, ns).filter((p) => controllerOf(p)?.uid === rc.metadata.uid && isActive(p));
    const templateLabels = spec.template?.metadata?.labels ?? {};
    const ready = current.filter(isReady);
    const status = {
      replicas: current.length,
      fullyLabeledReplicas: current.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
      readyReplicas: ready.length,
      availableReplicas: ready.length,
      observedGeneration: rc.metadata.generation,
    };
    await ignoreRaces(rcs.update(ns, name, (r) => {
      const previous = (r.status ?? {}) as Record<string, unknown>;
      r.status = { ...previous, ...status };
      for (const k of ['readyReplicas', 'availableReplicas', 'fullyLabeledReplicas'] as const) if (!status[k]) delete (r.status as Record<string, unknown>)[k];
      return r;
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
  }
}
