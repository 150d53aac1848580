// The daemonset controller: one pod of each DaemonSet on every node that should run it
// (daemonset-policy.ts decides which), pinned there by node affinity and bound by the default
// scheduler; a new or newly eligible node gets one, a node gone or no longer eligible loses it.
// Templates are recorded as ControllerRevisions named `<ds>-<pod-template-hash>`, pods carry
// controller-revision-hash and pod-template-generation, and RollingUpdate replaces old pods
// within maxUnavailable and maxSurge (OnDelete waits for users to delete them).
import type { DaemonSet, DaemonSetStatus } from '../api/apps-objects.js';
import type { Node, Pod, PodTemplateSpec } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import { canonicalJSON } from '../api/json.js';
import { matchesLabels, selectorFromLabelSelector, type LabelSelector } from '../api/selectors.js';
import type { KObject, OwnerReference } from '../api/types.js';
import type { Change } from '../client/informer.js';
import { keyController, type Controller, type Result } from '../client/controller.js';
import { objectKey, type ObjectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import { resources } from '../client/resources.js';
import { typedResource, type Stored, type TypedResource } from '../client/typed-resource.js';
import { kobj, QUIET, type Logger } from '../logging/log.js';
import { ControllerHistory, equalRevision, nextRevision, POD_REVISION_LABEL, revisionsToTruncate, templatePatch, type Revision } from './controller-history.js';
import { daemonPodSpec, rollingUpdatePlan, shouldRunOn, updateLimits, type NodePods } from './daemonset-policy.js';
import { EventRecorder } from './events.js';
import { computeHash } from './pod-template-hash.js';
import { availableIn, controllerOf, isReady } from './replication.js';

const MANAGER = 'kube-controller-manager';
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
const TEMPLATE_GENERATION = 'deprecated.daemonset.template.generation';

type DS = Stored<DaemonSet>;
type P = Stored<Pod>;

/** The node a daemon pod is for: where it is bound, or where its affinity pins it (GetTargetNodeName). */
export function targetNode(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) for (const f of t.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  return undefined;
}

/** What about a node decides where daemon pods go. */
const nodeShape = (n: Node) => canonicalJSON([n.metadata.labels, n.spec?.taints, n.spec?.unschedulable]);

const byAge = (a: Pod, b: Pod) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

export class DaemonSetController {
  private readonly sets: TypedResource<DaemonSet>;
  private readonly pods: TypedResource<Pod>;
  private readonly nodes: TypedResource<Node>;
  private readonly history: ControllerHistory;
  private readonly controller: Controller<ObjectKey>;
  private readonly events: EventRecorder;

  constructor(private readonly registry: Registry, private readonly log: Logger = QUIET) {
    this.sets = typedResource<DaemonSet>(registry, 'daemonsets', 'apps');
    const client = resources(registry);
    this.pods = client.pods;
    this.nodes = client.nodes;
    this.history = new ControllerHistory(registry, (o) => this.ownerRef(o));
    this.events = new EventRecorder(registry, { component: 'daemonset-controller' }, log);
    const { sets } = this;
    const ownerOf = (obj: KObject, queue: { add(k: ObjectKey): void }) => {
      const ref = controllerOf(obj);
      if (ref?.kind === 'DaemonSet' && ref.apiVersion === sets.apiVersion) queue.add({ namespace: obj.metadata.namespace, name: ref.name });
      return ref;
    };
    const all = (queue: { add(k: ObjectKey): void }) => { for (const ds of sets.lister.list()) queue.add(objectKey(ds)); };
    this.controller = keyController('daemonset controller', (key) => this.reconcile(key), log)
      .watch(sets, ({ object }, queue) => queue.add(objectKey(object)))
      .watch(this.pods, ({ object }, queue) => {
        if (!ownerOf(object, queue)) for (const ds of sets.lister.list(object.metadata.namespace)) queue.add(objectKey(ds));
      })
      .watch(this.nodes, (change: Change<Stored<Node>>, queue) => {
        if (change.type !== 'MODIFIED' || nodeShape(change.object) !== nodeShape(change.prev)) all(queue);
      })
      .watch(this.history.revisions, ({ object }, queue) => { ownerOf(object, queue); });
  }

  start(): void { this.controller.start(); }
  stop(): void { this.controller.stop(); }

  private ownerRef(ds: Stored<KObject>): OwnerReference {
    return { apiVersion: this.sets.apiVersion, kind: 'DaemonSet', name: ds.metadata.name, uid: ds.metadata.uid, controller: true, blockOwnerDeletion: true };
  }

  private async reconcile(key: ObjectKey): Promise<Result | void> {
    const ds = this.sets.lister.getKey(key);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const selector = selectorFromLabelSelector(ds.spec?.selector);
    if (!selector.length) return;
    await this.claimPods(ds, selector);
    const { hash, collisionCount } = await this.constructHistory(ds, selector);
    const template = ds.spec?.template ?? {};
    const generation = ds.metadata.annotations?.[TEMPLATE_GENERATION] ?? '';
    const updated = (p: Pod) => p.metadata.labels?.[POD_REVISION_LABEL] === hash || (generation !== '' && p.metadata.labels?.[TEMPLATE_GENERATION_LABEL] === generation);
    const changed = await this.manage(ds, template, hash, generation, updated);
    const strategy = ds.spec?.updateStrategy;
    if (!changed && strategy?.type === 'RollingUpdate') await this.rollingUpdate(ds, template, hash, generation, updated);
    await this.cleanupHistory(ds, selector, hash);
    return this.updateStatus(ds, template, collisionCount, updated);
  }

  /** The active pods of `ds` by target node. */
  private podsByNode(ds: DS): Map<string, P[]> {
    const byNode = new Map<string, P[]>();
    for (const p of this.pods.lister.list(ds.metadata.namespace)) {
      if (controllerOf(p)?.uid !== ds.metadata.uid || p.metadata.deletionTimestamp) continue;
      const node = targetNode(p) ?? '';
      byNode.set(node, [...(byNode.get(node) ?? []), p]);
    }
    for (const list of byNode.values()) list.sort(byAge);
    return byNode;
  }

  private async claimPods(ds: DS, selector: LabelSelector): Promise<void> {
    const { uid } = ds.metadata;
    for (const pod of this.pods.lister.list(ds.metadata.namespace)) {
      const ref = controllerOf(pod);
      const matching = matchesLabels(selector, pod.metadata.labels);
      if (ref?.uid === uid && !matching) {
        await ignoreRaces(this.pods.update(objectKey(pod), (p) => {
          p.metadata.ownerReferences = (p.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
          if (!p.metadata.ownerReferences.length) delete p.metadata.ownerReferences;
          return p;
        }, { dryRun: false, fieldManager: MANAGER }));
      } else if (!ref && matching && !pod.metadata.deletionTimestamp) {
        await ignoreRaces(this.pods.update(objectKey(pod), (p) => {
          if (!controllerOf(p)) p.metadata.ownerReferences = [...(p.metadata.ownerReferences ?? []), this.ownerRef(ds)];
          return p;
        }, { dryRun: false, fieldManager: MANAGER }));
      }
    }
  }

  /** constructHistory: the current revision, made or renumbered newest; its hash names the pods' revision. */
  private async constructHistory(ds: DS, selector: LabelSelector): Promise<{ hash: string; collisionCount: number }> {
    const revisions = await this.history.list(ds, selector);
    const template = ds.spec?.template ?? {};
    const candidate = {
      apiVersion: this.history.revisions.apiVersion, kind: 'ControllerRevision',
      metadata: { labels: { ...template.metadata?.labels }, annotations: { ...ds.metadata.annotations }, ownerReferences: [this.ownerRef(ds)] },
      data: templatePatch(template), revision: nextRevision(revisions),
    };
    const equal = revisions.filter((r) => equalRevision(r, candidate));
    let current: Revision;
    let collisionCount = ds.status?.collisionCount ?? 0;
    if (equal.length) current = await this.history.renumber(equal[equal.length - 1], equal.at(-1) === revisions.at(-1) ? equal[equal.length - 1].revision : candidate.revision);
    else {
      ({ revision: current, collisionCount } = await this.history.create(ds, candidate, (n) => computeHash(template, n || undefined), collisionCount, POD_REVISION_LABEL));
      this.log.V(2).info('Created revision', { daemonSet: kobj(ds), revision: current.metadata.name, number: current.revision });
    }
    return { hash: current.metadata.labels?.[POD_REVISION_LABEL] ?? '', collisionCount };
  }

  /** manage: a pod on each node that should run one, none where it may not stay; true when it wrote. */
  private async manage(ds: DS, template: PodTemplateSpec, hash: string, generation: string, updated: (p: Pod) => boolean): Promise<boolean> {
    const byNode = this.podsByNode(ds);
    const nodes = this.nodes.lister.list();
    const surge = ds.spec?.updateStrategy?.type === 'RollingUpdate' && updateLimits(ds.spec.updateStrategy.rollingUpdate?.maxUnavailable, ds.spec.updateStrategy.rollingUpdate?.maxSurge, nodes.length).maxSurge > 0;
    const create: string[] = [];
    const remove: P[] = [];
    for (const node of nodes) {
      const name = node.metadata.name;
      const { shouldRun, shouldContinueRunning } = shouldRunOn(node, template);
      const pods = byNode.get(name) ?? [];
      byNode.delete(name);
      const failed = pods.filter((p) => p.status?.phase === 'Failed');
      for (const p of failed) await this.events.record(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${p.metadata.namespace}/${p.metadata.name} on node ${name}, will try to kill it`);
      remove.push(...failed);
      const running = pods.filter((p) => p.status?.phase !== 'Failed');
      if (!shouldContinueRunning) { remove.push(...running); continue; }
      if (!running.length) { if (shouldRun) create.push(name); continue; }
      // One pod a node; while surging, the oldest old pod and the oldest new one.
      const keep = surge ? [running.find((p) => !updated(p)), running.find(updated)].filter((p): p is P => !!p) : [running[0]];
      remove.push(...running.filter((p) => !keep.includes(p)));
    }
    // Pods for nodes that no longer exist.
    for (const pods of byNode.values()) remove.push(...pods);
    for (const node of create) await this.createPod(ds, template, node, hash, generation);
    for (const p of remove) await this.deletePod(ds, p);
    return create.length + remove.length > 0;
  }

  private async rollingUpdate(ds: DS, template: PodTemplateSpec, hash: string, generation: string, updated: (p: Pod) => boolean): Promise<void> {
    const byNode = this.podsByNode(ds);
    const now = this.registry.now().getTime();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const available = (p: Pod) => p.status?.phase === 'Running' && availableIn(p, minReady, now) === 0;
    const eligible = this.nodes.lister.list().filter((n) => shouldRunOn(n, template).shouldRun);
    const nodes: NodePods[] = eligible.map((n) => {
      const pods = byNode.get(n.metadata.name) ?? [];
      const fresh = pods.filter(updated);
      const old = pods.filter((p) => !updated(p));
      const state = (p: P | undefined) => p && { name: p.metadata.name, available: available(p) };
      return { node: n.metadata.name, newPod: state(fresh[0]), oldPod: state(old[0]), ok: fresh.length <= 1 && old.length <= 1 };
    });
    const rolling = ds.spec?.updateStrategy?.rollingUpdate;
    const { deleteOld, surgeOn } = rollingUpdatePlan(nodes, updateLimits(rolling?.maxUnavailable, rolling?.maxSurge, eligible.length));
    for (const node of surgeOn) await this.createPod(ds, template, node, hash, generation);
    for (const name of deleteOld) {
      const pod = this.pods.lister.get(ds.metadata.namespace, name);
      if (pod) await this.deletePod(ds, pod);
    }
  }

  private async createPod(ds: DS, template: PodTemplateSpec, node: string, hash: string, generation: string): Promise<void> {
    const meta = template.metadata ?? {};
    const pod: Pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        generateName: `${ds.metadata.name}-`,
        labels: { ...meta.labels, [POD_REVISION_LABEL]: hash, ...(generation ? { [TEMPLATE_GENERATION_LABEL]: generation } : {}) },
        ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
        ownerReferences: [this.ownerRef(ds)],
      },
      spec: daemonPodSpec(template, node),
    };
    const created = await ignoreRaces(this.pods.create(ds.metadata.namespace, pod, { dryRun: false, fieldManager: MANAGER }));
    if (!created) return;
    this.log.V(2).info('Created pod', { daemonSet: kobj(ds), pod: kobj(created), node });
    await this.events.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
  }

  private async deletePod(ds: DS, pod: P): Promise<void> {
    const deleted = await ignoreRaces(this.pods.delete(objectKey(pod), { preconditions: { uid: pod.metadata.uid } }, { dryRun: false }));
    if (!deleted) return;
    this.log.V(2).info('Deleted pod', { daemonSet: kobj(ds), pod: kobj(pod) });
    await this.events.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
  }

  /** Keeps revisionHistoryLimit revisions beyond the current one and those pods run. */
  private async cleanupHistory(ds: DS, selector: LabelSelector, hash: string): Promise<void> {
    const revisions = await this.history.list(ds, selector);
    const used = new Set(this.pods.lister.list(ds.metadata.namespace).filter((p) => controllerOf(p)?.uid === ds.metadata.uid).map((p) => p.metadata.labels?.[POD_REVISION_LABEL]));
    used.add(hash);
    const live = new Set(revisions.filter((r) => used.has(r.metadata.labels?.[POD_REVISION_LABEL])).map((r) => r.metadata.name));
    for (const r of revisionsToTruncate(revisions, live, ds.spec?.revisionHistoryLimit ?? 10)) await this.history.delete(r);
  }

  private async updateStatus(ds: DS, template: PodTemplateSpec, collisionCount: number, updated: (p: Pod) => boolean): Promise<Result | void> {
    const byNode = this.podsByNode(ds);
    const now = this.registry.now().getTime();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const counts = { desired: 0, current: 0, misscheduled: 0, ready: 0, available: 0, updated: 0 };
    const waits: number[] = [];
    for (const node of this.nodes.lister.list()) {
      const { shouldRun } = shouldRunOn(node, template);
      const pods = byNode.get(node.metadata.name) ?? [];
      if (shouldRun) counts.desired++;
      if (!pods.length) continue;
      if (!shouldRun) { counts.misscheduled++; continue; }
      counts.current++;
      const pod = pods[0];
      if (isReady(pod)) {
        counts.ready++;
        const wait = availableIn(pod, minReady, now);
        if (wait === 0) counts.available++; else if (wait !== undefined) waits.push(wait);
      }
      if (pods.some(updated)) counts.updated++;
    }
    const status: DaemonSetStatus = {
      currentNumberScheduled: counts.current, numberMisscheduled: counts.misscheduled, desiredNumberScheduled: counts.desired, numberReady: counts.ready,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: counts.updated, numberAvailable: counts.available, numberUnavailable: counts.desired - counts.available,
      ...(collisionCount ? { collisionCount } : {}),
    };
    // Zero counts are left out, as kube's omitempty int32s are.
    for (const k of ['updatedNumberScheduled', 'numberAvailable', 'numberUnavailable'] as const) if (!status[k]) delete status[k];
    await ignoreRaces(this.sets.update(objectKey(ds), (o) => ({ ...o, status: { ...status, ...(o.status?.conditions ? { conditions: o.status.conditions } : {}) } }), { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
    if (waits.length) return { requeueAfterMs: Math.min(...waits) };
  }
}
