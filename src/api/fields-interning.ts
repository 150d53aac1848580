// FieldsV1 trees, and the other values of cached objects (below), held once. The managedFields
// of pods made by one controller, or moved through the same kubelet stages, are mostly the same
// trees (half of a decoded pod's memory), and cached objects are never changed in place (writes
// change copies; managed-fields.ts builds new trees), so equal subtrees can be one object.
// Subtrees are interned bottom-up: a node is found by a hash of its keys and its children's
// hashes, and is the same as a held one when both have the same keys in the same order (so its
// JSON is the same) and the same held children; no subtree is encoded whole and no string is
// built (naming each node by a string cost 28 us a pod write). The table that finds held nodes is
// bounded (two generations, below): a node no write has met lately is not found any more, though
// the objects holding it still share it.
import { copyJSON, isPlainObject } from './json.js';
import type { KObject } from './types.js';

type Tree = Record<string, unknown>;
/** A held node: a FieldsV1 tree, or (below) any JSON object or array. */
type Held = Tree | unknown[];

/**
 * A map bounded in two generations: entries set go to the current one, which becomes the last
 * when it holds `size`; the last one's entries stay readable until the next turn over (a caller
 * that finds one there sets it again to keep it). Neither the table of held nodes nor the texts
 * of held trees need a WeakRef an entry: what no write has met for two generations is let go.
 */
