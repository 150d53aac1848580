// Field ownership (metadata.managedFields) and server-side apply, after structured-merge-diff:
// which fields an object sets (toFieldSet), what changed between two objects (compare), how an
// apply configuration merges into the live object, and how each write moves ownership between
// field managers. Lists and maps follow the OpenAPI extensions (list-type map/set/atomic with
// list-map-keys, or the patch merge key; map-type atomic).
import { canonicalJSON, copyJSON, isJsonObject, jsonEqual } from './json.js';
import { comparePathElements, FieldSet, fieldPE, keyFieldsPE, pathString, valuePE, type Path } from './fieldset.js';
import { heldNode } from './fields-interning.js';
import { ShapeMemo } from './shape-memo.js';
import type { SchemaNode } from './schema-navigator.js';
import type { KObject } from './types.js';

type Json = unknown;
type JsonObject = Record<string, Json>;
const isObject = isJsonObject;

// ---- schema shapes ---------------------------------------------------------------------------

type Shape =
  | { kind: 'scalar' }
  | { kind: 'map'; atomic: boolean }
  /** keys: a map list's key fields, sorted by name (as its items' path elements name them). */
  | { kind: 'list'; type: 'atomic' | 'set' | 'map'; keys: string[] };

/** Shapes of schema nodes that declare their type: the same at every visit (a walk asks at each node). */
const declaredShapes = new WeakMap<SchemaNode, Shape>();

function shapeOf(schema: SchemaNode, value: Json): Shape {
  if (schema.schema?.type === undefined) return shapeFor(schema, value);
  let shape = declaredShapes.get(schema);
  if (!shape) declaredShapes.set(schema, (shape = shapeFor(schema, value)));
  return shape;
}

function shapeFor(schema: SchemaNode, value: Json): Shape {
  const s = schema.schema;
  const type = s?.type ?? (Array.isArray(value) ? 'array' : isObject(value) ? 'object' : undefined);
  if (type === 'array') {
    const lt = schema.listType;
    if (lt === 'map') return { kind: 'list', type: 'map', keys: [...schema.listMapKeys].sort() };
    if (lt === 'set') return { kind: 'list', type: 'set', keys: [] };
    if (lt === 'atomic') return { kind: 'list', type: 'atomic', keys: [] };
    const mergeKey = schema.patchMergeKey;
    if (mergeKey && schema.patchStrategy.includes('merge')) return { kind: 'list', type: 'map', keys: [mergeKey] };
    return { kind: 'list', type: 'atomic', keys: [] };
  }
  if (type === 'object') return { kind: 'map', atomic: schema.mapType === 'atomic' };
  return { kind: 'scalar' };
}

/** The path element of a list item: its key fields, or its value for sets. */
function itemPE(shape: Extract<Shape, { kind: 'list' }>, item: Json, index: number, items: SchemaNode): string {
  if (shape.type === 'set') return valuePE(item);
  if (shape.type === 'map' && isObject(item)) return keyFieldsPE(shape.keys, item, (k) => items.field(k).schema?.default);
  return `i:${index}`;
}

// ---- the field set of an object --------------------------------------------------------------

export function toFieldSet(value: Json, schema: SchemaNode): FieldSet {
  const set = new FieldSet();
  walkSet(value, schema, [], set);
  return set;
}

function walkSet(value: Json, schema: SchemaNode, path: Path, set: FieldSet): void {
  const shape = shapeOf(schema, value);
  if (shape.kind === 'scalar' || value === null || value === undefined) { set.insert(path); return; }
  if (shape.kind === 'list') {
    if (shape.type === 'atomic' || !Array.isArray(value)) { set.insert(path); return; }
    const items = schema.items();
    value.forEach((item, i) => {
      const p = [...path, itemPE(shape, item, i, items)];
      walkSet(item, items, p, set);
      set.insert(p);
    });
    return;
  }
  if (shape.atomic || !isObject(value)) { set.insert(path); return; }
  const declared = schema.schema?.properties;
  for (const [k, v] of Object.entries(value)) {
    const p = [...path, fieldPE(k)];
    walkSet(v, schema.field(k), p, set);
    if (v === null || (isObject(v) && Object.keys(v).length === 0) || !declared?.[k]) set.insert(p);
  }
}

