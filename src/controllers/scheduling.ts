// Scheduling policy as pure functions, after kube-scheduler's default plugins: filters (node
// readiness, unschedulable, taints and tolerations, nodeSelector, required node affinity, resource
// fit, host ports) with kube's reason texts, and scores (least allocated, balanced allocation).
import type { Container, Node, NodeSelectorRequirement, Pod, Taint, Toleration } from '../api/objects.js';
import { tryParseQuantity } from '../api/quantity.js';

export type { Taint, Toleration } from '../api/objects.js';

/** Resources as kube-scheduler counts them: cpu in millicores, memory and storage in bytes. */
export interface Resources { cpu: number; memory: number; pods: number; ephemeralStorage: number }

// Quantities are read with the API's parser; one that does not parse (decoding rejects those)
// counts as nothing.
const milli = (v: unknown) => (v === undefined ? 0 : tryParseQuantity(v)?.milliValue() ?? 0);
const whole = (v: unknown) => (v === undefined ? 0 : tryParseQuantity(v)?.value() ?? 0);

// Quantities are parsed once per object: the scheduler asks for the same pod's requests and the
// same node's allocatable at every node it considers, and cached objects never change.
const requestsMemo = new WeakMap<Pod, Resources>();
const allocatableMemo = new WeakMap<Node, Resources>();

/** What a pod asks for: the sum over its containers, or the largest init container if larger. */
export function podRequests(pod: Pod): Resources {
  let r = requestsMemo.get(pod);
  if (!r) requestsMemo.set(pod, (r = computePodRequests(pod)));
  return r;
}

function computePodRequests(pod: Pod): Resources {
  const sum = (containers: Container[] | undefined) => {
    const r = { cpu: 0, memory: 0, pods: 0, ephemeralStorage: 0 };
    for (const c of containers ?? []) {
      const req = c?.resources?.requests ?? {};
      r.cpu += milli(req.cpu);
      r.memory += whole(req.memory);
      r.ephemeralStorage += whole(req['ephemeral-storage']);
    }
    return r;
  };
  const main = sum(pod.spec?.containers);
  for (const init of pod.spec?.initContainers ?? []) {
    const r = sum([init]);
    main.cpu = Math.max(main.cpu, r.cpu);
    main.memory = Math.max(main.memory, r.memory);
  }
  main.pods = 1;
  return main;
}

export function nodeAllocatable(node: Node): Resources {
  let r = allocatableMemo.get(node);
  if (!r) allocatableMemo.set(node, (r = computeAllocatable(node)));
  return r;
}

function computeAllocatable(node: Node): Resources {
  const a = node.status?.allocatable ?? node.status?.capacity ?? {};
  return { cpu: milli(a.cpu), memory: whole(a.memory), pods: whole(a.pods), ephemeralStorage: whole(a['ephemeral-storage']) };
}

export function nodeReady(node: Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function tolerates(tolerations: Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (!t.key) return t.operator === 'Exists';
    if (t.key !== taint.key) return false;
    return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
  });
}

function matchRequirement(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt': return value !== undefined && /^-?\d+$/.test(value) && Number(value) > Number(values[0]);
    case 'Lt': return value !== undefined && /^-?\d+$/.test(value) && Number(value) < Number(values[0]);
    default: return false;
  }
}

/** Required node affinity: any term matches when all of its expressions and fields do. */
export function matchesNodeAffinity(pod: Pod, node: Node): boolean {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms?.length) return true;
  const labels = node.metadata.labels ?? {};
  return terms.some((t) =>
    (t.matchExpressions ?? []).every((r) => matchRequirement(r, labels[r.key])) &&
    (t.matchFields ?? []).every((r) => matchRequirement(r, r.key === 'metadata.name' ? node.metadata.name : undefined)) &&
    ((t.matchExpressions?.length ?? 0) + (t.matchFields?.length ?? 0) > 0));
}

const hostPortsMemo = new WeakMap<Pod, string[]>();

function hostPorts(pod: Pod): string[] {
  let ports = hostPortsMemo.get(pod);
  if (!ports) {
    ports = (pod.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).filter((p) => p.hostPort).map((p) => `${p.protocol ?? 'TCP'}/${p.hostIP ?? '0.0.0.0'}/${p.hostPort}`));
    hostPortsMemo.set(pod, ports);
  }
  return ports;
}

/**
 * Whether two versions of a pod count the same on their node: the same node and sameDemand.
 * Status updates mostly do, and keep the node's state.
 */
export function sameNodeDemand(a: Pod, b: Pod): boolean {
  return a.spec?.nodeName === b.spec?.nodeName && sameDemand(a, b);
}

