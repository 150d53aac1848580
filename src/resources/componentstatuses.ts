// ComponentStatuses (core/v1, cluster-scoped, get and list only): deprecated since v1.19 and, as
// kube-apiserver does, computed on every request rather than stored. kube probes the scheduler's
// and controller-manager's /healthz on their local ports and asks each storage backend for its
// health; here the scheduler and controllers are the simulated control plane (running unless the
// server was started with --api-only) and `etcd-0` is the store tinykube runs on.
import type { ComponentCondition, ComponentStatus } from '../api/objects.js';
import { addWarning, type RequestContext } from '../api/request-context.js';
import type { RegistryContext } from '../api/resource-store.js';
import { column, NAME_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';

/** deprecation.WarningMessage for core/v1 ComponentStatus (deprecated in 1.19, no replacement). */
export const COMPONENT_STATUS_WARNING = 'v1 ComponentStatus is deprecated in v1.19+';

/** The secure ports kube-apiserver probes: ports.KubeControllerManagerPort and DefaultKubeSchedulerPort. */
const PROBED = [
  { name: 'scheduler', port: 10259 },
  { name: 'controller-manager', port: 10257 },
] as const;

/** How long the store has to answer before it counts as unhealthy. */
const STORE_PROBE_TIMEOUT_MS = 2000;

/** What the components' health depends on: whether this server runs the control plane. */
export interface ComponentSources { controlPlane: boolean }

const healthy: ComponentCondition = { type: 'Healthy', status: 'True', message: 'ok' };

/**
 * A probe that got no answer: kube's prober returns probe.Unknown with the dial error, which
 * becomes status Unknown with the error and no message.
 */
function unreachable(port: number): ComponentCondition {
  const url = `https://127.0.0.1:${port}/healthz`;
  return { type: 'Healthy', status: 'Unknown', error: `Get "${url}": dial tcp 127.0.0.1:${port}: connect: connection refused` };
}

/** The storage prober: ok when the store answers, else Failure with its error (EtcdServer.DoServerCheck). */
async function storeCondition(registry: RegistryContext): Promise<ComponentCondition> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('context deadline exceeded')), STORE_PROBE_TIMEOUT_MS); });
  try {
    await Promise.race([registry.store.currentRevision(), timeout]);
    return healthy;
  } catch (e) {
    return { type: 'Healthy', status: 'False', error: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
  }
}

const status = (name: string, condition: ComponentCondition): ComponentStatus =>
  ({ kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name }, conditions: [condition] });

async function componentStatuses(sources: ComponentSources, registry: RegistryContext, request: RequestContext): Promise<ComponentStatus[]> {
  // Every request to a deprecated API is answered with kube's deprecation warning.
  addWarning(request, COMPONENT_STATUS_WARNING);
  return [
    ...PROBED.map(({ name, port }) => status(name, sources.controlPlane ? healthy : unreachable(port))),
    status('etcd-0', await storeCondition(registry)),
  ];
}

/** printComponentStatus: the Healthy condition's status, message and error. */
function cells(cs: ComponentStatus): unknown[] {
  const condition = (cs.conditions ?? []).find((c) => c.type === 'Healthy');
  const shown = !condition ? 'Unknown' : condition.status === 'True' ? 'Healthy' : 'Unhealthy';
  return [cs.metadata.name, shown, condition?.message ?? '', condition?.error ?? ''];
}

export function componentStatusStrategy(sources: ComponentSources): Strategy {
  return {
    group: '', version: 'v1', resource: 'componentstatuses',
    singularName: 'componentstatus',
    shortNames: ['cs'],
    virtual: { list: (registry, _namespace, request) => componentStatuses(sources, registry, request) },
    table: {
      columns: [
        NAME_COLUMN,
        column('Status', 'Status of the component conditions'),
        column('Message', 'Message of the component conditions'),
        column('Error', 'Error of the component conditions'),
      ],
      cells: (obj) => cells(obj),
    },
  };
}
