// OpenAPI v2 (Swagger 2.0) derived from our v3 documents, and its gnostic protobuf encoding
// (package openapi.v2, field numbers from gnostic's OpenAPIv2.proto), which kubectl 1.27 and 1.28
// fetch before create, apply, edit, diff and explain.
import type { GroupVersionDocument, Schema } from '../api/openapi.js';
import { ProtoWriter } from './protobuf.js';
import { yaml } from '../lazy-modules.js';

type Json = any; // Swagger documents are untyped JSON by nature

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

function convertSchema(s: Json): Json {
  if (Array.isArray(s)) return s.map(convertSchema);
  if (!s || typeof s !== 'object') return s;
  const out: Json = {};
  const wrapped = s.allOf?.length === 1 && s.allOf[0].$ref ? s.allOf[0].$ref : undefined;
  for (const [k, v] of Object.entries(s)) {
    if (k === 'allOf' && wrapped) continue;
    if (k === 'default' || k === 'nullable' || k === 'enum' || k === 'oneOf' || k === 'anyOf') continue;
    if (k === '$ref') out.$ref = String(v).replace('#/components/schemas/', '#/definitions/');
    else if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as Json).map(([p, ps]) => [p, convertSchema(ps)]));
    else if (k === 'items' || k === 'additionalProperties' || k === 'allOf') out[k] = convertSchema(v);
    else out[k] = v;
  }
  if (wrapped) out.$ref = wrapped.replace('#/components/schemas/', '#/definitions/');
  if (s.oneOf && !out.type) out.type = 'string';
  return out;
}

function convertParameter(p: Json): Json {
  return { name: p.name, in: p.in, description: p.description, required: p.required, type: p.schema?.type ?? 'string', uniqueItems: p.schema?.uniqueItems };
}

export function toSwagger2(docs: GroupVersionDocument[]): Json {
  const paths: Json = {};
  const definitions: Json = {};
  for (const d of docs) {
    for (const [name, schema] of Object.entries(d.document.components.schemas)) definitions[name] ??= convertSchema(schema as Schema);
    for (const [path, item] of Object.entries(d.document.paths as Json)) {
      const out: Json = {};
      for (const [method, op] of Object.entries(item as Json) as [string, Json][]) {
        if (method === 'parameters') { out.parameters = op.map(convertParameter); continue; }
        const parameters = (op.parameters ?? []).map(convertParameter);
        const body = op.requestBody?.content;
        if (body) {
          const schema = (Object.values(body)[0] as Json)?.schema;
          parameters.push({ name: 'body', in: 'body', required: true, schema: convertSchema(schema) });
        }
        const responses: Json = {};
        const produces = new Set<string>();
        for (const [code, r] of Object.entries(op.responses ?? {}) as [string, Json][]) {
          const content = r.content ?? {};
          for (const t of Object.keys(content)) if (!t.includes('cbor')) produces.add(t);
          const schema = content['application/json']?.schema ?? (Object.values(content)[0] as Json)?.schema;
          responses[code] = { description: r.description, ...(schema ? { schema: convertSchema(schema) } : {}) };
        }
        out[method] = {
          description: op.description,
          consumes: body ? Object.keys(body).filter((t) => !t.includes('cbor')) : ['*/*'],
          produces: [...produces],
          schemes: ['https'],
          tags: op.tags,
          operationId: op.operationId,
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

function vendorExtensions(w: ProtoWriter, field: number, obj: Json): void {
  for (const [k, v] of Object.entries(obj)) {
    if (!k.startsWith('x-')) continue;
    w.message(field, (n) => n.string(1, k).message(2, (any) => any.string(2, yaml().stringify(v))));
  }
}

function writeSchema(w: ProtoWriter, s: Json): void {
  w.string(1, s.$ref).string(2, s.format).string(4, s.description);
  for (const r of s.required ?? []) w.string(19, r);
  if (s.additionalProperties !== undefined) {
    w.message(21, (a) => {
      if (typeof s.additionalProperties === 'boolean') a.bool(2, s.additionalProperties);
      else a.message(1, (x) => writeSchema(x, s.additionalProperties));
    });
  }
  if (s.type) w.message(22, (t) => t.string(1, s.type));
  if (s.items) w.message(23, (i) => i.message(1, (x) => writeSchema(x, s.items)));
  if (s.properties) {
    w.message(25, (p) => {
      for (const [name, ps] of Object.entries(s.properties)) p.message(1, (n) => n.string(1, name).message(2, (x) => writeSchema(x, ps)));
    });
  }
  vendorExtensions(w, 31, s);
}

function writeParameter(w: ProtoWriter, p: Json): void {
  w.message(1, (param) => {
    if (p.in === 'body') {
      param.message(1, (b) => b.string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required).message(5, (x) => writeSchema(x, p.schema)));
    } else if (p.in === 'path') {
      param.message(2, (nb) => nb.message(4, (q) => q.bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name).string(5, p.type).bool(19, p.uniqueItems)));
    } else {
      param.message(2, (nb) => nb.message(3, (q) => q.bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name).string(6, p.type).bool(20, p.uniqueItems)));
    }
  });
}

function writeOperation(w: ProtoWriter, op: Json): void {
  for (const t of op.tags ?? []) w.string(1, t);
  w.string(3, op.description).string(5, op.operationId);
  for (const t of op.produces ?? []) w.string(6, t);
  for (const t of op.consumes ?? []) w.string(7, t);
  for (const p of op.parameters ?? []) w.message(8, (x) => writeParameter(x, p));
  w.message(9, (rs) => {
    for (const [code, r] of Object.entries(op.responses ?? {}) as [string, Json][]) {
      rs.message(1, (n) => n.string(1, code).message(2, (rv) => rv.message(1, (resp) => {
        resp.string(1, r.description);
        if (r.schema) resp.message(2, (si) => si.message(1, (x) => writeSchema(x, r.schema)));
      })));
    }
  });
  for (const s of op.schemes ?? []) w.string(10, s);
  vendorExtensions(w, 13, op);
}

export function encodeGnosticDocument(doc: Json): Buffer {
  const w = new ProtoWriter();
  w.string(1, doc.swagger);
  w.message(2, (i) => i.string(1, doc.info.title).string(2, doc.info.version));
  w.message(8, (paths) => {
    for (const [path, item] of Object.entries(doc.paths) as [string, Json][]) {
      paths.message(2, (np) => np.string(1, path).message(2, (pi) => {
        METHODS.forEach((m, idx) => { if (item[m]) pi.message(idx + 2, (o) => writeOperation(o, item[m])); });
        for (const p of item.parameters ?? []) pi.message(9, (x) => writeParameter(x, p));
      }));
    }
  });
  w.message(9, (defs) => {
    for (const [name, s] of Object.entries(doc.definitions)) defs.message(1, (n) => n.string(1, name).message(2, (x) => writeSchema(x, s)));
  });
  return w.finish();
}
