// Patch engines: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and strategic merge patch
// (merge keys and strategies from the OpenAPI extensions). Pure functions over plain JSON; a
// failure throws PatchError and leaves the input untouched.
import { copyJSON } from './json.js';
import type { SchemaNode } from './schema-navigator.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

export class PatchError extends Error {}

const isObject = (v: unknown): v is JsonObject => !!v && typeof v === 'object' && !Array.isArray(v);
const clone = <T>(v: T): T => copyJSON(v);

// ---- RFC 7386 ---------------------------------------------------------------------------------

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  return mergeObject(isObject(target) ? clone(target) : {}, patch);
}

/** Merges patch into out (a copy the caller owns, down to its leaves), member by member. */
function mergeObject(out: JsonObject, patch: JsonObject): JsonObject {
  for (const [k, v] of Object.entries(patch)) {
    const cur = out[k];
    if (v === null) delete out[k];
    else out[k] = isObject(v) ? mergeObject(isObject(cur) ? cur : {}, v) : clone(v);
  }
  return out;
}

// ---- RFC 6902 ---------------------------------------------------------------------------------

interface Operation { op: string; path: string; from?: string; value?: Json }

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new PatchError(`invalid JSON pointer: "${p}"`);
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, path: string[]): { parent: Json; key: string } {
  let cur = doc;
  for (const seg of path.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(seg, cur.length - 1)];
    else if (isObject(cur) && seg in cur) cur = cur[seg];
    else throw new PatchError(`doc is missing path: "/${path.join('/')}": missing value`);
  }
  return { parent: cur, key: path[path.length - 1] };
}

function arrayIndex(seg: string, max: number): number {
  if (!/^\d+$/.test(seg)) throw new PatchError(`invalid array index: ${seg}`);
  const i = Number(seg);
  if (i > max) throw new PatchError(`array index out of bounds: ${i}`);
  return i;
}

function getAt(doc: Json, path: string[]): Json {
  let cur = doc;
  for (const seg of path) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(seg, cur.length - 1)];
    else if (isObject(cur) && seg in cur) cur = cur[seg];
    else throw new PatchError(`doc is missing path: "/${path.join('/')}": missing value`);
  }
  return cur;
}

function removeAt(doc: Json, path: string[]): Json {
  const { parent, key } = parentOf(doc, path);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(key, parent.length - 1), 1)[0];
  if (isObject(parent) && key in parent) { const v = parent[key]; delete parent[key]; return v; }
  throw new PatchError(`doc is missing path: "/${path.join('/')}": missing value`);
}

