// The HPA's replica calculator, as kube's (pkg/controller/podautoscaler/replica_calculator.go):
// the pods' usage against their requests, a 0.1 tolerance, pods still starting (unready, or
// within the CPU initialization period without a full metrics window since becoming ready)
// left out, and pods without metrics counted as using nothing on a scale-up and their whole
// request on a scale-down, never letting either turn the direction around. Pure.
import type { Pod } from '../api/objects.js';
import { tryParseQuantity } from '../api/quantity.js';

export const TOLERANCE = 0.1;
/** --horizontal-pod-autoscaler-cpu-initialization-period */
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** --horizontal-pod-autoscaler-initial-readiness-delay */
export const INITIAL_READINESS_DELAY_MS = 30_000;

/** One pod's sample: its usage in milli-units, when it was taken and over how long. */
export interface PodMetric { value: number; timestampMs: number; windowMs: number }

export class ReplicaCalculationError extends Error {}

export interface ResourceQuery {
  currentReplicas: number;
  /** cpu or memory. */
  resource: string;
  /** Only this container's usage and requests (ContainerResource metrics); '' for all. */
  container: string;
  pods: Pod[];
  metrics: Map<string, PodMetric>;
  nowMs: number;
  tolerance?: number;
}

interface Groups { readyCount: number; ignored: Set<string>; missing: Set<string> }

/** groupPods: which pods count, which are left out while starting, which have no metrics. */
export function groupPods(pods: Pod[], metrics: Map<string, PodMetric>, resource: string, nowMs: number): Groups {
  const groups: Groups = { readyCount: 0, ignored: new Set(), missing: new Set() };
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    const phase = pod.status?.phase;
    if (pod.metadata.deletionTimestamp || phase === 'Failed') continue;
    if (phase === 'Pending') { groups.ignored.add(name); continue; }
    const metric = metrics.get(name);
    if (!metric) { groups.missing.add(name); continue; }
    if (resource === 'cpu' && cpuSampleIgnored(pod, metric, nowMs)) { groups.ignored.add(name); continue; }
    groups.readyCount++;
  }
  return groups;
}

function cpuSampleIgnored(pod: Pod, metric: PodMetric, nowMs: number): boolean {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const start = pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined;
  if (!ready || start === undefined) return true;
  const transition = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : 0;
  if (start + CPU_INITIALIZATION_PERIOD_MS > nowMs) {
    // Still initializing: only a ready pod with a full window of samples since it became ready counts.
    return ready.status === 'False' || metric.timestampMs < transition + metric.windowMs;
  }
  // Unready and never ready since it started.
  return ready.status === 'False' && start + INITIAL_READINESS_DELAY_MS > transition;
}

