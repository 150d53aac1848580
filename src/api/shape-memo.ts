// A value remembered per object shape, for work whose outcome an object's shape decides: its keys
// (in their order), whether each value is null, undefined, an object, a list or which kind of
// scalar (a string, a boolean, an integer in Go's int32 range, one in int64's, another integer, a
// number that is not one), and, inside lists, the items whole (their key fields and set values
// matter there). A shape met before is found without allocating: compared with the last one found,
// else hashed and compared with the copies kept of the shapes first met (copies: the objects
// themselves may change).
//
// The objects a client writes are mostly alike (a controller's pods from one template, a
// recorder's Events): managed-fields' createdFields remembers each shape's FieldsV1 tree, and the
// decoding check (schema.ts) the shapes it found clean.

import { isPlainObject } from './json.js';

/** A scalar outside lists, as a shape keeps it: its kind. */
class ScalarKind { constructor(readonly kind: string, readonly code: number) {} }
const STRING = new ScalarKind('string', 3);
const INT32 = new ScalarKind('int32', 4);
const INT64 = new ScalarKind('int64', 10);
const INTEGER = new ScalarKind('integer', 11);
const NUMBER = new ScalarKind('number', 12);
const BOOLEAN = new ScalarKind('boolean', 5);

/** A number's kind: what a schema's integer type and Go's ranges tell apart. */
function numberKind(v: number): ScalarKind {
  if (!Number.isInteger(v)) return NUMBER;
  if (v >= -2147483648 && v <= 2147483647) return INT32;
  // As the decoding check's int64 range: a double cannot hold 2^63 - 1.
  return v >= -(2 ** 63) && v <= 2 ** 63 ? INT64 : INTEGER;
}

/** An object's shape: its keys in order and each value's shape. */
class ObjectShape {
  constructor(readonly keys: string[], readonly values: Shape[]) {}
}

/** Outside lists: a kind, null, undefined or an object's shape; inside them, the values themselves. */
type Shape = ScalarKind | ObjectShape | Shape[] | string | number | boolean | null | undefined;

interface Entry<V> { readonly shape: ObjectShape; readonly value: V }

export interface ShapeMemoOptions {
  /** Entries kept before the memo starts afresh. */
  capacity: number;
  /** Keys of the named top-level objects that do not count (e.g. metadata's managedFields). */
  ignored?: Record<string, readonly string[]>;
}

export class ShapeMemo<V> {
  private readonly entries = new Map<number, Entry<V>[]>();
  private last?: Entry<V>;
  private size = 0;
  private readonly ignored: Map<string, ReadonlySet<string>>;

  constructor(private readonly options: ShapeMemoOptions) {
    this.ignored = new Map(Object.entries(options.ignored ?? {}).map(([k, keys]) => [k, new Set(keys)]));
  }

  /** The value remembered for `obj`'s shape; undefined when none is (or `obj` holds values JSON has no form for). */
  get(obj: Record<string, unknown>): V | undefined {
    // Objects of one shape tend to come in runs (a controller's pods): the last one found is tried first, one walk.
    const last = this.last;
    if (last && this.matches(obj, last.shape)) return last.value;
    const hash = this.hash(obj);
    if (hash === undefined) return undefined;
    for (const e of this.entries.get(hash) ?? []) {
      if (e !== last && this.matches(obj, e.shape)) {
        this.last = e;
        return e.value;
      }
    }
    return undefined;
  }

  /** Remembers `value` for `obj`'s shape (nothing for an object holding values JSON has no form for). */
  set(obj: Record<string, unknown>, value: V): void {
    const hash = this.hash(obj);
    if (hash === undefined) return;
    if (this.size >= this.options.capacity) { this.entries.clear(); this.size = 0; }
    const keys: string[] = [];
    const values: Shape[] = [];
    for (const k in obj) {
      keys.push(k);
      const v = obj[k];
      const skip = this.ignored.get(k);
      values.push(skip && v !== null && typeof v === 'object' && !Array.isArray(v) ? copyObject(v as Record<string, unknown>, false, skip) : copyValue(v, false));
    }
    const entry = { shape: new ObjectShape(keys, values), value };
    const bucket = this.entries.get(hash);
    if (bucket) bucket.push(entry); else this.entries.set(hash, [entry]);
    this.size++;
    this.last = entry;
  }

