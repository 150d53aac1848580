// The OpenAPI documents in openapi/ describe every kind tinykube can serve, one document per
// group-version. A kind is served once its Strategy is registered: this module reads a
// group-version's document when a kind of it is first registered, cuts out that kind's part
// (its paths and the schemas they reach), and builds the documents actually served from the
// parts registered, with the route table (resources, scopes, verbs, subresources and their
// kinds) and the content hashes that /openapi/v3 and its clients' caches go by.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPENAPI_DIR } from '../paths.js';
import { stringAt } from './json.js';
import type { SchemaSet } from './schema.js';

export type Schema = Record<string, unknown> & {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  allOf?: Schema[];
  $ref?: string;
  required?: string[];
  format?: string;
  'x-kubernetes-group-version-kind'?: GVK[];
};

export type PathItem = Record<string, Operation | unknown>;

export interface OpenAPIDocument {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, Schema> };
}

interface Operation {
  'x-kubernetes-action'?: string;
  'x-kubernetes-group-version-kind'?: GVK;
}

/** One resource's part of its group-version's document: its paths and every schema they reach. */
export interface OpenAPIFragment {
  paths: Record<string, PathItem>;
  schemas: Record<string, Schema>;
}

export interface GVK { group: string; version: string; kind: string }

export interface SubresourceShape {
  name: string;
  kind: GVK;
  verbs: string[];
}

export interface ResourceShape {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  subresources: SubresourceShape[];
}

export interface GroupVersionDocument {
  group: string;
  version: string;
  /** `api/v1`, `apis/coordination.k8s.io/v1`: the key under /openapi/v3. */
  path: string;
  document: OpenAPIDocument;
  /** The document's JSON text, as served. */
  json: string;
  /** Upper-case hex sha512 of json; changes when the content does. */
  hash: string;
  resources: ResourceShape[];
}

const ACTION_VERB: Record<string, string> = {
  get: 'get', list: 'list', post: 'create', put: 'update', patch: 'patch',
  delete: 'delete', deletecollection: 'deletecollection', watch: 'watch', watchlist: 'watch',
};
const CONNECT_VERB: Record<string, string> = { get: 'get', post: 'create', put: 'update', patch: 'patch', delete: 'delete' };
const VERB_ORDER = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];


/** A resource as registering it needs to know it: its route-table entry and its kind's schema name. */
export interface IndexedResource {
  shape: ResourceShape;
  schemaName: string;
}

/** openapi/resources.json: group-version path to resource name to its entry. */
export type ResourceIndex = Record<string, Record<string, IndexedResource>>;

/**
 * The documents in openapi/. Registering a kind reads only openapi/resources.json (each resource's
 * route-table entry and schema name, written with the documents by scripts/gen-openapi.ts); a
 * group-version's document, the most of a start's parsing when all were read (3.3 MB), is read the
 * first time something needs its paths or schemas (a write's validation, /openapi/v3).
 */
export class OpenAPILibrary {
  private index?: Record<string, string>;
  private resourceIndex?: ResourceIndex;
  private readonly documents = new Map<string, OpenAPIDocument | undefined>();
  private readonly schemaSets = new Map<string, SchemaSet>();
  private metaParts?: MetaParts;
  private readonly schemasByPath = new Map<string, Record<string, Schema>>();

  constructor(private readonly dir = OPENAPI_DIR) {}

  /** openapi/index.json: group-version path to its document's file. */
  private get files(): Record<string, string> {
    return (this.index ??= JSON.parse(readFileSync(join(this.dir, 'index.json'), 'utf8')) as Record<string, string>);
  }

  /** Whether openapi/ has a document for this group-version (without reading it). */
  has(group: string, version: string): boolean {
    return this.files[groupVersionPath(group, version)] !== undefined;
  }

  /** A resource's route-table entry and schema name, as its document defines them. */
  resource(group: string, version: string, resource: string): IndexedResource | undefined {
    this.resourceIndex ??= JSON.parse(readFileSync(join(this.dir, 'resources.json'), 'utf8')) as ResourceIndex;
    return this.resourceIndex[groupVersionPath(group, version)]?.[resource];
  }

  /**
   * What kinds defined at run time take from the core document: openapi/meta.json, or, in a
   * directory of documents without it, found in the core document.
   */
  meta(): MetaParts {
    if (!this.metaParts) {
      const file = join(this.dir, 'meta.json');
      if (existsSync(file)) {
        this.metaParts = JSON.parse(readFileSync(file, 'utf8')) as MetaParts;
      } else {
        const core = this.document('', 'v1');
        if (!core) throw new Error(`${this.dir} has neither meta.json nor a document for the core group (api/v1)`);
        this.metaParts = metaParts(core);
      }
    }
    return this.metaParts;
  }

  /** The full document of a group-version, or undefined when openapi/ has none. */
  document(group: string, version: string): OpenAPIDocument | undefined {
    const path = groupVersionPath(group, version);
    if (!this.documents.has(path)) {
      const file = this.files[path];
      const paths = file === undefined ? undefined : JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as Omit<OpenAPIDocument, 'components'>;
      this.documents.set(path, paths && { ...paths, components: { schemas: this.schemasOf(path) } });
    }
    return this.documents.get(path);
  }

