// The node lifecycle controller: a node whose Lease has not been renewed within the grace period
// gets its conditions set to Unknown and the `node.kubernetes.io/unreachable` taints; pods on it
// are evicted once their toleration of that taint runs out. A node that heartbeats again (its
// kubelet reports Ready) loses the taints.
import type { Registry } from '../api/registry.js';
import { rfc3339 } from '../api/resource-store.js';
import type { KObject } from '../api/types.js';
import { Duration, kobj, QUIET, type Logger } from '../logging/log.js';
import { EventRecorder } from './events.js';
import { ignoreRaces, listAll, listByIndex } from './runtime.js';
import { tolerates, type Taint, type Toleration } from './scheduling.js';

const MANAGER = 'kube-controller-manager';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

export interface NodeLifecycleOptions {
  /** How long a node may go without renewing its Lease (kube default 40 s). */
  gracePeriodMs: number;
  /** How often nodes are checked (kube default 5 s). */
  monitorPeriodMs: number;
}

export const DEFAULT_NODE_LIFECYCLE: NodeLifecycleOptions = { gracePeriodMs: 40_000, monitorPeriodMs: 5_000 };

export class NodeLifecycleController {
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly events: EventRecorder;
  private readonly evictions: EventRecorder;

  constructor(private readonly registry: Registry, private readonly options: NodeLifecycleOptions, private readonly log: Logger = QUIET) {
    this.events = new EventRecorder(registry, { component: 'node-controller' }, log);
    this.evictions = new EventRecorder(registry, { component: 'taint-eviction-controller' }, log);
  }

  start(): void {
    this.timer = setInterval(() => void this.monitor(), this.options.monitorPeriodMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async monitor(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const leases = this.registry.resource('leases', 'coordination.k8s.io')!;
      const now = this.registry.now().getTime();
      for (const node of listAll(this.registry.resource('nodes')!)) {
        const lease = leases.cache.get(leases.key('kube-node-lease', node.metadata.name!))?.object;
        const renewed = Date.parse(((lease?.spec ?? {}) as { renewTime?: string }).renewTime ?? node.metadata.creationTimestamp ?? '');
        const stale = now - renewed > this.options.gracePeriodMs;
        const ready = ((node.status ?? {}) as { conditions?: { type: string; status: string }[] }).conditions?.find((c) => c.type === 'Ready');
        if (stale && ready?.status !== 'Unknown' && lease) {
          this.log.V(2).info('Node stopped heartbeating, marking it NotReady', { node: kobj(node), lastHeartbeat: new Duration((now - renewed) * 1e6), gracePeriod: new Duration(this.options.gracePeriodMs * 1e6) });
          await this.markUnknown(node);
        }
        const tainted = ((node.spec ?? {}) as { taints?: Taint[] }).taints?.some((t) => t.key === UNREACHABLE);
        if (!stale && ready?.status === 'True' && tainted) {
          this.log.V(2).info('Node is ready again, removing its unreachable taints', { node: kobj(node) });
          await this.setUnreachableTaints(node.metadata.name!, false);
        }
        if (tainted) await this.evictPods(node);
      }
      await this.collectOrphanedPods();
    } catch (e) {
      this.log.error(e, 'Node lifecycle check failed');
    } finally {
      this.running = false;
    }
  }

  private async markUnknown(node: KObject): Promise<void> {
    const nodes = this.registry.resource('nodes')!;
    const now = rfc3339(this.registry.now());
    await ignoreRaces(nodes.update(undefined, node.metadata.name!, (n) => {
      const status = (n.status ??= {}) as { conditions?: Record<string, unknown>[] };
      status.conditions = (status.conditions ?? []).map((c) => (c.status === 'Unknown' ? c : {
        ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now,
      }));
      return n;
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
    await this.setUnreachableTaints(node.metadata.name!, true);
    await this.events.record(node, 'Normal', 'NodeNotReady', `Node ${node.metadata.name} status is now: NodeNotReady`);
  }

  private async setUnreachableTaints(name: string, on: boolean): Promise<void> {
    const nodes = this.registry.resource('nodes')!;
    const now = rfc3339(this.registry.now());
    await ignoreRaces(nodes.update(undefined, name, (n) => {
      const spec = (n.spec ??= {}) as { taints?: Taint[] };
      const others = (spec.taints ?? []).filter((t) => t.key !== UNREACHABLE);
      spec.taints = on ? [...others, { key: UNREACHABLE, effect: 'NoSchedule', timeAdded: now }, { key: UNREACHABLE, effect: 'NoExecute', timeAdded: now }] : others;
      if (!spec.taints.length) delete spec.taints;
      return n;
    }, { dryRun: false, fieldManager: MANAGER }));
  }

  /** Pods bound to a node that no longer exists are deleted at once (kube's pod garbage collector). */
  private async collectOrphanedPods(): Promise<void> {
    const nodes = this.registry.resource('nodes')!;
    const pods = this.registry.resource('pods')!;
    for (const pod of listAll(pods)) {
      const nodeName = (pod.spec as { nodeName?: string }).nodeName;
      if (!nodeName || nodes.cache.get(nodes.key(undefined, nodeName))) continue;
      this.log.V(2).info('Deleting pod bound to a node that no longer exists', { pod: kobj(pod), node: nodeName });
      await ignoreRaces(pods.delete(pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0 }, { dryRun: false }));
    }
  }

  /** Pods whose toleration of the NoExecute taint has run out (or who have none) are deleted. */
  private async evictPods(node: KObject): Promise<void> {
    const taint = ((node.spec ?? {}) as { taints?: Taint[] }).taints?.find((t) => t.key === UNREACHABLE && t.effect === 'NoExecute');
    if (!taint) return;
    const added = Date.parse(taint.timeAdded ?? '') || this.registry.now().getTime();
    const pods = this.registry.resource('pods')!;
    for (const pod of listByIndex(pods, 'nodeName', node.metadata.name!)) {
      if (pod.metadata.deletionTimestamp) continue;
      const tolerations = ((pod.spec as { tolerations?: Toleration[] }).tolerations ?? []).filter((t) => tolerates([t], taint));
      const seconds = tolerations.length ? Math.min(...tolerations.map((t) => t.tolerationSeconds ?? Infinity)) : 0;
      if (this.registry.now().getTime() < added + seconds * 1000) continue;
      const evicted = await ignoreRaces(pods.delete(pod.metadata.namespace, pod.metadata.name!, {}, { dryRun: false }));
      if (evicted) this.log.V(2).info('Evicted pod from unreachable node', { pod: kobj(pod), node: kobj(node) });
      if (evicted) await this.evictions.record(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`);
    }
  }
}
