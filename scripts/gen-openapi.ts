// Generates openapi/*.json: the OpenAPI v3 documents tinykube serves and is driven by.
//
// Facts (paths, operations, parameters, schemas, field names, types, formats, required fields and
// every x-kubernetes-* extension) are taken from the upstream reference documents; every
// description is replaced by our own short text. Only the resources tinykube serves are kept, and
// only the schemas reachable from them.
//
//   npm run openapi -- [REFERENCE_DIR]   (default ../shared/reference/kubernetes-openapi-v3-1.33)
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeField, describeOperation, describeParameter, describeSchema } from './openapi-descriptions.js';

type Json = any; // the upstream documents are untyped JSON by nature

/** The reference has no document for authentication.k8s.io; ours is built from its types' facts below. */
const SYNTHETIC_AUTHENTICATION = '(authentication.k8s.io/v1, built from facts)';

/** What we serve, per group-version document: the resource names (with all their subresources). */
const SERVED: Record<string, { file: string; resources: string[] }> = {
  'api/v1': {
    file: 'api__v1.json',
    resources: ['pods', 'services', 'replicationcontrollers', 'nodes', 'namespaces', 'endpoints', 'events', 'bindings'],
  },
  'apis/authentication.k8s.io/v1': { file: SYNTHETIC_AUTHENTICATION, resources: ['selfsubjectreviews'] },
  'apis/authorization.k8s.io/v1': { file: 'apis/authorization.k8s.io_v1.json', resources: ['selfsubjectaccessreviews'] },
  'apis/coordination.k8s.io/v1': { file: 'apis/coordination.k8s.io_v1.json', resources: ['leases'] },
  'apis/discovery.k8s.io/v1': { file: 'apis/discovery.k8s.io_v1.json', resources: ['endpointslices'] },
  'apis/events.k8s.io/v1': { file: 'apis/events.k8s.io_v1.json', resources: ['events'] },
};

const refDir = resolve(process.argv[2] ?? '../shared/reference/kubernetes-openapi-v3-1.33');
const outDir = resolve('openapi');
mkdirSync(outDir, { recursive: true });

function resourceOfPath(gvPath: string, path: string): string | undefined {
  const rest = path.slice(gvPath.length + 2).split('/').filter(Boolean);
  let i = rest[0] === 'watch' ? 1 : 0;
  if (rest[i] === 'namespaces' && rest[i + 1] === '{namespace}') i += 2;
  return rest[i];
}

function collectRefs(node: Json, out: Set<string>): void {
  if (Array.isArray(node)) { for (const n of node) collectRefs(n, out); return; }
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.add(v.replace('#/components/schemas/', ''));
      else collectRefs(v, out);
    }
  }
}

/** Replaces upstream prose with ours, recursively through a schema. */
function rewriteSchema(schema: Json, name: string | undefined, fieldName: string | undefined, parent: string | undefined): Json {
  if (Array.isArray(schema)) return schema.map((s) => rewriteSchema(s, undefined, fieldName, parent));
  if (!schema || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'description') continue;
    if (k === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(v as Json).map(([f, s]) => [f, rewriteSchema(s, undefined, f, name ?? parent)]),
      );
    } else if (k === 'items' || k === 'additionalProperties' || k === 'allOf' || k === 'oneOf' || k === 'anyOf') {
      out[k] = rewriteSchema(v, undefined, undefined, name ?? parent);
    } else {
      out[k] = v;
    }
  }
  const description = name ? describeSchema(name, schema) : fieldName ? describeField(fieldName, schema, parent) : undefined;
  if (description) return { description, ...out };
  return out;
}

function rewriteOperation(op: Json): Json {
  const out: Json = { ...op, description: describeOperation(op) };
  if (op.parameters) out.parameters = op.parameters.map(rewriteParameter);
  if (op.responses) {
    out.responses = Object.fromEntries(
      Object.entries(op.responses as Json).map(([code, r]: [string, Json]) => [code, { ...r, description: code === '200' ? 'OK' : code === '201' ? 'Created' : code === '202' ? 'Accepted' : code === '401' ? 'Unauthorized' : 'Response' }]),
    );
  }
  return out;
}

function rewriteParameter(p: Json): Json {
  if (p.$ref) return p;
  return { ...p, description: describeParameter(p.name) };
}