  private hash(obj: Record<string, unknown>): number | undefined {
    unusual = false;
    let h = 0x811c9dc5;
    for (const k in obj) {
      h = mixString(h, k);
      h = hashValue(h, obj[k], false, this.ignored.get(k));
    }
    return unusual ? undefined : h;
  }

  private matches(obj: Record<string, unknown>, shape: ObjectShape): boolean {
    const { keys, values } = shape;
    let i = 0;
    for (const k in obj) {
      if (keys[i] !== k || !matchesValue(obj[k], values[i], false, this.ignored.get(k))) return false;
      i++;
    }
    return i === keys.length;
  }
}

/** Set by the hash on a value that is not JSON's (a function, a class's instance): such objects are not remembered. */
let unusual = false;

const mix = (h: number, x: number) => Math.imul(h ^ x, 0x01000193);

/** A string's length and three of its characters: the comparison that follows is exact. */
function mixString(h: number, s: string): number {
  const n = s.length;
  h = mix(h, n);
  return n ? mix(mix(mix(h, s.charCodeAt(0)), s.charCodeAt(n >> 1)), s.charCodeAt(n - 1)) : h;
}

function hashValue(h: number, v: unknown, inList: boolean, skip: ReadonlySet<string> | undefined): number {
  if (v === undefined) return mix(h, 1);
  if (v === null) return mix(h, 2);
  switch (typeof v) {
    case 'string': return inList ? mixString(mix(h, 3), v) : mix(h, STRING.code);
    case 'number': return inList ? mix(mix(h, 4), v | 0) : mix(h, numberKind(v).code);
    case 'boolean': return inList ? mix(h, v ? 5 : 6) : mix(h, BOOLEAN.code);
    case 'object': break;
    default: unusual = true; return h;
  }
  if (Array.isArray(v)) {
    h = mix(h, 7 + v.length);
    for (let i = 0; i < v.length; i++) h = hashValue(h, v[i], true, undefined);
    return h;
  }
  if (!isPlainObject(v)) { unusual = true; return h; }
  h = mix(h, 8);
  for (const k in v) {
    if (skip?.has(k)) continue;
    h = hashValue(mixString(h, k), v[k], inList, undefined);
  }
  return mix(h, 9);
}

function matchesValue(v: unknown, s: Shape, inList: boolean, skip: ReadonlySet<string> | undefined): boolean {
  if (v === null || v === undefined) return v === s;
  switch (typeof v) {
    case 'string': return inList ? v === s : s === STRING;
    case 'number': return inList ? v === s : s === numberKind(v);
    case 'boolean': return inList ? v === s : s === BOOLEAN;
    case 'object': break;
    default: return false;
  }
  if (Array.isArray(v)) {
    if (!Array.isArray(s) || s.length !== v.length) return false;
    for (let i = 0; i < v.length; i++) if (!matchesValue(v[i], s[i], true, undefined)) return false;
    return true;
  }
  if (!(s instanceof ObjectShape)) return false;
  const { keys, values } = s;
  let i = 0;
  for (const k in v as Record<string, unknown>) {
    if (skip?.has(k)) continue;
    if (keys[i] !== k || !matchesValue((v as Record<string, unknown>)[k], values[i], inList, undefined)) return false;
    i++;
  }
  return i === keys.length;
}

function copyValue(v: unknown, inList: boolean): Shape {
  if (v === null || v === undefined) return v;
  switch (typeof v) {
    case 'string': return inList ? v : STRING;
    case 'number': return inList ? v : numberKind(v);
    case 'boolean': return inList ? v : BOOLEAN;
    default: break;
  }
  if (Array.isArray(v)) return v.map((x) => copyValue(x, true));
  return copyObject(v as Record<string, unknown>, inList, undefined);
}

function copyObject(o: Record<string, unknown>, inList: boolean, skip: ReadonlySet<string> | undefined): ObjectShape {
  const keys: string[] = [];
  const values: Shape[] = [];
  for (const k in o) {
    if (skip?.has(k)) continue;
    keys.push(k);
    values.push(copyValue(o[k], inList));
  }
  return new ObjectShape(keys, values);
}
