// OpenAPI v2 (Swagger 2.0) derived from our v3 documents, and its gnostic protobuf encoding
// (package openapi.v2, field numbers from gnostic's OpenAPIv2.proto), which kubectl 1.27 and 1.28
// fetch before create, apply, edit, diff and explain.
import { isJsonObject } from '../api/json.js';
import type { GroupVersionDocument } from '../api/openapi.js';
import { ProtoWriter } from './protobuf.js';
import { yaml } from '../lazy-modules.js';

// ---- Swagger 2.0 ---------------------------------------------------------------------------

/** A JSON Schema as Swagger 2.0 has it: the v3 schema's keywords, less the ones v2 lacks
 * (nullable, oneOf, anyOf; default and enum are dropped too), `$ref`s into #/definitions/. */
export type SwaggerSchema = Record<string, unknown>;

export interface SwaggerParameter {
  name?: string;
  in?: string;
  description?: string;
  required?: boolean;
  /** A non-body parameter's type (Swagger 2.0 has no schema for those). */
  type?: string;
  uniqueItems?: boolean;
  /** The body parameter's schema. */
  schema?: SwaggerSchema;
}

export interface SwaggerResponse {
  description?: string;
  schema?: SwaggerSchema;
}

export interface SwaggerOperation {
  description?: string;
  consumes: string[];
  produces: string[];
  schemes: string[];
  tags?: string[];
  operationId?: string;
  parameters: SwaggerParameter[];
  responses: Record<string, SwaggerResponse>;
  /** The operation's vendor extensions (x-kubernetes-action, x-kubernetes-group-version-kind). */
  [extension: `x-${string}`]: unknown;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;
type Method = (typeof METHODS)[number];

export type SwaggerPathItem = { parameters?: SwaggerParameter[] } & { [M in Method]?: SwaggerOperation };

export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, SwaggerPathItem>;
  definitions: Record<string, SwaggerSchema>;
}

// ---- reading the v3 documents ----------------------------------------------------------------
// Their path items are untyped JSON (OpenAPIDocument.paths); each value is narrowed where read.

type JsonObject = Record<string, unknown>;

const isObject = isJsonObject;
/** v if it is an object, else an empty one: the `v?.key` of untyped JSON. */
const object = (v: unknown): JsonObject => (isObject(v) ? v : {});
const string = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const boolean = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const array = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : undefined);
const isMethod = (k: string): k is Method => METHODS.some((m) => m === k);

/** Any schema value: schemas are converted, lists element-wise, anything else kept. */
function convertValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(convertValue);
  return isObject(v) ? convertSchema(v) : v;
}

const toDefinitionRef = (ref: string): string => ref.replace('#/components/schemas/', '#/definitions/');

function convertSchema(s: JsonObject): SwaggerSchema {
  const out: SwaggerSchema = {};
  const only = Array.isArray(s.allOf) && s.allOf.length === 1 ? object(s.allOf[0]) : {};
  const wrapped = string(only.$ref) || undefined;
  for (const [k, v] of Object.entries(s)) {
    if (k === 'allOf' && wrapped) continue;
    if (k === 'default' || k === 'nullable' || k === 'enum' || k === 'oneOf' || k === 'anyOf') continue;
    if (k === '$ref') out.$ref = toDefinitionRef(String(v));
    else if (k === 'properties') out.properties = Object.fromEntries(Object.entries(object(v)).map(([p, ps]) => [p, convertValue(ps)]));
    else if (k === 'items' || k === 'additionalProperties' || k === 'allOf') out[k] = convertValue(v);
    else out[k] = v;
  }
  if (wrapped) out.$ref = toDefinitionRef(wrapped);
  if (s.oneOf && !out.type) out.type = 'string';
  return out;
}

function convertParameter(v: unknown): SwaggerParameter {
  const p = object(v);
  const schema = object(p.schema);
  return { name: string(p.name), in: string(p.in), description: string(p.description), required: boolean(p.required), type: string(schema.type) ?? 'string', uniqueItems: boolean(schema.uniqueItems) };
}

