// Generates openapi/*.json: one OpenAPI v3 document per group-version of the upstream reference.
//
// Facts (paths, operations, parameters, schemas, field names, types, formats, required fields and
// every x-kubernetes-* extension) are taken from the upstream reference documents; every
// description is replaced by our own short text. Every resource of every group-version is kept,
// with its subresources, and only the schemas reachable from them. What the server actually
// serves is decided at run time (the registered strategies), not here.
//
//   npm run openapi -- [REFERENCE_DIR] [OUT_DIR]
//   (defaults: <repository>/../shared/reference/kubernetes-openapi-v3-1.33 and <repository>/openapi)
import { readFileSync, writeFileSync, mkdirSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { indexResources, metaParts, reachableSchemas, schemasFile, type ResourceIndex } from '../src/api/openapi.js';
import { describeField, describeOperation, describeParameter, describeResponse, describeSchema } from './openapi-descriptions.js';

type Json = any; // the upstream documents are untyped JSON by nature

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const refDir = resolve(process.argv[2] ?? join(repoRoot, '..', 'shared', 'reference', 'kubernetes-openapi-v3-1.33'));
const outDir = resolve(process.argv[3] ?? join(repoRoot, 'openapi'));
mkdirSync(outDir, { recursive: true });

/**
 * The reference's documents by group-version path: `api__v1.json` is `api/v1`,
 * `apis/<group>_<version>.json` is `apis/<group>/<version>` (group names hold no `_`).
 */
function referenceDocuments(): Record<string, string> {
  const found: Record<string, string> = {};
  if (existsSync(join(refDir, 'api__v1.json'))) found['api/v1'] = 'api__v1.json';
  for (const f of readdirSync(join(refDir, 'apis')).filter((n) => n.endsWith('.json')).sort()) {
    const base = f.slice(0, -'.json'.length);
    const cut = base.lastIndexOf('_');
    found[`apis/${base.slice(0, cut)}/${base.slice(cut + 1)}`] = `apis/${f}`;
  }
  return found;
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

/** Which resource and subresource a path names, within its group-version. */
function partsOfPath(gvPath: string, path: string): { resource?: string; sub?: string } {
  const rest = path.slice(gvPath.length + 2).split('/').filter(Boolean);
  let i = rest[0] === 'watch' ? 1 : 0;
  if (rest[i] === 'namespaces' && rest[i + 1] === '{namespace}') i += 2;
  return { resource: rest[i], sub: rest[i + 2] };
}

function rewriteOperation(op: Json, resource: string, sub: string | undefined): Json {
  const out: Json = { ...op, description: describeOperation(op, resource, sub) };
  if (op.parameters) out.parameters = op.parameters.map(rewriteParameter);
  if (op.responses) {
    out.responses = Object.fromEntries(
      Object.entries(op.responses).map(([code, r]: [string, Json]) => [code, { ...r, description: describeResponse(code) }]),
    );
  }
  return out;
}

function rewriteParameter(p: Json): Json {
  if (p.$ref) return p;
  return { ...p, description: describeParameter(p.name) };
}

const index: Record<string, string> = {};
const resources: ResourceIndex = {};
for (const [gvPath, refFile] of Object.entries(referenceDocuments())) {
  const doc: Json = JSON.parse(readFileSync(join(refDir, refFile), 'utf8'));
  const paths: Json = {};
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith(`/${gvPath}/`)) continue;
    const { resource, sub } = partsOfPath(gvPath, path);
    if (!resource) continue; // the group-version's own discovery path: the server answers it itself
    const kept: Json = {};
    for (const [method, op] of Object.entries(item as Json)) {
      kept[method] = method === 'parameters' ? (op as Json[]).map(rewriteParameter) : rewriteOperation(op, resource, sub);
    }
    paths[path] = kept;
  }
  // Schemas reachable from the kept paths, transitively, as the server cuts them for each kind.
  const schemas: Json = {};
  for (const [name, schema] of Object.entries(reachableSchemas(paths, doc.components.schemas))) schemas[name] = rewriteSchema(schema, name, undefined, undefined);
  const sortedPaths = Object.fromEntries(Object.keys(paths).sort().map((p) => [p, paths[p]]));
  const out = {
    openapi: doc.openapi,
    info: { title: 'tinykube', version: gvPath },
    paths: sortedPaths,
    components: { schemas },
  };
  // The paths and the schemas in two files (OpenAPILibrary.document puts them together): a kind's
  // validation reads only the schemas.
  const file = gvPath.replace(/\//g, '__') + '.json';
  const { components, ...pathsPart } = out;
  writeFileSync(join(outDir, file), JSON.stringify(pathsPart, null, 1) + '\n');
  writeFileSync(join(outDir, schemasFile(file)), JSON.stringify(components.schemas, null, 1) + '\n');
  index[gvPath] = file;
  const [group, version] = gvPath.startsWith('api/') ? ['', gvPath.slice('api/'.length)] : gvPath.slice('apis/'.length).split('/');
  resources[gvPath] = indexResources(out, group, version);
  // What kinds defined at run time take from the core document (OpenAPILibrary.meta).
  if (gvPath === 'api/v1') writeFileSync(join(outDir, 'meta.json'), JSON.stringify(metaParts(out), null, 1) + '\n');
  console.log(`${file}: ${Object.keys(sortedPaths).length} paths, ${Object.keys(schemas).length} schemas`);
}
writeFileSync(join(outDir, 'index.json'), JSON.stringify(index, null, 1) + '\n');
// What registering a kind reads instead of its whole document (OpenAPILibrary.resource).
writeFileSync(join(outDir, 'resources.json'), JSON.stringify(resources, null, 1) + '\n');
