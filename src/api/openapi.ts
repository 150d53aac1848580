// The OpenAPI documents in openapi/ are the single source of truth for what tinykube serves:
// this module loads them once and derives the route table (resources, scopes, verbs,
// subresources and their kinds), the schemas by kind, and the hash-addressed URLs of /openapi/v3.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPENAPI_DIR } from '../paths.js';

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

export interface OpenAPIDocument {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, Operation | unknown>>;
  components: { schemas: Record<string, Schema> };
}

interface Operation {
  'x-kubernetes-action'?: string;
  'x-kubernetes-group-version-kind'?: GVK;
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


export function loadOpenAPI(dir = OPENAPI_DIR): GroupVersionDocument[] {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Record<string, string>;
  return Object.entries(index).map(([path, file]) => {
    const json = readFileSync(join(dir, file), 'utf8');
    const document = JSON.parse(json) as OpenAPIDocument;
    const [, g, v] = path.startsWith('api/') ? ['', '', path.split('/')[1]] : path.split('/');
    const compact = JSON.stringify(document);
    return {
      group: g, version: v, path, document, json: compact,
      hash: createHash('sha512').update(compact).digest('hex').toUpperCase(),
      resources: routeTable(document, g, v),
    };
  });
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

/** The schema name (components key) for a kind, found by its x-kubernetes-group-version-kind. */
export function schemaNameForKind(doc: OpenAPIDocument, gvk: GVK): string | undefined {
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    const gvks = schema['x-kubernetes-group-version-kind'];
    if (gvks?.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) return name;
  }
  return undefined;
}
