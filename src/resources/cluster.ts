// Cluster-scoped core resources: Nodes and Namespaces.
import { errors, fieldErrors, type FieldError } from '../api/errors.js';
import { age, column, NAME_COLUMN, AGE_COLUMN } from '../api/table.js';
import { METADATA_RESET_FOR_STATUS, STATUS_SUBRESOURCE } from '../api/reset-fields.js';
import type { Admission } from '../api/resource-store.js';
import type { Namespace, Node } from '../api/objects.js';
import { rfc3339 } from '../api/time.js';
import type { Strategy } from '../api/types.js';

function nodeStatusCell(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  // As kube's printer: NotReady for False and Unknown alike; Unknown only without a Ready condition.
  let s = !ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady';
  if (node.spec?.unschedulable) s += ',SchedulingDisabled';
  return s;
}

/** ROLES: `node-role.kubernetes.io/<role>` labels and the legacy `kubernetes.io/role`. */
export function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) { const r = k.slice('node-role.kubernetes.io/'.length); if (r) roles.add(r); }
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

function address(node: Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
}

export const nodeStrategy: Strategy<Node> = {
  group: '', version: 'v1', resource: 'nodes',
  singularName: 'node',
  shortNames: ['no'],
  subresources: { status: STATUS_SUBRESOURCE },
  prepareForCreate(obj) {
    // Kubelets register nodes with their status, so it is kept on create.
    if (obj.spec) delete obj.spec.configSource;
  },
  defaults(obj) {
    obj.spec ??= {};
    obj.status ??= {};
  },
  validate(obj) {
    const errs: FieldError[] = [];
    const taints = obj.spec?.taints ?? [];
    taints.forEach((t, i) => {
      if (!t.key) errs.push(fieldErrors.required(`spec.taints[${i}].key`));
      if (!t.effect) errs.push(fieldErrors.required(`spec.taints[${i}].effect`));
      else if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect)) errs.push(fieldErrors.notSupported(`spec.taints[${i}].effect`, t.effect, ['NoExecute', 'NoSchedule', 'PreferNoSchedule']));
    });
    return errs;
  },
  selectableFields(obj) {
    return { 'spec.unschedulable': String(Boolean(obj.spec?.unschedulable)) };
  },
  table: {
    columns: [
      NAME_COLUMN,
      column('Status', 'Whether the node is ready, and whether scheduling is disabled.'),
      column('Roles', 'The roles from node-role.kubernetes.io labels.'),
      AGE_COLUMN,
      column('Version', 'The kubelet version.'),
      column('Internal-IP', 'The internal address.', 1),
      column('External-IP', 'The external address.', 1),
      column('OS-Image', 'The operating system image.', 1),
      column('Kernel-Version', 'The kernel version.', 1),
      column('Container-Runtime', 'The container runtime and its version.', 1),
    ],
    cells(node, now) {
      const info = node.status?.nodeInfo;
      return [
        node.metadata.name, nodeStatusCell(node), nodeRoles(node), age(node.metadata.creationTimestamp, now), info?.kubeletVersion ?? '',
        address(node, 'InternalIP'), address(node, 'ExternalIP'), info?.osImage || '<unknown>', info?.kernelVersion || '<unknown>', info?.containerRuntimeVersion || '<unknown>',
      ];
    },
  },
};

/** Namespaces the system needs; they may not be deleted. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export const namespaceStrategy: Strategy<Namespace> = {
  group: '', version: 'v1', resource: 'namespaces',
  singularName: 'namespace',
  shortNames: ['ns'],
  nameFormat: 'label',
  subresources: {
    status: STATUS_SUBRESOURCE,
    // Only spec.finalizers changes through /finalize (what the namespace controller removes).
    finalize: {
      type: 'view',
      resetFields: ['status', ...METADATA_RESET_FOR_STATUS],
      prepareForUpdate(obj: Namespace) {
        // An empty list is left out, as Go's omitempty leaves it.
        if (obj.spec?.finalizers?.length === 0) delete obj.spec.finalizers;
      },
    },
  },
  // spec.finalizers change only through /finalize.
  resetFields: ['spec.finalizers', 'status'],
  returnsDeletedObject: true,
  defaults(obj) {
    obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
    obj.spec ??= {};
  },
  prepareForCreate(obj) {
    obj.spec = { finalizers: ['kubernetes'] };
    obj.status = { phase: 'Active' };
  },
  beforeDelete(ns, now) {
    if (SYSTEM_NAMESPACES.includes(ns.metadata.name ?? '')) {
      throw errors.forbidden({ group: '', resource: 'namespaces' }, ns.metadata.name ?? '', 'this namespace may not be deleted');
    }
    // While spec.finalizers remain, deletion only marks the namespace Terminating; the namespace
    // controller empties it, finalizes it, and deletes it again.
    if (!ns.spec?.finalizers?.length) return undefined;
    ns.metadata.deletionTimestamp ??= rfc3339(now);
    ns.metadata.deletionGracePeriodSeconds ??= 0;
    ns.status = { ...ns.status, phase: 'Terminating' };
    return ns;
  },
  selectableFields(obj) {
    return { 'status.phase': obj.status?.phase ?? '' };
  },
  table: {
    columns: [NAME_COLUMN, column('Status', 'Active, or Terminating while its contents are deleted.'), AGE_COLUMN],
    cells: (ns, now) => [ns.metadata.name, ns.status?.phase ?? '', age(ns.metadata.creationTimestamp, now)],
  },
};

/**
 * kube's NamespaceLifecycle admission: objects are created only in a namespace that exists and is
 * not being deleted.
 */
export const namespaceLifecycle: Admission = ({ gr, namespace, name }, registry) => {
  if (!namespace) return;
  const namespaces = registry.resource('namespaces');
  const ns = namespaces?.cache.get(namespaces.key(undefined, namespace))?.object;
  if (!ns) throw errors.notFound({ group: '', resource: 'namespaces' }, namespace);
  if (ns.metadata.deletionTimestamp) {
    throw errors.namespaceTerminating(gr, name ?? '', namespace);
  }
};
