// A pod's quality of service class (kube's pkg/apis/core/helper/qos): what the API stamps in
// status.qosClass at create, and what quota scopes (BestEffort, NotBestEffort) select on.
import type { Pod, PodSpec } from './objects.js';
import { type Quantity, tryParseQuantity } from './quantity.js';

/** GetPodQOS: the class in the pod's status, or computed from its spec when there is none. */
export function podQOS(pod: Pod): string {
  return pod.status?.qosClass || qosClass(pod.spec ?? { containers: [] });
}

/** The resources a QoS class is computed from. */
const QOS_RESOURCES = ['cpu', 'memory'] as const;

/**
 * The QoS class, as kube's ComputePodQOS finds it (pod-level resources are behind a gate that is
 * off in 1.33): over containers and init containers, only cpu and memory above zero count;
 * BestEffort when none is given, Guaranteed when every container limits both and the summed
 * requests equal the summed limits, else Burstable. Requests are defaulted from limits before.
 */
export function qosClass(spec: PodSpec): string {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    addQoSResources(requests, c?.resources?.requests);
    if (addQoSResources(limits, c?.resources?.limits) < QOS_RESOURCES.length) guaranteed = false;
  }
  if (!requests.size && !limits.size) return 'BestEffort';
  if (!guaranteed || requests.size !== limits.size) return 'Burstable';
  for (const [name, request] of requests) {
    if (limits.get(name)?.cmp(request) !== 0) return 'Burstable';
  }
  return 'Guaranteed';
}

/** Adds the cpu and memory of `list` that are above zero into `sums`; returns how many it added. */
function addQoSResources(sums: Map<string, Quantity>, list: Record<string, unknown> | undefined): number {
  let added = 0;
  for (const name of QOS_RESOURCES) {
    const q = tryParseQuantity(list?.[name]);
    if (!q || q.sign <= 0) continue;
    const sum = sums.get(name);
    sums.set(name, sum ? sum.add(q) : q);
    added++;
  }
  return added;
}
