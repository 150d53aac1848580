// The scheduler: pods without spec.nodeName (for default-scheduler), highest priority first, are
// filtered against every node, scored, and bound through pods/binding; one that fits nowhere may
// preempt lower-priority pods (preemption.ts) and is nominated to their node; the rest are marked
// unschedulable with a FailedScheduling event and retried when nodes or pods change.
import { bindPod } from '../api/binding.js';
import type { Node, Pod, PodCondition } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import { activityOf } from '../observe/activity.js';
import { rfc3339 } from '../api/time.js';
import { Controller, type Result } from '../client/controller.js';
import { keyString, objectKey, type ObjectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import { resources, type Resources } from '../client/resources.js';
import type { Stored } from '../client/typed-resource.js';
import { kobj, kref, QUIET, type Logger } from '../logging/log.js';
import { EventsV1Recorder } from './events.js';
import { preFilterMessage, VolumeBinding, type PodVolumes } from './volume-binding.js';
import { addPodToState, feasibleNodesToFind, filterNode, nodeState, podDemand, refillNodeState, sameDemand, sameNodeDemand, scoreNode, terminal, unschedulableMessage, type NodeState } from './scheduling.js';
import { disruptionBudgetOf, podPriority, preempt, preemptionMightHelp, type DisruptionBudget, type PreemptionNode } from './preemption.js';

const SCHEDULER = 'default-scheduler';
const RETRY_MS = 10_000;

function pending(pod: Pod): boolean {
  return !pod.spec?.nodeName && (pod.spec?.schedulerName ?? SCHEDULER) === SCHEDULER && !pod.metadata.deletionTimestamp;
}

function active(pod: Pod): boolean {
  return !terminal(pod);
}

/**
 * Whether `bound` is the pod assumed on `nodeName` (`assumed`, a pending pod) bound there, asking
 * the same of it: the node's state counted it when it was assumed, and stands.
 */
function boundAsAssumed(assumed: Pod, nodeName: string, bound: Pod): boolean {
  return bound.metadata.uid === assumed.metadata.uid && bound.spec?.nodeName === nodeName && active(bound) && sameDemand(assumed, bound);
}

/** What a search of the nodes for a pod found. */
interface NodeSearch {
  visited: number;
  feasible: number;
  /** Why each node checked and found unfit is so, and the node. */
  reasons: (readonly string[])[];
  failed: { node: Stored<Node>; reasons: readonly string[] }[];
  /** The feasible nodes of the best score: the first `tied` of the scheduler's one array, good until its next search. */
  best: readonly Stored<Node>[];
  tied: number;
}

/** The nodes as listed, each with its state at the same index; `fresh[i]` 0 when row i must be worked out again. */
interface NodeTable { nodes: Stored<Node>[]; states: NodeState[]; fresh: Uint8Array; indexOf: Map<string, number> }

export class Scheduler {
  private readonly client: Resources;
  private readonly controller: Controller<ObjectKey>;
  private readonly events: EventsV1Recorder;
  /** Pods known unschedulable, by namespace/name, retried when nodes or pods change. */
  private readonly unschedulable = new Map<string, ObjectKey>();
  /** Where the next search through the nodes starts, so pods spread as kube-scheduler's do. */
  private nextStartNode = 0;
  /**
   * Pods chosen a node whose binding is still being written, by node (kube-scheduler's assumed
   * pods): counted on their node at once, so the next pods are scheduled without waiting.
   */
  private readonly assumed = new Map<string, Map<string, Pod>>();
  /** The nodes and their states, made at the first search after a node came or went. */
  private nodeTable?: NodeTable;
  /** Keys (namespace/name) of the pods whose binding is in flight. */
  private readonly binding = new Set<string>();
  /** The VolumeBinding plugin: the pod's claims, checked before and with each node. */
  private readonly volumeBinding: VolumeBinding;
  /** Pending pods nominated to a node by preemption, by node then namespace/name (kube's PodNominator). */
  private readonly nominated = new Map<string, Map<string, Pod>>();
  /** The last search's nodes of the best score (NodeSearch.best). */
  private readonly bestNodes: Stored<Node>[] = [];
  private readonly nominatedNodeOf = new Map<string, string>();

  constructor(private readonly registry: Registry, private readonly log: Logger = QUIET) {
    this.client = resources(registry);
    this.events = new EventsV1Recorder(registry, SCHEDULER, log);
    this.volumeBinding = new VolumeBinding(registry);
    // The active queue in kube's PrioritySort order: higher priority first, then first come.
    const rank = (key: ObjectKey) => { const p = this.client.pods.lister.getKey(key); return p ? podPriority(p) : 0; };
    this.controller = new Controller<ObjectKey>({ name: 'scheduler', reconcile: (key) => this.schedule(key), identity: keyString, rank, log })
      .watch(this.client.pods, (change, queue) => {
        const pod = change.object;
        this.trackNomination(pod, change.type === 'DELETED');
        // A pod's status updates (most of its changes) leave what it takes of its node as it was,
        // and so does the binding of a pod assumed there: the node's state counts it already.
        const keepsNodes = change.type === 'MODIFIED' && (sameNodeDemand(change.prev, pod) || this.isAssumedBinding(change.prev, pod));
        if (!keepsNodes) {
          this.forgetNodeOf(pod);
          if (change.type !== 'ADDED') this.forgetNodeOf(change.prev);
        }
        const key = objectKey(pod);
        // Status updates of a pod already known unschedulable wait for the retry, not re-trigger it.
        if (change.type !== 'DELETED' && pending(pod) && !(change.type === 'MODIFIED' && this.unschedulable.has(keyString(key)))) queue.add(key);
        // A pod leaving a node frees room: give the unschedulable another chance.
        if (change.type === 'DELETED' || !active(pod)) this.retryUnschedulable();
      })
      .watch(this.client.nodes, ({ type, object: node }) => {
        // A node changed in place keeps its row; one added or gone makes the table anew.
        const i = this.nodeTable?.indexOf.get(node.metadata.name);
        if (this.nodeTable && i !== undefined && type === 'MODIFIED') {
          this.nodeTable.nodes[i] = node;
          this.nodeTable.fresh[i] = 0;
        } else {
          this.nodeTable = undefined;
        }
        this.retryUnschedulable();
      })
      // A claim made, bound or annotated may let a pod waiting for it be scheduled.
      .watch(this.volumeBinding.claims, () => this.retryUnschedulable());
  }

  start(): void { this.controller.start(); }
  stop(): void { this.controller.stop(); }

  /** Whether `pod` is the binding of `prev`, assumed on that node with what it asks of it. */
  private isAssumedBinding(prev: Pod, pod: Pod): boolean {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || prev.spec?.nodeName) return false;
    const assumed = this.assumed.get(nodeName)?.get(keyString(objectKey(pod)));
    return !!assumed && boundAsAssumed(assumed, nodeName, pod);
  }

  private forgetNodeOf(pod: Pod): void {
    const nodeName = pod.spec?.nodeName;
    if (nodeName) this.forgetState(nodeName);
  }

  private forgetState(nodeName: string): void {
    const table = this.nodeTable;
    const i = table?.indexOf.get(nodeName);
    if (table && i !== undefined) table.fresh[i] = 0;
  }

  private nodes(): NodeTable {
    if (!this.nodeTable) {
      const nodes = this.client.nodes.lister.list();
      // Every row's state made now, one after another: the search reads them in this order.
      const states = nodes.map((n) => nodeState(n, this.podsOn(n.metadata.name)));
      this.nodeTable = { nodes, states, fresh: new Uint8Array(nodes.length).fill(1), indexOf: new Map(nodes.map((n, i) => [n.metadata.name, i])) };
    }
    return this.nodeTable;
  }

  /** Row `i`'s state, worked out again in place when a pod on the node (or the node) changed. */
  private stateAt(table: NodeTable, i: number): NodeState {
    const state = table.states[i];
    if (!table.fresh[i]) {
      const node = table.nodes[i];
      refillNodeState(state, node, this.podsOn(node.metadata.name));
      table.fresh[i] = 1;
    }
    return state;
  }

  /** The pods bound to the node (not finished) and those assumed on it. */
  private podsOn(name: string): Pod[] {
    const onNode = this.client.pods.lister.byIndex('nodeName', name).filter(active);
    const assumed = [...(this.assumed.get(name)?.values() ?? [])].filter((p) => !onNode.some((o) => o.metadata.uid === p.metadata.uid));
    return [...onNode, ...assumed];
  }

  /**
   * The node as `pod` sees it: with the pods nominated to it of at least its priority counted as
   * if bound (kube's filters run with nominated pods), so room freed by preemption stays theirs.
   */
  private stateFor(table: NodeTable, i: number, pod: Pod): NodeState {
    const node = table.nodes[i];
    const nominated = this.nominatedFor(node.metadata.name, pod);
    return nominated.length ? nodeState(node, [...this.podsOn(node.metadata.name), ...nominated]) : this.stateAt(table, i);
  }

  private nominatedFor(nodeName: string, pod: Pod): Pod[] {
    const onNode = this.nominated.get(nodeName);
    if (!onNode) return []; // most nodes: no copy
    const priority = podPriority(pod);
    return [...onNode.values()].filter((p) => p.metadata.uid !== pod.metadata.uid && podPriority(p) >= priority);
  }

  private trackNomination(pod: Pod, deleted: boolean): void {
    const key = keyString(objectKey(pod));
    const before = this.nominatedNodeOf.get(key);
    if (before) {
      this.nominated.get(before)?.delete(key);
      if (!this.nominated.get(before)?.size) this.nominated.delete(before);
      this.nominatedNodeOf.delete(key);
    }
    const nodeName = pod.status?.nominatedNodeName;
    if (deleted || !nodeName || !pending(pod)) return;
    let onNode = this.nominated.get(nodeName);
    if (!onNode) this.nominated.set(nodeName, (onNode = new Map<string, Pod>()));
    onNode.set(key, pod);
    this.nominatedNodeOf.set(key, nodeName);
  }

  private retryUnschedulable(): void {
    for (const key of this.unschedulable.values()) this.controller.add(key);
  }

  private async schedule(request: ObjectKey): Promise<Result | void> {
    const key = keyString(request);
    const pod = this.client.pods.lister.getKey(request);
    if (!pod || !pending(pod)) { this.unschedulable.delete(key); return; }
    if (this.binding.has(key)) return;
    const table = this.nodes();
    const nodes = table.nodes;
    const volumeCheck = this.volumeBinding.preFilter(pod);
    if ('unresolvable' in volumeCheck) return this.unschedulableFor(request, pod, preFilterMessage(nodes.length, volumeCheck.unresolvable));
    const { visited, feasible, reasons, failed, best, tied } = this.search(table, pod, volumeCheck.volumes);
    if (nodes.length) this.nextStartNode = (this.nextStartNode + visited) % nodes.length;
    if (!tied) return this.postFilter(request, pod, unschedulableMessage(nodes.length, reasons), failed);
    this.unschedulable.delete(key);
    const chosen = best[this.registry.entropy.int(tied)].metadata.name;
    // The binding cycle runs on its own, as kube-scheduler's does: the next pod need not wait.
    this.assume(chosen, key, pod);
    void this.bind(request, chosen, visited, feasible, pod, volumeCheck.volumes).finally(() => this.forget(chosen, request, pod));
  }

  /**
   * Filters and scores nodes from where the last search stopped until enough feasible ones are
   * found (percentageOfNodesToScore): the scheduler's hot loop, which allocates nothing for a node
   * that fits (bench/alloc-areas.ts).
   */
  private search(table: NodeTable, pod: Pod, volumes: PodVolumes | undefined): NodeSearch {
    const nodes = table.nodes;
    const reasons: (readonly string[])[] = [];
    const failed: { node: Stored<Node>; reasons: readonly string[] }[] = [];
    // The nodes of the best score so far, the first `tied` of one array kept for every search: with
    // nodes alike most of the hundreds checked tie (an object a tie was a fifth of what the scheduler
    // allocated, and emptying the array by its length frees its store, grown again by the pushes).
    const best = this.bestNodes;
    let tied = 0;
    let bestScore = -Infinity;
    let feasible = 0;
    let visited = 0;
    const wanted = feasibleNodesToFind(nodes.length);
    const demand = podDemand(pod);
    for (; visited < nodes.length && feasible < wanted; visited++) {
      const i = (this.nextStartNode + visited) % nodes.length;
      const node = nodes[i];
      // Nominated pods count on their node for this pod only; otherwise the node's state is shared.
      const state = this.nominated.size ? this.stateFor(table, i, pod) : this.stateAt(table, i);
      let why = filterNode(pod, state, demand);
      if (!why.length && volumes) why = this.volumeBinding.filter(volumes, node);
      if (why.length) { reasons.push(why); failed.push({ node, reasons: why }); continue; }
      feasible++;
      const score = scoreNode(pod, state, demand);
      if (!tied || score > bestScore) { bestScore = score; best[0] = node; tied = 1; } else if (score === bestScore) best[tied++] = node;
    }
    return { visited, feasible, reasons, failed, best, tied };
  }

  /**
   * The pod fits nowhere: DefaultPreemption decides whether it preempts. When it does, the victims
   * go and the pod is nominated to their node; either way it waits as unschedulable.
   */
  private async postFilter(request: ObjectKey, pod: Pod, message: string, failed: { node: Stored<Node>; reasons: readonly string[] }[]): Promise<Result> {
    const nominatedName = pod.status?.nominatedNodeName;
    const nominatedFailure = failed.find((f) => f.node.metadata.name === nominatedName);
    // A nominated node that no longer fits for reasons preemption cannot cure lets the pod preempt again.
    const nominatedPods = nominatedName && (!nominatedFailure || preemptionMightHelp(nominatedFailure.reasons)) ? this.podsOn(nominatedName) : undefined;
    const candidates = failed.map(({ node, reasons }): PreemptionNode => {
      const name = node.metadata.name;
      const nominated = this.nominatedFor(name, pod);
      return { name, reasons, pods: this.podsOn(name), check: (remaining) => filterNode(pod, nodeState(node, [...remaining, ...nominated])) };
    });
    const outcome = preempt(pod, candidates, this.disruptionBudgets(), nominatedPods);
    if ('message' in outcome) return this.unschedulableFor(request, pod, `${message} ${outcome.message}`, outcome.clearNomination && nominatedName ? '' : undefined);
    this.log.V(2).info('Preempting', { pod: kobj(pod), node: outcome.node, victims: outcome.victims.map((v) => kobj(v)) });
    await Promise.all(outcome.victims.map((victim) => this.preemptVictim(pod, victim, outcome.node)));
    await this.clearLowerNominations(pod, outcome.node);
    return this.unschedulableFor(request, pod, message, outcome.node);
  }

  /** The PodDisruptionBudgets, when the cluster serves policy/v1 ones. */
  private disruptionBudgets(): DisruptionBudget[] {
    if (!this.registry.resource('poddisruptionbudgets', 'policy')) return [];
    return this.client.podDisruptionBudgets.lister.list().flatMap((pdb) => disruptionBudgetOf(pdb) ?? []);
  }

  /** As kube's PreemptPod: a DisruptionTarget condition, a graceful delete, a `Preempted` event. */
  private async preemptVictim(preemptor: Pod, victim: Pod, nodeName: string): Promise<void> {
    const key = objectKey(victim);
    if (!victim.metadata.deletionTimestamp) {
      const condition: PodCondition = {
        type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(this.registry.now()),
        reason: 'PreemptionByScheduler', message: `${SCHEDULER}: preempting to accommodate a higher priority pod`,
      };
      const marked = await ignoreRaces(this.client.pods.update(key, (p) => {
        if (p.metadata.uid !== victim.metadata.uid) return p;
        const status = (p.status ??= {});
        status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'), condition];
        return p;
      }, { dryRun: false, subresource: 'status', fieldManager: SCHEDULER }));
      if (!marked) return;
      await ignoreRaces(this.client.pods.delete(key, { preconditions: { uid: victim.metadata.uid } }, { dryRun: false }));
    }
    await this.events.eventf(victim, preemptor, 'Normal', 'Preempted', 'Preempting', `Preempted by pod ${preemptor.metadata.uid} on node ${nodeName}`);
  }

  /** Lower-priority pods nominated to the node may no longer fit there: their nomination goes. */
  private async clearLowerNominations(preemptor: Pod, nodeName: string): Promise<void> {
    const priority = podPriority(preemptor);
    const lower = [...(this.nominated.get(nodeName)?.values() ?? [])].filter((p) => podPriority(p) < priority);
    await Promise.all(lower.map((p) => ignoreRaces(this.client.pods.update(objectKey(p), (current) => {
      if (current.status) delete current.status.nominatedNodeName;
      return current;
    }, { dryRun: false, subresource: 'status', fieldManager: SCHEDULER }))));
  }

  /** `nominate`: the node to nominate the pod to, '' to clear its nomination, undefined to keep it. */
  private async unschedulableFor(request: ObjectKey, pod: Pod, message: string, nominate?: string): Promise<Result> {
    this.unschedulable.set(keyString(request), request);
    this.log.V(2).info('Pod unschedulable, will retry', { pod: kobj(pod), reason: message, retryAfter: `${RETRY_MS / 1000}s` });
    const activity = activityOf(this.registry.store);
    if (activity.listening) activity.publish('scheduler', 'unschedulable', { kind: 'Pod', namespace: request.namespace, name: request.name });
    await this.markUnschedulable(request, message, nominate);
    await this.events.eventf(pod, undefined, 'Warning', 'FailedScheduling', 'Scheduling', message);
    return { requeueAfterMs: RETRY_MS };
  }

  private async bind(pod: ObjectKey, nodeName: string, evaluatedNodes: number, feasibleNodes: number, chosen: Pod, volumes: PodVolumes | undefined): Promise<void> {
    const { namespace = '', name } = pod;
    try {
      const wanted = () => this.client.pods.lister.getKey(pod)?.metadata.uid === chosen.metadata.uid;
      if (!await this.volumeBinding.preBind(chosen, nodeName, volumes, wanted)) {
        if (wanted()) this.controller.add(pod);
        return;
      }
      const boundPod = await ignoreRaces(bindPod(this.client.pods.store, namespace, name, nodeName));
      if (boundPod) {
        this.log.V(2).info('Pod scheduled', { pod: kref(namespace, name), node: nodeName, evaluatedNodes, feasibleNodes });
        const activity = activityOf(this.registry.store);
        if (activity.listening) activity.publish('scheduler', 'bind', { kind: 'Pod', namespace, name }, nodeName);
        await this.events.eventf(boundPod, undefined, 'Normal', 'Scheduled', 'Binding', `Successfully assigned ${namespace}/${name} to ${nodeName}`);
      }
    } catch (e) {
      this.log.error(e, 'Binding failed, will retry', { pod: kref(namespace, name), node: nodeName });
      this.controller.add(pod);
    }
  }

  /** Counts `pod` on its node while its binding is written; the node's state, if worked out, takes it as kube's cache.AssumePod does. */
  private assume(nodeName: string, key: string, pod: Pod): void {
    let onNode = this.assumed.get(nodeName);
    if (!onNode) this.assumed.set(nodeName, (onNode = new Map<string, Pod>()));
    onNode.set(key, pod);
    this.binding.add(key);
    const table = this.nodeTable;
    const i = table?.indexOf.get(nodeName);
    if (table && i !== undefined && table.fresh[i]) addPodToState(table.states[i], pod);
  }

  /**
   * The binding is done: the pod no longer counts as assumed. Bound there, it counts from the
   * cache as it did assumed, and the node's state stands; otherwise it is worked out again.
   */
  private forget(nodeName: string, request: ObjectKey, pod: Pod): void {
    const key = keyString(request);
    const onNode = this.assumed.get(nodeName);
    onNode?.delete(key);
    if (onNode && !onNode.size) this.assumed.delete(nodeName);
    this.binding.delete(key);
    const bound = this.client.pods.lister.getKey(request);
    if (!bound || !boundAsAssumed(pod, nodeName, bound)) this.forgetState(nodeName);
  }

  /** PodScheduled=False with reason Unschedulable, as kube-scheduler writes it. */
  private async markUnschedulable(pod: ObjectKey, message: string, nominate: string | undefined): Promise<void> {
    await ignoreRaces(this.client.pods.update(pod, (p) => {
      const status = (p.status ??= {});
      if (nominate) status.nominatedNodeName = nominate;
      else if (nominate === '') delete status.nominatedNodeName;
      const others = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
      const previous = (status.conditions ?? []).find((c) => c.type === 'PodScheduled');
      const condition: PodCondition = { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: previous?.status === 'False' ? previous.lastTransitionTime : rfc3339(this.registry.now()), reason: 'Unschedulable', message };
      status.conditions = [...others, condition];
      return p;
    }, { dryRun: false, subresource: 'status', fieldManager: SCHEDULER }));
  }
}
