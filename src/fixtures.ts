// Fixtures: the manifests of a directory created at start (`--fixtures DIR`) as kubectl create
// would create them, dependencies first. Objects that already exist (a restart on the same data)
// are left as they are.
import { StatusError } from './api/errors.js';
import type { Registry } from './api/registry.js';
import { createObject, isAlreadyExists, UnservedKindError } from './create-object.js';
import { Duration, QUIET, type Logger } from './logging/log.js';
import { ManifestError, readManifestDir } from './manifests.js';
import { serveDefinition } from './controllers/crd-serving.js';
import type { CustomResourceDefinition } from './api/apiextensions-objects.js';
import type { KObject } from './api/types.js';

export class FixtureError extends Error {}

/** Progress is logged every this many objects. */
const PROGRESS_EVERY = 1000;

/** Creates every object under `dir`; returns how many were created. Logs progress to `log` (level 0). */
export async function loadFixtures(registry: Registry, dir: string, log: Logger = QUIET): Promise<number> {
  const started = performance.now();
  let manifests;
  try {
    manifests = readManifestDir(dir);
  } catch (e) {
    if (e instanceof ManifestError) throw new FixtureError(`cannot read the fixtures: ${e.message}`);
    throw new FixtureError(`cannot read the fixtures in ${dir}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const files = new Set(manifests.map((m) => m.source)).size;
  log.info('Loading fixtures', { dir, files, objects: manifests.length });
  let created = 0;
  let existing = 0;
  for (const { object, source } of manifests) {
    try {
      const made = await createObject(registry, object, 'tinykube-fixtures');
      // A CRD's kinds are served at once, for the objects after it (the controller does the rest).
      if (isDefinition(made)) await serveDefinition(registry, made);
      created++;
    } catch (e) {
      if (isAlreadyExists(e)) existing++;
      else if (e instanceof StatusError || e instanceof UnservedKindError) throw new FixtureError(`${source}: ${e.message}`);
      else throw e;
    }
    const done = created + existing;
    if (done % PROGRESS_EVERY === 0 && done < manifests.length) log.info('Loading fixtures', { done, objects: manifests.length, elapsed: Duration.fromMs(performance.now() - started) });
  }
  log.info('Loaded fixtures', { dir, objects: manifests.length, created, existing, duration: Duration.fromMs(performance.now() - started) });
  return created;
}

function isDefinition(obj: KObject): obj is CustomResourceDefinition {
  return obj.apiVersion === 'apiextensions.k8s.io/v1' && obj.kind === 'CustomResourceDefinition';
}
