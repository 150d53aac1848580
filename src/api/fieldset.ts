// Field sets as server-side apply tracks them (structured-merge-diff's fieldpath.Set): a trie of
// path elements, serialized as FieldsV1. Path elements are kept in their serialized form:
//   f:<field>   k:{"key":value,...}   v:<json value>   i:<index>
// Pure data structure; no schema knowledge here.
import { isJsonObject } from './json.js';

export type Path = string[];

/** Makes a FieldsV1 node with `keys`, in order, leading to `children`. */
export type FieldsV1Builder = (keys: readonly string[], children: readonly Record<string, unknown>[]) => Record<string, unknown>;

const NO_KEYS: readonly string[] = [];
const NO_CHILDREN: readonly Record<string, unknown>[] = [];

function newNode(keys: readonly string[], children: readonly Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) out[keys[i]] = children[i];
  return out;
}

export class FieldSet {
  /** Path elements that are members of the set themselves. */
  readonly members = new Set<string>();
  readonly children = new Map<string, FieldSet>();

  static fromPaths(paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: Path): void {
    if (path.length === 0) return;
    const parent = path.slice(0, -1).reduce<FieldSet>((node, pe) => node.child(pe), this);
    parent.members.add(path[path.length - 1]);
  }

  /** The subtree under one path element, made empty if there is none yet. */
  child(pe: string): FieldSet {
    let c = this.children.get(pe);
    if (!c) { c = new FieldSet(); this.children.set(pe, c); }
    return c;
  }

  has(path: Path): boolean {
    const parent = path.slice(0, -1).reduce<FieldSet | undefined>((node, pe) => node?.children.get(pe), this);
    return parent !== undefined && parent.members.has(path[path.length - 1]);
  }

  get empty(): boolean {
    if (this.members.size) return false;
    for (const c of this.children.values()) if (!c.empty) return false;
    return true;
  }

  /** How many member paths the set holds. */
  get size(): number {
    let n = this.members.size;
    for (const c of this.children.values()) n += c.size;
    return n;
  }

  /** Every member path. */
  paths(prefix: Path = []): Path[] {
    const out: Path[] = [];
    for (const m of this.members) out.push([...prefix, m]);
    for (const [pe, child] of this.children) out.push(...child.paths([...prefix, pe]));
    return out;
  }

  // The set operations walk both tries together (never flattening them to paths); results are
  // new sets sharing nothing with their operands, and hold no empty subtrees.