/**
 * authentication.k8s.io/v1 as the reference would hold it: SelfSubjectReview's POST shaped as
 * SelfSubjectAccessReview's (the same kind of create-only review), its types' fields
 * (SelfSubjectReview{metadata, status{userInfo{username, uid, groups, extra}}}), and the meta
 * schemas from the authorization document.
 */
function authenticationDocument(): Json {
  const base: Json = JSON.parse(readFileSync(join(refDir, 'apis/authorization.k8s.io_v1.json'), 'utf8'));
  const review = JSON.stringify(base.paths['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'])
    .replaceAll('io.k8s.api.authorization.v1.SelfSubjectAccessReview', 'io.k8s.api.authentication.v1.SelfSubjectReview')
    .replaceAll('createAuthorizationV1SelfSubjectAccessReview', 'createAuthenticationV1SelfSubjectReview')
    .replaceAll('authorization.k8s.io', 'authentication.k8s.io')
    .replaceAll('SelfSubjectAccessReview', 'SelfSubjectReview');
  const ref = (name: string) => ({ allOf: [{ $ref: `#/components/schemas/${name}` }], default: {} });
  const strings = { type: 'array', items: { type: 'string', default: '' } };
  return {
    openapi: base.openapi,
    paths: { '/apis/authentication.k8s.io/v1/selfsubjectreviews': JSON.parse(review) },
    components: {
      schemas: {
        ...base.components.schemas,
        'io.k8s.api.authentication.v1.SelfSubjectReview': {
          type: 'object',
          properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), status: ref('io.k8s.api.authentication.v1.SelfSubjectReviewStatus') },
          'x-kubernetes-group-version-kind': [{ group: 'authentication.k8s.io', kind: 'SelfSubjectReview', version: 'v1' }],
        },
        'io.k8s.api.authentication.v1.SelfSubjectReviewStatus': { type: 'object', properties: { userInfo: ref('io.k8s.api.authentication.v1.UserInfo') } },
        'io.k8s.api.authentication.v1.UserInfo': {
          type: 'object',
          properties: { extra: { type: 'object', additionalProperties: strings }, groups: { ...strings, 'x-kubernetes-list-type': 'atomic' }, uid: { type: 'string' }, username: { type: 'string' } },
        },
      },
    },
  };
}

const index: Record<string, string> = {};
for (const [gvPath, spec] of Object.entries(SERVED)) {
  const doc: Json = spec.file === SYNTHETIC_AUTHENTICATION ? authenticationDocument() : JSON.parse(readFileSync(join(refDir, spec.file), 'utf8'));
  const paths: Json = {};
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    const resource = resourceOfPath(gvPath, path);
    if (!resource || !spec.resources.includes(resource)) continue;
    const kept: Json = {};
    for (const [method, op] of Object.entries(item as Json)) {
      kept[method] = method === 'parameters' ? (op as Json[]).map(rewriteParameter) : rewriteOperation(op);
    }
    paths[path] = kept;
  }
  // Schemas reachable from the kept paths, transitively.
  const all: Json = doc.components.schemas;
  const reachable = new Set<string>();
  collectRefs(paths, reachable);
  for (let grew = true; grew;) {
    grew = false;
    for (const name of [...reachable]) {
      const before = reachable.size;
      collectRefs(all[name], reachable);
      if (reachable.size > before) grew = true;
    }
  }
  const schemas: Json = {};
  for (const name of [...reachable].sort()) schemas[name] = rewriteSchema(all[name], name, undefined, undefined);
  const sortedPaths = Object.fromEntries(Object.keys(paths).sort().map((p) => [p, paths[p]]));
  const out = {
    openapi: doc.openapi,
    info: { title: 'tinykube', version: gvPath },
    paths: sortedPaths,
    components: { schemas },
  };
  const file = gvPath.replace(/\//g, '__') + '.json';
  writeFileSync(join(outDir, file), JSON.stringify(out, null, 1) + '\n');
  index[gvPath] = file;
  console.log(`${file}: ${Object.keys(sortedPaths).length} paths, ${Object.keys(schemas).length} schemas`);
}
writeFileSync(join(outDir, 'index.json'), JSON.stringify(index, null, 1) + '\n');