export function toSwagger2(docs: GroupVersionDocument[]): SwaggerDocument {
  const paths: Record<string, SwaggerPathItem> = {};
  const definitions: Record<string, SwaggerSchema> = {};
  for (const d of docs) {
    for (const [name, schema] of Object.entries(d.document.components.schemas)) definitions[name] ??= convertSchema(schema);
    for (const [path, item] of Object.entries(d.document.paths)) {
      const out: SwaggerPathItem = {};
      for (const [method, value] of Object.entries(item)) {
        if (method === 'parameters') { out.parameters = array(value).map(convertParameter); continue; }
        if (!isMethod(method)) continue;
        const op = object(value);
        const parameters = array(op.parameters).map(convertParameter);
        const body = object(op.requestBody).content;
        if (isObject(body)) {
          const schema = object(Object.values(body)[0]).schema;
          parameters.push({ name: 'body', in: 'body', required: true, schema: isObject(schema) ? convertSchema(schema) : undefined });
        }
        const responses: Record<string, SwaggerResponse> = {};
        const produces = new Set<string>();
        for (const [code, r] of Object.entries(object(op.responses))) {
          const response = object(r);
          const content = object(response.content);
          for (const t of Object.keys(content)) if (!t.includes('cbor')) produces.add(t);
          const schema = object(content['application/json']).schema ?? object(Object.values(content)[0]).schema;
          responses[code] = { description: string(response.description), ...(isObject(schema) ? { schema: convertSchema(schema) } : {}) };
        }
        out[method] = {
          description: string(op.description),
          consumes: isObject(body) ? Object.keys(body).filter((t) => !t.includes('cbor')) : ['*/*'],
          produces: [...produces],
          schemes: ['https'],
          tags: strings(op.tags),
          operationId: string(op.operationId),
          parameters,
          responses,
          ...Object.fromEntries(Object.entries(op).filter(([k]) => k.startsWith('x-'))),
        };
      }
      paths[path] = out;
    }
  }
  return { swagger: '2.0', info: { title: 'tinykube', version: 'v1.33.1' }, paths, definitions };
}

// ---- gnostic protobuf ----------------------------------------------------------------------

function vendorExtensions(w: ProtoWriter, field: number, obj: object): void {
  for (const [k, v] of Object.entries(obj)) {
    if (!k.startsWith('x-')) continue;
    w.message(field, (n) => n.string(1, k).message(2, (any) => any.string(2, yaml().stringify(v))));
  }
}

function writeSchema(w: ProtoWriter, s: SwaggerSchema): void {
  w.string(1, string(s.$ref)).string(2, string(s.format)).string(4, string(s.description));
  for (const r of array(s.required)) w.string(19, string(r));
  const additional = s.additionalProperties;
  if (additional !== undefined) {
    w.message(21, (a) => {
      if (typeof additional === 'boolean') a.bool(2, additional);
      else a.message(1, (x) => writeSchema(x, object(additional)));
    });
  }
  const type = string(s.type);
  if (type) w.message(22, (t) => t.string(1, type));
  const items = s.items;
  if (isObject(items)) w.message(23, (i) => i.message(1, (x) => writeSchema(x, items)));
  const properties = s.properties;
  if (isObject(properties)) {
    w.message(25, (p) => {
      for (const [name, ps] of Object.entries(properties)) p.message(1, (n) => n.string(1, name).message(2, (x) => writeSchema(x, object(ps))));
    });
  }
  vendorExtensions(w, 31, s);
}

function writeParameter(w: ProtoWriter, p: SwaggerParameter): void {
  w.message(1, (param) => {
    if (p.in === 'body') {
      param.message(1, (b) => b.string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required).message(5, (x) => writeSchema(x, p.schema ?? {})));
    } else if (p.in === 'path') {
      param.message(2, (nb) => nb.message(4, (q) => q.bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name).string(5, p.type).bool(19, p.uniqueItems)));
    } else {
      param.message(2, (nb) => nb.message(3, (q) => q.bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name).string(6, p.type).bool(20, p.uniqueItems)));
    }
  });
}

function writeOperation(w: ProtoWriter, op: SwaggerOperation): void {
  for (const t of op.tags ?? []) w.string(1, t);
  w.string(3, op.description).string(5, op.operationId);
  for (const t of op.produces) w.string(6, t);
  for (const t of op.consumes) w.string(7, t);
  for (const p of op.parameters) w.message(8, (x) => writeParameter(x, p));
  w.message(9, (rs) => {
    for (const [code, r] of Object.entries(op.responses)) {
      rs.message(1, (n) => n.string(1, code).message(2, (rv) => rv.message(1, (resp) => {
        resp.string(1, r.description);
        const schema = r.schema;
        if (schema) resp.message(2, (si) => si.message(1, (x) => writeSchema(x, schema)));
      })));
    }
  });
  for (const s of op.schemes) w.string(10, s);
  vendorExtensions(w, 13, op);
}

export function encodeGnosticDocument(doc: SwaggerDocument): Buffer {
  const w = new ProtoWriter();
  w.string(1, doc.swagger);
  w.message(2, (i) => i.string(1, doc.info.title).string(2, doc.info.version));
  w.message(8, (paths) => {
    for (const [path, item] of Object.entries(doc.paths)) {
      paths.message(2, (np) => np.string(1, path).message(2, (pi) => {
        METHODS.forEach((m, idx) => {
          const op = item[m];
          if (op) pi.message(idx + 2, (o) => writeOperation(o, op));
        });
        for (const p of item.parameters ?? []) pi.message(9, (x) => writeParameter(x, p));
      }));
    }
  });
  w.message(9, (defs) => {
    for (const [name, s] of Object.entries(doc.definitions)) defs.message(1, (n) => n.string(1, name).message(2, (x) => writeSchema(x, s)));
  });
  return w.finish();
}
