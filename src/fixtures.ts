// Fixtures: the manifests of a directory created at start (`--fixtures DIR`), through the API as
// kubectl create would send them, dependencies first. Objects that already exist (a restart on
// the same data) are left as they are.
import type { Registry } from './api/registry.js';
import type { KObject } from './api/types.js';
import { ManifestError, readManifestDir } from './manifests.js';

export class FixtureError extends Error {}

/** The collection path that creates `obj`, from the resources the registry serves. */
export function collectionPath(registry: Registry, obj: KObject): string | undefined {
  const rs = registry.resources().find((r) => r.apiVersion === obj.apiVersion && r.kind === obj.kind);
  if (!rs) return undefined;
  const { group, version, resource, namespaced } = rs.shape;
  const ns = namespaced ? `namespaces/${obj.metadata.namespace ?? 'default'}/` : '';
  return `/${group ? `apis/${group}` : 'api'}/${version}/${ns}${resource}`;
}

/** Creates every object under `dir` on the server at `url`; returns how many were created. */
export async function loadFixtures(url: string, registry: Registry, dir: string): Promise<number> {
  let manifests;
  try {
    manifests = readManifestDir(dir);
  } catch (e) {
    if (e instanceof ManifestError) throw new FixtureError(`cannot read the fixtures: ${e.message}`);
    throw new FixtureError(`cannot read the fixtures in ${dir}: ${(e as Error).message}`);
  }
  let created = 0;
  for (const { object, source } of manifests) {
    const path = collectionPath(registry, object);
    if (!path) throw new FixtureError(`${source}: tinykube does not serve ${object.kind} in ${object.apiVersion}`);
    const res = await fetch(`${url}${path}?fieldManager=tinykube-fixtures`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(object) });
    const status = await res.json() as { reason?: string; message?: string };
    if (res.status === 409 && status.reason === 'AlreadyExists') continue;
    if (!res.ok) throw new FixtureError(`${source}: ${status.message ?? `HTTP ${res.status}`}`);
    created++;
  }
  return created;
}
