// The node lifecycle controller: a node whose Lease has not been renewed within the grace period
// gets its conditions set to Unknown and the `node.kubernetes.io/unreachable` taints; pods on it
// are evicted once their toleration of that taint runs out. A node that heartbeats again (its
// kubelet reports Ready) loses the taints.
import type { Node, Taint } from '../api/objects.js';
import type { Stored } from '../client/typed-resource.js';
import type { Registry } from '../api/registry.js';
import { rfc3339 } from '../api/time.js';
import { Controller } from '../client/controller.js';
import { objectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import { resources, type Resources } from '../client/resources.js';
import { Duration, kobj, QUIET, type Logger } from '../logging/log.js';
import { EventRecorder } from './events.js';
import { tolerates } from './scheduling.js';

const MANAGER = 'kube-controller-manager';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

export interface NodeLifecycleOptions {
  /** How long a node may go without renewing its Lease (kube default 40 s). */
  gracePeriodMs: number;
  /** How often nodes are checked (kube default 5 s). */
  monitorPeriodMs: number;
}

export const DEFAULT_NODE_LIFECYCLE: NodeLifecycleOptions = { gracePeriodMs: 40_000, monitorPeriodMs: 5_000 };

/** The one request this controller has: look at every node (kube's monitorNodeHealth pass). */
const MONITOR = 'monitor';

export class NodeLifecycleController {
  private readonly client: Resources;
  private readonly controller: Controller<typeof MONITOR>;
  private readonly events: EventRecorder;
  private readonly evictions: EventRecorder;

  constructor(private readonly registry: Registry, private readonly options: NodeLifecycleOptions, private readonly log: Logger = QUIET) {
    this.client = resources(registry);
    this.events = new EventRecorder(registry, { component: 'node-controller' }, log);
    this.evictions = new EventRecorder(registry, { component: 'taint-eviction-controller' }, log);
    // A pass already running when the period comes round is followed by one more, not two.
    this.controller = new Controller<typeof MONITOR>({ name: 'node lifecycle controller', reconcile: () => this.monitor(), identity: () => MONITOR, log })
      .every(options.monitorPeriodMs, MONITOR);
  }

  start(): void { this.controller.start(); }
  stop(): void { this.controller.stop(); }

  private async monitor(): Promise<void> {
    try {
      const leases = this.client.leases;
      const now = this.registry.now().getTime();
      for (const node of this.client.nodes.lister.list()) {
        const name = node.metadata.name;
        const lease = leases.lister.get('kube-node-lease', name);
        const renewed = Date.parse(lease?.spec?.renewTime ?? node.metadata.creationTimestamp ?? '');
        const stale = now - renewed > this.options.gracePeriodMs;
        const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
        if (stale && ready?.status !== 'Unknown' && lease) {
          this.log.V(2).info('Node stopped heartbeating, marking it NotReady', { node: kobj(node), lastHeartbeat: new Duration((now - renewed) * 1e6), gracePeriod: new Duration(this.options.gracePeriodMs * 1e6) });
          await this.markUnknown(node);
        }
        const tainted = node.spec?.taints?.some((t) => t.key === UNREACHABLE);
        if (!stale && ready?.status === 'True' && tainted) {
          this.log.V(2).info('Node is ready again, removing its unreachable taints', { node: kobj(node) });
          await this.setUnreachableTaints(name, false);
        }
        if (tainted) await this.evictPods(node);
      }
      await this.collectOrphanedPods();
    } catch (e) {
      // Logged, not retried with backoff: the next period's pass looks again.
      this.log.error(e, 'Node lifecycle check failed');
    }
  }

  private async markUnknown(node: Stored<Node>): Promise<void> {
    const name = node.metadata.name;
    const now = rfc3339(this.registry.now());
    await ignoreRaces(this.client.nodes.update({ name }, (n) => {
      const status = (n.status ??= {});
      status.conditions = (status.conditions ?? []).map((c) => (c.status === 'Unknown' ? c : {
        ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now,
      }));
      return n;
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
    await this.setUnreachableTaints(name, true);
    await this.events.record(node, 'Normal', 'NodeNotReady', `Node ${node.metadata.name} status is now: NodeNotReady`);
  }

  private async setUnreachableTaints(name: string, on: boolean): Promise<void> {
    const now = rfc3339(this.registry.now());
    await ignoreRaces(this.client.nodes.update({ name }, (n) => {
      const spec = (n.spec ??= {});
      const others = (spec.taints ?? []).filter((t) => t.key !== UNREACHABLE);
      spec.taints = on ? [...others, { key: UNREACHABLE, effect: 'NoSchedule', timeAdded: now }, { key: UNREACHABLE, effect: 'NoExecute', timeAdded: now }] : others;
      if (!spec.taints.length) delete spec.taints;
      return n;
    }, { dryRun: false, fieldManager: MANAGER }));
  }

  /** Pods bound to a node that no longer exists are deleted at once (kube's pod garbage collector). */
  private async collectOrphanedPods(): Promise<void> {
    const { nodes, pods } = this.client;
    // Through the pods' nodeName index: a look at each node some pod is bound to, not at every pod.
    for (const nodeName of pods.lister.indexValues('nodeName')) {
      if (nodes.lister.get(undefined, nodeName)) continue;
      for (const pod of pods.lister.byIndex('nodeName', nodeName)) {
        this.log.V(2).info('Deleting pod bound to a node that no longer exists', { pod: kobj(pod), node: nodeName });
        await ignoreRaces(pods.delete(objectKey(pod), { gracePeriodSeconds: 0 }, { dryRun: false }));
      }
    }
  }

  /** Pods whose toleration of the NoExecute taint has run out (or who have none) are deleted. */
  private async evictPods(node: Stored<Node>): Promise<void> {
    const taint: Taint | undefined = node.spec?.taints?.find((t) => t.key === UNREACHABLE && t.effect === 'NoExecute');
    if (!taint) return;
    const added = Date.parse(taint.timeAdded ?? '') || this.registry.now().getTime();
    const pods = this.client.pods;
    for (const pod of pods.lister.byIndex('nodeName', node.metadata.name)) {
      if (pod.metadata.deletionTimestamp) continue;
      const tolerations = (pod.spec?.tolerations ?? []).filter((t) => tolerates([t], taint));
      const seconds = tolerations.length ? Math.min(...tolerations.map((t) => t.tolerationSeconds ?? Infinity)) : 0;
      if (this.registry.now().getTime() < added + seconds * 1000) continue;
      const evicted = await ignoreRaces(pods.delete(objectKey(pod), {}, { dryRun: false }));
      if (evicted) this.log.V(2).info('Evicted pod from unreachable node', { pod: kobj(pod), node: kobj(node) });
      if (evicted) await this.evictions.record(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`);
    }
  }
}