  union(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) out.members.add(m);
    for (const m of other.members) out.members.add(m);
    for (const [pe, child] of this.children) {
      const theirs = other.children.get(pe);
      out.adopt(pe, theirs ? child.union(theirs) : child.clone());
    }
    for (const [pe, child] of other.children) if (!this.children.has(pe)) out.adopt(pe, child.clone());
    return out;
  }

  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) out.members.add(m);
    for (const [pe, child] of this.children) {
      const theirs = other.children.get(pe);
      out.adopt(pe, theirs ? child.difference(theirs) : child.clone());
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (other.members.has(m)) out.members.add(m);
    for (const [pe, child] of this.children) {
      const theirs = other.children.get(pe);
      if (theirs) out.adopt(pe, child.intersection(theirs));
    }
    return out;
  }

  /** Drops every path that starts with a member of `prefixes` or is a member of `exact`. */
  without(exact: FieldSet | undefined, prefixes?: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!exact?.members.has(m) && !prefixes?.members.has(m)) out.members.add(m);
    for (const [pe, child] of this.children) {
      if (prefixes?.members.has(pe)) continue;
      out.adopt(pe, child.without(exact?.children.get(pe), prefixes?.children.get(pe)));
    }
    return out;
  }

  /**
   * without(), made in this set itself rather than in a copy: for a set just built that nothing
   * else holds (a write's changed fields; the copy cost as much as building it). Returns this set.
   */
  cut(exact: FieldSet | undefined, prefixes?: FieldSet): this {
    for (const m of this.members) if (exact?.members.has(m) || prefixes?.members.has(m)) this.members.delete(m);
    for (const [pe, child] of this.children) {
      if (!prefixes?.members.has(pe)) child.cut(exact?.children.get(pe), prefixes?.children.get(pe));
      if (prefixes?.members.has(pe) || child.empty) this.children.delete(pe);
    }
    return this;
  }

  /** Only the paths under `prefix` (kept whole). */
  under(prefix: Path): FieldSet {
    const node = prefix.reduce<FieldSet | undefined>((n, pe) => n?.children.get(pe), this);
    let out = node ? node.clone() : new FieldSet();
    for (let i = prefix.length - 1; i >= 0; i--) {
      const parent = new FieldSet();
      parent.adopt(prefix[i], out);
      out = parent;
    }
    return out;
  }

  private clone(): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) out.members.add(m);
    for (const [pe, child] of this.children) out.adopt(pe, child.clone());
    return out;
  }

  /** Attaches a child subtree unless it is empty. */
  private adopt(pe: string, child: FieldSet): void {
    if (!child.empty) this.children.set(pe, child);
  }

  /**
   * The FieldsV1 JSON form: `{"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{}}}}}`.
   * `node` makes each node from its keys, in order, and their children (no keys: a leaf); by
   * default a new object, while fields-interning's heldNode gives the held one.
   */
  toFieldsV1(node: FieldsV1Builder = newNode): Record<string, unknown> {
    return this.emit(false, node);
  }

  private emit(includeSelf: boolean, node: FieldsV1Builder): Record<string, unknown> {
    const keys: string[] = [];
    for (const m of this.members) keys.push(m);
    for (const k of this.children.keys()) if (!this.members.has(k)) keys.push(k);
    if (keys.length > 1) keys.sort(comparePathElements);
    const children: Record<string, unknown>[] = [];
    for (const k of keys) {
      const child = this.children.get(k);
      children.push(child ? child.emit(this.members.has(k), node) : node(NO_KEYS, NO_CHILDREN));
    }
    // "." marks a node that is a member itself and also has members below it.
    if (includeSelf && keys.length) {
      keys.unshift('.');
      children.unshift(node(NO_KEYS, NO_CHILDREN));
    }
    return node(keys, children);
  }

  /** Whether fromFieldsV1(v) would be empty: every key but "." names a member somewhere below. */
  static isEmptyFieldsV1(v: unknown): boolean {
    if (!isJsonObject(v)) return true;
    for (const k in v) if (k !== '.') return false;
    return true;
  }

  /** Whether a member of this set is a member of fromFieldsV1(v), read from `v` as it is. */
  sharesMembersWithFieldsV1(v: unknown): boolean {
    if (!isJsonObject(v)) return false;
    for (const m of this.members) {
      if (m === '.' || !Object.hasOwn(v, m)) continue;
      // As fromFieldsV1 reads it: a member is a leaf (no keys) or a node marked "." itself.
      const node: unknown = v[m];
      const keys = node && typeof node === 'object' ? Object.keys(node) : [];
      if (keys.length === 0 || keys.includes('.')) return true;
    }
    for (const [pe, child] of this.children) if (Object.hasOwn(v, pe) && child.sharesMembersWithFieldsV1(v[pe])) return true;
    return false;
  }

  static fromFieldsV1(v: unknown): FieldSet {
    const s = new FieldSet();
    const walk = (node: unknown, into: FieldSet) => {
      if (!node || typeof node !== 'object') return;
      for (const [k, value] of Object.entries(node)) {
        const child: unknown = value;
        if (k === '.') continue;
        const entries = child && typeof child === 'object' ? Object.keys(child) : [];
        if (entries.length === 0) { into.members.add(k); continue; }
        if (entries.includes('.')) into.members.add(k);
        const sub = new FieldSet();
        walk(child, sub);
        into.children.set(k, sub);
      }
    };
    walk(v, s);
    return s;
  }
}

