// The resource usage the simulated containers report, as metrics-server serves it from the
// kubelets: deterministic, from each container's requests (a tenth of the cpu asked for, half the
// memory, at least 1m and 8Mi), unless the pod's annotations set it (`tinykube.io/cpu-usage`,
// `tinykube.io/memory-usage`: the pod's total, shared evenly by its containers), so a test can
// drive what `kubectl top` and an autoscaler see. Nodes add their system's own usage. Pure.
import type { Container, Pod } from '../api/objects.js';
import { tryParseQuantity } from '../api/quantity.js';

export const CPU_USAGE_ANNOTATION = 'tinykube.io/cpu-usage';
export const MEMORY_USAGE_ANNOTATION = 'tinykube.io/memory-usage';

/** What a node's own processes use (kubelet, runtime, system daemons), as a small idle node does. */
const NODE_SYSTEM = { milliCPU: 60, bytes: 384 * 1024 * 1024 };

export interface Usage { milliCPU: number; bytes: number }

/** Usage as metrics-server writes it: cpu in nanocores, memory in Ki. */
export function usageQuantities(u: Usage): { cpu: string; memory: string } {
  return { cpu: `${u.milliCPU * 1_000_000}n`, memory: `${Math.ceil(u.bytes / 1024)}Ki` };
}

function requested(c: Container, resource: 'cpu' | 'memory'): ReturnType<typeof tryParseQuantity> {
  return tryParseQuantity(c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource]);
}

/** Each container's usage. */
export function containerUsage(pod: Pod): { name: string; usage: Usage }[] {
  const containers = pod.spec?.containers ?? [];
  const share = (annotation: string, scale: (q: NonNullable<ReturnType<typeof tryParseQuantity>>) => number) => {
    const q = tryParseQuantity(pod.metadata.annotations?.[annotation]);
    return q && containers.length ? Math.ceil(scale(q) / containers.length) : undefined;
  };
  const cpu = share(CPU_USAGE_ANNOTATION, (q) => q.milliValue());
  const memory = share(MEMORY_USAGE_ANNOTATION, (q) => q.value());
  return containers.map((c) => ({
    name: c.name,
    usage: {
      milliCPU: cpu ?? Math.max(1, Math.ceil((requested(c, 'cpu')?.milliValue() ?? 0) / 10)),
      bytes: memory ?? Math.max(8 * 1024 * 1024, Math.ceil((requested(c, 'memory')?.value() ?? 0) / 2)),
    },
  }));
}

/** A node's usage: its system's plus that of the running pods bound to it. */
export function nodeUsage(pods: Pod[]): Usage {
  const total = { ...NODE_SYSTEM };
  for (const pod of pods) {
    for (const { usage } of containerUsage(pod)) {
      total.milliCPU += usage.milliCPU;
      total.bytes += usage.bytes;
    }
  }
  return total;
}
