// Snapshots: the whole state of a cluster as one multi-document YAML file, as etcdctl's snapshot
// save and restore are for kube. `save` reads a running tinykube over its API; the file holds
// every object (status included) without what a server assigns (uid, resourceVersion,
// creationTimestamp, managedFields), so `kubectl apply -f` accepts it too. `restore` writes a
// file into a data directory while no server runs, so no controller races it: objects go in
// dependency order, each owner reference re-pointed (by kind and name) at its restored owner's
// new uid, status restored.
import type { Registry } from './api/registry.js';
import { StatusError } from './api/errors.js';
import { isJsonObject } from './api/json.js';
import type { KObject } from './api/types.js';
import { installOrder, parseManifests } from './manifests.js';
import { yaml } from './lazy-modules.js';
import { createObject, isAlreadyExists, resourceFor, UnservedKindError } from './create-object.js';
import { Duration, QUIET, type Logger } from './logging/log.js';

/** Fields the server assigns: left out of a snapshot, assigned again on restore. */
const ASSIGNED = ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink'];

/** Groups whose objects another group already holds (events.k8s.io Events are core Events). */
const ALIASES = new Set(['events.k8s.io']);

/** Saves and restores log progress every this many objects. */
const PROGRESS_EVERY = 1000;

export class SnapshotError extends Error {}

interface ResourceList { groupVersion: string; resources: { name: string; kind: string; verbs: string[] }[] }

/** The server's JSON answer to a GET, as read (each caller takes what it needs from it). */
async function getJSON(server: string, path: string): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(server + path);
  } catch (e) {
    const why = e instanceof Error ? (e.cause instanceof Error ? e.cause : e).message : String(e);
    throw new SnapshotError(`cannot reach ${server}: ${why}`);
  }
  const body: unknown = await res.json();
  const object = isJsonObject(body) ? body : {};
  if (!res.ok) throw new SnapshotError(`GET ${path}: ${typeof object.message === 'string' ? object.message : `HTTP ${res.status}`}`);
  return object;
}

const jsonObjects = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isJsonObject) : []);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s) => typeof s === 'string') : []);

/** A discovery document's resources (the fields a snapshot uses). */
async function getResourceList(server: string, path: string): Promise<ResourceList> {
  const list = await getJSON(server, path);
  return {
    groupVersion: String(list.groupVersion),
    resources: jsonObjects(list.resources).map((r) => ({ name: String(r.name), kind: String(r.kind), verbs: strings(r.verbs) })),
  };
}

/** An API object as a list returns it: an object with object metadata. */
function isKObject(v: unknown): v is KObject {
  return isJsonObject(v) && isJsonObject(v.metadata);
}

/** Every object the server at `server` holds, ready to write: dependencies first. Logs progress to `log`. */
export async function snapshotObjects(server: string, log: Logger = QUIET): Promise<KObject[]> {
  const started = performance.now();
  log.info('Saving a snapshot', { server });
  const lists: ResourceList[] = [await getResourceList(server, '/api/v1')];
  const groups = await getJSON(server, '/apis');
  for (const g of jsonObjects(groups.groups)) {
    const preferred = isJsonObject(g.preferredVersion) ? g.preferredVersion : {};
    if (!ALIASES.has(String(g.name))) lists.push(await getResourceList(server, `/apis/${String(preferred.groupVersion)}`));
  }
  const objects: KObject[] = [];
  for (const list of lists) {
    const base = list.groupVersion === 'v1' ? '/api/v1' : `/apis/${list.groupVersion}`;
    for (const r of list.resources) {
      // Only what can be listed and created again: computed kinds (metrics) are not state.
      if (r.name.includes('/') || !r.verbs.includes('list') || !r.verbs.includes('create')) continue;
      const page = await getJSON(server, `${base}/${r.name}`);
      const items = Array.isArray(page.items) ? page.items.filter(isKObject) : [];
      const before = objects.length;
      for (const item of items) objects.push(portable({ ...item, apiVersion: list.groupVersion, kind: r.kind }));
      if (items.length) log.V(2).info('Read objects', { resource: r.name, groupVersion: list.groupVersion, count: items.length });
      if (Math.floor(objects.length / PROGRESS_EVERY) > Math.floor(before / PROGRESS_EVERY)) log.info('Saving a snapshot', { objects: objects.length, elapsed: Duration.fromMs(performance.now() - started) });
    }
  }
  log.info('Read the snapshot', { objects: objects.length, kinds: new Set(objects.map((o) => o.kind)).size, duration: Duration.fromMs(performance.now() - started) });
  return installOrder(objects, (o) => o.kind ?? '');
}