/** calculatePodRequests: each pod's request of `resource` in milli-units, all containers (or one) needing one. */
export function podRequests(pods: Pod[], resource: string, container: string): Map<string, number> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
    let sum = 0;
    for (const c of containers) {
      if (container && c.name !== container) continue;
      const request = tryParseQuantity(c.resources?.requests?.[resource]);
      if (!request) throw new ReplicaCalculationError(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name ?? ''}`);
      sum += request.milliValue();
    }
    requests.set(pod.metadata.name ?? '', sum);
  }
  return requests;
}

/** GetResourceUtilizationRatio: total usage over total requests, as a whole percentage. */
export function utilizationRatio(metrics: Map<string, number>, requests: Map<string, number>, target: number): { ratio: number; utilization: number; rawAverage: number } {
  let usage = 0;
  let requested = 0;
  let counted = 0;
  for (const [name, value] of metrics) {
    const request = requests.get(name);
    if (request === undefined) continue;
    usage += value;
    requested += request;
    counted++;
  }
  if (requested === 0) throw new ReplicaCalculationError('no metrics returned matched known pods');
  const utilization = Math.trunc((usage * 100) / requested);
  return { ratio: utilization / target, utilization, rawAverage: counted ? Math.trunc(usage / counted) : 0 };
}

export interface ResourceResult { replicas: number; utilization: number; rawAverage: number }

/** GetResourceReplicas: the replicas a Utilization target asks for. */
export function resourceReplicas(q: ResourceQuery, targetUtilization: number): ResourceResult {
  const tolerance = q.tolerance ?? TOLERANCE;
  if (!q.pods.length) throw new ReplicaCalculationError('no pods returned by selector while calculating replica count');
  const { readyCount, ignored, missing } = groupPods(q.pods, q.metrics, q.resource, q.nowMs);
  const samples = new Map<string, number>();
  for (const [name, m] of q.metrics) if (!ignored.has(name)) samples.set(name, m.value);
  const requests = podRequests(q.pods, q.resource, q.container);
  if (!samples.size) throw new ReplicaCalculationError('did not receive metrics for targeted pods (pods might be unready)');
  const first = utilizationRatio(samples, requests, targetUtilization);
  const result = (replicas: number): ResourceResult => ({ replicas, utilization: first.utilization, rawAverage: first.rawAverage });
  const rebalanceIgnored = ignored.size > 0 && first.ratio > 1;
  if (!rebalanceIgnored && !missing.size) {
    if (Math.abs(1 - first.ratio) <= tolerance) return result(q.currentReplicas);
    return result(Math.ceil(first.ratio * readyCount));
  }
  if (first.ratio < 1) for (const name of missing) samples.set(name, requests.get(name) ?? 0);
  else if (first.ratio > 1) for (const name of missing) samples.set(name, 0);
  if (rebalanceIgnored) for (const name of ignored) samples.set(name, 0);
  const { ratio } = utilizationRatio(samples, requests, targetUtilization);
  if (Math.abs(1 - ratio) <= tolerance || (first.ratio < 1 && ratio > 1) || (first.ratio > 1 && ratio < 1)) return result(q.currentReplicas);
  const replicas = Math.ceil(ratio * samples.size);
  if ((ratio < 1 && replicas > q.currentReplicas) || (ratio > 1 && replicas < q.currentReplicas)) return result(q.currentReplicas);
  return result(replicas);
}

/** GetRawResourceReplicas (calcPlainMetricReplicas): the replicas an AverageValue target (milli-units) asks for. */
export function rawResourceReplicas(q: ResourceQuery, targetAverage: number): { replicas: number; average: number } {
  const tolerance = q.tolerance ?? TOLERANCE;
  if (!q.pods.length) throw new ReplicaCalculationError('no pods returned by selector while calculating replica count');
  const { readyCount, ignored, missing } = groupPods(q.pods, q.metrics, q.resource, q.nowMs);
  const samples = new Map<string, number>();
  for (const [name, m] of q.metrics) if (!ignored.has(name)) samples.set(name, m.value);
  if (!samples.size) throw new ReplicaCalculationError('did not receive metrics for targeted pods (pods might be unready)');
  const averageOf = () => [...samples.values()].reduce((a, b) => a + b, 0) / samples.size;
  const average = averageOf();
  const first = average / targetAverage;
  const result = (replicas: number) => ({ replicas, average: Math.trunc(average) });
  const rebalanceIgnored = ignored.size > 0 && first > 1;
  if (!rebalanceIgnored && !missing.size) {
    if (Math.abs(1 - first) <= tolerance) return result(q.currentReplicas);
    return result(Math.ceil(first * readyCount));
  }
  for (const name of missing) samples.set(name, first < 1 ? targetAverage : 0);
  if (rebalanceIgnored) for (const name of ignored) samples.set(name, 0);
  const ratio = averageOf() / targetAverage;
  if (Math.abs(1 - ratio) <= tolerance || (first < 1 && ratio > 1) || (first > 1 && ratio < 1)) return result(q.currentReplicas);
  return result(Math.ceil(ratio * samples.size));
}