  /**
   * A document's schemas, in a file of their own (`<document>.schemas.json`): validating a kind
   * needs them, and not the paths, which are two thirds of the core document (and its parse).
   */
  private schemasOf(path: string): Record<string, Schema> {
    let schemas = this.schemasByPath.get(path);
    if (!schemas) {
      schemas = JSON.parse(readFileSync(join(this.dir, schemasFile(this.files[path])), 'utf8')) as Record<string, Schema>;
      this.schemasByPath.set(path, schemas);
    }
    return schemas;
  }

  /** Every document of the library, whole, with its route table (for tools and tests). */
  all(): GroupVersionDocument[] {
    return Object.keys(this.files).flatMap((path) => {
      const [, g, v] = path.startsWith('api/') ? ['', '', path.split('/')[1]] : path.split('/');
      const doc = this.document(g, v);
      return doc ? [wholeDocument(g, v, doc)] : [];
    });
  }

  /** One resource's paths (with its subresources'), from its group-version's document. */
  paths(group: string, version: string, resource: string): Record<string, PathItem> | undefined {
    const doc = this.document(group, version);
    if (!doc) return undefined;
    const prefix = `/${groupVersionPath(group, version)}/`;
    const paths: Record<string, PathItem> = {};
    for (const [path, item] of Object.entries(doc.paths)) {
      if (path.startsWith(prefix) && resourceOfPath(path.slice(prefix.length)) === resource) paths[path] = item;
    }
    return Object.keys(paths).length ? paths : undefined;
  }

  /**
   * The schemas of a group-version's document, as one set every kind of it shares: the validator
   * compiles them once, and a kind's served schemas are those its paths reach.
   */
  schemaSet(group: string, version: string): SchemaSet | undefined {
    const path = groupVersionPath(group, version);
    let set = this.schemaSets.get(path);
    if (!set) {
      if (!this.has(group, version)) return undefined;
      // The schemas are read when first used, not when the set is handed out.
      const schemasOf = () => this.schemasOf(path);
      set = { id: `openapi/${path}`, get schemas() { return schemasOf(); } };
      this.schemaSets.set(path, set);
    }
    return set;
  }
}

/** The file of a document's schemas, beside the file of its paths (`api__v1.json`: `api__v1.schemas.json`). */
export function schemasFile(documentFile: string): string {
  return documentFile.replace(/\.json$/, '.schemas.json');
}

/** `api/v1` for the core group, `apis/<group>/<version>` for the others: the key under /openapi/v3. */
export function groupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** The resource a path below `/api/v1/` or `/apis/<g>/<v>/` addresses (`watch/` and namespaces skipped). */
function resourceOfPath(relative: string): string | undefined {
  let parts = relative.split('/').filter(Boolean);
  if (parts[0] === 'watch') parts = parts.slice(1);
  if (parts[0] === 'namespaces' && parts[1] === '{namespace}') parts = parts.slice(2);
  return parts[0];
}

/** The schema names `node` refers to directly (not through the schemas it names). */
function directRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) { for (const x of node) directRefs(x, out); return out; }
  if (!node || typeof node !== 'object') return out;
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') out.push(v.replace('#/components/schemas/', ''));
    else directRefs(v, out);
  }
  return out;
}

export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const SCALE = 'io.k8s.api.autoscaling.v1.Scale';

/**
 * What the OpenAPI of a kind defined at run time (custom resources, metrics) takes from the core
 * group-version's document: the query and path parameters, by name (each name's first
 * definition), and the meta schemas (ObjectMeta, ListMeta, Status, DeleteOptions, Patch,
 * WatchEvent, Scale) with every schema they reach. openapi/meta.json holds them
 * (scripts/gen-openapi.ts), 35 KB of the core document's 990, so that a start need not read it.
 */
export interface MetaParts {
  parameters: Record<string, unknown>;
  schemas: Record<string, Schema>;
}

export function metaParts(core: OpenAPIDocument): MetaParts {
  const parameters: Record<string, unknown> = {};
  const add = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const p of list as unknown[]) {
      const name = stringAt(p, 'name');
      if (name !== undefined && !(name in parameters)) parameters[name] = p;
    }
  };
  for (const item of Object.values(core.paths)) {
    add(item.parameters);
    for (const op of Object.values(item)) if (typeof op === 'object' && op !== null && 'parameters' in op) add(op.parameters);
  }
  const roots = [`${META}.ObjectMeta`, `${META}.ListMeta`, `${META}.Status`, `${META}.DeleteOptions`, `${META}.Patch`, `${META}.WatchEvent`, SCALE];
  return { parameters, schemas: reachableSchemas(roots.map((name) => ({ $ref: `#/components/schemas/${name}` })), core.components.schemas) };
}

/** Each schema's direct references, found once per set of schemas: every fragment of a document walks the same ones. */
const REFS = new WeakMap<Record<string, Schema>, Map<string, string[]>>();

