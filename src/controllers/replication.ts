// The replication controller: keeps each RC's matching pods at spec.replicas, adopting orphans
// and releasing pods whose labels no longer match, and reports status.
import type { Pod, ReplicationControllerStatus } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import { matchesLabels, selectorFromMap } from '../api/selectors.js';
import type { KObject, OwnerReference } from '../api/types.js';
import { keyController, type Controller, type Result } from '../client/controller.js';
import { objectKey, type ObjectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import { resources, type Resources } from '../client/resources.js';
import { kobj, kref, QUIET, type Logger } from '../logging/log.js';
import { EventRecorder } from './events.js';

const MANAGER = 'kube-controller-manager';

const controllerOf = (pod: KObject) => pod.metadata.ownerReferences?.find((r) => r.controller);
const isActive = (pod: Pod) => {
  const phase = pod.status?.phase;
  return !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
};
const isReady = (pod: Pod) => (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Which pods to delete first when scaling down: unscheduled, then pending, then not ready, then newest. */
function deletionOrder(a: Pod, b: Pod): number {
  const rank = (p: Pod) => (!p.spec?.nodeName ? 0 : p.status?.phase === 'Pending' ? 1 : !isReady(p) ? 2 : 3);
  return rank(a) - rank(b) || (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '');
}

export class ReplicationController {
  private readonly client: Resources;
  private readonly controller: Controller<ObjectKey>;
  private readonly events: EventRecorder;

  constructor(registry: Registry, private readonly log: Logger = QUIET) {
    this.client = resources(registry);
    this.events = new EventRecorder(registry, { component: 'replication-controller' }, log);
    const rcs = this.client.replicationControllers;
    this.controller = keyController('replication controller', (key) => this.reconcile(key), log)
      .watch(rcs, ({ object }, queue) => queue.add(objectKey(object)))
      .watch(this.client.pods, ({ object: pod }, queue) => {
        const owner = controllerOf(pod);
        if (owner?.kind === 'ReplicationController') queue.add({ namespace: pod.metadata.namespace, name: owner.name });
        // An orphan may match some RC: let each RC of the namespace look.
        else if (!owner) for (const rc of rcs.lister.list(pod.metadata.namespace)) queue.add(objectKey(rc));
      });
  }

  start(): void { this.controller.start(); }
  stop(): void { this.controller.stop(); }

  private async reconcile(key: ObjectKey): Promise<Result | void> {
    const { replicationControllers: rcs, pods } = this.client;
    const { namespace: ns, name } = key;
    const rc = rcs.lister.getKey(key);
    if (!rc || rc.metadata.deletionTimestamp) return;
    const spec = rc.spec ?? {};
    const selector = selectorFromMap(spec.selector ?? {});
    const uid = rc.metadata.uid;
    const ref: OwnerReference = { apiVersion: 'v1', kind: 'ReplicationController', name: name, uid, controller: true, blockOwnerDeletion: true };
    const owned: Pod[] = [];
    for (const pod of pods.lister.list(ns)) {
      const podKey = objectKey(pod);
      const owner = controllerOf(pod);
      const matching = Object.keys(spec.selector ?? {}).length > 0 && matchesLabels(selector, pod.metadata.labels);
      if (owner?.uid === uid) {
        if (matching) { owned.push(pod); continue; }
        // Labels changed: release it.
        this.log.V(2).info('Releasing pod', { replicationController: kref(ns, name), pod: kobj(pod) });
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
          this.log.V(2).info('Adopted pod', { replicationController: kref(ns, name), pod: kobj(pod) });
          owned.push(adopted);
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
        const deleted = await ignoreRaces(pods.delete(objectKey(pod), {}, { dryRun: false }));
        if (deleted) {
          this.log.V(2).info('Deleted pod', { replicationController: kref(ns, name), pod: kobj(pod), want });
          await this.events.record(rc, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
        }
      }
    }
    const current = pods.lister.list(ns).filter((p) => controllerOf(p)?.uid === uid && isActive(p));
    const templateLabels = spec.template?.metadata?.labels ?? {};
    const ready = current.filter(isReady);
    const status: ReplicationControllerStatus = {
      replicas: current.length,
      fullyLabeledReplicas: current.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
      readyReplicas: ready.length,
      availableReplicas: ready.length,
      observedGeneration: rc.metadata.generation,
    };
    await ignoreRaces(rcs.update(key, (r) => {
      const next = { ...r.status, ...status };
      for (const k of ['readyReplicas', 'availableReplicas', 'fullyLabeledReplicas'] as const) if (!status[k]) delete next[k];
      r.status = next;
      return r;
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
  }
}
