// Which custom resources a registry serves for which CRD: one Strategy per served version,
// registered again when the CRD's spec changes and unregistered when it goes. Fixtures call it
// directly after creating a CRD (before the control plane runs), so the objects after it in the
// same directory find their kind; the CRD controller calls it for everything else.
import type { CustomResourceDefinition } from '../api/apiextensions-objects.js';
import { customResourceStrategy, type ServedVersion } from '../api/custom-resource-kind.js';
import { canonicalJSON } from '../api/json.js';
import type { Registry } from '../api/registry.js';

interface Served { fingerprint: string; versions: ServedVersion[] }

const SERVED = new WeakMap<Registry, Map<string, Served>>();

function servedBy(registry: Registry): Map<string, Served> {
  let map = SERVED.get(registry);
  if (!map) SERVED.set(registry, (map = new Map<string, Served>()));
  return map;
}

/** The spec parts that change what is served. */
function fingerprint(crd: CustomResourceDefinition): string {
  return canonicalJSON({ spec: crd.spec, names: crd.status?.acceptedNames });
}

/**
 * Serves every served version of `crd` (registering them anew if its spec changed). Returns the
 * versions that could not be registered (a built-in kind or another CRD holds the resource).
 */
export async function serveDefinition(registry: Registry, crd: CustomResourceDefinition): Promise<string[]> {
  const name = crd.metadata.name ?? '';
  const map = servedBy(registry);
  const now = fingerprint(crd);
  if (map.get(name)?.fingerprint === now) return [];
  unserveDefinition(registry, name);
  const meta = registry.library.meta();
  const versions: ServedVersion[] = [];
  const failed: string[] = [];
  for (const v of crd.spec.versions.filter((x) => x.served)) {
    const gvr = { group: crd.spec.group, version: v.name, resource: crd.spec.names.plural };
    if (registry.lookup(gvr.group, gvr.version, gvr.resource)) { failed.push(v.name); continue; }
    await registry.register(customResourceStrategy(crd, v, meta));
    versions.push(gvr);
  }
  map.set(name, { fingerprint: now, versions });
  return failed;
}

/** Stops serving what `name` served. */
export function unserveDefinition(registry: Registry, name: string): void {
  const map = servedBy(registry);
  const served = map.get(name);
  if (!served) return;
  for (const v of served.versions) registry.unregister(v.group, v.version, v.resource);
  map.delete(name);
}

/** Whether `name`'s kinds are served now. */
export function isServed(registry: Registry, name: string): boolean {
  return !!servedBy(registry).get(name)?.versions.length;
}