/** Whether two versions of a pod would count the same on one node: both running or both finished, the same requests and host ports. */
export function sameDemand(a: Pod, b: Pod): boolean {
  if (terminal(a) !== terminal(b)) return false;
  // Requests and host ports are the containers': a binding or status update keeps them as they were.
  if (a.spec === b.spec || (a.spec?.containers === b.spec?.containers && a.spec?.initContainers === b.spec?.initContainers)) return true;
  const ra = podRequests(a), rb = podRequests(b);
  if (ra.cpu !== rb.cpu || ra.memory !== rb.memory || ra.ephemeralStorage !== rb.ephemeralStorage) return false;
  const pa = hostPorts(a), pb = hostPorts(b);
  return pa.length === pb.length && pa.every((p, i) => p === pb[i]);
}

/** Succeeded or Failed: a pod that no longer counts on its node. */
export function terminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** kube-scheduler scores pods without requests as if they asked for 100m cpu and 200Mi memory. */
const NON_ZERO = { cpu: 100, memory: 200 * 2 ** 20 };

/**
 * A node as the filters and scores read it, flat: the scheduler reads hundreds of these per pod,
 * and each object further to reach (the node, nested records) is another cache miss at 5,000 nodes.
 */
export interface NodeState {
  /** Ready, not cordoned, no NoSchedule or NoExecute taint: the first filters pass for any pod. */
  open: boolean;
  node: Node;
  ready: boolean;
  unschedulable: boolean;
  /** Taints with effect NoSchedule or NoExecute. */
  hardTaints: Taint[];
  labels: Record<string, string>;
  /** What the node offers (allocatable, else capacity). */
  allocatableCpu: number; allocatableMemory: number; allocatablePods: number; allocatableStorage: number;
  /** Sums of the requests of the pods bound to it. */
  requestedCpu: number; requestedMemory: number; requestedPods: number; requestedStorage: number;
  /** The same with kube's non-zero defaults for pods that request nothing, for scoring. */
  nonZeroCpu: number; nonZeroMemory: number;
  /** Host ports in use (`TCP/0.0.0.0/8080`). */
  usedPorts: Set<string>;
}

export function nodeState(node: Node, podsOnNode: Pod[]): NodeState {
  const s: NodeState = {
    open: false, node, ready: false, unschedulable: false, hardTaints: [], labels: {},
    allocatableCpu: 0, allocatableMemory: 0, allocatablePods: 0, allocatableStorage: 0,
    requestedCpu: 0, requestedMemory: 0, requestedPods: 0, requestedStorage: 0,
    nonZeroCpu: 0, nonZeroMemory: 0,
    usedPorts: new Set<string>(),
  };
  refillNodeState(s, node, podsOnNode);
  return s;
}

/**
 * Works `s` out again in place, for the node and its pods now: the scheduler keeps its states
 * where they were made, side by side in the order it reads them.
 */
export function refillNodeState(s: NodeState, node: Node, podsOnNode: Pod[]): void {
  const allocatable = nodeAllocatable(node);
  s.node = node;
  s.ready = nodeReady(node);
  s.unschedulable = !!node.spec?.unschedulable;
  s.hardTaints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  s.open = s.ready && !s.unschedulable && !s.hardTaints.length;
  s.labels = node.metadata.labels ?? {};
  s.allocatableCpu = allocatable.cpu; s.allocatableMemory = allocatable.memory; s.allocatablePods = allocatable.pods; s.allocatableStorage = allocatable.ephemeralStorage;
  s.requestedCpu = 0; s.requestedMemory = 0; s.requestedPods = 0; s.requestedStorage = 0;
  s.nonZeroCpu = 0; s.nonZeroMemory = 0;
  s.usedPorts.clear();
  for (const p of podsOnNode) addPodToState(s, p);
}

/** Counts one more pod on the node `s` describes (kube-scheduler's NodeInfo.AddPod). */
export function addPodToState(s: NodeState, pod: Pod): void {
  const r = podRequests(pod);
  s.requestedCpu += r.cpu; s.requestedMemory += r.memory; s.requestedPods += 1; s.requestedStorage += r.ephemeralStorage;
  s.nonZeroCpu += r.cpu || NON_ZERO.cpu; s.nonZeroMemory += r.memory || NON_ZERO.memory;
  for (const hp of hostPorts(pod)) s.usedPorts.add(hp);
}

/**
 * What a pod needs of a node, worked out once per scheduling attempt rather than at each of the
 * hundreds of nodes it is checked against.
 */
export interface PodDemand {
  requests: Resources;
  hostPorts: string[];
  tolerations: Toleration[] | undefined;
  /** spec.nodeSelector's entries. */
  selector: [string, string][];
  /** Whether required node affinity has terms to match. */
  affinity: boolean;
}