// ---- comparing two objects --------------------------------------------------------------------

export interface Comparison { added: FieldSet; modified: FieldSet; removed: FieldSet }

/**
 * A place in a walk: its parent and last path element. Walks extend this chain instead of copying
 * path arrays at every level; a path is built into a result set only when something is inserted.
 */
interface Position {
  parent: Position | undefined;
  pe: string;
  /** The node of `set` at this position, once made: a walk inserts many paths under one place. */
  node?: FieldSet;
  set?: FieldSet;
}

function insertAt(set: FieldSet, pos: Position): void {
  nodeAt(set, pos.parent).members.add(pos.pe);
}

function nodeAt(set: FieldSet, pos: Position | undefined): FieldSet {
  if (!pos) return set;
  if (pos.set === set && pos.node) return pos.node;
  const node = nodeAt(set, pos.parent).child(pos.pe);
  pos.set = set;
  pos.node = node;
  return node;
}

/** What changed from `lhs` to `rhs`. `undefined` is an absent field; null is a present one. */
export function compare(lhs: Json, rhs: Json, schema: SchemaNode): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  walkCompare(lhs, rhs, schema, undefined, c);
  return c;
}

function leaf(l: Json, r: Json, pos: Position | undefined, c: Comparison): void {
  if (!pos) return;
  if (l === undefined) insertAt(c.added, pos);
  else if (r === undefined) insertAt(c.removed, pos);
  else if (canonicalJSON(l) !== canonicalJSON(r)) insertAt(c.modified, pos);
}

function walkCompare(l: Json, r: Json, schema: SchemaNode, pos: Position | undefined, c: Comparison): void {
  // An unchanged subtree adds, modifies and removes nothing: most of an update is unchanged.
  if (l !== undefined && r !== undefined && jsonEqual(l, r)) return;
  const shape = shapeOf(schema, r ?? l);
  if (shape.kind === 'scalar') { leaf(l, r, pos, c); return; }
  if (shape.kind === 'list') {
    const ll = Array.isArray(l) ? l : [];
    const rl = Array.isArray(r) ? r : [];
    if (shape.type === 'atomic' || (ll.length === 0 && rl.length === 0)) { leaf(l, r, pos, c); return; }
    const items = schema.items();
    const index = (list: Json[]) => {
      const m = new Map<string, Json>();
      list.forEach((item, i) => { const pe = itemPE(shape, item, i, items); if (!m.has(pe)) m.set(pe, item); });
      return m;
    };
    const lm = index(ll);
    const rm = index(rl);
    for (const [pe, item] of lm) walkCompare(item, rm.get(pe), items, { parent: pos, pe }, c);
    for (const [pe, item] of rm) if (!lm.has(pe)) walkCompare(undefined, item, items, { parent: pos, pe }, c);
  } else {
    const lo = isObject(l) ? l : undefined;
    const ro = isObject(r) ? r : undefined;
    const lEmpty = !lo || isEmptyObject(lo);
    const rEmpty = !ro || isEmptyObject(ro);
    if (shape.atomic || (lEmpty && rEmpty)) { leaf(l, r, pos, c); return; }
    // Own keys only: a field named like an Object.prototype member ("constructor") is a field.
    if (lo) for (const k in lo) walkCompare(lo[k], ro && Object.hasOwn(ro, k) ? ro[k] : undefined, schema.field(k), { parent: pos, pe: fieldPE(k) }, c);
    if (ro) for (const k in ro) if (!lo || !Object.hasOwn(lo, k)) walkCompare(undefined, ro[k], schema.field(k), { parent: pos, pe: fieldPE(k) }, c);
  }
  if (pos) {
    if (l === undefined) insertAt(c.added, pos);
    else if (r === undefined) insertAt(c.removed, pos);
  }
}

