// What a DaemonSet does next, as kube's daemon controller decides it, as pure functions: which
// nodes should run its pod (nodeName, nodeSelector and required node affinity, taints against the
// pod's tolerations plus those the controller adds), the pod each node gets (pinned to the node by
// a matchFields affinity the default scheduler binds by), and which old pods a RollingUpdate
// replaces within maxUnavailable and maxSurge.
import type { IntOrString, Node, Pod, PodSpec, PodTemplateSpec, Taint, Toleration } from '../api/objects.js';
import { scaledValue } from './rollout.js';
import { matchesNodeAffinity, tolerates } from './scheduling.js';
import { copyJSON } from '../api/json.js';

/** The tolerations every daemon pod gets (AddOrUpdateDaemonPodTolerations), in kube's order. */
export function daemonTolerations(spec: PodSpec): Toleration[] {
  const exists = (key: string, effect: string): Toleration => ({ key, operator: 'Exists', effect });
  return [
    exists('node.kubernetes.io/not-ready', 'NoExecute'),
    exists('node.kubernetes.io/unreachable', 'NoExecute'),
    exists('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/unschedulable', 'NoSchedule'),
    ...(spec.hostNetwork ? [exists('node.kubernetes.io/network-unavailable', 'NoSchedule')] : []),
  ];
}

const sameToleration = (a: Toleration, b: Toleration) => a.key === b.key && a.operator === b.operator && (a.value ?? '') === (b.value ?? '') && a.effect === b.effect;

/** The template's spec with the daemon tolerations added where not already there. */
export function withDaemonTolerations(spec: PodSpec): PodSpec {
  const tolerations = [...(spec.tolerations ?? [])];
  for (const t of daemonTolerations(spec)) {
    const i = tolerations.findIndex((x) => x.key === t.key && x.effect === t.effect);
    if (i < 0) tolerations.push(t);
    else if (!sameToleration(tolerations[i], t)) tolerations[i] = t;
  }
  return { ...spec, tolerations };
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes `metadata.name In [node]`. */
export function pinToNode(spec: PodSpec, node: string): PodSpec {
  const required = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] };
  const affinity = spec.affinity ?? {};
  return { ...spec, affinity: { ...affinity, nodeAffinity: { ...affinity.nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: required } } };
}

/** The pod a node gets from `template` (before names, labels and owner). */
export function daemonPodSpec(template: PodTemplateSpec, node: string): PodSpec {
  return pinToNode(withDaemonTolerations(copyJSON(template.spec ?? { containers: [] })), node);
}

const untolerated = (taints: Taint[], tolerations: Toleration[] | undefined, effects: string[]) =>
  taints.some((t) => effects.includes(t.effect) && !tolerates(tolerations, t));

/** NodeShouldRunDaemonPod: whether a new pod belongs there, and whether a running one may stay. */
export function shouldRunOn(node: Node, template: PodTemplateSpec): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = withDaemonTolerations(template.spec ?? { containers: [] });
  const pod: Pod = { metadata: {}, spec };
  const name = node.metadata.name ?? '';
  const labels = node.metadata.labels ?? {};
  const fitsName = !spec.nodeName || spec.nodeName === name;
  const fitsSelector = Object.entries(spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v) && matchesNodeAffinity(pod, node);
  if (!fitsName || !fitsSelector) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints ?? [];
  return {
    shouldRun: !untolerated(taints, spec.tolerations, ['NoSchedule', 'NoExecute']),
    shouldContinueRunning: !untolerated(taints, spec.tolerations, ['NoExecute']),
  };
}

/** The limits of one RollingUpdate pass, scaled to the nodes that should run the pod (rounded up). */
export function updateLimits(maxUnavailable: IntOrString | undefined, maxSurge: IntOrString | undefined, desired: number): { maxUnavailable: number; maxSurge: number } {
  const unavailable = scaledValue(maxUnavailable, desired, true);
  const surge = scaledValue(maxSurge, desired, true);
  // An impossible 0/0 moves one at a time, as kube does.
  return desired > 0 && unavailable === 0 && surge === 0 ? { maxUnavailable: 1, maxSurge: 0 } : { maxUnavailable: unavailable, maxSurge: surge };
}

/** One eligible node as the rolling update sees it; `ok` false when it has several pods of one kind. */
export interface NodePods {
  node: string;
  newPod?: { name: string; available: boolean };
  oldPod?: { name: string; available: boolean };
  ok: boolean;
}

/**
 * rollingUpdate: the old pods to delete now and the nodes to surge a new pod onto. Unavailable
 * old pods always go; available ones only within maxUnavailable (maxSurge 0), or once their
 * node's new pod is available (maxSurge > 0, a new pod first on at most maxSurge nodes).
 */
export function rollingUpdatePlan(nodes: NodePods[], limits: { maxUnavailable: number; maxSurge: number }): { deleteOld: string[]; surgeOn: string[] } {
  const deleteOld: string[] = [];
  const surgeOn: string[] = [];
  if (limits.maxSurge === 0) {
    let unavailable = 0;
    const candidates: string[] = [];
    for (const n of nodes) {
      if (!n.ok || (!n.oldPod && !n.newPod) || (n.oldPod && n.newPod)) { unavailable++; continue; }
      if (n.newPod) { if (!n.newPod.available) unavailable++; continue; }
      if (n.oldPod && !n.oldPod.available) { deleteOld.push(n.oldPod.name); unavailable++; } else if (n.oldPod && unavailable < limits.maxUnavailable) candidates.push(n.oldPod.name);
    }
    const room = Math.min(Math.max(0, limits.maxUnavailable - unavailable), candidates.length);
    return { deleteOld: [...deleteOld, ...candidates.slice(0, room)], surgeOn };
  }
  let surging = nodes.filter((n) => n.oldPod && n.newPod && !n.newPod.available).length;
  for (const n of nodes) {
    if (!n.ok || !n.oldPod) continue;
    if (!n.newPod) {
      if (!n.oldPod.available) deleteOld.push(n.oldPod.name);
      else if (surging < limits.maxSurge) { surgeOn.push(n.node); surging++; }
    } else if (n.newPod.available) deleteOld.push(n.oldPod.name);
  }
  return { deleteOld, surgeOn };
}
