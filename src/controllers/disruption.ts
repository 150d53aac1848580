// The disruption controller (kube's pkg/controller/disruption): for each PodDisruptionBudget, the
// pods its selector picks in its namespace, how many are healthy (Ready, not deleting, not just
// evicted), how many are expected (their controllers' scales, when a percentage or
// maxUnavailable needs them) and desired; it writes the status with disruptionsAllowed and the
// DisruptionAllowed condition, pinned to the version it read so an eviction's spending is never
// overwritten. Evicted pods not deleted within two minutes count again. The arithmetic is
// disruption-policy.ts's.
import { StatusError } from '../api/errors.js';
import { numberAt } from '../api/json.js';
import type { Deployment, MetaLabelSelector, Pod, PodDisruptionBudget, PodDisruptionBudgetStatus, ReplicaSet, ReplicationController } from '../api/objects.js';
import type { StatefulSet } from '../api/apps-objects.js';
import type { Registry } from '../api/registry.js';
import { matchesLabels, selectorFromLabelSelector } from '../api/selectors.js';
import type { KObject, OwnerReference } from '../api/types.js';
import { keyController, type Controller, type Result } from '../client/controller.js';
import { objectKey, type ObjectKey } from '../client/keys.js';
import { isRace } from '../client/races.js';
import { resources } from '../client/resources.js';
import { TypedResource, typedResource, type Stored } from '../client/typed-resource.js';
import { kobj, QUIET, type Logger } from '../logging/log.js';
import { countHealthy, expectedHealth, failSafeStatus, nextStatus, pruneDisruptedPods, type BudgetPod } from './disruption-policy.js';
import { EventRecorder } from './events.js';
import { controllerOf, isReady } from './replication.js';

const MANAGER = 'kube-controller-manager';
type PDB = Stored<PodDisruptionBudget>;

/** The group of an apiVersion: `apps` of `apps/v1`, '' of `v1`. */
const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
const isKind = (ref: OwnerReference, kind: string, groups: string[]): boolean => ref.kind === kind && groups.includes(groupOf(ref.apiVersion));

/** A failure to compute a budget's status, reported on it (SyncFailed) rather than retried quietly. */
class SyncError extends Error {}

/** Whether a budget selects a pod: a nil selector selects nothing, an empty one everything (policy/v1). */
export function budgetSelects(selector: MetaLabelSelector | undefined, pod: Pod): boolean {
  if (!selector) return false;
  try {
    return matchesLabels(selectorFromLabelSelector(selector), pod.metadata.labels ?? {});
  } catch {
    return false;
  }
}