/** Every schema `node` refers to, transitively, by name. */
export function reachableSchemas(node: unknown, all: Record<string, Schema>): Record<string, Schema> {
  let refs = REFS.get(all);
  if (!refs) REFS.set(all, (refs = new Map<string, string[]>()));
  const found = new Set<string>();
  const pending = directRefs(node);
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (found.has(name) || !all[name]) continue;
    found.add(name);
    let direct = refs.get(name);
    if (!direct) refs.set(name, (direct = directRefs(all[name])));
    pending.push(...direct);
  }
  const out: Record<string, Schema> = {};
  for (const name of [...found].sort()) out[name] = all[name];
  return out;
}

/** The document served for one group-version: the fragments of its registered kinds, merged. */
export function servedDocument(group: string, version: string, fragments: OpenAPIFragment[]): GroupVersionDocument {
  const paths: Record<string, PathItem> = {};
  const schemas: Record<string, Schema> = {};
  for (const f of fragments) {
    Object.assign(paths, f.paths);
    Object.assign(schemas, f.schemas);
  }
  const document: OpenAPIDocument = {
    openapi: '3.0.0',
    info: { title: 'tinykube', version: groupVersionPath(group, version) },
    paths: Object.fromEntries(Object.keys(paths).sort().map((p) => [p, paths[p]])),
    components: { schemas: Object.fromEntries(Object.keys(schemas).sort().map((n) => [n, schemas[n]])) },
  };
  return wholeDocument(group, version, document);
}

function wholeDocument(group: string, version: string, document: OpenAPIDocument): GroupVersionDocument {
  const json = JSON.stringify(document);
  const path = groupVersionPath(group, version);
  return { group, version, path, document, json, hash: createHash('sha512').update(json).digest('hex').toUpperCase(), resources: routeTable(document, group, version) };
}

/** Derives the served resources of one group-version from its paths and their operations. */
export function routeTable(doc: OpenAPIDocument, group: string, version: string): ResourceShape[] {
  const prefix = group ? `/apis/${group}/${version}/` : `/api/${version}/`;
  const byName = new Map<string, ResourceShape>();
  const subs = new Map<string, Map<string, SubresourceShape>>();
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith(prefix)) continue;
    let parts = path.slice(prefix.length).split('/').filter(Boolean);
    if (parts[0] === 'watch') parts = parts.slice(1);
    let namespaced = false;
    if (parts[0] === 'namespaces' && parts[1] === '{namespace}') { namespaced = true; parts = parts.slice(2); }
    const [resource, , sub] = parts;
    if (!resource) continue;
    for (const [method, raw] of Object.entries(item)) {
      if (method === 'parameters') continue;
      const op = raw as Operation;
      const action = op['x-kubernetes-action'];
      const gvk = op['x-kubernetes-group-version-kind'];
      if (!action || !gvk) continue;
      if (sub) {
        if (parts.length > 3) continue; // proxy/{path}: same subresource as proxy
        const verb = action === 'connect' ? CONNECT_VERB[method] : ACTION_VERB[action];
        if (!verb) continue;
        const m = subs.get(resource) ?? new Map<string, SubresourceShape>();
        subs.set(resource, m);
        const s = m.get(sub) ?? { name: sub, kind: gvk, verbs: [] };
        if (!s.verbs.includes(verb)) s.verbs.push(verb);
        m.set(sub, s);
        continue;
      }
      const verb = ACTION_VERB[action];
      if (!verb) continue;
      let shape = byName.get(resource);
      if (!shape) {
        shape = { group, version, resource, kind: gvk.kind, namespaced, verbs: [], subresources: [] };
        byName.set(resource, shape);
      }
      // The namespaced form of a path defines the scope; `/api/v1/pods` only adds the all-namespaces list.
      if (namespaced) shape.namespaced = true;
      if (!shape.verbs.includes(verb)) shape.verbs.push(verb);
    }
  }
  for (const [resource, m] of subs) {
    const shape = byName.get(resource);
    if (!shape) continue;
    shape.subresources = [...m.values()].sort((a, b) => a.name.localeCompare(b.name));
    for (const s of shape.subresources) s.verbs.sort((a, b) => VERB_ORDER.indexOf(a) - VERB_ORDER.indexOf(b));
  }
  for (const s of byName.values()) s.verbs.sort((a, b) => VERB_ORDER.indexOf(a) - VERB_ORDER.indexOf(b));
  return [...byName.values()];
}

/** What openapi/resources.json holds for one document: each resource's route-table entry and schema name. */
export function indexResources(doc: OpenAPIDocument, group: string, version: string): Record<string, IndexedResource> {
  const out: Record<string, IndexedResource> = {};
  for (const shape of routeTable(doc, group, version)) {
    const schemaName = schemaNameForKind(doc, { group: shape.group, version: shape.version, kind: shape.kind });
    if (schemaName) out[shape.resource] = { shape, schemaName };
  }
  return out;
}

/** The schema name (components key) for a kind, found by its x-kubernetes-group-version-kind. */
export function schemaNameForKind(doc: OpenAPIDocument, gvk: GVK): string | undefined {
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    const gvks = schema['x-kubernetes-group-version-kind'];
    if (gvks?.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) return name;
  }
  return undefined;
}
