// Simulated kubelets, as kwok runs them: each Node object gets a status (capacity, addresses,
// nodeInfo, conditions), a podCIDR, Lease heartbeats in kube-node-lease and periodic status
// updates; every pod bound to it moves through the lifecycle stages, and its containers' probes
// run (prober.ts) with their effects: readiness, started, and kills and restarts with back-off
// (restarts.ts). All writes go through the API path with field manager `kubelet`. A node annotated `tinykube.io/kubelet: stopped` is left
// alone: no heartbeats, no pod progress (a dead kubelet, for the node lifecycle controller).
import type { Container, ContainerStatus, Lease, Node, NodeCondition, NodeStatus, Pod, PodStatus } from '../api/objects.js';
import { canonicalQuantity } from '../api/quantity.js';
import type { Registry } from '../api/registry.js';
import { microTime, rfc3339 } from '../api/time.js';
import type { Change } from '../client/informer.js';
import { objectKey, type ObjectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import { resources, type Resources } from '../client/resources.js';
import type { Stored } from '../client/typed-resource.js';
import { EventRecorder } from '../controllers/events.js';
import { Duration, kobj, QUIET, type Logger } from '../logging/log.js';
import type { ContainerFiles } from './container-files.js';
import { configProblem, type ConfigProblem } from './container-config.js';
import { registryConfigSource } from './config-source.js';
import type { ContainerLogs } from './containers.js';
import { containerExecContext } from './exec-context.js';
import type { PodNetwork } from './pod-network.js';
import { ProbeRunners } from './probe-runners.js';
import { Prober } from './prober.js';
import { killMessage, PROBE_KINDS, probeOf, withProbeResults, type ProbeEvent } from './probes.js';
import { backOffEvent, containerID, crashLoopMessage, killedStatus, restartBackoff, restartedStatus, restartEvents, restartsAfterKill, startEvents, type Backoff } from './restarts.js';
import { containerArgv, knownImage, startProcess, type MainProcess, type ProcessExit } from './container-process.js';
import { exitCodeOf, nextInitContainer, podPhase, restartsAfterExit, terminatedState, withInitStatus, withTerminalConditions } from './container-exits.js';
import { EphemeralContainers } from './ephemeral-containers.js';
import { NodeImages } from './images.js';
import { activityOf } from '../observe/activity.js';
import { applyStageStatus, imageIDOf, loadStages, nextStage, stageDelay, stageEvents, withReadinessGates, type Stage } from './stages.js';
import { copyJSON } from '../api/json.js';

const MANAGER = 'kubelet';
export const KUBELET_ANNOTATION = 'tinykube.io/kubelet';

export interface KubeletOptions {
  /** Nodes to register at start: node-1 ... node-N. */
  nodes: number;
  cpu: string;
  memory: string;
  pods: string;
  ephemeralStorage: string;
  stagesFile?: string;
  /** Lease renewals (kubelet default 10 s). */
  heartbeatMs: number;
  /** Node status updates (kubelet default: every 10 s when changed, else 5 min; we use 60 s). */
  statusUpdateMs: number;
}

export const DEFAULT_KUBELET_OPTIONS: KubeletOptions = {
  nodes: 3, cpu: '4', memory: '16Gi', pods: '110', ephemeralStorage: '100Gi', heartbeatMs: 10_000, statusUpdateMs: 60_000,
};


function alive(node: Node): boolean {
  return node.metadata.annotations?.[KUBELET_ANNOTATION] !== 'stopped';
}

/** How often a container waiting for a ConfigMap or Secret looks again (the kubelet resyncs, backing off). */
const CONFIG_RETRY_MS = 1000;

/** How many Lease renewals are written together. */
const HEARTBEAT_SLICE = 200;

/** Registering this many nodes or more logs progress every this many. */
const PROGRESS_EVERY = 1000;

export class SimulatedKubelets {
  private readonly stages: Stage[];
  private readonly podTimers = new Map<string, { stage: string; timer: NodeJS.Timeout }>();
  private readonly recorders = new Map<string, EventRecorder>();
  private readonly intervals: NodeJS.Timeout[] = [];
  private readonly stops: (() => void)[] = [];
  private stopped = false;
  private readonly client: Resources;
  /** The capacity each node reports, its quantities in canonical form. */
  private readonly capacity: Record<string, string>;
  private readonly logs: ContainerLogs;
  private readonly files: ContainerFiles;
  private readonly prober: Prober;
  /** Restart back-off per container (pod uid/container name), and the timers of restarts waiting it out. */
  private readonly backoffs = new Map<string, Backoff>();
  private readonly restartTimers = new Map<string, NodeJS.Timeout>();
  readonly ephemeral: EphemeralContainers;
  /** The last configuration problem told of each waiting pod, by uid, so it is told once. */
  private readonly configProblems = new Map<string, string>();
  /** The images each node holds, and the image step each container start under way took. */
  private readonly images = new NodeImages();
  /** The processes of running containers, by pod uid/container name. */
  private readonly processes = new Map<string, MainProcess>();

  constructor(private readonly registry: Registry, private readonly options: KubeletOptions, private readonly network: PodNetwork, private readonly log: Logger = QUIET) {
    this.client = resources(registry);
    this.logs = network.logs;
    this.files = network.files;
    const runners = new ProbeRunners(network, registry);
    this.prober = new Prober({
      pod: (key) => {
        const pod = this.client.pods.lister.getKey(key);
        const node = this.node(pod?.spec?.nodeName);
        return pod && node && alive(node) && !this.stopped ? pod : undefined;
      },
      run: (kind, pod, container, timing) => runners.run(probeOf(container, kind) ?? {}, pod, container, timing.timeoutSeconds),
      event: (pod, container, event) => this.containerEvent(pod, container, event),
      changed: (pod) => void this.writeProbeResults(pod),
      failed: (pod, container, kind) => void this.killContainer(pod, container, kind),
    });
    this.stages = loadStages(options.stagesFile);
    this.ephemeral = new EphemeralContainers({ pods: this.client.pods, logs: this.logs, processes: network.processes, context: (pod, c) => containerExecContext(network, registry, pod, c), now: () => registry.now(), fieldManager: MANAGER, record: (pod, reason, message, fieldPath) => this.recorder(pod.spec?.nodeName ?? '').record(pod, 'Normal', reason, message, fieldPath), images: this.images });
    const capacity: Record<string, string> = { cpu: options.cpu, memory: options.memory, pods: options.pods, 'ephemeral-storage': options.ephemeralStorage };
    for (const [name, v] of Object.entries(capacity)) {
      try {
        capacity[name] = canonicalQuantity(v);
      } catch (e) {
        throw new Error(`node ${name} "${v}" is not a quantity: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    }
    this.capacity = capacity;
  }

  async start(): Promise<void> {
    const nodes = this.client.nodes;
    const total = this.options.nodes;
    const started = performance.now();
    let created = 0;
    if (total >= PROGRESS_EVERY) this.log.info('Registering nodes', { nodes: total });
    for (let i = 1; i <= total; i++) {
      const name = `node-${i}`;
      if (!nodes.lister.get(undefined, name)) {
        const labels: Record<string, string> = { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': 'amd64' };
        labels[i === 1 ? 'node-role.kubernetes.io/control-plane' : 'node-role.kubernetes.io/worker'] = '';
        if (await ignoreRaces(nodes.create(undefined, { metadata: { name, labels } }, { dryRun: false, fieldManager: MANAGER }))) created++;
      }
      if (i % PROGRESS_EVERY === 0 && i < total) this.log.info('Registering nodes', { registered: i, nodes: total, elapsed: Duration.fromMs(performance.now() - started) });
    }
    if (total) this.log.info('Registered nodes', { nodes: total, created, existing: total - created, duration: Duration.fromMs(performance.now() - started) });
    this.stops.push(nodes.informer.addHandler((change) => this.onNode(change)));
    this.stops.push(this.client.pods.informer.addHandler(({ type, object }) => this.onPod(object, type)));
    this.intervals.push(setInterval(() => void this.heartbeat(), this.options.heartbeatMs));
    this.intervals.push(setInterval(() => void this.reportStatus(), this.options.statusUpdateMs));
    for (const t of this.intervals) t.unref();
    await this.heartbeat();
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.stops) s();
    for (const t of this.intervals) clearInterval(t);
    for (const { timer } of this.podTimers.values()) clearTimeout(timer);
    this.podTimers.clear();
    this.prober.stop();
    for (const timer of this.restartTimers.values()) clearTimeout(timer);
    this.restartTimers.clear();
    for (const p of this.processes.values()) p.kill();
    this.processes.clear();
    this.ephemeral.stop();
  }

  private recorder(nodeName: string): EventRecorder {
    let r = this.recorders.get(nodeName);
    if (!r) { r = new EventRecorder(this.registry, { component: 'kubelet', host: nodeName }, this.log); this.recorders.set(nodeName, r); }
    return r;
  }

  private node(name: string | undefined): Stored<Node> | undefined {
    return name ? this.client.nodes.lister.get(undefined, name) : undefined;
  }

  // ---- nodes ---------------------------------------------------------------------------------

  private onNode({ type, object: node }: Change<Stored<Node>>): void {
    const cidr = node.spec?.podCIDR;
    if (type === 'DELETED' && cidr) this.cidrsInUse?.delete(cidrIndex(cidr));
    if (type === 'DELETED') this.images.forgetNode(node.metadata.name);
    if (type === 'DELETED' || !alive(node)) return;
    void this.ensureNode(node);
    // A kubelet that comes back picks up its pods where they were left.
    for (const pod of this.client.pods.lister.byIndex('nodeName', node.metadata.name)) this.onPod(pod, 'MODIFIED');
  }

  /** A node the kubelet has not reported on yet gets its podCIDR and full status. */
  private async ensureNode(node: Stored<Node>): Promise<void> {
    if (this.stopped || !alive(node)) return;
    const name = node.metadata.name;
    const spec = node.spec ?? {};
    const cidr = spec.podCIDR ? undefined : this.freePodCIDR();
    if (cidr) {
      await ignoreRaces(this.client.nodes.update({ name }, (n) => {
        n.spec = { ...n.spec, podCIDR: cidr, podCIDRs: [cidr] };
        return n;
      }, { dryRun: false, fieldManager: 'kube-controller-manager' }));
    }
    // A kubelet that starts, or comes back, reports its status at once.
    const status = node.status ?? {};
    const ready = status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    if (!status.nodeInfo || !ready) {
      this.log.V(2).info(status.nodeInfo ? 'Kubelet is back, node Ready again' : 'Kubelet started, node Ready', { node: kobj(node), podCIDR: spec.podCIDR ?? cidr ?? '' });
      await this.writeStatus(name);
      const events = this.recorder(name);
      if (!status.nodeInfo) await events.record(node, 'Normal', 'Starting', 'Starting kubelet.');
      await events.record(node, 'Normal', 'NodeReady', `Node ${node.metadata.name} status is now: NodeReady`);
    }
  }

  /** Pod CIDR indexes handed out (nodes' spec.podCIDR), and node InternalIPs by node name. */
  private cidrsInUse?: Set<number>;
  private nextCIDR = 0;
  private readonly nodeIPs = new Map<string, string>();

  /**
   * The next free /24 for a node's pods, as kube-controller-manager's node IPAM allocates them
   * from the cluster CIDR 10.224.0.0/11 (8,192 nodes), starting at 10.244.0.0/24; undefined
   * when all are taken (the node then runs without a podCIDR, as kube leaves it).
   */
  private freePodCIDR(): string | undefined {
    this.cidrsInUse ??= new Set(this.client.nodes.lister.list().map((n) => n.spec?.podCIDR).filter((c): c is string => !!c).map(cidrIndex));
    // Search on from the last one handed out, so registering N nodes is not N^2 lookups.
    for (let n = 0; n < POD_CIDRS; n++) {
      const i = (this.nextCIDR + n) % POD_CIDRS;
      if (!this.cidrsInUse.has(i)) { this.cidrsInUse.add(i); this.nextCIDR = i + 1; return cidrOf(i); }
    }
    return undefined;
  }

  private internalIP(node: Stored<Node>): string {
    const existing = node.status?.addresses?.find((a) => a.type === 'InternalIP');
    if (existing) return existing.address;
    const name = node.metadata.name;
    let ip = this.nodeIPs.get(name);
    if (!ip) {
      // 172.18.0.2, 172.18.0.3, ... in the order nodes are first seen, as a kind network assigns them.
      const n = this.nodeIPs.size + 2;
      ip = `172.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
      this.nodeIPs.set(name, ip);
    }
    return ip;
  }

  /** The status a kubelet reports: capacity, allocatable, conditions, addresses, nodeInfo. */
  private async writeStatus(name: string): Promise<void> {
    const now = rfc3339(this.registry.now());
    await ignoreRaces(this.client.nodes.update({ name }, (node) => {
      const status: NodeStatus = node.status ?? {};
      const capacity = status.capacity ?? { ...this.capacity };
      const previous = new Map((status.conditions ?? []).map((c) => [c.type, c]));
      const condition = (type: string, value: string, reason: string, message: string): NodeCondition => {
        const before = previous.get(type);
        return { type, status: value, lastHeartbeatTime: now, lastTransitionTime: before?.status === value ? before.lastTransitionTime : now, reason, message };
      };
      const uid = node.metadata.uid;
      node.status = {
        ...status,
        capacity,
        allocatable: status.allocatable ?? capacity,
        conditions: [
          condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
          condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
          condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
          condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
        ],
        addresses: status.addresses ?? [{ type: 'InternalIP', address: this.internalIP(node) }, { type: 'Hostname', address: name }],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: status.nodeInfo ?? {
          machineID: uid.replaceAll('-', ''), systemUUID: uid, bootID: uid,
          kernelVersion: '6.1.0-tinykube', osImage: 'tinykube simulated node', containerRuntimeVersion: 'tinykube://0.1.0',
          kubeletVersion: 'v1.33.1', kubeProxyVersion: 'v1.33.1', operatingSystem: 'linux', architecture: 'amd64',
        },
      };
      return node;
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
  }

  private async heartbeat(): Promise<void> {
    if (this.stopped) return;
    const leases = this.client.leases;
    const now = microTime(this.registry.now());
    const renew = async (node: Stored<Node>) => {
      const name = node.metadata.name;
      const key = { namespace: 'kube-node-lease', name };
      if (leases.lister.getKey(key)) {
        await ignoreRaces(leases.update(key, (l) => ({ ...l, spec: { ...l.spec, renewTime: now } }), { dryRun: false, fieldManager: MANAGER }));
      } else {
        const lease: Lease = {
          metadata: { name, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid }] },
          spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: now },
        };
        await ignoreRaces(leases.create(key.namespace, lease, { dryRun: false, fieldManager: MANAGER }));
      }
    };
    // Every kubelet renews at once, as thousands of real ones would; in slices, so one
    // heartbeat round never holds the event loop for long.
    const running = this.client.nodes.lister.list().filter(alive);
    for (let i = 0; i < running.length; i += HEARTBEAT_SLICE) await Promise.all(running.slice(i, i + HEARTBEAT_SLICE).map(renew));
  }

  private async reportStatus(): Promise<void> {
    for (const node of this.client.nodes.lister.list()) if (alive(node)) await this.writeStatus(node.metadata.name);
  }

  // ---- pods ----------------------------------------------------------------------------------

  private onPod(pod: Stored<Pod>, type: Change<Pod>['type']): void {
    const uid = pod.metadata.uid;
    const pending = this.podTimers.get(uid);
    if (type === 'DELETED') {
      if (pending) clearTimeout(pending.timer);
      this.podTimers.delete(uid);
      this.logs.forget(uid);
      this.files.forget(uid);
      this.forgetRestarts(uid);
      this.ephemeral.forget(uid);
      this.configProblems.delete(uid);
      this.images.started(uid);
      return;
    }
    // A pod being deleted has its containers stopped at once; the terminating stage removes it.
    if (pod.metadata.deletionTimestamp) this.killProcesses(uid);
    const node = this.node(pod.spec?.nodeName);
    if (!node || !alive(node) || this.stopped) return;
    this.prober.sync(pod);
    this.ephemeral.sync(pod);
    const stage = nextStage(this.stages, pod);
    if (!stage) {
      void this.reconcileReadiness(pod);
      return;
    }
    if (pending?.stage === stage.name) return;
    if (pending) clearTimeout(pending.timer);
    const key = objectKey(pod);
    const timer = setTimeout(() => void this.runStage(key, uid, stage.name), stageDelay(stage, pod));
    this.podTimers.set(uid, { stage: stage.name, timer });
  }

  private async runStage(key: ObjectKey, uid: string, stageName: string): Promise<void> {
    this.podTimers.delete(uid);
    const pods = this.client.pods;
    const pod = pods.lister.getKey(key);
    if (!pod || pod.metadata.uid !== uid || this.stopped) return;
    const stage = nextStage(this.stages, pod);
    if (!stage || stage.name !== stageName) { this.onPod(pod, 'MODIFIED'); return; }
    const node = this.node(pod.spec?.nodeName);
    if (!node || !alive(node)) return;
    const nodeName = node.metadata.name;
    if (stage.status?.containers?.state === 'running') {
      const problem = configProblem(pod, registryConfigSource(this.registry));
      if (problem) { await this.holdForConfig(key, pod, stage.name, problem); return; }
      this.configProblems.delete(uid);
      // Init containers run one by one to completion before the app containers start.
      if (nextInitContainer(pod)) { await this.advanceInit(pod); return; }
    }
    for (const e of stageEvents(stage, pod, (c) => this.images.step(nodeName, uid, c))) await this.recorder(nodeName).record(pod, e.type, e.reason, e.message, e.fieldPath);
    // The containers are up: a later start (after a restart of the pod's sandbox) decides anew.
    if (stage.status?.containers?.state === 'running') this.images.started(uid);
    this.log.V(4).info('Pod lifecycle stage', { pod: kobj(pod), node: nodeName, stage: stage.name });
    const activity = activityOf(this.registry.store);
    if (activity.listening) activity.publish('kubelet', stage.name, { kind: 'Pod', namespace: key.namespace, name: key.name }, nodeName);
    if (stage.delete) {
      await ignoreRaces(pods.delete(key, { gracePeriodSeconds: 0, preconditions: { uid } }, { dryRun: false }));
      return;
    }
    const now = rfc3339(this.registry.now());
    const hostIP = this.internalIP(node);
    // The status is made anew from the copy each try; nothing of it is kept here.
    const updated = await ignoreRaces(pods.updateCopy(key, (p) => {
      p.status = applyStageStatus(stage, p, { now, hostIP, podIP: () => this.allocatePodIP(node) });
      if (stage.status?.containers?.state === 'waiting' && nextInitContainer(p)) p.status = withInitStatus(p, p.status, now);
      // Containers with readiness or startup probes are neither ready nor started until those pass.
      if (stage.status?.containers?.state === 'running' && hasProbes(p)) p.status = this.withProbeResults(p, p.status, now);
      return p;
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
    if (updated && stage.status?.containers?.state === 'running') {
      for (const c of pod.spec?.containers ?? []) this.containerStarted(updated, c, false);
    }
  }

  /**
   * A container's ConfigMap or Secret is missing: it waits (CreateContainerConfigError, or still
   * ContainerCreating for a volume), the kubelet says why once per new reason, and tries again.
   */
  private async holdForConfig(key: ObjectKey, pod: Stored<Pod>, stageName: string, problem: ConfigProblem): Promise<void> {
    const uid = pod.metadata.uid;
    if (this.configProblems.get(uid) !== problem.event.message) {
      this.configProblems.set(uid, problem.event.message);
      await this.recorder(pod.spec?.nodeName ?? '').record(pod, 'Warning', problem.event.reason, problem.event.message, problem.event.fieldPath);
    }
    const waiting = problem.waiting;
    if (waiting) {
      await ignoreRaces(this.client.pods.update(key, (p) => {
        if (p.metadata.uid !== uid) return p;
        p.status = { ...p.status, containerStatuses: (p.status?.containerStatuses ?? []).map((cs) => (cs.name === problem.container ? { ...cs, state: { waiting } } : cs)) };
        return p;
      }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
    }
    if (this.stopped) return;
    const timer = setTimeout(() => void this.runStage(key, uid, stageName), CONFIG_RETRY_MS);
    this.podTimers.set(uid, { stage: stageName, timer });
  }

  /** Readiness gates set by others after the pod is running: keep Ready in step with them. */
  private async reconcileReadiness(pod: Stored<Pod>): Promise<void> {
    const gates = pod.spec?.readinessGates ?? [];
    if (!gates.length || pod.metadata.deletionTimestamp) return;
    await ignoreRaces(this.client.pods.update(objectKey(pod), (p) => {
      p.status = withReadinessGates(copyJSON(p.status ?? {}), gates, rfc3339(this.registry.now()));
      return p;
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
  }

  // ---- probes and restarts -------------------------------------------------------------------

  private withProbeResults(pod: Pod, status: PodStatus, now: string): PodStatus {
    const uid = pod.metadata.uid;
    return withProbeResults(status, pod.spec?.containers ?? [], (name) => this.prober.known(uid ?? '', name), now, pod.spec?.readinessGates ?? []);
  }

  private async containerEvent(pod: Pod, container: Container, e: ProbeEvent | { type: 'Normal' | 'Warning'; reason: string; message: string }, init = false): Promise<void> {
    const nodeName = pod.spec?.nodeName;
    if (nodeName) await this.recorder(nodeName).record(pod, e.type, e.reason, e.message, `spec.${init ? 'initContainers' : 'containers'}{${container.name}}`);
  }

  /** A probe verdict changed a container's ready or started: the pod's status says so (one write, only then). */
  private async writeProbeResults(pod: Pod): Promise<void> {
    await ignoreRaces(this.client.pods.update(objectKey(pod), (p) => {
      if (p.metadata.uid !== pod.metadata.uid || p.status?.phase !== 'Running') return p;
      p.status = this.withProbeResults(p, p.status, rfc3339(this.registry.now()));
      return p;
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
  }

  /**
   * A container failed its liveness or startup probe: killed (exit 137), then, as the restart
   * policy allows, started again at once or after its back-off, waiting in CrashLoopBackOff.
   */
  private async killContainer(pod: Pod, container: Container, kind: 'liveness' | 'startup'): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    const name = container.name;
    const restart = restartsAfterKill(pod);
    await this.containerEvent(pod, container, { type: 'Normal', reason: 'Killing', message: killMessage(name, kind, restart) });
    this.log.V(2).info('Killing container with a failed probe', { pod: kobj(pod), containerName: name, probe: kind });
    const backoffKey = `${uid}/${name}`;
    this.processes.get(backoffKey)?.kill();
    this.processes.delete(backoffKey);
    // Back-off is kept on the monotonic clock the timers run on (a fixed --clock does not move).
    const { waitMs, next } = restartBackoff(this.backoffs.get(backoffKey), performance.now());
    const waitMessage = restart && waitMs ? crashLoopMessage(waitMs, name, pod) : undefined;
    if (restart) this.backoffs.set(backoffKey, next);
    const startsNow = restart && !waitMs;
    if (startsNow) for (const e of restartEvents(container)) await this.containerEvent(pod, container, e);
    const updated = await this.updateContainer(pod, name, (cs, p, now) => {
      const killed = killedStatus(cs, now, { restart, waitMessage });
      return startsNow ? restartedStatus(killed, p, now) : killed;
    });
    if (!updated) return;
    if (startsNow) this.containerStarted(updated, container, false);
    if (waitMessage) {
      await this.containerEvent(pod, container, { type: 'Warning', reason: 'BackOff', message: backOffEvent(name, pod) });
      const timer = setTimeout(() => void this.restartContainer(objectKey(pod), uid, name), waitMs);
      timer.unref();
      clearTimeout(this.restartTimers.get(backoffKey));
      this.restartTimers.set(backoffKey, timer);
    }
  }

  /** A container's back-off is over: it runs again. */
  private async restartContainer(key: ObjectKey, uid: string, name: string): Promise<void> {
    this.restartTimers.delete(`${uid}/${name}`);
    const pod = this.client.pods.lister.getKey(key);
    const found = pod && specContainer(pod, name);
    const node = this.node(pod?.spec?.nodeName);
    if (!pod || !found || pod.metadata.uid !== uid || pod.metadata.deletionTimestamp || !node || !alive(node) || this.stopped) return;
    const { container, init } = found;
    for (const e of restartEvents(container)) await this.containerEvent(pod, container, e, init);
    const updated = await this.updateContainer(pod, name, (cs, p, now) => restartedStatus(cs, p, now), init);
    if (updated) this.containerStarted(updated, container, init);
  }

  /**
   * A container starts: its process runs (the command, or the image's), its output its log; an
   * image whose command is not known keeps running and says so in its log. Pods annotated
   * tinykube.io/exit-code run for their stage instead.
   */
  private containerStarted(pod: Pod, container: Container, init: boolean): void {
    const uid = pod.metadata.uid ?? '';
    const name = container.name;
    const status = (init ? pod.status?.initContainerStatuses : pod.status?.containerStatuses)?.find((cs) => cs.name === name);
    this.logs.begin(uid, name, status?.containerID ?? containerID(pod, name, status?.restartCount ?? 0));
    const app = this.network.apps.appFor(container.image);
    const argv = pod.metadata.annotations?.['tinykube.io/exit-code'] === undefined ? containerArgv(app, container) : undefined;
    if (!argv && !init) {
      this.logs.append(uid, name, `tinykube: container ${name} started from image ${container.image} on ${pod.spec?.nodeName}`);
      return;
    }
    // A container with stdin open (`kubectl run -i`) has a shell that waits for input.
    const stdin = container.stdin ? () => new Promise<Buffer>(() => {}) : undefined;
    const process = startProcess({ argv, known: knownImage(app), init, ctx: containerExecContext(this.network, this.registry, pod, container, stdin), print: (line) => this.logs.append(uid, name, line) });
    const key = `${uid}/${name}`;
    this.processes.get(key)?.kill();
    this.processes.set(key, process);
    void process.exited.then((exit) => {
      if (this.processes.get(key) !== process) return;
      this.processes.delete(key);
      void this.containerExited(objectKey(pod), uid, container, init, exit);
    });
  }

  /** A container's process ended: the container is terminated, and restarted as its restart policy says. */
  private async containerExited(key: ObjectKey, uid: string, container: Container, init: boolean, exit: ProcessExit): Promise<void> {
    const pod = this.client.pods.lister.getKey(key);
    if (!pod || pod.metadata.uid !== uid || pod.metadata.deletionTimestamp || this.stopped) return;
    const name = container.name;
    const code = exitCodeOf(exit);
    this.log.V(2).info('Container exited', { pod: kobj(pod), containerName: name, exitCode: code });
    if ('startError' in exit) await this.containerEvent(pod, container, { type: 'Warning', reason: 'Failed', message: `Error: ${exit.startError}` }, init);
    const updated = await this.updateContainer(pod, name, (cs, _p, now) => ({
      ...cs, state: { terminated: terminatedState(exit, cs.state?.running?.startedAt ?? now, now, cs.containerID) }, ready: init && code === 0, started: false,
    }), init);
    // An init container that did its work is done (the next one starts from the pod's update).
    const restart = init ? code !== 0 && restartsAfterExit(pod, code) : restartsAfterExit(pod, code);
    if (updated && restart) await this.restartAfterBackoff(updated, container, init);
  }

  /** Starts an exited container again: at once the first time, else after its back-off, waiting in CrashLoopBackOff. */
  private async restartAfterBackoff(pod: Pod, container: Container, init: boolean): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    const name = container.name;
    const backoffKey = `${uid}/${name}`;
    const { waitMs, next } = restartBackoff(this.backoffs.get(backoffKey), performance.now());
    this.backoffs.set(backoffKey, next);
    if (!waitMs) { await this.restartContainer(objectKey(pod), uid, name); return; }
    const waiting = { reason: 'CrashLoopBackOff', message: crashLoopMessage(waitMs, name, pod) };
    const updated = await this.updateContainer(pod, name, (cs) => ({
      ...cs, state: { waiting }, lastState: cs.state?.terminated ? { terminated: cs.state.terminated } : cs.lastState ?? {}, ready: false, started: false,
    }), init);
    if (!updated) return;
    await this.containerEvent(pod, container, { type: 'Warning', reason: 'BackOff', message: backOffEvent(name, pod) }, init);
    const timer = setTimeout(() => void this.restartContainer(objectKey(pod), uid, name), waitMs);
    timer.unref();
    clearTimeout(this.restartTimers.get(backoffKey));
    this.restartTimers.set(backoffKey, timer);
  }

  /** Starts the first init container that has not run yet (one that ran is restarted by its exit's handling). */
  private async advanceInit(pod: Stored<Pod>): Promise<void> {
    const container = nextInitContainer(pod);
    if (!container) return;
    const uid = pod.metadata.uid;
    const name = container.name;
    const status = pod.status?.initContainerStatuses?.find((cs) => cs.name === name);
    if (this.processes.has(`${uid}/${name}`) || this.restartTimers.has(`${uid}/${name}`) || status?.state?.running || status?.state?.terminated || status?.lastState?.terminated) return;
    const image = container.image ?? '';
    const step = this.images.step(pod.spec?.nodeName ?? '', uid, container);
    this.images.started(uid, name);
    for (const e of startEvents(container, step)) await this.containerEvent(pod, container, e, true);
    const now = rfc3339(this.registry.now());
    const updated = await ignoreRaces(this.client.pods.update(objectKey(pod), (p) => {
      if (p.metadata.uid !== uid) return p;
      const base = withInitStatus(p, p.status ?? {}, now);
      const running: ContainerStatus = {
        name, image, imageID: imageIDOf(image), containerID: containerID(p, name, 0),
        state: { running: { startedAt: now } }, lastState: {}, ready: false, restartCount: 0, started: true,
      };
      p.status = withInitStatus(p, { ...base, initContainerStatuses: (base.initContainerStatuses ?? []).map((cs) => (cs.name === name ? running : cs)) }, now);
      return p;
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
    if (updated) this.containerStarted(updated, container, true);
  }

  /** Writes one container's status, and what follows for the pod: readiness and its phase. */
  private async updateContainer(pod: Pod, name: string, change: (cs: ContainerStatus, pod: Pod, now: string) => ContainerStatus, init = false): Promise<Stored<Pod> | undefined> {
    const now = rfc3339(this.registry.now());
    return ignoreRaces(this.client.pods.update(objectKey(pod), (p) => {
      const statuses = (init ? p.status?.initContainerStatuses : p.status?.containerStatuses) ?? [];
      if (p.metadata.uid !== pod.metadata.uid || !statuses.some((cs) => cs.name === name)) return p;
      const changed = statuses.map((cs) => (cs.name === name ? change(cs, p, now) : cs));
      const status: PodStatus = init ? { ...p.status, initContainerStatuses: changed } : { ...p.status, containerStatuses: changed };
      status.phase = podPhase(p, status);
      p.status = withTerminalConditions(this.withProbeResults(p, status, now), now);
      return p;
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
  }

  private killProcesses(uid: string): void {
    for (const [key, p] of this.processes) if (key.startsWith(`${uid}/`)) { p.kill(); this.processes.delete(key); }
  }

  private forgetRestarts(uid: string): void {
    this.killProcesses(uid);
    this.prober.forget(uid);
    for (const [key, timer] of this.restartTimers) if (key.startsWith(`${uid}/`)) { clearTimeout(timer); this.restartTimers.delete(key); }
    for (const key of this.backoffs.keys()) if (key.startsWith(`${uid}/`)) this.backoffs.delete(key);
  }

  private allocatePodIP(node: Stored<Node>): string {
    const cidr = node.spec?.podCIDR ?? '10.244.0.0/24';
    const base = cidr.split('/')[0].split('.').slice(0, 3).join('.');
    const used = new Set(this.client.pods.lister.byIndex('nodeName', node.metadata.name).map((p) => p.status?.podIP));
    for (let i = 2; i < 255; i++) if (!used.has(`${base}.${i}`)) return `${base}.${i}`;
    throw new Error(`no free pod IP on ${node.metadata.name}`);
  }
}

/** A container of the pod's spec by name, and whether it is an init container. */
function specContainer(pod: Pod, name: string): { container: Container; init: boolean } | undefined {
  const app = pod.spec?.containers.find((c) => c.name === name);
  if (app) return { container: app, init: false };
  const init = pod.spec?.initContainers?.find((c) => c.name === name);
  return init && { container: init, init: true };
}

function hasProbes(pod: Pod): boolean {
  return (pod.spec?.containers ?? []).some((c) => PROBE_KINDS.some((k) => probeOf(c, k)));
}

/** /24 pod CIDRs in 10.224.0.0/11, numbered from 10.244.0.0/24 and wrapping round to 10.224.0.0/24. */
const POD_CIDRS = 32 * 256;
function cidrOf(i: number): string {
  return `10.${224 + ((20 + (i >> 8)) % 32)}.${i & 255}.0/24`;
}
function cidrIndex(cidr: string): number {
  const [, b, c] = cidr.split('.').map(Number);
  return ((((b - 224 - 20) % 32) + 32) % 32) * 256 + c;
}
