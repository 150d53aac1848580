// Binding a pod to a node (pods/binding and the bindings collection), shared by the REST
// handler and the scheduler: set spec.nodeName once and mark the pod PodScheduled.
import { errors } from './errors.js';
import type { Registry } from './registry.js';
import { rfc3339 } from './resource-store.js';
import type { KObject } from './types.js';

/** Binds; a dry run checks and answers the same, storing nothing. */
export async function bindPod(registry: Registry, namespace: string, name: string, nodeName: string, fieldManager?: string, dryRun = false): Promise<KObject> {
  const pods = registry.resource('pods')!;
  const { object } = await pods.update(namespace, name, (pod) => {
    const spec = (pod.spec ?? {}) as { nodeName?: string };
    if (spec.nodeName) throw errors.conflict({ group: '', resource: 'pods/binding' }, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    if (pod.metadata.deletionTimestamp) throw errors.conflict({ group: '', resource: 'pods/binding' }, name, `pod ${name} is being deleted, cannot be assigned to a host`);
    spec.nodeName = nodeName;
    const status = (pod.status ??= {}) as { conditions?: { type: string; status: string; lastProbeTime: null; lastTransitionTime: string }[] };
    const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(registry.now()) });
    status.conditions = conditions;
    return pod;
  }, { dryRun, subresource: 'binding', fieldManager });
  return object;
}