// ---- what a create sets ------------------------------------------------------------------------
//
// A create's Update records compare(emptyLike(obj), obj) cut to what the writer can own, emitted as
// held FieldsV1 trees. Most writes are creates, and building the comparison's sets, cutting and
// emitting them cost more than the rest of a create's field ownership: createdFields walks the
// object once and makes each held node directly, with walkCompare's outcome at each place (an
// equivalence test holds it to the general path). `l` is the emptyLike skeleton's value at the
// place: undefined, null (a required field) or an object of such.

type Tree = Record<string, unknown>;
const LEAF_TREE = heldNode([], []);

/** The cut that scoped() makes of a write's set (exact members, and prefixes dropped whole), followed down one path element. */
interface Cut { exact: FieldSet | undefined; prefixes: FieldSet | undefined }
const NO_CUT: Cut = { exact: undefined, prefixes: undefined };

/**
 * The held FieldsV1 tree a create of `obj` records for its writer (through the main resource),
 * or undefined when the writer owns nothing. The same tree as recordUpdate(undefined, ...) stores.
 */
export function createdFields(obj: KObject, schema: SchemaNode, hasStatus: boolean): Tree | undefined {
  const memo = createdMemo(schema, hasStatus);
  const known = memo.get(obj);
  if (known !== undefined) return known ?? undefined;
  const cut: Cut = hasStatus ? { exact: STRIPPED_AND_STATUS, prefixes: STATUS_SET } : { exact: STRIPPED_SET, prefixes: undefined };
  // A walk left by a throw leaves entries below: the stack is the walk's alone.
  pendingKeys.length = 0;
  pendingTrees.length = 0;
  const tree = createdNode(emptyLike(schema, obj), stripForCompare(obj), schema, cut, false);
  memo.set(obj, tree ?? null);
  return tree;
}

// The walk below reads of a value no more than a ShapeMemo's shape holds (keys, whether it is null,
// undefined, an object, a list or a scalar, and lists whole: their items' key fields and set
// values name path elements), so objects of one shape have one tree. It is held (interned, never
// changed): every create of that shape is given the same one, and the walk (naming path elements,
// navigating the schema, interning) is made once per shape rather than once per create.
const createdMemos = new WeakMap<SchemaNode, [ShapeMemo<Tree | null>, ShapeMemo<Tree | null>]>();
const createdMemoOptions = { capacity: 256, ignored: { metadata: ['managedFields', 'resourceVersion'] } };

function createdMemo(schema: SchemaNode, hasStatus: boolean): ShapeMemo<Tree | null> {
  let memos = createdMemos.get(schema);
  if (!memos) createdMemos.set(schema, (memos = [new ShapeMemo(createdMemoOptions), new ShapeMemo(createdMemoOptions)]));
  return memos[hasStatus ? 1 : 0];
}

/**
 * The children found so far of the places the walk is in, each place's own after its start: a
 * node's keys and trees are made without arrays of their own (they were most of a create's
 * garbage here), and a place's slot at its start holds "." for when it is a member itself.
 */
const pendingKeys: string[] = [];
const pendingTrees: Tree[] = [];

/**
 * The held node for one place: LEAF when only the place itself is in the set, a node ("." first
 * when the place is also a member) when something below it is, undefined when neither. `member`
 * false: the cut takes the place itself out of the set.
 */