function addAt(doc: Json, path: string[], value: Json): Json {
  if (path.length === 0) return value;
  const { parent, key } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    if (key === '-') parent.push(value);
    else parent.splice(arrayIndex(key, parent.length), 0, value);
  } else if (isObject(parent)) parent[key] = value;
  else throw new PatchError(`doc is missing path: "/${path.join('/')}": missing value`);
  return doc;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = clone(target) as Json;
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string' || (raw.from != null && typeof raw.from !== 'string')) throw new PatchError('unexpected kind: invalid operation');
    const op: Operation = { op: raw.op, path: raw.path, from: typeof raw.from === 'string' ? raw.from : undefined, value: raw.value };
    const path = parsePointer(op.path);
    switch (op.op) {
      case 'add': doc = addAt(doc, path, clone(op.value ?? null)); break;
      case 'remove': removeAt(doc, path); break;
      case 'replace': {
        if (path.length === 0) { doc = clone(op.value ?? null); break; }
        getAt(doc, path);
        const { parent, key } = parentOf(doc, path);
        if (Array.isArray(parent)) parent[arrayIndex(key, parent.length - 1)] = clone(op.value ?? null);
        else if (isObject(parent)) parent[key] = clone(op.value ?? null);
        break;
      }
      case 'move': {
        const v = removeAt(doc, parsePointer(op.from ?? ''));
        doc = addAt(doc, path, v);
        break;
      }
      case 'copy': doc = addAt(doc, path, clone(getAt(doc, parsePointer(op.from ?? '')))); break;
      case 'test': {
        const actual = getAt(doc, path);
        if (!deepEqual(actual, op.value ?? null)) throw new PatchError(`testing value /${path.join('/')} failed: test failed`);
        break;
      }
      default: throw new PatchError(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}

// ---- strategic merge patch --------------------------------------------------------------------

const DIRECTIVE = '$patch';
const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';
const RETAIN_KEYS = '$retainKeys';

/** Applies a strategic merge patch to `original`, reading list strategies from `schema`. */
export function strategicMergePatch(original: unknown, patch: unknown, schema: SchemaNode): unknown {
  if (!isObject(patch)) throw new PatchError('invalid JSON document');
  return mergeMap(isObject(original) ? clone(original) : {}, clone(patch), schema);
}

function mergeMap(original: JsonObject, patch: JsonObject, schema: SchemaNode): Json {
  const directive = patch[DIRECTIVE];
  if (directive === 'replace') { delete patch[DIRECTIVE]; return stripDirectives(patch); }
  if (directive === 'delete') return null;
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the directive as given, whatever its JSON type
  if (directive !== undefined && directive !== 'merge') throw new PatchError(`Unknown patch type: ${String(directive)}`);
  delete patch[DIRECTIVE];
  const retain = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  const orders: [string, Json][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(SET_ORDER)) { orders.push([key.slice(SET_ORDER.length), value]); continue; }
    if (key.startsWith(DELETE_PRIMITIVE)) {
      const field = key.slice(DELETE_PRIMITIVE.length);
      const current = original[field];
      if (Array.isArray(current) && Array.isArray(value)) original[field] = current.filter((x) => !value.some((d) => deepEqual(d, x)));
      continue;
    }
    if (value === null) { delete original[key]; continue; }
    const fieldSchema = schema.field(key);
    const cur = original[key];
    if (Array.isArray(value)) {
      original[key] = mergeList(Array.isArray(cur) ? cur : [], value, fieldSchema);
    } else if (isObject(value)) {
      const merged = mergeMap(isObject(cur) ? cur : {}, value, fieldSchema);
      if (merged === null) delete original[key]; else original[key] = merged;
    } else {
      original[key] = value;
    }
  }
  for (const [field, order] of orders) {
    const list = original[field];
    if (!Array.isArray(list)) continue;
    if (!Array.isArray(order)) throw new PatchError(`invalid type for ${SET_ORDER}${field}: not a list`);
    original[field] = applyOrder(list, order, schema.field(field).patchMergeKey);
  }
  if (Array.isArray(retain)) {
    for (const k of Object.keys(original)) if (!retain.includes(k)) delete original[k];
  }
  return original;
}

function mergeList(original: Json[], patch: Json[], schema: SchemaNode): Json[] {
  const strategy = schema.patchStrategy;
  if (!strategy.includes('merge')) return patch.filter((p) => !(isObject(p) && p[DIRECTIVE] !== undefined)).map(stripDirectives);
  const key = schema.patchMergeKey;
  if (!key) {
    // A set of scalars: union, keeping the original order.
    const out = [...original];
    for (const v of patch) if (!out.some((o) => deepEqual(o, v))) out.push(v);
    return out;
  }
  if (patch.some((p) => isObject(p) && p[DIRECTIVE] === 'replace')) {
    return patch.filter((p) => !(isObject(p) && p[DIRECTIVE] === 'replace')).map(stripDirectives);
  }
  const out = [...original];
  const items = schema.items();
  for (const p of patch) {
    if (!isObject(p)) throw new PatchError(`invalid list element for merge key ${key}`);
    const idx = out.findIndex((o) => isObject(o) && deepEqual(o[key], p[key]));
    if (p[DIRECTIVE] === 'delete') { if (idx >= 0) out.splice(idx, 1); continue; }
    const current = idx >= 0 ? out[idx] : undefined;
    if (isObject(current)) { // what findIndex matched
      const merged = mergeMap(clone(current), p, items);
      if (merged === null) out.splice(idx, 1); else out[idx] = merged;
    } else {
      out.push(stripDirectives(p));
    }
  }
  return out;
}

/** `$setElementOrder`: items named in the order come first, in that order; the rest keep theirs. */
function applyOrder(list: Json[], order: Json[], key: string | undefined): Json[] {
  const id = (v: Json) => (key && isObject(v) ? JSON.stringify(v[key]) : JSON.stringify(v));
  const rank = new Map(order.map((o, i) => [id(o), i]));
  const known = list
    .flatMap((v) => { const r = rank.get(id(v)); return r === undefined ? [] : [{ v, r }]; })
    .sort((a, b) => a.r - b.r)
    .map(({ v }) => v);
  const unknown = list.filter((v) => !rank.has(id(v)));
  return [...known, ...unknown];
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, val] of Object.entries(v)) {
      if (k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(SET_ORDER) || k.startsWith(DELETE_PRIMITIVE)) continue;
      if (val === null) continue;
      out[k] = stripDirectives(val);
    }
    return out;
  }
  return v;
}