export function podDemand(pod: Pod): PodDemand {
  return {
    requests: podRequests(pod),
    hostPorts: hostPorts(pod),
    tolerations: pod.spec?.tolerations,
    selector: Object.entries(pod.spec?.nodeSelector ?? {}),
    affinity: !!pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.length,
  };
}

/** filterNode's answer for a node that fits: shared, as most nodes fit. */
const FITS: readonly string[] = Object.freeze([]);

/** The reasons a node cannot take the pod, in kube-scheduler's words; empty when it fits. */
export function filterNode(pod: Pod, s: NodeState, demand: PodDemand = podDemand(pod)): readonly string[] {
  if (!s.open) {
    const closed = closedReasons(s, demand.tolerations);
    if (closed) return closed;
  }
  if (demand.selector.length && !labelsMatch(demand.selector, s.labels)) return [NO_MATCH];
  if (demand.affinity && !matchesNodeAffinity(pod, s.node)) return [NO_MATCH];
  const want = demand.requests;
  const tooManyPods = s.requestedPods + 1 > s.allocatablePods;
  const cpu = want.cpu > 0 && s.requestedCpu + want.cpu > s.allocatableCpu;
  const memory = want.memory > 0 && s.requestedMemory + want.memory > s.allocatableMemory;
  const storage = want.ephemeralStorage > 0 && s.requestedStorage + want.ephemeralStorage > s.allocatableStorage;
  const ports = demand.hostPorts.length > 0 && anyUsed(demand.hostPorts, s.usedPorts);
  if (!tooManyPods && !cpu && !memory && !storage && !ports) return FITS;
  const reasons: string[] = [];
  if (tooManyPods) reasons.push('Too many pods');
  if (cpu) reasons.push('Insufficient cpu');
  if (memory) reasons.push('Insufficient memory');
  if (storage) reasons.push('Insufficient ephemeral-storage');
  if (ports) reasons.push("node(s) didn't have free ports for the requested pod ports");
  return reasons;
}

const NO_MATCH = "node(s) didn't match Pod's node affinity/selector";

/** Why a node not open to every pod (not ready, unschedulable, tainted) is closed to this one, if it is. */
function closedReasons(s: NodeState, tolerations: Toleration[] | undefined): readonly string[] | undefined {
  if (!s.ready) return ['node(s) were not ready'];
  if (s.unschedulable && !tolerates(tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) return ["node(s) were unschedulable"];
  const untolerated = s.hardTaints.find((t) => !tolerates(tolerations, t));
  if (untolerated) return [`node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ''}}`];
  return undefined;
}

// filterNode's checks as loops and functions of their own, not closures: a closure in its body
// made V8 allocate a context at every call (for each of the hundreds of nodes a pod is checked
// against: a sixth of all the scheduler case allocated).
function labelsMatch(selector: [string, string][], labels: Record<string, string>): boolean {
  for (const [k, v] of selector) if (labels[k] !== v) return false;
  return true;
}

function anyUsed(ports: string[], used: ReadonlySet<string>): boolean {
  for (const p of ports) if (used.has(p)) return true;
  return false;
}

/** LeastAllocated plus BalancedAllocation, each 0-100, over cpu and memory. */
export function scoreNode(pod: Pod, s: NodeState, demand: PodDemand = podDemand(pod)): number {
  const want = demand.requests;
  const cpu = (s.nonZeroCpu + (want.cpu || NON_ZERO.cpu)) / (s.allocatableCpu || 1);
  const mem = (s.nonZeroMemory + (want.memory || NON_ZERO.memory)) / (s.allocatableMemory || 1);
  const least = ((1 - Math.min(cpu, 1)) * 100 + (1 - Math.min(mem, 1)) * 100) / 2;
  const balanced = (1 - Math.abs(cpu - mem)) * 100;
  return least + balanced;
}

/**
 * How many feasible nodes to find before choosing, as kube-scheduler's percentageOfNodesToScore
 * adapts it: every node below 100, else 50% less 1% per 125 nodes (at least 5%), at least 100.
 */
export function feasibleNodesToFind(total: number): number {
  if (total < 100) return total;
  const percentage = Math.max(5, 50 - Math.floor(total / 125));
  return Math.max(100, Math.floor((total * percentage) / 100));
}

/** `0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.` */
export function unschedulableMessage(total: number, reasons: (readonly string[])[]): string {
  const counts = new Map<string, number>();
  for (const rs of reasons) for (const r of rs) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts.entries()].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${total} nodes are available${parts.length ? `: ${parts.join(', ')}` : ''}.`;
}
