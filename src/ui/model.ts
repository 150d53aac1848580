// What the dashboard shows of nodes and pods, derived from the objects alone (pure, no DOM):
// a pod's chip state, its requests as the scheduler counts them, a node's state and allocatable
// resources, and why a pending pod is not scheduled.
import type { Container, Node, Pod } from '../api/objects.js';

/** A pod chip's colour: its phase, and for a running pod whether it is Ready. */
export type PodState = 'pending' | 'ready' | 'running' | 'succeeded' | 'failed' | 'terminating';

export function podState(pod: Pod): PodState {
  if (pod.metadata.deletionTimestamp) return 'terminating';
  switch (pod.status?.phase) {
    case 'Running': return pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 'ready' : 'running';
    case 'Succeeded': return 'succeeded';
    case 'Failed': return 'failed';
    default: return 'pending';
  }
}

/** Words for a chip's state, for its label and the legend. */
export const STATE_LABELS: Record<PodState, string> = {
  pending: 'Pending',
  ready: 'Running, ready',
  running: 'Running, not ready',
  succeeded: 'Succeeded',
  failed: 'Failed',
  terminating: 'Terminating',
};

/** cpu in millicores and memory in bytes. */
export interface Resources { cpu: number; memory: number }

const SUFFIXES: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A resource.Quantity's value as a number (0 when it is not one): "500m" is 0.5, "1Gi" 2^30, "1e3" 1000. */
export function quantityValue(q: string | undefined): number {
  if (!q) return 0;
  const m = /^([+-]?[0-9.]+)(?:([eE][+-]?[0-9]+)|([a-zA-Z]*))$/.exec(q.trim());
  if (!m) return 0;
  const n = Number(m[1]);
  if (m[2]) return n * 10 ** Number(m[2].slice(1));
  const factor = SUFFIXES[m[3] ?? ''];
  return factor === undefined || Number.isNaN(n) ? 0 : n * factor;
}

function containerRequests(c: Container): Resources {
  const r = c.resources?.requests ?? {};
  return { cpu: Math.round(quantityValue(r.cpu) * 1000), memory: quantityValue(r.memory) };
}

/**
 * What the scheduler counts a pod as taking (kube's resource.PodRequests): the sum of its
 * containers' requests, at least the largest init container's (overhead, set only by a
 * RuntimeClass, is left out).
 */
export function podRequests(pod: Pod): Resources {
  const sum: Resources = { cpu: 0, memory: 0 };
  for (const c of pod.spec?.containers ?? []) {
    const r = containerRequests(c);
    sum.cpu += r.cpu;
    sum.memory += r.memory;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequests(c);
    sum.cpu = Math.max(sum.cpu, r.cpu);
    sum.memory = Math.max(sum.memory, r.memory);
  }
  return sum;
}

/** A pod still holds its node's resources until it has finished. */
export function holdsResources(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

export interface NodeSummary {
  name: string;
  allocatable: Resources;
  ready: boolean;
  cordoned: boolean;
  /** kubectl get nodes' STATUS: Ready, NotReady or Unknown (no Ready condition), then SchedulingDisabled when cordoned. */
  status: string;
}

export function nodeSummary(node: Node): NodeSummary {
  const a = node.status?.allocatable ?? {};
  const readyCondition = node.status?.conditions?.find((c) => c.type === 'Ready');
  const ready = readyCondition?.status === 'True';
  const cordoned = node.spec?.unschedulable === true;
  return {
    name: node.metadata.name ?? '',
    allocatable: { cpu: Math.round(quantityValue(a.cpu) * 1000), memory: quantityValue(a.memory) },
    ready,
    cordoned,
    status: [readyCondition ? (ready ? 'Ready' : 'NotReady') : 'Unknown', ...(cordoned ? ['SchedulingDisabled'] : [])].join(','),
  };
}

/** Why a pod waits in the scheduling queue: its PodScheduled=False condition's message, which kube-scheduler writes with FailedScheduling. */
export function unschedulableMessage(pod: Pod): string | undefined {
  const c = pod.status?.conditions?.find((x) => x.type === 'PodScheduled');
  return c?.status === 'False' ? (c.message ?? c.reason) : undefined;
}

/** 1500 millicores as "1.5", 250 as "250m". */
export function formatCpu(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : milli >= 1000 ? (milli / 1000).toFixed(2).replace(/0+$/, '') : `${milli}m`;
}

const BINARY_UNITS: [string, number][] = [['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]];

/** Bytes in the largest binary unit that keeps a whole or one-decimal number: "16Gi", "512Mi". */
export function formatMemory(bytes: number): string {
  for (const [unit, size] of BINARY_UNITS) {
    if (bytes >= size) {
      const v = bytes / size;
      return `${Number.isInteger(v) ? v : v.toFixed(1)}${unit}`;
    }
  }
  return String(bytes);
}

/** Every chip state, in the legend's order. */
export const POD_STATES: readonly PodState[] = ['pending', 'ready', 'running', 'succeeded', 'failed', 'terminating'];

export function noStates(): Record<PodState, number> {
  return { pending: 0, ready: 0, running: 0, succeeded: 0, failed: 0, terminating: 0 };
}

/**
 * All the Cluster view keeps of a pod: the object itself is let go, so 150,000 pods cost their
 * facts rather than their decoded JSON (about 7 KB each).
 */
export interface PodFacts {
  nodeName?: string;
  state: PodState;
  requests: Resources;
  holds: boolean;
  /** Why it is not scheduled, when the scheduler said. */
  waiting?: string;
}

export function podFacts(pod: Pod): PodFacts {
  const facts: PodFacts = { state: podState(pod), requests: podRequests(pod), holds: holdsResources(pod) };
  const nodeName = pod.spec?.nodeName;
  if (nodeName) facts.nodeName = nodeName;
  else facts.waiting = unschedulableMessage(pod);
  return facts;
}

/** "3 Running, ready; 1 Pending": the non-zero counts, for a label. */
export function describeStates(states: Record<PodState, number>): string {
  return POD_STATES.filter((s) => states[s] > 0).map((s) => `${states[s]} ${STATE_LABELS[s]}`).join('; ');
}