/** metav1.LabelSelector as Go's %v prints it (its generated String()), for the UnmanagedPods event. */
function goLabelSelector(s: MetaLabelSelector | undefined): string {
  if (!s) return '<nil>';
  const labels = Object.keys(s.matchLabels ?? {}).sort().map((k) => `${k}: ${s.matchLabels?.[k]},`).join('');
  const exprs = (s.matchExpressions ?? []).map((e) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`).join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

export class DisruptionController {
  private readonly budgets: TypedResource<PodDisruptionBudget>;
  private readonly pods: TypedResource<Pod>;
  private readonly rcs: TypedResource<ReplicationController>;
  private readonly replicaSets: TypedResource<ReplicaSet>;
  private readonly deployments: TypedResource<Deployment>;
  private readonly statefulSets: TypedResource<StatefulSet>;
  private readonly controller: Controller<ObjectKey>;
  private readonly events: EventRecorder;

  constructor(private readonly registry: Registry, private readonly log: Logger = QUIET) {
    const client = resources(registry);
    this.pods = client.pods;
    this.rcs = client.replicationControllers;
    this.replicaSets = client.replicaSets;
    this.deployments = client.deployments;
    this.budgets = typedResource(registry, 'poddisruptionbudgets', 'policy');
    this.statefulSets = typedResource(registry, 'statefulsets', 'apps');
    this.events = new EventRecorder(registry, { component: 'controllermanager' }, log);
    this.controller = keyController('disruption', (key) => this.reconcile(key), log)
      .watch(this.budgets, ({ object }, queue) => queue.add(objectKey(object)))
      .watch(this.pods, ({ object: pod }, queue) => {
        const pdb = this.budgetFor(pod);
        if (pdb) queue.add(objectKey(pdb));
      });
  }

  start(): void { this.controller.start(); }
  stop(): void { this.controller.stop(); }

  /** The budget a pod's changes concern (getPdbForPod: the first when several match). */
  private budgetFor(pod: Pod): PDB | undefined {
    const matching = this.budgets.lister.list(pod.metadata.namespace).filter((pdb) => budgetSelects(pdb.spec?.selector, pod));
    if (matching.length > 1) {
      const message = `Pod "${pod.metadata.namespace}"/"${pod.metadata.name}" matches multiple PodDisruptionBudgets.  Chose "${matching[0].metadata.name}" arbitrarily.`;
      void this.events.record(pod, 'Warning', 'MultiplePodDisruptionBudgets', message);
    }
    return matching[0];
  }

  private async reconcile(key: ObjectKey): Promise<Result | void> {
    const pdb = this.budgets.lister.getKey(key);
    if (!pdb) return;
    try {
      return await this.trySync(pdb);
    } catch (e) {
      if (isRace(e) || !(e instanceof SyncError || e instanceof StatusError)) throw e;
      this.log.error(e, 'Failed to sync PDB', { podDisruptionBudget: kobj(pdb) });
      // As kube's failSafe: no disruptions and SyncFailed; the next change of a pod or the budget tries again.
      await this.writeStatus(pdb, failSafeStatus(pdb, e.message, this.registry.now()));
    }
  }

  private async trySync(pdb: PDB): Promise<Result | void> {
    const ns = pdb.metadata.namespace;
    const pods = this.pods.lister.list(ns).filter((p) => budgetSelects(pdb.spec?.selector, p));
    if (!pods.length) await this.events.record(pdb, 'Normal', 'NoPods', 'No matching pods found');
    const unmanaged: string[] = [];
    let health;
    try {
      health = expectedHealth(pdb.spec ?? {}, pods.length, () => this.expectedScale(pods, unmanaged));
    } catch (e) {
      if (!(e instanceof SyncError)) throw e;
      await this.events.record(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${e.message}`);
      throw e;
    }
    if (unmanaged.length) {
      this.log.V(4).info('Found unmanaged pods associated with this PDB', { pods: unmanaged });
      await this.events.record(pdb, 'Warning', 'UnmanagedPods', `Pods selected by this PodDisruptionBudget (selector: ${goLabelSelector(pdb.spec?.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`);
    }
    const nowDate = this.registry.now();
    const now = nowDate.getTime();
    const budgetPods: BudgetPod[] = pods.map((p) => ({ name: p.metadata.name, deleting: !!p.metadata.deletionTimestamp, ready: isReady(p) }));
    const { kept, expired, recheckAt } = pruneDisruptedPods(budgetPods, pdb.status?.disruptedPods, now);
    for (const name of expired) {
      const pod = pods.find((p) => p.metadata.name === name);
      this.log.V(1).info("pod was expected to be deleted but it wasn't, updating PDB", { pod: pod && kobj(pod), podDisruptionBudget: kobj(pdb) });
      // kube names the budget's namespace twice here.
      if (pod) await this.events.record(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${ns}/${ns} to be deleted but it wasn't`);
    }
    const status = nextStatus(pdb, health, countHealthy(budgetPods, kept, now), kept, nowDate);
    if (status) await this.writeStatus(pdb, status);
    if (recheckAt !== undefined) return { requeueAfterMs: Math.max(0, recheckAt - now) };
  }

  /** UpdateStatus with the version read: a conflict (an eviction spent the budget meanwhile) is retried with what it wrote. */
  private async writeStatus(pdb: PDB, status: PodDisruptionBudgetStatus): Promise<void> {
    const pinned = pdb.metadata.resourceVersion;
    await this.budgets.update(objectKey(pdb), (current) => ({ ...current, metadata: { ...current.metadata, resourceVersion: pinned }, status }), { dryRun: false, subresource: 'status', fieldManager: MANAGER });
  }

  /**
   * The sum of the scales of the selected pods' controllers (getExpectedScale); pods without a
   * controller are left out and named in `unmanaged`; a controller none can size fails the sync.
   */
  private expectedScale(pods: Pod[], unmanaged: string[]): number {
    const scales = new Map<string, number>();
    for (const pod of pods) {
      const ref = controllerOf(pod);
      if (!ref) { unmanaged.push(pod.metadata.name ?? ''); continue; }
      if (scales.has(ref.uid)) continue;
      const found = this.controllerScale(ref, pod.metadata.namespace);
      if (!found) throw new SyncError(`found no controllers for pod "${pod.metadata.name}"`);
      scales.set(found.uid, found.scale);
    }
    return [...scales.values()].reduce((a, b) => a + b, 0);
  }

  /** kube's finders in order: ReplicationController, Deployment (through its ReplicaSet), ReplicaSet, StatefulSet, any scale subresource. */
  private controllerScale(ref: OwnerReference, ns: string | undefined): { uid: string; scale: number } | undefined {
    if (isKind(ref, 'ReplicationController', [''])) {
      const rc = this.rcs.lister.get(ns, ref.name);
      if (rc?.metadata.uid === ref.uid) return { uid: rc.metadata.uid, scale: rc.spec?.replicas ?? 1 };
    }
    if (isKind(ref, 'ReplicaSet', ['apps', 'extensions'])) {
      const rs = this.replicaSets.lister.get(ns, ref.name);
      if (rs && rs.metadata.uid === ref.uid) {
        const owner = controllerOf(rs);
        if (owner && isKind(owner, 'Deployment', ['apps', 'extensions'])) {
          const d = this.deployments.lister.get(ns, owner.name);
          if (d && d.metadata.uid === owner.uid) return { uid: d.metadata.uid, scale: d.spec?.replicas ?? 1 };
        }
        if (!owner || owner.kind !== 'Deployment') return { uid: rs.metadata.uid, scale: rs.spec?.replicas ?? 1 };
      }
    }
    if (isKind(ref, 'StatefulSet', ['apps'])) {
      const ss = this.statefulSets.lister.get(ns, ref.name);
      if (ss?.metadata.uid === ref.uid) return { uid: ss.metadata.uid, scale: ss.spec?.replicas ?? 1 };
    }
    return this.scaleSubresource(ref, ns);
  }

  /** getScaleController: the owner's kind served with a scale subresource, its spec replicas. */
  private scaleSubresource(ref: OwnerReference, ns: string | undefined): { uid: string; scale: number } | undefined {
    const store = this.registry.resources().find((rs) => rs.kind === ref.kind && rs.gr.group === groupOf(ref.apiVersion));
    if (!store) throw new SyncError(`no matches for kind "${ref.kind}" in version "${ref.apiVersion}"`);
    const scale = store.strategy.subresources?.scale;
    if (scale?.type !== 'scale') throw new SyncError(`${store.gr.group ? `${store.gr.resource}.${store.gr.group}` : store.gr.resource} does not implement the scale subresource`);
    const owner = new TypedResource<KObject>(store).lister.get(ns, ref.name);
    if (!owner || owner.metadata.uid !== ref.uid) return undefined;
    return { uid: owner.metadata.uid, scale: numberAt(owner, ...scale.specReplicasPath.split('.')) ?? 0 };
  }
}