/** An object without what its server assigned, apiVersion and kind first. */
function portable(obj: KObject): KObject {
  const { apiVersion, kind, metadata, ...rest } = obj;
  const meta = { ...metadata };
  for (const f of ASSIGNED) delete meta[f];
  return { apiVersion, kind, metadata: meta, ...rest };
}

export function snapshotYAML(objects: KObject[], header: string): string {
  return `# ${header}\n` + objects.map((o) => yaml().stringify(o)).join('---\n');
}

/**
 * Creates the objects of a snapshot through `registry` (whose controllers are not running).
 * Objects that exist already are kept. Returns how many were created and how many existed.
 */
export async function restoreSnapshot(registry: Registry, text: string, source: string, log: Logger = QUIET): Promise<{ created: number; existing: number }> {
  const started = performance.now();
  let objects: KObject[];
  try {
    objects = installOrder(parseManifests(text, source), (o) => o.kind ?? ''); // kinds are strings: parseManifests checks
  } catch (e) {
    throw new SnapshotError(e instanceof Error ? e.message : String(e));
  }
  const uids = new Map<string, string>();
  const identity = (apiVersion: unknown, kind: unknown, namespace: string | undefined, name: unknown) => `${apiVersion}|${kind}|${namespace ?? ''}|${name}`;
  log.info('Restoring a snapshot', { file: source, objects: objects.length });
  let created = 0;
  let existing = 0;
  for (const input of objects) {
    const done = created + existing;
    if (done && done % PROGRESS_EVERY === 0) log.info('Restoring a snapshot', { done, objects: objects.length, elapsed: Duration.fromMs(performance.now() - started) });
    // parseManifests requires a name or a generateName; '' stands for the name yet to be generated.
    const name = input.metadata.name ?? '';
    const where = `${source}: ${input.kind} ${input.metadata.namespace ? `${input.metadata.namespace}/` : ''}${name}`;
    try {
      const rs = resourceFor(registry, input);
      const namespace = rs.namespaced ? input.metadata.namespace ?? 'default' : undefined;
      const { status, ...object } = input;
      const refs = input.metadata.ownerReferences ?? [];
      if (refs.length) {
        const owned = refs.map((r) => ({ ...r, uid: uids.get(identity(r.apiVersion, r.kind, namespace, r.name)) ?? uids.get(identity(r.apiVersion, r.kind, undefined, r.name)) ?? r.uid }));
        object.metadata = { ...input.metadata, ownerReferences: owned };
      }
      let stored: KObject;
      try {
        stored = await createObject(registry, object, 'tinykube-restore');
        created++;
        if (status !== undefined && rs.hasStatus) {
          ({ object: stored } = await rs.update(namespace, name, (current) => ({ ...current, status }), { dryRun: false, subresource: 'status', fieldManager: 'tinykube-restore' }));
        }
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        stored = await rs.get(namespace, name);
        existing++;
      }
      const { uid } = stored.metadata;
      if (uid !== undefined) uids.set(identity(input.apiVersion, input.kind, namespace, name), uid);
    } catch (e) {
      if (e instanceof StatusError || e instanceof UnservedKindError) throw new SnapshotError(`${where}: ${e.message}`);
      throw e;
    }
  }
  log.info('Restored the snapshot', { file: source, objects: objects.length, created, existing, duration: Duration.fromMs(performance.now() - started) });
  return { created, existing };
}
