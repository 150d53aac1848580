// The simulated control plane: the scheduler, kube-controller-manager's controllers, kube-proxy,
// the load balancers and the kubelets, started once the API serves (src/cluster.ts). A module of
// its own, imported after /readyz answers: its code (and what only it uses) is about a third of
// the bundle, whose modules are initialized only then (and, run through tsx, read only then).
import { setImmediate } from 'node:timers/promises';
import type { ClusterOptions } from './cluster.js';
import type { Registry } from './api/registry.js';
import type { ManualClock } from './api/entropy.js';
import type { PodNetwork } from './kubelet/pod-network.js';
import type { Logger } from './logging/log.js';
import { ClusterRoleAggregationController } from './controllers/clusterrole-aggregation.js';
import { EndpointsController } from './controllers/endpoints.js';
import { GarbageCollector } from './controllers/garbage-collector.js';
import { DEFAULT_LEADER_ELECTION, LeaderElector } from './controllers/leader-election.js';
import { NamespaceController } from './controllers/namespace.js';
import { DEFAULT_NODE_LIFECYCLE, NodeLifecycleController } from './controllers/node-lifecycle.js';
import { replicaSetController, replicationManager } from './controllers/replication.js';
import { DeploymentController } from './controllers/deployment.js';
import { DisruptionController } from './controllers/disruption.js';
import { StatefulSetController } from './controllers/statefulset.js';
import { DaemonSetController } from './controllers/daemonset.js';
import { JobController } from './controllers/job.js';
import { HorizontalPodAutoscalerController } from './controllers/podautoscaler.js';
import { CronJobController } from './controllers/cronjob.js';
import { TTLAfterFinishedController } from './controllers/ttl-after-finished.js';
import { Scheduler } from './controllers/scheduler.js';
import { PersistentVolumeController } from './controllers/persistentvolume.js';
import { StorageProtectionController } from './controllers/storage-protection.js';
import { ServiceProxy } from './kubelet/service-proxy.js';
import { IngressController } from './kubelet/ingress-controller.js';
import { DEFAULT_KUBELET_OPTIONS, SimulatedKubelets } from './kubelet/kubelet.js';
import { ServiceAccountsController } from './controllers/serviceaccounts.js';
import { RootCAPublisher } from './controllers/root-ca-publisher.js';
import { ResourceQuotaController } from './controllers/resourcequota.js';
import { CSRSigningController } from './controllers/csrsigning.js';

/** What the control plane needs besides the registry: the pods' network, the CA pods are to trust, the fixed clock. */
export interface ControlPlaneParts {
  network: PodNetwork;
  rootCA: string;
  clock?: ManualClock;
  /** The cluster CA's certificate and key (with --tls), which the csrsigning controller signs with. */
  signingCA?: { cert: string; key: string };
}

export interface Startable { start(): void; stop(): void }

/**
 * The scheduler and kube-controller-manager's controllers, named as the control plane's start is
 * logged: API clients only, so they run in the API's thread or in one of their own
 * (src/controller-thread.ts) alike.
 */
export function controllers(options: ClusterOptions, registry: Registry, parts: Omit<ControlPlaneParts, 'network'>, log: Logger): [string, Startable][] {
  return [
    ['namespace', new NamespaceController(registry, log.named('controllers/namespace.ts'))],
    ['serviceaccount', new ServiceAccountsController(registry, log.named('controllers/serviceaccounts.ts'))],
    ['root-ca-cert-publisher', new RootCAPublisher(registry, parts.rootCA, log.named('controllers/root-ca-publisher.ts'))],
    ['garbage-collector', new GarbageCollector(registry, log.named('controllers/garbage-collector.ts'))],
    ['scheduler', new Scheduler(registry, log.named('controllers/scheduler.ts'))],
    ['replication', replicationManager(registry, log.named('controllers/replication.ts'))],
    ['replicaset', replicaSetController(registry, log.named('controllers/replication.ts'))],
    ['deployment', new DeploymentController(registry, log.named('controllers/deployment.ts'))],
    ['statefulset', new StatefulSetController(registry, log.named('controllers/statefulset.ts'))],
    ['daemonset', new DaemonSetController(registry, log.named('controllers/daemonset.ts'))],
    ['job', new JobController(registry, log.named('controllers/job.ts'), { clock: parts.clock })],
    ['cronjob', new CronJobController(registry, log.named('controllers/cronjob.ts'), parts.clock)],
    ['ttl-after-finished', new TTLAfterFinishedController(registry, log.named('controllers/ttl-after-finished.ts'), parts.clock)],
    ['horizontalpodautoscaling', new HorizontalPodAutoscalerController(registry, log.named('controllers/podautoscaler.ts'), parts.clock)],
    ['endpoints', new EndpointsController(registry, log.named('controllers/endpoints.ts'))],
    ['node-lifecycle', new NodeLifecycleController(registry, { ...DEFAULT_NODE_LIFECYCLE, ...options.nodeLifecycle }, log.named('controllers/node-lifecycle.ts'))],
    ['persistentvolume-binder', new PersistentVolumeController(registry, log.named('controllers/persistentvolume.ts'))],
    ['pvc-protection', new StorageProtectionController(registry, log.named('controllers/storage-protection.ts'))],
    ['clusterrole-aggregation', new ClusterRoleAggregationController(registry, log.named('controllers/clusterrole-aggregation.ts'))],
    ['disruption', new DisruptionController(registry, log.named('controllers/disruption.ts'))],
    ['resourcequota', new ResourceQuotaController(registry, log.named('controllers/resourcequota.ts'))],
    ['csrsigning', new CSRSigningController(registry, { ca: parts.signingCA }, log.named('controllers/csrsigning.ts'))],
  ];
}