function createdNode(l: Json, r: Json, schema: SchemaNode, cut: Cut, member: boolean): Tree | undefined {
  // walkCompare's outcomes: what the skeleton already has is no change; a removal is not the writer's.
  if (l !== undefined && (r === undefined || jsonEqual(l, r))) return undefined;
  const shape = shapeOf(schema, r ?? l);
  if (shape.kind === 'scalar') return member ? LEAF_TREE : undefined;
  const start = pendingKeys.length;
  if (shape.kind === 'list') {
    const rl = Array.isArray(r) ? r : [];
    if (shape.type === 'atomic' || rl.length === 0) return member ? LEAF_TREE : undefined;
    const items = schema.items();
    pendingKeys.push('.');
    pendingTrees.push(LEAF_TREE);
    for (let i = 0; i < rl.length; i++) {
      const pe = itemPE(shape, rl[i], i, items);
      // The first of items with one key stands for them, as compare's index keeps it.
      if (pendingKeys.indexOf(pe, start + 1) < 0) createdChild(pe, undefined, rl[i], items, cut);
    }
  } else {
    const lo = isObject(l) ? l : undefined;
    const ro = isObject(r) ? r : undefined;
    if (shape.atomic || ((!lo || isEmptyObject(lo)) && (!ro || isEmptyObject(ro)))) return member ? LEAF_TREE : undefined;
    pendingKeys.push('.');
    pendingTrees.push(LEAF_TREE);
    // Keys only the skeleton has were removed: nothing of the writer's.
    if (ro) for (const k in ro) createdChild(fieldPE(k), lo && Object.hasOwn(lo, k) ? lo[k] : undefined, ro[k], schema.field(k), cut);
  }
  // A place the skeleton had (metadata, spec, a required field) was changed, not added: not a member itself.
  const tree = heldTreeOf(start, member && l === undefined);
  pendingKeys.length = start;
  pendingTrees.length = start;
  return tree;
}

/** Adds the child at `pe` to the pending children of the place being walked, when it is in the set. */
function createdChild(pe: string, l: Json, r: Json, schema: SchemaNode, cut: Cut): void {
  let tree: Tree | undefined;
  if (cut === NO_CUT) tree = createdNode(l, r, schema, NO_CUT, true);
  else {
    if (cut.prefixes?.members.has(pe)) return;
    const exact = cut.exact?.children.get(pe);
    const prefixes = cut.prefixes?.children.get(pe);
    tree = createdNode(l, r, schema, exact || prefixes ? { exact, prefixes } : NO_CUT, !cut.exact?.members.has(pe));
  }
  if (tree) { pendingKeys.push(pe); pendingTrees.push(tree); }
}

/** The held node of the place whose slot is at `start`, its children in structured-merge-diff's order, "." first when `self`. */
function heldTreeOf(start: number, self: boolean): Tree | undefined {
  const end = pendingKeys.length;
  if (end === start + 1) return self ? LEAF_TREE : undefined;
  // Insertion sort of both stacks' segments together: a node has a few keys.
  for (let i = start + 2; i < end; i++) {
    const k = pendingKeys[i];
    const t = pendingTrees[i];
    let j = i - 1;
    for (; j > start && comparePathElements(pendingKeys[j], k) > 0; j--) { pendingKeys[j + 1] = pendingKeys[j]; pendingTrees[j + 1] = pendingTrees[j]; }
    pendingKeys[j + 1] = k;
    pendingTrees[j + 1] = t;
  }
  return heldNode(pendingKeys, pendingTrees, self ? start : start + 1, end);
}

function isEmptyObject(o: JsonObject): boolean {
  for (const _ in o) return false;
  return true;
}

// ---- apply: merging a configuration into the live object --------------------------------------

export function mergeApplied(live: Json, config: Json, schema: SchemaNode): Json {
  if (config === undefined) return copyJSON(live);
  const shape = shapeOf(schema, config);
  if (shape.kind === 'scalar') return copyJSON(config);
  // null merges into a granular list or map as an empty one: what is there stays (the applier
  // owns the field itself, and prune drops what it applied there before).
  if (config === null && !(shape.kind === 'list' ? shape.type === 'atomic' : shape.atomic) && !isEmptyContainer(live) && (Array.isArray(live) || isObject(live))) return copyJSON(live);
  if (shape.kind === 'list') {
    if (shape.type === 'atomic' || !Array.isArray(config)) return copyJSON(config);
    const items = schema.items();
    const out = Array.isArray(live) ? copyJSON(live) : [];
    for (const [i, item] of config.entries()) {
      const pe = itemPE(shape, item, i, items);
      const at = out.findIndex((x, j) => itemPE(shape, x, j, items) === pe);
      if (at >= 0) out[at] = mergeApplied(out[at], item, items);
      else out.push(copyJSON(item));
    }
    return out;
  }
  if (shape.atomic || !isObject(config)) return copyJSON(config);
  const out: JsonObject = isObject(live) ? copyJSON(live) : {};
  for (const [k, v] of Object.entries(config)) out[k] = mergeApplied(out[k], v, schema.field(k));
  return out;
}

