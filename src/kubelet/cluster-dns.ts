// What the cluster DNS answers a pod, as CoreDNS's kubernetes plugin does for services: a name is
// tried with the pod's resolv.conf search list (ndots:5, so short names get the suffixes first),
// and `SERVICE.NAMESPACE.svc.cluster.local` is the service's cluster IP. Pure: the services come
// from a lookup the caller gives.
import type { Service } from '../api/objects.js';
import { CLUSTER_DOMAIN } from './container-files.js';
import type { Resolved } from './process.js';

/** Finds a service by namespace and name (the caller's view of the cluster). */
export type ServiceLookup = (namespace: string, name: string) => Service | undefined;

const SERVICE_FQDN = new RegExp(`^([a-z0-9-]+)\\.([a-z0-9-]+)\\.svc\\.${CLUSTER_DOMAIN.replace('.', '\\.')}$`);

/** The names a resolver in `namespace` asks for, in order: with fewer than 5 dots the search list comes first. */
export function searchNames(name: string, namespace: string): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const searched = [`${namespace}.svc.${CLUSTER_DOMAIN}`, `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN].map((suffix) => `${name}.${suffix}`);
  return name.split('.').length - 1 >= 5 ? [name, ...searched] : [...searched, name];
}

/** The first of `name`'s search names that is a service with a cluster IP, with that address. */
export function resolveName(name: string, namespace: string, services: ServiceLookup): Resolved | undefined {
  for (const candidate of searchNames(name.toLowerCase(), namespace)) {
    const m = SERVICE_FQDN.exec(candidate);
    const service = m ? services(m[2], m[1]) : undefined;
    const address = service?.spec?.clusterIP;
    if (address && address !== 'None') return { name: candidate, address };
  }
  return undefined;
}
