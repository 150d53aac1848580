// FieldsV1 trees held once. The managedFields of pods made by one controller, or moved through
// the same kubelet stages, are mostly the same trees (half of a decoded pod's memory), and cached
// objects are never changed in place (writes change copies; managed-fields.ts builds new trees),
// so equal subtrees can be one object. Subtrees are interned bottom-up, each named by its keys and
// its children's ids, so no subtree is encoded whole. Entries are weak: a tree no cached object
// holds any more is collected, and its entry swept once the table has doubled.
import type { KObject } from './types.js';

type Tree = Record<string, unknown>;

const table = new Map<string, WeakRef<Tree>>();
const ids = new WeakMap<Tree, number>();
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

/** The one held tree equal to `tree` (itself when it is the first). */
export function internTree(tree: Tree): Tree {
  if (ids.has(tree)) return tree;
  let name = '';
  for (const k in tree) {
    const child = tree[k];
    if (!isTree(child)) return tree; // not a FieldsV1 shape: left as it is
    const shared = isEmpty(child) ? LEAF : internTree(child);
    const id = ids.get(shared);
    if (id === undefined) return tree; // a child that is not a FieldsV1 shape: neither is this
    if (shared !== child) tree[k] = shared;
    name += `${k}\u0000${id}\u0001`;
  }
  const held = table.get(name)?.deref();
  if (held) return held;
  table.set(name, new WeakRef(tree));
  ids.set(tree, nextId++);
  if (table.size >= sweepAt) sweep();
  return tree;
}

function sweep(): void {
  for (const [name, ref] of table) if (!ref.deref()) table.delete(name);
  sweepAt = Math.max(1024, table.size * 2);
}

/** Points each managedFields entry of `obj` (about to be cached) at the held copy of its tree. */
export function internManagedFields(obj: KObject): void {
  const entries: unknown = obj.metadata?.managedFields;
  if (!Array.isArray(entries)) return;
  for (const entry of entries) {
    if (isTree(entry) && isTree(entry.fieldsV1) && !ids.has(entry.fieldsV1)) entry.fieldsV1 = internTree(entry.fieldsV1);
  }
}