// ---- apply: pruning what the applier no longer applies -----------------------------------------
//
// After the merge, what the applier applied last time (`last`) and no longer applies goes unless a
// manager owns it (`owned`: every other manager's set and the applier's new one). Ownership is
// judged on the way down from the outermost field the applier held: a field declared in its
// struct's schema counts as owned when anything below it is owned, while a list item or map entry
// counts only if some manager owns the item itself. The first node on that way that nobody owns
// takes the applier's last-applied paths at and below it with it, whole: a list item whose key the
// applier alone owned goes together with any field another manager set inside it. Below nodes that
// stay, the applier's own fields that nobody else owns go one by one. A list or map that this
// empties goes too, as kube serializes it.

type PruneStep =
  | { remove: true; inLast: boolean; lost: boolean }
  | { remove: false; last: FieldSet; owned?: FieldSet; inLast: boolean; lost: boolean };

/**
 * Decides one child (path element `pe`, `named` when its struct declares it) of a node whose
 * last-applied and owned subtrees are given. `inLast`: the walk already passed a path the applier
 * held; `lost`: and a node nobody owns since then. Undefined: nothing the applier held is there.
 */
function pruneStep(pe: string, named: boolean, last: FieldSet, owned: FieldSet | undefined, inLast: boolean, lost: boolean): PruneStep | undefined {
  const lastBelow = last.children.get(pe);
  const held = last.members.has(pe) || (named && !!lastBelow && !lastBelow.empty);
  if (!held && !lastBelow) return undefined;
  const ownedBelow = owned?.children.get(pe);
  const isOwned = !!owned && (owned.members.has(pe) || (named && !!ownedBelow && !ownedBelow.empty));
  const nowInLast = inLast || held;
  const nowLost = nowInLast && (lost || !isOwned);
  if (held && nowLost) return { remove: true, inLast: nowInLast, lost: nowLost };
  return lastBelow ? { remove: false, last: lastBelow, owned: ownedBelow, inLast: nowInLast, lost: nowLost } : undefined;
}

function prune(node: Json, schema: SchemaNode, last: FieldSet, owned: FieldSet | undefined, inLast = false, lost = false): void {
  const shape = shapeOf(schema, node);
  if (shape.kind === 'list') {
    if (shape.type === 'atomic' || !Array.isArray(node)) return;
    const items = schema.items();
    const keep: Json[] = [];
    node.forEach((item, i) => {
      const s = pruneStep(itemPE(shape, item, i, items), false, last, owned, inLast, lost);
      if (s?.remove) return;
      if (s) prune(item, items, s.last, s.owned, s.inLast, s.lost);
      keep.push(item);
    });
    if (keep.length !== node.length) node.splice(0, node.length, ...keep);
    return;
  }
  if (shape.kind !== 'map' || shape.atomic || !isObject(node)) return;
  const declared = schema.schema?.properties;
  for (const pe of new Set([...last.members, ...last.children.keys()])) {
    if (!pe.startsWith('f:')) continue;
    const k = pe.slice(2);
    if (!(k in node)) continue;
    const s = pruneStep(pe, !!declared?.[k], last, owned, inLast, lost);
    if (!s) continue;
    if (s.remove) { delete node[k]; continue; }
    const child = node[k];
    const field = schema.field(k);
    const hadContent = !isEmptyContainer(child);
    prune(child, field, s.last, s.owned, s.inLast, s.lost);
    // An emptied list or map is null to structured-merge-diff, and absent once kube serializes
    // it; a struct stays, as its Go type does.
    if (hadContent && isEmptyContainer(child) && !field.schema?.properties) delete node[k];
  }
}

