// What every cluster starts with: the system namespaces and the `kubernetes` service in default,
// created through the API path like any other object (and only when missing).
import { StatusError } from './api/errors.js';
import type { Registry } from './api/registry.js';
import type { KObject } from './api/types.js';
import { SYSTEM_NAMESPACES } from './resources/cluster.js';

async function ensure(registry: Registry, resource: string, namespace: string | undefined, obj: KObject): Promise<void> {
  const rs = registry.resource(resource)!;
  if (rs.cache.get(rs.key(namespace, obj.metadata.name!))) return;
  try {
    await rs.create(namespace, obj, { dryRun: false });
  } catch (e) {
    if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
  }
}

export async function bootstrap(registry: Registry, apiserver: { host: string; port: number }): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) await ensure(registry, 'namespaces', undefined, { metadata: { name } });
  await ensure(registry, 'services', 'default', {
    metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: apiserver.port }], sessionAffinity: 'None' },
  });
  const host = /^\d+\.\d+\.\d+\.\d+$/.test(apiserver.host) && apiserver.host !== '0.0.0.0' ? apiserver.host : '127.0.0.1';
  await ensure(registry, 'endpoints', 'default', {
    metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: host }], ports: [{ name: 'https', port: apiserver.port, protocol: 'TCP' }] }],
  });
}
