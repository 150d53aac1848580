// Binding a pod to a node (pods/binding and the bindings collection), shared by their handlers
// and the scheduler: set spec.nodeName once and mark the pod PodScheduled.
import { errors } from './errors.js';
import type { ResourceStore } from './resource-store.js';
import { rfc3339 } from './time.js';
import type { KObject } from './types.js';

interface PodCondition { type: string; status: string; lastProbeTime: null; lastTransitionTime: string }
interface BindablePod extends KObject { spec?: { nodeName?: string }; status?: { conditions?: PodCondition[] } }

/** Binds a pod of `pods` (the pods store); a dry run checks and answers the same, storing nothing. */
export async function bindPod(pods: ResourceStore, namespace: string | undefined, name: string, nodeName: string, fieldManager?: string, dryRun = false): Promise<KObject> {
  const gr = { group: pods.gr.group, resource: `${pods.gr.resource}/binding` };
  const { object } = await pods.updateCopy(namespace, name, (pod: BindablePod) => {
    const spec = (pod.spec ??= {});
    if (spec.nodeName) throw errors.conflict(gr, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    if (pod.metadata.deletionTimestamp) throw errors.conflict(gr, name, `pod ${name} is being deleted, cannot be assigned to a host`);
    spec.nodeName = nodeName;
    const status = (pod.status ??= {});
    const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(pods.now()) });
    status.conditions = conditions;
    return pod;
  }, { dryRun, subresource: 'binding', fieldManager });
  return object;
}