function isEmptyContainer(v: Json): boolean {
  return Array.isArray(v) ? v.length === 0 : isObject(v) && isEmptyObject(v);
}

// ---- managers ---------------------------------------------------------------------------------

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/**
 * A manager's entry and its field set, parsed from FieldsV1 only when asked for: an update that
 * touches none of a manager's fields leaves its entry as read.
 */
class Manager {
  /** Whether its set changed: its FieldsV1 is then emitted again, else kept as read (and interned). */
  changed = false;
  private parsed: FieldSet | undefined;
  constructor(private current: ManagedFieldsEntry, set?: FieldSet) { this.parsed = set; }
  get entry(): ManagedFieldsEntry { return this.current; }
  /** The writer's time and version, on a copy: the entry read belongs to the stored object, shared with its readers. */
  stamp(w: Writer): void { this.current = { ...this.current, time: w.time, apiVersion: w.apiVersion }; }
  get set(): FieldSet { return (this.parsed ??= FieldSet.fromFieldsV1(this.entry.fieldsV1)); }
  set set(s: FieldSet) { this.parsed = s; }
  get empty(): boolean { return this.parsed ? this.parsed.empty : FieldSet.isEmptyFieldsV1(this.entry.fieldsV1); }
  /** Whether `fields` names any of this manager's fields (read from FieldsV1 when not parsed). */
  ownsAny(fields: FieldSet): boolean { return this.parsed ? !this.parsed.intersection(fields).empty : fields.sharesMembersWithFieldsV1(this.entry.fieldsV1); }
}

export interface Writer { manager: string; operation: 'Apply' | 'Update'; subresource?: string; apiVersion: string; time: string }

/** Fields no manager owns: identity and bookkeeping the server sets. */
const STRIPPED: Path[] = [
  ['f:apiVersion'], ['f:kind'], ['f:metadata'],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds']
    .map((f) => ['f:metadata', `f:${f}`]),
];

const STRIPPED_SET = FieldSet.fromPaths(STRIPPED);
const STATUS_SET = FieldSet.fromPaths([['f:status']]);
const STRIPPED_AND_STATUS = STRIPPED_SET.union(STATUS_SET);

/** The part of a set a writer can own: status through /status, the rest elsewhere. */
function scoped(set: FieldSet, subresource: string | undefined, hasStatus: boolean, owned = false): FieldSet {
  if (subresource === 'status') return set.without(STRIPPED_SET).under(['f:status']);
  // Both cut at once; in the set itself when the caller owns it (every write's whole set passes here).
  if (owned) return hasStatus ? set.cut(STRIPPED_AND_STATUS, STATUS_SET) : set.cut(STRIPPED_SET);
  return hasStatus ? set.without(STRIPPED_AND_STATUS, STATUS_SET) : set.without(STRIPPED_SET);
}

/** An entry is read when it names its manager (what kube requires); its other fields are taken as they are. */
function isManagedFieldsEntry(e: unknown): e is ManagedFieldsEntry {
  return isObject(e) && typeof e.manager === 'string';
}

function readManagers(obj: KObject | undefined): Manager[] {
  const list = obj?.metadata.managedFields ?? [];
  return list.filter(isManagedFieldsEntry).map((entry) => new Manager(entry));
}

function writeManagers(obj: KObject, managers: Manager[]): void {
  // An entry whose set did not change keeps its FieldsV1 as read.
  const entries = managers.filter((m) => !m.empty).map((m) => ({ ...m.entry, fieldsType: 'FieldsV1' as const, fieldsV1: m.changed ? m.set.toFieldsV1(heldNode) : m.entry.fieldsV1 }));
  entries.sort((a, b) => (a.operation !== b.operation ? (a.operation < b.operation ? -1 : 1) : (a.time ?? '') < (b.time ?? '') ? -1 : (a.time ?? '') > (b.time ?? '') ? 1 : a.manager < b.manager ? -1 : a.manager > b.manager ? 1 : 0));
  if (entries.length) obj.metadata.managedFields = entries.map(orderEntry); else delete obj.metadata.managedFields;
}