/** Starts `named` in one turn (and logs it); returns a stop function. */
export async function startControllers(named: [string, Startable][], log: Logger): Promise<() => void> {
  // Requests that came while the API finished starting (a client that saw /readyz) are answered
  // first; then every controller starts in one turn, as their informers' lists are answered.
  await setImmediate();
  for (const [, c] of named) c.start();
  log.info('Started the control plane', { controllers: named.map(([name]) => name) });
  return () => { for (const [, c] of named) c.stop(); };
}

/**
 * The scheduler, controllers and kubelets, as one unit a leader runs (fresh instances each time).
 * The controllers run in a thread of their own with `controllersInWorker`; kube-proxy, the load
 * balancers and the kubelets stay in this one, where exec, logs and port-forward reach the pods.
 */
async function startControlPlane(options: ClusterOptions, registry: Registry, parts: ControlPlaneParts, log: Logger): Promise<() => void> {
  const { network } = parts;
  const stops: (() => void)[] = [];
  if (options.controllersInWorker) {
    const { startControllerThread } = await import('./controller-thread.js');
    stops.push(await startControllerThread(options, registry.store, parts, log));
  } else {
    stops.push(await startControllers(controllers(options, registry, parts, log), log));
  }
  const stopAll = () => { for (const stop of [...stops].reverse()) stop(); };
  // kube-proxy and the cloud's load balancers, for the services reachable from this machine.
  const address = options.loadBalancerAddress ?? '127.0.0.1';
  if (address !== false) {
    const proxy = new ServiceProxy(registry, network, { address }, log.named('kubelet/service-proxy.ts'));
    proxy.start();
    stops.push(() => proxy.stop());
    const ingress = new IngressController(registry, network, { address, port: options.ingressPort }, log.named('kubelet/ingress-controller.ts'));
    ingress.start();
    stops.push(() => ingress.stop());
  }
  const kubelets = new SimulatedKubelets(registry, { ...DEFAULT_KUBELET_OPTIONS, ...options.kubelet, nodes: options.nodes ?? 0 }, network, log.named('kubelet/kubelet.ts'));
  stops.push(() => kubelets.stop());
  try {
    await kubelets.start();
  } catch (e) {
    stopAll();
    throw e;
  }
  return stopAll;
}

/**
 * Runs the control plane here, or, with leader election (several processes sharing an etcd
 * store), whenever this process holds the leader Lease.
 */
export async function runControlPlane(options: ClusterOptions, registry: Registry, parts: ControlPlaneParts, log: Logger, stack: { push(stop: () => void): void }): Promise<void> {
  if (!(options.controlPlane ?? true)) return;
  const elect = options.leaderElection ?? options.store === 'etcd';
  if (!elect) {
    stack.push(await startControlPlane(options, registry, parts, log));
    return;
  }
  let stopControlPlane: (() => void) | undefined;
  const elector = new LeaderElector(registry, { ...DEFAULT_LEADER_ELECTION, ...(typeof elect === 'object' ? elect : {}) }, {
    onStartedLeading: async () => { stopControlPlane = await startControlPlane(options, registry, parts, log); },
    onStoppedLeading: () => { stopControlPlane?.(); stopControlPlane = undefined; },
  }, log.named('controllers/leader-election.ts'));
  stack.push(() => { elector.stop(); stopControlPlane?.(); });
  elector.start();
}