class Generations<K, V> {
  private current = new Map<K, V>();
  private last = new Map<K, V>();
  constructor(private readonly size: number) {}
  get(key: K): V | undefined { return this.current.get(key); }
  getLast(key: K): V | undefined { return this.last.get(key); }
  set(key: K, value: V): void {
    if (this.current.size >= this.size) {
      this.last = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }
}

/** The held nodes one hash leads to when there are several (a held node may itself be an array). */
class Bucket {
  constructor(readonly nodes: Held[]) {}
}

/**
 * Held nodes by hash (one, or a Bucket of the few that share it), in two generations: a node held
 * or found in the current or the last one stays findable (found in the last, it is filed in the
 * current again), and the current one becomes the last when it is full. So the table is bounded
 * and needs no WeakRef a node: a node no write has met for two generations (a pod's own, once the
 * pod stops changing) is let go by the table and lives as long as the objects holding it, and an
 * equal one met later is held anew. Weak entries cost 0.9 KB of every running pod (a WeakRef and
 * an entry for each of its 11 held nodes) and had to be swept.
 */
const table = new Generations<number, Held | Bucket>(16_384);
/** Each held node's hash (what its parents' hashes mix in); also what tells a held node. */
const ids = new WeakMap<Held, number>();

/** The held node under `hash` that `same` accepts, if any. */
function heldMatching<T extends Held>(hash: number, same: (candidate: Held) => candidate is T): T | undefined {
  const recent = matching(table.get(hash), same);
  if (recent !== undefined) return recent;
  const older = matching(table.getLast(hash), same);
  if (older !== undefined) file(hash, older);
  return older;
}

/** The node of a table's entry that `same` accepts (most hashes lead to one node, and no array is made for it). */
function matching<T extends Held>(entry: Held | Bucket | undefined, same: (candidate: Held) => candidate is T): T | undefined {
  if (entry === undefined) return undefined;
  if (!(entry instanceof Bucket)) return same(entry) ? entry : undefined;
  for (const candidate of entry.nodes) if (same(candidate)) return candidate;
  return undefined;
}

/** Files a held node under its hash in the current generation, which becomes the last when full. */
function file(hash: number, node: Held): void {
  const entry = table.get(hash);
  if (entry === undefined) table.set(hash, node);
  else if (entry instanceof Bucket) entry.nodes.push(node);
  else table.set(hash, new Bucket([entry, node]));
}

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The leaf every tree shares (most nodes of a FieldsV1 tree are empty leaves), and every empty
 * object of a cached value: frozen as every held node is.
 */
const LEAF: Tree = Object.freeze({});
ids.set(LEAF, 0);

function isEmpty(tree: Tree): boolean {
  for (const k in tree) { void k; return false; }
  return true;
}

/** FNV-1a of path elements seen lately: the same few name most nodes, and are long (`k:{...}`). */
const keyHashes = new Map<string, number>();
const KEY_HASHES_HELD = 8192;

function keyHash(key: string): number {
  let h = keyHashes.get(key);
  if (h !== undefined) return h;
  h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  if (keyHashes.size >= KEY_HASHES_HELD) keyHashes.clear();
  keyHashes.set(key, h);
  return h;
}

/** The key's hash folded into `hash`. */
function mixKey(hash: number, key: string): number {
  return Math.imul(hash ^ keyHash(key), 0x01000193);
}

/** Whether `candidate` has exactly `tree`'s keys, in its order, with the same (held) children. */
function sameNode(candidate: Tree, tree: Tree, size: number): boolean {
  // The candidate's keys in order, into one array kept for every comparison (Object.keys made one
  // each time: a twentieth of what binding pods allocated).
  let n = 0;
  for (const k in candidate) {
    if (n === size) return false;
    candidateKeys[n++] = k;
  }
  if (n !== size) return false;
  let i = 0;
  for (const k in tree) if (candidateKeys[i++] !== k || candidate[k] !== tree[k]) return false;
  return true;
}
const candidateKeys: string[] = [];

// What the node being interned is compared with, for the predicates below: module state, as
// lastHash is, since a comparison is synchronous and starts no other. A predicate closing over the
// node was a closure and its context made for every node interned.
let queryTree: Tree = LEAF;
let querySize = 0;
const NO_ARRAY: readonly unknown[] = Object.freeze([]);
let queryArray = NO_ARRAY;
const sameAsQueryTree = (c: Held): c is Tree => !Array.isArray(c) && sameNode(c, queryTree, querySize);
const sameAsQueryArray = (c: Held): c is unknown[] => Array.isArray(c) && sameElements(c, queryArray);

/** The held node equal to the object `tree` of `size` keys, if any. */
function heldTreeMatching(hash: number, tree: Tree, size: number): Tree | undefined {
  queryTree = tree;
  querySize = size;
  const held = heldMatching(hash, sameAsQueryTree);
  queryTree = LEAF;
  return held;
}

/** The held array with the elements of `node`, if any. */
function heldArrayMatching(hash: number, node: readonly unknown[]): unknown[] | undefined {
  queryArray = node;
  const held = heldMatching(hash, sameAsQueryArray);
  queryArray = NO_ARRAY;
  return held;
}

/** The one held tree equal to `tree` (itself when it is the first). */
export function internTree(tree: Tree): Tree {
  if (ids.has(tree)) return tree;
  let hash = 0;
  let size = 0;
  for (const k in tree) {
    const child = tree[k];
    if (!isTree(child)) return tree; // not a FieldsV1 shape: left as it is
    const shared = isEmpty(child) ? LEAF : internTree(child);
    const id = ids.get(shared);
    if (id === undefined) return tree; // a child that is not a FieldsV1 shape: neither is this
    if (shared !== child) tree[k] = shared;
    hash = mixChild(hash, k, id);
    size++;
  }
  return heldTreeMatching(hash, tree, size) ?? hold(hash, tree);
}

/**
 * The held node whose keys are `keys` (those in [from, to)), in this order, each leading to the
 * held tree at the same index of `children` (LEAF for an empty one): FieldSet.toFieldsV1 and
 * createdFields build with this, so a tree is interned as it is emitted, and no node is made where
 * an equal one is held (the managedFields of a controller's pods are mostly trees held already).
 */
export function heldNode(keys: readonly string[], children: readonly Tree[], from = 0, to = keys.length): Tree {
  if (from >= to) return LEAF;
  let hash = 0;
  for (let i = from; i < to; i++) {
    const id = ids.get(children[i]);
    if (id === undefined) throw new Error('heldNode: a child is not a held tree');
    hash = mixChild(hash, keys[i], id);
  }
  const heldOne = heldMatching(hash, (c): c is Tree => !Array.isArray(c) && hasEntries(c, keys, children, from, to));
  if (heldOne) return heldOne;
  const tree: Tree = {};
  for (let i = from; i < to; i++) tree[keys[i]] = children[i];
  return hold(hash, tree);
}

/** Whether `candidate` has exactly keys[from, to), in this order, leading to the same children. */
function hasEntries(candidate: Tree, keys: readonly string[], children: readonly Tree[], from: number, to: number): boolean {
  let i = from;
  for (const k in candidate) if (i >= to || keys[i] !== k || candidate[k] !== children[i++]) return false;
  return i === to;
}

function mixChild(hash: number, key: string, id: number): number {
  return Math.imul(mixKey(hash, key) ^ id, 0x9e3779b1);
}

/** Holds `tree` (no equal one is held) under `hash`. */
function hold<T extends Held>(hash: number, tree: T): T {
  ids.set(tree, hash);
  file(hash, tree);
  return tree;
}

/** Whether `v` is a held node: plain JSON all the way down (it was parsed, or built as a FieldsV1 tree), never changed. */
export function isHeld(v: unknown): boolean {
  return typeof v === 'object' && v !== null && ids.has(v as Held);
}

/**
 * The JSON of held nodes written lately, in two generations: a node asked for in the current or
 * the last one keeps its text, and the current one becomes the last when it is full. A held node
 * never changes, and most writes store nodes held already (a controller's FieldsV1 trees, a pod
 * template's containers and tolerations, a kubelet stage's conditions); a node of one pod's own
 * (its kubelet's tree, naming its IP) is written only while the pod changes, and its text, kept
 * for as long as the node lived, was 0.9 KB of every running pod.
 */
const texts = new Generations<Held, string>(1024);

/** JSON.stringify(v), remembered when `v` is a held node (undefined when it is not: encode it yourself). */
export function heldJSON(v: unknown): string | undefined {
  if (!isHeld(v)) return undefined;
  const node = v as Held;
  let text = texts.get(node);
  if (text !== undefined) return text;
  text = texts.getLast(node) ?? JSON.stringify(node);
  texts.set(node, text);
  return text;
}

// ---- Any JSON value -------------------------------------------------------------------------
// The rest of a cached object is interned the same way: the pods of one controller share most of
// their spec (tolerations, the service account's projected volume, resources, ports), their owner
// reference and labels, and the conditions and managedFields entries of the pods that reached a
// stage in the same second. A node is hashed by its structure (keys, and its children's hashes, a
// string's from its characters) and held only the second time its hash is seen: a node with a
// uid, a random name or a time of its own is the only one of its kind, and an entry for it would
// cost more than it saves. Held nodes are frozen: a change in place, which would reach every
// object sharing the node, throws instead.

/** Hashes of nodes seen once lately (small integers, so a Set holds them without boxing). */
const seenOnce = new Set<number>();
/** Cleared when full: a node seen before a clear is held the next time but one, no sooner. */
const SEEN_HELD = 1 << 16;

/** The structural hash of the value interned last. */
let lastHash = 0;

function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** The held value equal to `v` (`v` itself when none is, or it is not a JSON node); its hash left in lastHash. */
function internAny(v: unknown): unknown {
  switch (typeof v) {
    case 'string': lastHash = stringHash(v); return v;
    case 'number': lastHash = Number.isInteger(v) ? v | 0 : Math.imul(Math.round(v * 1e6) | 0, 0x45d9f3b); return v;
    case 'boolean': lastHash = v ? 0x6b43a9b5 : 0x3c6ef372; return v;
    case 'object': {
      if (v === null) { lastHash = 0x1b873593; return v; }
      const id = ids.get(v as Held);
      if (id !== undefined) { lastHash = id; return v; }
      if (Array.isArray(v)) return internArray(v);
      if (isPlainObject(v)) return internObject(v);
    }
  }
  lastHash = 0x5bd1e995;
  return v;
}

function internObject(node: Tree): Tree {
  let hash = 0;
  let size = 0;
  for (const k in node) {
    const child = node[k];
    const shared = internAny(child);
    if (shared !== child) node[k] = shared;
    hash = mixChild(hash, k, lastHash);
    size++;
  }
  if (size === 0) return found(LEAF);
  const heldOne = heldTreeMatching(hash, node, size);
  return heldOne ? found(heldOne) : holdOnRepeat(hash, node);
}

function internArray(node: unknown[]): unknown[] {
  let hash = 0x7f4a7c15 ^ node.length;
  for (let i = 0; i < node.length; i++) {
    const child = node[i];
    const shared = internAny(child);
    if (shared !== child) node[i] = shared;
    hash = Math.imul(hash ^ lastHash, 0x9e3779b1);
  }
  const heldOne = heldArrayMatching(hash, node);
  return heldOne ? found(heldOne) : holdOnRepeat(hash, node);
}

function sameElements(candidate: readonly unknown[], node: readonly unknown[]): boolean {
  if (candidate.length !== node.length) return false;
  for (let i = 0; i < node.length; i++) if (candidate[i] !== node[i]) return false;
  return true;
}

function found<T extends Held>(held: T): T {
  lastHash = ids.get(held) ?? 0;
  return held;
}

/** Holds `node` (frozen) if its hash was seen before; otherwise remembers the hash. */
function holdOnRepeat<T extends Held>(hash: number, node: T): T {
  lastHash = hash;
  const key = hash & 0x3fffffff;
  if (!seenOnce.delete(key)) {
    if (seenOnce.size >= SEEN_HELD) seenOnce.clear();
    seenOnce.add(key);
    return node;
  }
  Object.freeze(node);
  return hold(hash, node);
}

/**
 * Interns a cached object's values (it is about to be cached, and nothing else changes it): each
 * nested node equal to a held one becomes that one, nodes whose strings were all seen before are
 * held, and strings become their first copy. The object itself and its metadata are never held
 * (the cache sets their resourceVersion), nor metadata's own strings (a name, uid, revision and
 * time each of their own, which would only churn the strings' table).
 */
export function internValues(obj: KObject): void {
  const top: Tree = obj;
  for (const k in top) {
    const child = top[k];
    if (k === 'metadata' && typeof child === 'object' && child !== null && !Array.isArray(child)) internObjectChildren(child as Tree);
    else {
      const shared = internAny(child);
      if (shared !== child) top[k] = shared;
    }
  }
}

/** Interns `node`'s object and array children (labels, owner references, managedFields). */
function internObjectChildren(node: Tree): void {
  for (const k in node) {
    const child = node[k];
    if (typeof child !== 'object') continue;
    const shared = internAny(child);
    if (shared !== child) node[k] = shared;
  }
}

/**
 * A deep copy of a cached object for a write to change, except that each managedFields entry's
 * FieldsV1, when it is a held tree (never changed in place), is shared rather than copied: the
 * trees are most of a pod's nodes, and a copy would be interned all over again when cached.
 */
export function copyCached<T extends KObject>(obj: T): T {
  const entries = obj.metadata?.managedFields;
  if (!Array.isArray(entries)) return copyJSON(obj);
  // Spreads keep each key where it was (the stored encoding follows the object's order).
  const none: unknown[] = [];
  const copy = copyJSON({ ...obj, metadata: { ...obj.metadata, managedFields: none } });
  copy.metadata.managedFields = entries.map((e: unknown) => (isTree(e) && isTree(e.fieldsV1) && ids.has(e.fieldsV1) ? { ...e } : copyJSON(e)));
  return copy;
}

/**
 * A copy of a cached object for a write that only sets or replaces fields of the object and of
 * its top-level objects (metadata, spec, status), as a binding does: those are copied, and every
 * deeper node is the cached one. Unchanged nodes then cost neither a copy nor a walk when the
 * result is cached (they are held already), and a change made in place below the top levels, which
 * would reach the cached object, throws on a held node (held nodes are frozen).
 */
export function copyTopLevels<T extends KObject>(obj: T): T {
  const copy = { ...obj };
  const top: Tree = copy;
  for (const k in top) {
    const v = top[k];
    if (Array.isArray(v)) top[k] = v.slice();
    else if (isTree(v)) top[k] = { ...v };
  }
  return copy;
}
