// Names what the activity feed reports by kind, as a dashboard shows it: the object a store key
// holds, and the kind a request's resource serves. Run only while someone listens.
import type { Registry } from '../api/registry.js';
import type { ActivityObject } from './activity.js';

interface Prefix { prefix: string; kind: string; namespaced: boolean }

/** The object under a store key: the longest registered prefix, then namespace/name or name. */
export function storeKeyResolver(registry: Registry): (key: string) => ActivityObject | undefined {
  let prefixes: Prefix[] | undefined;
  registry.onChange(() => { prefixes = undefined; });
  return (key) => {
    prefixes ??= registry.resources()
      .map((rs) => ({ prefix: rs.prefix, kind: rs.shape.kind, namespaced: rs.shape.namespaced }))
      .sort((a, b) => b.prefix.length - a.prefix.length);
    const found = prefixes.find((p) => key.startsWith(p.prefix));
    if (!found) return undefined;
    const rest = key.slice(found.prefix.length);
    if (!found.namespaced) return { kind: found.kind, name: rest };
    const slash = rest.indexOf('/');
    return slash < 0 ? { kind: found.kind, name: rest } : { kind: found.kind, namespace: rest.slice(0, slash), name: rest.slice(slash + 1) };
  };
}

/** The kind a resource request's resource serves (its resource name when the registry has none). */
export function requestKind(registry: Registry, group: string, version: string, resource: string): string {
  return (registry.lookup(group, version, resource) ?? registry.virtual(group, version, resource))?.shape.kind ?? resource;
}
