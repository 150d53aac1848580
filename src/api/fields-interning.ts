// FieldsV1 trees held once. The managedFields of pods made by one controller, or moved through
// the same kubelet stages, are mostly the same trees (half of a decoded pod's memory), and cached
// objects are never changed in place (writes change copies; managed-fields.ts builds new trees),
// so equal subtrees can be one object. Subtrees are interned bottom-up: a node is found by a hash
// of its keys and its children's ids, and is the same as a held one when both have the same keys
// in the same order (so its JSON is the same) and the same held children; no subtree is encoded
// whole and no string is built (naming each node by a string cost 28 us a pod write). Entries
// are weak: a tree no cached object holds any more is collected, and its entry swept once the
// table has doubled.
import { copyJSON } from './json.js';
import type { KObject } from './types.js';

type Tree = Record<string, unknown>;

/** Held trees by hash (a few share one). */
const table = new Map<number, WeakRef<Tree>[]>();
const ids = new WeakMap<Tree, number>();
let held = 0;
let nextId = 1;
let sweepAt = 1024;

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The leaf every tree shares (most nodes of a FieldsV1 tree are empty leaves). */
const LEAF: Tree = {};
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
  const keys = Object.keys(candidate);
  if (keys.length !== size) return false;
  let i = 0;
  for (const k in tree) if (keys[i++] !== k || candidate[k] !== tree[k]) return false;
  return true;
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
  const bucket = table.get(hash);
  if (bucket) {
    for (const ref of bucket) {
      const candidate = ref.deref();
      if (candidate && sameNode(candidate, tree, size)) return candidate;
    }
  }
  return hold(hash, tree);
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
  const bucket = table.get(hash);
  if (bucket) {
    for (const ref of bucket) {
      const candidate = ref.deref();
      if (candidate && hasEntries(candidate, keys, children, from, to)) return candidate;
    }
  }
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
function hold(hash: number, tree: Tree): Tree {
  let bucket = table.get(hash);
  if (!bucket) table.set(hash, bucket = []);
  bucket.push(new WeakRef(tree));
  ids.set(tree, nextId++);
  if (++held >= sweepAt) sweep();
  return tree;
}

function sweep(): void {
  held = 0;
  for (const [hash, bucket] of table) {
    const live = bucket.filter((ref) => ref.deref() !== undefined);
    if (live.length) table.set(hash, live);
    else table.delete(hash);
    held += live.length;
  }
  sweepAt = Math.max(1024, held * 2);
}

/** Whether `tree` is a held FieldsV1 tree (plain JSON objects all the way down, never changed). */
export function isHeldTree(tree: unknown): tree is Tree {
  return isTree(tree) && ids.has(tree);
}

/** The JSON of held trees, made once each: a held tree never changes, and most writes store trees held already. */
const texts = new WeakMap<Tree, string>();

/** JSON.stringify(tree), remembered when the tree is held (undefined when it is not: encode it yourself). */
export function heldTreeJSON(tree: unknown): string | undefined {
  if (!isHeldTree(tree)) return undefined;
  let text = texts.get(tree);
  if (text === undefined) texts.set(tree, text = JSON.stringify(tree));
  return text;
}

/** Points each managedFields entry of `obj` (about to be cached) at the held copy of its tree. */
export function internManagedFields(obj: KObject): void {
  const entries: unknown = obj.metadata?.managedFields;
  if (!Array.isArray(entries)) return;
  for (const entry of entries) {
    if (isTree(entry) && isTree(entry.fieldsV1) && !ids.has(entry.fieldsV1)) entry.fieldsV1 = internTree(entry.fieldsV1);
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