const TYPE_ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** structured-merge-diff's PathElement order: fields, then keys, then values, then indexes. */
export function comparePathElements(a: string, b: string): number {
  // Most siblings are of one type (fields): then only indexes compare other than as text.
  if (a[0] === b[0] && a[0] !== 'i') return a < b ? -1 : a > b ? 1 : 0;
  const ta = TYPE_ORDER[a[0]] ?? 9;
  const tb = TYPE_ORDER[b[0]] ?? 9;
  if (ta !== tb) return ta - tb;
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A path as kube prints it in conflicts: `.spec.containers[name="main"].image`. */
export function pathString(path: Path): string {
  return path.map((pe) => {
    const body = pe.slice(2);
    switch (pe[0]) {
      case 'f': return `.${body}`;
      case 'k': {
        const key: unknown = JSON.parse(body);
        return `[${Object.entries(isJsonObject(key) ? key : {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
      }
      case 'v': return `[=${body}]`;
      default: return `[${body}]`;
    }
  }).join('');
}

/** Field path elements made so far, by field name: a write names the same few hundred fields. */
const fieldPEs = new Map<string, string>();
const FIELD_PES_MAX = 10_000;

/**
 * `f:<name>`. The same string for the same name: a new one for each field of each write was a
 * concatenation V8 flattened and hashed again wherever the sets compared or looked it up.
 */
export function fieldPE(name: string): string {
  let pe = fieldPEs.get(name);
  if (pe === undefined) {
    if (fieldPEs.size >= FIELD_PES_MAX) fieldPEs.clear();
    pe = `f:${name}`;
    fieldPEs.set(name, pe);
  }
  return pe;
}

/** Single-field key path elements made so far, by field and value: a write names the same few containers, ports and env vars. */
const singleKeyPEs = new Map<string, Map<unknown, string>>();
let singleKeyPEsHeld = 0;

/**
 * `k:{"<field>":<value>}`: a list item keyed by one field (a container's name, an env var's). The
 * same string for the same key when the value is a string, number or boolean: one made for each
 * item of each write was encoded, concatenated and hashed again wherever sets looked it up.
 */
export function singleKeyPE(field: string, value: unknown): string {
  const type = typeof value;
  if (type !== 'string' && type !== 'number' && type !== 'boolean') return `k:{${JSON.stringify(field)}:${JSON.stringify(value)}}`;
  let byValue = singleKeyPEs.get(field);
  if (!byValue) singleKeyPEs.set(field, (byValue = new Map<unknown, string>()));
  let pe = byValue.get(value);
  if (pe === undefined) {
    if (singleKeyPEsHeld >= FIELD_PES_MAX) { singleKeyPEs.clear(); singleKeyPEsHeld = 0; singleKeyPEs.set(field, byValue = new Map<unknown, string>()); }
    pe = `k:{${JSON.stringify(field)}:${JSON.stringify(value)}}`;
    byValue.set(value, pe);
    singleKeyPEsHeld++;
  }
  return pe;
}

/** `k:{...}` with the key fields sorted by name, as structured-merge-diff serializes them. */
export function keyPE(fields: Record<string, unknown>): string {
  return keyFieldsPE(Object.keys(fields).sort(), fields);
}

/**
 * keyPE of the key fields `names` (sorted by name) as `item` has them; with `defaults`, a field
 * that is null or absent takes its default. A field without a value is left out. No key object is
 * made to sort and encode.
 */
export function keyFieldsPE(names: readonly string[], item: Record<string, unknown>, defaults?: (name: string) => unknown): string {
  if (names.length === 1) {
    const v = defaults ? item[names[0]] ?? defaults(names[0]) : item[names[0]];
    return v === undefined ? 'k:{}' : singleKeyPE(names[0], v);
  }
  let fields = '';
  for (const k of names) {
    const v = defaults ? item[k] ?? defaults(k) : item[k];
    if (v !== undefined) fields += `${fields ? ',' : ''}${JSON.stringify(k)}:${JSON.stringify(v)}`;
  }
  return `k:{${fields}}`;
}

export const valuePE = (v: unknown): string => `v:${JSON.stringify(v)}`;
