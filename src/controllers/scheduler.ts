// The scheduler: pods without spec.nodeName (for default-scheduler) are filtered against every
// node, scored, and bound through pods/binding; the rest are marked unschedulable with a
// FailedScheduling event and retried when nodes or pods change.
import { bindPod } from '../api/binding.js';
import type { Registry } from '../api/registry.js';
import { rfc3339 } from '../api/resource-store.js';
import type { KObject } from '../api/types.js';
import { kobj, kref, QUIET, type Logger } from '../logging/log.js';
import { EventRecorder } from './events.js';
import { ignoreRaces, informer, keyOf, listAll, listByIndex, splitKey, WorkQueue } from './runtime.js';
import { feasibleNodesToFind, filterNode, nodeState, scoreNode, unschedulableMessage, type NodeState } from './scheduling.js';

const SCHEDULER = 'default-scheduler';
const RETRY_MS = 10_000;

function pending(pod: KObject): boolean {
  const spec = (pod.spec ?? {}) as { nodeName?: string; schedulerName?: string };
  return !spec.nodeName && (spec.schedulerName ?? SCHEDULER) === SCHEDULER && !pod.metadata.deletionTimestamp;
}

function active(pod: KObject): boolean {
  const phase = ((pod.status ?? {}) as { phase?: string }).phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

export class Scheduler {
  private readonly queue: WorkQueue;
  private readonly events: EventRecorder;
  private readonly unschedulable = new Set<string>();
  private readonly stops: (() => void)[] = [];
  /** Each node's requested resources and ports, dropped when the node or a pod on it changes. */
  private readonly nodeStates = new Map<string, NodeState>();
  /** Where the next search through the nodes starts, so pods spread as kube-scheduler's do. */
  private nextStartNode = 0;
  /**
   * Pods chosen a node whose binding is still being written, by node (kube-scheduler's assumed
   * pods): counted on their node at once, so the next pods are scheduled without waiting.
   */
  private readonly assumed = new Map<string, Map<string, KObject>>();
  /** The nodes, as listed at the last node change. */
  private nodeList?: KObject[];
  /** Keys of the pods whose binding is in flight. */
  private readonly binding = new Set<string>();

  constructor(private readonly registry: Registry, private readonly log: Logger = QUIET) {
    this.queue = new WorkQueue('scheduler', (key) => this.schedule(key), log);
    this.events = new EventRecorder(registry, { component: SCHEDULER }, log);
  }

  start(): void {
    this.stops.push(informer(this.registry.resource('pods')!, (pod, prev, type) => {
      this.forgetNodeOf(pod);
      if (prev) this.forgetNodeOf(prev);
      // Status updates of a pod already known unschedulable wait for the retry, not re-trigger it.
      if (type !== 'DELETED' && pending(pod) && !(type === 'MODIFIED' && this.unschedulable.has(keyOf(pod)))) this.queue.add(keyOf(pod));
      // A pod leaving a node frees room: give the unschedulable another chance.
      if (type === 'DELETED' || !active(pod)) this.retryUnschedulable();
    }));
    this.stops.push(informer(this.registry.resource('nodes')!, (node) => {
      this.nodeStates.delete(node.metadata.name!);
      this.nodeList = undefined;
      this.retryUnschedulable();
    }));
  }

  stop(): void {
    for (const s of this.stops) s();
    this.queue.stop();
  }

  private forgetNodeOf(pod: KObject): void {
    const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    if (nodeName) this.nodeStates.delete(nodeName);
  }

  private stateOf(node: KObject): NodeState {
    let state = this.nodeStates.get(node.metadata.name!);
    if (!state || state.node !== node) {
      const onNode = listByIndex(this.registry.resource('pods')!, 'nodeName', node.metadata.name!).filter(active);
      const assumed = [...(this.assumed.get(node.metadata.name!)?.values() ?? [])].filter((p) => !onNode.some((o) => o.metadata.uid === p.metadata.uid));
      state = nodeState(node, [...onNode, ...assumed]);
      this.nodeStates.set(node.metadata.name!, state);
    }
    return state;
  }

  private retryUnschedulable(): void {
    for (const key of this.unschedulable) this.queue.add(key);
  }

  private async schedule(key: string): Promise<void | { requeueAfterMs: number }> {
    const pods = this.registry.resource('pods')!;
    const [ns, name] = splitKey(key);
    const pod = pods.cache.get(pods.key(ns, name))?.object;
    if (!pod || !pending(pod)) { this.unschedulable.delete(key); return; }
    if (this.binding.has(key)) return;
    const nodes = (this.nodeList ??= listAll(this.registry.resource('nodes')!));
    const reasons: string[][] = [];
    let best: { node: KObject; score: number }[] = [];
    let feasible = 0;
    let visited = 0;
    const wanted = feasibleNodesToFind(nodes.length);
    for (; visited < nodes.length && feasible < wanted; visited++) {
      const node = nodes[(this.nextStartNode + visited) % nodes.length];
      const state = this.stateOf(node);
      const why = filterNode(pod, state);
      if (why.length) { reasons.push(why); continue; }
      feasible++;
      const score = scoreNode(pod, state);
      if (!best.length || score > best[0].score) best = [{ node, score }];
      else if (score === best[0].score) best.push({ node, score });
    }
    if (nodes.length) this.nextStartNode = (this.nextStartNode + visited) % nodes.length;
    if (!best.length) {
      this.unschedulable.add(key);
      const message = unschedulableMessage(nodes.length, reasons);
      this.log.V(2).info('Pod unschedulable, will retry', { pod: kobj(pod), reason: message, retryAfter: `${RETRY_MS / 1000}s` });
      await this.markUnschedulable(pod, message);
      await this.events.record(pod, 'Warning', 'FailedScheduling', message);
      return { requeueAfterMs: RETRY_MS };
    }
    this.unschedulable.delete(key);
    const chosen = best[this.registry.entropy.int(best.length)].node.metadata.name!;
    // The binding cycle runs on its own, as kube-scheduler's does: the next pod need not wait.
    this.assume(chosen, key, pod);
    void this.bind(pod, chosen, visited, feasible).finally(() => this.forget(chosen, key));
  }

  private async bind(pod: KObject, nodeName: string, evaluatedNodes: number, feasibleNodes: number): Promise<void> {
    const { namespace, name } = pod.metadata;
    try {
      const boundPod = await ignoreRaces(bindPod(this.registry.resource('pods')!, namespace!, name!, nodeName, SCHEDULER));
      if (boundPod) {
        this.log.V(2).info('Pod scheduled', { pod: kref(namespace, name!), node: nodeName, evaluatedNodes, feasibleNodes });
        await this.events.record(boundPod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${nodeName}`);
      }
    } catch (e) {
      this.log.error(e, 'Binding failed, will retry', { pod: kref(namespace, name!), node: nodeName });
      this.queue.add(keyOf(pod));
    }
  }

  private assume(nodeName: string, key: string, pod: KObject): void {
    let onNode = this.assumed.get(nodeName);
    if (!onNode) this.assumed.set(nodeName, (onNode = new Map()));
    onNode.set(key, pod);
    this.binding.add(key);
    this.nodeStates.delete(nodeName);
  }

  private forget(nodeName: string, key: string): void {
    const onNode = this.assumed.get(nodeName);
    onNode?.delete(key);
    if (onNode && !onNode.size) this.assumed.delete(nodeName);
    this.binding.delete(key);
    this.nodeStates.delete(nodeName);
  }

  /** PodScheduled=False with reason Unschedulable, as kube-scheduler writes it. */
  private async markUnschedulable(pod: KObject, message: string): Promise<void> {
    const pods = this.registry.resource('pods')!;
    await ignoreRaces(pods.update(pod.metadata.namespace, pod.metadata.name!, (p) => {
      const status = (p.status ??= {}) as { conditions?: Record<string, unknown>[] };
      const others = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
      const previous = (status.conditions ?? []).find((c) => c.type === 'PodScheduled');
      const condition = { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: previous?.status === 'False' ? previous.lastTransitionTime : rfc3339(this.registry.now()), reason: 'Unschedulable', message };
      status.conditions = [...others, condition];
      return p;
    }, { dryRun: false, subresource: 'status', fieldManager: SCHEDULER }));
  }
}
