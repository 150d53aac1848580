// Fixtures: the manifests of a directory created at start (`--fixtures DIR`) as kubectl create
// would create them, dependencies first. Objects that already exist (a restart on the same data)
// are left as they are.
import { StatusError } from './api/errors.js';
import type { Registry } from './api/registry.js';
import { createObject, isAlreadyExists, UnservedKindError } from './create-object.js';
import { ManifestError, readManifestDir } from './manifests.js';

export class FixtureError extends Error {}

/** Creates every object under `dir`; returns how many were created. */
export async function loadFixtures(registry: Registry, dir: string): Promise<number> {
  let manifests;
  try {
    manifests = readManifestDir(dir);
  } catch (e) {
    if (e instanceof ManifestError) throw new FixtureError(`cannot read the fixtures: ${e.message}`);
    throw new FixtureError(`cannot read the fixtures in ${dir}: ${(e as Error).message}`);
  }
  let created = 0;
  for (const { object, source } of manifests) {
    try {
      await createObject(registry, object, 'tinykube-fixtures');
      created++;
    } catch (e) {
      if (isAlreadyExists(e)) continue;
      if (e instanceof StatusError || e instanceof UnservedKindError) throw new FixtureError(`${source}: ${e.message}`);
      throw e;
    }
  }
  return created;
}
