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

/** FNV-1a over the key's UTF-16 units, folded into `hash`. */
function mixKey(hash: number, key: string): number {
  let h = hash ^ 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h;
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
    hash = Math.imul(mixKey(hash, k) ^ id, 0x9e3779b1);
    size++;
  }
  let bucket = table.get(hash);
  if (bucket) {
    for (const ref of bucket) {
      const candidate = ref.deref();
      if (candidate && sameNode(candidate, tree, size)) return candidate;
    }
  } else {
    table.set(hash, bucket = []);
  }
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
