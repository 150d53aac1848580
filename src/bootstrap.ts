// What every cluster starts with: the system namespaces and the `kubernetes` service in default,
// created through the API path like any other object (and only when missing).
import type { Registry } from './api/registry.js';
import { isAlreadyExists } from './create-object.js';
import { isJsonObject } from './api/json.js';
import type { KObject, ObjectMeta } from './api/types.js';
import { SYSTEM_NAMESPACES, SYSTEM_PRIORITY_CLASSES } from './builtin-kinds.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, reconcileClusterRole, reconcileClusterRoleBinding } from './bootstrap-policy.js';
import type { BindingObject, ClusterRoleObject } from './authorization.js';
import { typedResource } from './client/typed-resource.js';

/**
 * Creates `obj` when missing. When it exists, `reconcile` (if given) brings the fields the server
 * owns up to date, as kube-apiserver reconciles its own service and endpoints at each start (the
 * port may have changed, or the data come from another server's snapshot).
 */
async function ensure(registry: Registry, resource: string, namespace: string | undefined, obj: KObject & { metadata: ObjectMeta & { name: string } }, reconcile?: (current: KObject) => KObject, group = ''): Promise<void> {
  const rs = registry.resource(resource, group);
  if (!rs) throw new Error(`bootstrap: no resource ${resource}`);
  const { name } = obj.metadata;
  const current = rs.cache.get(rs.key(namespace, name))?.object;
  if (current) {
    if (reconcile) await rs.update(namespace, name, reconcile, { dryRun: false });
    return;
  }
  try {
    await rs.create(namespace, obj, { dryRun: false });
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}

export async function bootstrap(registry: Registry, apiserver: { host: string; port: number }): Promise<void> {
  // Written together, in two rounds rather than one write after another: the store commits writes
  // made together at once, with one fsync. The namespaces come first, for the objects in default.
  await Promise.all([
    ...SYSTEM_NAMESPACES.map((name) => ensure(registry, 'namespaces', undefined, { metadata: { name } })),
    // The default StorageClass kind ships (its local-path provisioner is simulated by the PV controller).
    ensure(registry, 'storageclasses', undefined, {
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
      metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'rancher.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
    }, undefined, 'storage.k8s.io'),
    // As kube-apiserver's scheduling post-start hook: the system PriorityClasses, when missing.
    ...SYSTEM_PRIORITY_CLASSES.map((pc) => ensure(registry, 'priorityclasses', undefined, { ...pc, metadata: { name: pc.metadata.name ?? '' } }, undefined, 'scheduling.k8s.io')),
    // The default IngressClass, served by the simulated ingress controller (src/kubelet/ingress-controller.ts).
    ensure(registry, 'ingressclasses', undefined, {
      apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass',
      metadata: { name: 'tinykube', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      spec: { controller: 'tinykube.io/ingress-controller' },
    }, undefined, 'networking.k8s.io'),
    bootstrapPolicy(registry),
  ]);
  const ports = [{ name: 'https', port: 443, protocol: 'TCP', targetPort: apiserver.port }];
  const host = /^\d+\.\d+\.\d+\.\d+$/.test(apiserver.host) && apiserver.host !== '0.0.0.0' ? apiserver.host : '127.0.0.1';
  const subsets = [{ addresses: [{ ip: host }], ports: [{ name: 'https', port: apiserver.port, protocol: 'TCP' }] }];
  // The EndpointSlice, as kube-apiserver's endpoints adapter writes it beside the Endpoints (the
  // mirroring controller is told to skip them): same name, the service-name label, ready.
  const slicePorts = [{ name: 'https', port: apiserver.port, protocol: 'TCP' }];
  const endpoints = [{ addresses: [host], conditions: { ready: true } }];
  await Promise.all([
    ensure(registry, 'services', 'default', {
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: '10.96.0.1', ports, sessionAffinity: 'None' },
    }, (svc) => ({ ...svc, spec: { ...(isJsonObject(svc.spec) ? svc.spec : {}), ports } })),
    ensure(registry, 'endpoints', 'default', {
      metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets,
    }, (ep) => ({ ...ep, subsets })),
    ensure(registry, 'endpointslices', 'default', {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      addressType: 'IPv4', endpoints, ports: slicePorts,
    }, (slice) => ({ ...slice, endpoints, ports: slicePorts }), 'discovery.k8s.io'),
  ]);
}

/**
 * kube's bootstrap RBAC policy: created when missing (together, so one commit holds them), and
 * what a data directory kept from an earlier start lacks added, as kube-apiserver reconciles it.
 */
async function bootstrapPolicy(registry: Registry): Promise<void> {
  const group = 'rbac.authorization.k8s.io';
  if (!registry.resource('clusterroles', group)) return;
  const roles = typedResource<ClusterRoleObject>(registry, 'clusterroles', group);
  const bindings = typedResource<BindingObject>(registry, 'clusterrolebindings', group);
  const write = { dryRun: false };
  await Promise.all(bootstrapClusterRoles().map(async (role) => {
    if (!roles.lister.get(undefined, role.metadata.name)) return ensure(registry, 'clusterroles', undefined, role, undefined, group);
    await roles.update({ name: role.metadata.name }, (current) => reconcileClusterRole(current, role), write);
  }));
  await Promise.all(bootstrapClusterRoleBindings().map(async (desired) => {
    const key = { name: desired.metadata.name };
    const current = bindings.lister.get(undefined, key.name);
    if (!current) return ensure(registry, 'clusterrolebindings', undefined, desired, undefined, group);
    const { binding, recreate } = reconcileClusterRoleBinding(current, desired);
    if (recreate) {
      // roleRef cannot change in place: kube deletes the binding and creates it anew.
      await bindings.delete(key, {}, write);
      const { resourceVersion, uid, creationTimestamp, managedFields, ...metadata } = binding.metadata;
      void resourceVersion; void uid; void creationTimestamp; void managedFields;
      await bindings.create(undefined, { ...binding, metadata }, write);
    } else {
      await bindings.update(key, (latest) => reconcileClusterRoleBinding(latest, desired).binding, write);
    }
  }));
}
