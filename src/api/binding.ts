// Binding a pod to a node (pods/binding and the bindings collection), shared by their handlers
// and the scheduler. As kube's BindingREST, the pod is written straight to storage: its spec's
// nodeName once, the binding's annotations, PodScheduled; no field manager records the write and
// the pod's generation stays as it was.
import { failedPrecondition } from './deletion.js';
import { errors } from './errors.js';
import type { ResourceStore } from './resource-store.js';
import { rfc3339 } from './time.js';
import type { KObject } from './types.js';

interface PodCondition { type: string; status: string; lastProbeTime: null; lastTransitionTime: string; reason?: string; message?: string }
interface BindablePod extends KObject { spec?: { nodeName?: string; schedulingGates?: unknown[] }; status?: { conditions?: PodCondition[] } }

/** What a Binding carries besides its target: preconditions on the pod and annotations for it. */
export interface BindingMeta {
  uid?: string;
  resourceVersion?: string;
  annotations?: Record<string, string>;
}

/** Binds a pod of `pods` (the pods store); a dry run checks and answers the same, storing nothing. */
export async function bindPod(pods: ResourceStore, namespace: string | undefined, name: string, nodeName: string, binding: BindingMeta = {}, dryRun = false): Promise<KObject> {
  const gr = { group: pods.gr.group, resource: `${pods.gr.resource}/binding` };
  return pods.updateInStorage(namespace, name, (pod: BindablePod) => {
    checkPreconditions(pods, pod, binding);
    const spec = (pod.spec ??= {});
    if (pod.metadata.deletionTimestamp) throw errors.conflict(gr, name, `pod ${name} is being deleted, cannot be assigned to a host`);
    if (spec.nodeName) throw errors.conflict(gr, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    if (spec.schedulingGates?.length) throw errors.conflict(gr, name, `pod ${name} has non-empty .spec.schedulingGates`);
    spec.nodeName = nodeName;
    if (binding.annotations) pod.metadata.annotations = { ...pod.metadata.annotations, ...binding.annotations };
    const status = (pod.status ??= {});
    status.conditions = withCondition(status.conditions ?? [], 'PodScheduled', 'True', rfc3339(pods.now()));
  }, dryRun);
}

/**
 * The Binding's uid and resourceVersion must be the pod's, checked as kube's storage checks
 * preconditions: a conflict on pods whose message is the StorageError's.
 */
function checkPreconditions(pods: ResourceStore, pod: KObject, binding: BindingMeta): void {
  const failed = failedPrecondition(pod, binding);
  if (!failed) return;
  const name = pod.metadata.name ?? '';
  throw errors.conflict(pods.gr, name, `StorageError: invalid object, Code: 4, Key: ${pods.key(pod.metadata.namespace, name)}, ResourceVersion: 0, AdditionalErrorMsg: ${failed}`);
}

/**
 * kube's UpdatePodCondition for a condition with no reason or message: replaced where it stands
 * (keeping its transition time when the status is the same), or added at the end.
 */
function withCondition(conditions: PodCondition[], type: string, status: string, now: string): PodCondition[] {
  const i = conditions.findIndex((c) => c.type === type);
  const condition: PodCondition = { type, status, lastProbeTime: null, lastTransitionTime: i >= 0 && conditions[i].status === status ? conditions[i].lastTransitionTime : now };
  return i < 0 ? [...conditions, condition] : conditions.map((c, j) => (j === i ? condition : c));
}