function orderEntry(e: ManagedFieldsEntry): ManagedFieldsEntry {
  return {
    manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, ...(e.time ? { time: e.time } : {}),
    fieldsType: 'FieldsV1', fieldsV1: e.fieldsV1, ...(e.subresource ? { subresource: e.subresource } : {}),
  };
}

function writerEntry(managers: Manager[], w: Writer): Manager {
  let m = managers.find((x) => x.entry.manager === w.manager && x.entry.operation === w.operation && (x.entry.subresource ?? '') === (w.subresource ?? ''));
  if (!m) {
    m = new Manager({ manager: w.manager, operation: w.operation, apiVersion: w.apiVersion, time: w.time, fieldsType: 'FieldsV1', fieldsV1: {}, ...(w.subresource ? { subresource: w.subresource } : {}) }, new FieldSet());
    m.changed = true;
    managers.push(m);
  }
  return m;
}

/** A create compares against what an empty object of the kind serializes as. */
export function emptyLike(schema: SchemaNode, obj: KObject): KObject {
  const empty: KObject = { metadata: {} };
  for (const k of ['spec', 'status']) {
    const field = schema.field(k);
    if (obj[k] === undefined || field.schema?.type !== 'object') continue;
    const inner: JsonObject = {};
    for (const r of field.schema.required ?? []) inner[r] = null;
    empty[k] = inner;
  }
  return empty;
}

/**
 * What a write of `next` over `prev` (undefined: a create) through `subresource` changed: the
 * fields its writer takes (added or modified, cut to what it can own) and the fields it removed.
 */
export function writtenFields(prev: KObject | undefined, next: KObject, schema: SchemaNode, subresource: string | undefined, hasStatus: boolean): { changed: FieldSet; removed: FieldSet } {
  const cmp = compare(stripForCompare(prev ?? emptyLike(schema, next)), stripForCompare(next), schema);
  // The comparison's added set is not read again: cut in place.
  return { changed: scoped(cmp.modified.empty ? cmp.added : cmp.added.union(cmp.modified), subresource, hasStatus, true), removed: cmp.removed };
}

/**
 * Records an Update by `w`: it takes ownership of every field it added or changed (from whoever
 * owned it), and removed fields leave every set.
 */
export function recordUpdate(prev: KObject | undefined, next: KObject, schema: SchemaNode, w: Writer, hasStatus: boolean): void {
  if (!prev && w.subresource === undefined) {
    // A create through the main resource: the writer is the one manager, stamped when it owns anything.
    const fieldsV1 = createdFields(next, schema, hasStatus);
    if (fieldsV1) next.metadata.managedFields = [orderEntry({ manager: w.manager, operation: w.operation, apiVersion: w.apiVersion, time: w.time, fieldsType: 'FieldsV1', fieldsV1 })];
    else delete next.metadata.managedFields;
    return;
  }
  const managers = readManagers(prev);
  const { changed, removed } = writtenFields(prev, next, schema, w.subresource, hasStatus);
  // Only the writer is stamped, and only when it took fields; the others keep their time and version.
  const writer = changed.empty ? undefined : writerEntry(managers, w);
  for (const m of managers) {
    if (m === writer) continue;
    // A manager none of whose fields changed or went keeps its set, unparsed.
    if (!m.ownsAny(changed) && !m.ownsAny(removed)) continue;
    const before = m.set;
    m.set = m.set.difference(changed).difference(removed);
    if (m.set.size !== before.size) m.changed = true;
  }
  if (writer) {
    // Its set less what went, with what it changed (changed and removed paths are disjoint).
    const before = writer.set;
    const lost = writer.ownsAny(removed);
    const merged = before.empty ? changed : before.union(changed);
    // Changing only fields it owned, and losing none, it keeps its set and its FieldsV1 as read.
    if (writer.changed || lost || merged.size !== before.size) {
      writer.set = lost ? merged.difference(removed) : merged;
      writer.changed = true;
    }
    writer.stamp(w);
  }
  writeManagers(next, managers);
}

export class ApplyConflictError extends Error {
  constructor(readonly conflicts: { manager: ManagedFieldsEntry; path: Path }[]) {
    super(conflictMessage(conflicts));
  }

  causes(): { reason: string; message: string; field: string }[] {
    return this.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: pathString(c.path) }));
  }
}

function printManager(e: ManagedFieldsEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += e.time ? ` using ${e.apiVersion} at ${e.time}` : ` using ${e.apiVersion}`;
  return s;
}

function conflictMessage(conflicts: { manager: ManagedFieldsEntry; path: Path }[]): string {
  if (conflicts.length === 1) return `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].manager)}: ${pathString(conflicts[0].path)}`;
  const byManager = new Map<string, { entry: ManagedFieldsEntry; paths: Path[] }>();
  for (const c of conflicts) {
    const key = printManager(c.manager);
    const g = byManager.get(key) ?? { entry: c.manager, paths: [] };
    g.paths.push(c.path);
    byManager.set(key, g);
  }
  const lines: string[] = [];
  for (const [key, { paths }] of [...byManager].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push(`conflicts with ${key}:`);
    for (const p of paths) lines.push(`- ${pathString(p)}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/**
 * Server-side apply of `config` by `w` onto `live` (undefined when creating): merges, prunes what
 * the writer applied before and no longer applies (see prune), and checks for conflicts with other
 * managers over fields the apply adds or changes. Fields the apply removed leave every manager's
 * set without a conflict. Returns the new object.
 */
export function apply(live: KObject | undefined, config: KObject, schema: SchemaNode, w: Writer, force: boolean, hasStatus: boolean): KObject {
  const managers = readManagers(live);
  const configSet = scoped(toFieldSet(stripForCompare(config), schema), w.subresource, hasStatus);
  const base = live ?? emptyLike(schema, config);
  const scopedConfig = w.subresource === 'status'
    ? { ...config, ...Object.fromEntries(Object.keys(config).filter((k) => !['apiVersion', 'kind', 'metadata', 'status'].includes(k)).map((k) => [k, undefined])) }
    : config;
  const merged = mergeApplied(base, scopedConfig, schema) as KObject;
  const mine = writerEntry(managers, w);
  const others = managers.filter((m) => m !== mine);
  if (!mine.set.empty) prune(merged, schema, mine.set, others.reduce((acc, m) => acc.union(m.set), configSet));
  const cmp = compare(stripForCompare(base), stripForCompare(merged), schema);
  // What the writer cannot own (status through the main resource, and the reverse) is no conflict.
  const changed = scoped(cmp.modified.empty ? cmp.added : cmp.added.union(cmp.modified), w.subresource, hasStatus);
  const conflicts: { manager: ManagedFieldsEntry; path: Path }[] = [];
  for (const m of others) {
    const overlap = m.set.intersection(changed);
    if (!overlap.empty) {
      if (!force) { for (const p of overlap.paths()) conflicts.push({ manager: m.entry, path: p }); continue; }
      m.set = m.set.difference(overlap);
      m.changed = true;
    }
    if (cmp.removed.empty) continue;
    const kept = m.set.difference(cmp.removed);
    if (kept.size !== m.set.size) { m.set = kept; m.changed = true; }
  }
  if (conflicts.length) throw new ApplyConflictError(conflicts);
  if (canonicalJSON(mine.set.toFieldsV1()) !== canonicalJSON(configSet.toFieldsV1())) mine.changed = true;
  mine.set = configSet;
  // kube stamps only the applier, when the apply changed the object (here also when only its set
  // changed); managers that lost fields, forced from them or removed, keep their time and version.
  if (mine.changed || !(cmp.added.empty && cmp.modified.empty && cmp.removed.empty)) mine.stamp(w);
  writeManagers(merged, managers);
  return merged;
}

/** Objects compared without managedFields and resourceVersion, which are the server's. */
function stripForCompare(obj: KObject): KObject {
  const { managedFields, resourceVersion, ...meta } = obj.metadata ?? {};
  void managedFields; void resourceVersion;
  return { ...obj, metadata: meta };
}
