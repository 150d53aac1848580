// The generic registry store: one implementation of get, list, watch, create, update, delete and
// deletecollection for every resource, driven by its Strategy (kube's genericregistry.Store).
import { CachedObject, TooOldError, WatchCache, type CacheWatcher, type WatchEventType, type WatchHistoryOptions } from '../storage/watch-cache.js';
import { KeyExistsError, KeyNotFoundError, RevisionConflictError, type KeyValue, type Store } from '../storage/store.js';
import { errors, FieldError, StatusError, type GroupResource } from './errors.js';
import { canonicalJSON, jsonEqual } from './json.js';
import { recordUpdate } from './managed-fields.js';
import type { SchemaNode } from './schema-navigator.js';
import type { Entropy } from './entropy.js';
import { decodeContinue, encodeContinue } from './keys.js';
import type { ResourceShape } from './openapi.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError, type FieldSelector, type LabelSelector } from './selectors.js';
import type { DeleteOptions, KObject, Strategy, WriteContext } from './types.js';
import { dns1123Label, dns1123Subdomain, pathSegmentName, validateObjectMeta } from './validation.js';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: CachedObject<KObject>[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface WriteOptions {
  dryRun: boolean;
  /** The subresource written through (`status`), if any. */
  subresource?: string;
  /** The field manager recording this write as an Update (managedFields); none for system writes. */
  fieldManager?: string;
  /** The write already carries its managedFields (server-side apply computed them). */
  managedFieldsSet?: boolean;
}

/** The rest of the API a store may consult: other resources, namespaces, the clock. */
export interface RegistryContext {
  store: Store;
  now(): Date;
  /** uids, generated names and random choices (deterministic in deterministic mode). */
  entropy: Entropy;
  resource(name: string, group?: string): ResourceStore | undefined;
}

/** Filters a watcher or list by namespace, name and selectors. */
export interface Filter {
  namespace?: string;
  name?: string;
  labels: LabelSelector;
  fields: FieldSelector;
}

export class ResourceStore {
  readonly cache: WatchCache<KObject>;
  readonly prefix: string;
  readonly gr: GroupResource;
  readonly apiVersion: string;

  constructor(readonly shape: ResourceShape, readonly strategy: Strategy, readonly schemaName: string, readonly schema: SchemaNode, private readonly ctx: RegistryContext, history: WatchHistoryOptions = {}) {
    this.gr = { group: shape.group, resource: shape.resource };
    this.apiVersion = shape.group ? `${shape.group}/${shape.version}` : shape.version;
    this.prefix = strategy.storage?.prefix ?? `/registry/${shape.group ? shape.group + '/' : ''}${shape.resource}/`;
    this.cache = new WatchCache<KObject>({
      store: ctx.store,
      prefix: this.prefix,
      ...history,
      indexes: strategy.indexes,
      compact: strategy.compactCache,
      decode: (value, modRevision, key) => this.decodedForCache(key, value, modRevision),
    });
  }

  get kind(): string { return this.shape.kind; }
  get namespaced(): boolean { return this.shape.namespaced; }

  key(namespace: string | undefined, name: string): string {
    return this.shape.namespaced ? `${this.prefix}${namespace}/${name}` : `${this.prefix}${name}`;
  }

  /** The key prefix for a list in one namespace (or all). */
  listPrefix(namespace: string | undefined): string {
    return this.shape.namespaced && namespace ? `${this.prefix}${namespace}/` : this.prefix;
  }

  // ---- reads -------------------------------------------------------------------------------

  async get(namespace: string | undefined, name: string, resourceVersion?: string): Promise<KObject> {
    const key = this.key(namespace, name);
    if (!resourceVersion) await this.caughtUp();
    let found: CachedObject<KObject> | undefined;
    if (resourceVersion && resourceVersion !== '0') {
      const rv = parseResourceVersion(resourceVersion);
      found = this.cache.list(key, rv > this.cache.revision ? undefined : rv).find((o) => o.key === key);
    } else {
      found = this.cache.get(key);
    }
    if (!found) throw errors.notFound(this.gr, name);
    return found.object;
  }

  /** The cache's entry for `obj` when `obj` is the object the cache holds now, not a copy. */
  cached(obj: KObject): CachedObject<KObject> | undefined {
    const name = obj.metadata?.name;
    const entry = name === undefined ? undefined : this.cache.get(this.key(obj.metadata.namespace, name));
    return entry?.object === obj ? entry : undefined;
  }

  /** Parses selectors into a Filter, with kube's 400s for bad syntax or unsupported field labels. */
  filter(namespace: string | undefined, opts: { labelSelector?: string; fieldSelector?: string }, name?: string): Filter {
    try {
      const labels = parseLabelSelector(opts.labelSelector ?? '');
      const fields = parseFieldSelector(opts.fieldSelector ?? '').map((r) => ({ ...r, field: this.strategy.fieldLabelAliases?.[r.field] ?? r.field }));
      const supported = this.supportedFields();
      for (const r of fields) if (!supported.has(r.field)) throw errors.badRequest(`field label not supported: ${r.field}`);
      return { namespace, name, labels, fields };
    } catch (e) {
      if (e instanceof SelectorError) throw errors.badRequest(e.message);
      throw e;
    }
  }

  matches(f: Filter, obj: KObject): boolean {
    if (f.namespace && this.shape.namespaced && obj.metadata.namespace !== f.namespace) return false;
    if (f.name !== undefined && obj.metadata.name !== f.name) return false;
    if (f.labels.length && !matchesLabels(f.labels, obj.metadata.labels)) return false;
    if (f.fields.length && !matchesFields(f.fields, this.fieldsOf(obj))) return false;
    return true;
  }

  /**
   * The field-selector attributes of an object. Cached objects are never changed once stored, so
   * each is computed once however many watchers with field selectors test it (kubelets: one each).
   */
  fieldsOf(obj: KObject): Record<string, string> {
    let fields = this.fieldsMemo.get(obj);
    if (!fields) {
      fields = { 'metadata.name': obj.metadata.name ?? '' };
      if (this.shape.namespaced) fields['metadata.namespace'] = obj.metadata.namespace ?? '';
      if (this.strategy.selectableFields) Object.assign(fields, this.strategy.selectableFields(obj));
      this.fieldsMemo.set(obj, fields);
    }
    return fields;
  }
  private readonly fieldsMemo = new WeakMap<KObject, Record<string, string>>();

  private supportedFields(): Set<string> {
    // Strategies report every field they support, even for an empty object.
    return new Set(Object.keys(this.fieldsOf({ metadata: {} })));
  }

  async list(namespace: string | undefined, opts: ListOptions): Promise<ListResult> {
    const filter = this.filter(namespace, opts);
    const current = await this.ctx.store.currentRevision();
    // A consistent read (no resourceVersion) waits until the cache has seen everything up to now.
    if (!opts.resourceVersion && !opts.continue) await this.caughtUp(current);
    const match = opts.resourceVersionMatch;
    if (match && !opts.resourceVersion) {
      throw errors.invalid('ListOptions', 'meta.k8s.io', '', [new FieldError('FieldValueForbidden', 'resourceVersionMatch', undefined, 'resourceVersionMatch is forbidden unless resourceVersion is provided')]);
    }
    if (match && match !== 'Exact' && match !== 'NotOlderThan') {
      throw errors.invalid('ListOptions', 'meta.k8s.io', '', [new FieldError('FieldValueNotSupported', 'resourceVersionMatch', match, '', ['Exact', 'NotOlderThan'])]);
    }
    if (match === 'Exact' && opts.resourceVersion === '0') {
      throw errors.invalid('ListOptions', 'meta.k8s.io', '', [new FieldError('FieldValueForbidden', 'resourceVersionMatch', undefined, 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"')]);
    }
    let atRevision: number | undefined;
    let listRevision = current;
    let start = '';
    if (opts.continue) {
      if (opts.resourceVersion && opts.resourceVersion !== '0') throw errors.badRequest('specifying resource version is not allowed when using continue');
      const token = decodeContinue(opts.continue);
      if (!token) throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
      atRevision = token.rv;
      listRevision = token.rv;
      start = token.start;
    } else if (opts.resourceVersion && opts.resourceVersion !== '0') {
      const rv = parseResourceVersion(opts.resourceVersion);
      if (match === 'Exact') { atRevision = rv; listRevision = rv; }
      if (rv > current) throw errors.timeout(`Too large resource version: ${rv}, current: ${current}`, 1);
    }
    let objects: CachedObject<KObject>[];
    try {
      objects = this.cache.list(this.listPrefix(namespace), atRevision);
    } catch (e) {
      if (e instanceof TooOldError) {
        if (opts.continue) throw errors.gone('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
        throw errors.gone(`too old resource version: ${e.requested} (${e.oldest})`);
      }
      throw e;
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : undefined;
    const items: CachedObject<KObject>[] = [];
    let i = start ? lowerBoundKey(objects, start) : 0;
    for (; i < objects.length; i++) {
      const o = objects[i];
      if (!this.matches(filter, o.object)) continue;
      if (limit !== undefined && items.length === limit) break;
      items.push(o);
    }
    const result: ListResult = { items, resourceVersion: String(listRevision) };
    if (limit !== undefined && i < objects.length) {
      // More may match: hand out a token that resumes after the last key returned.
      const hasMore = objects.slice(i).some((o) => this.matches(filter, o.object));
      if (hasMore) {
        result.continue = encodeContinue(listRevision, items[items.length - 1].key + '\u0000');
        if (!filter.labels.length && !filter.fields.length) result.remainingItemCount = objects.length - i;
      }
    }
    return result;
  }

  /**
   * Starts a watch. `fromRevision` undefined sends the current state as ADDED events first
   * (resourceVersion unset or "0"), as kube does.
   */
  watch(filter: Filter, fromRevision: number | undefined, deliver: (type: WatchEventType, obj: CachedObject<KObject>) => void): { initial: CachedObject<KObject>[]; cancel: () => void } {
    const watcher: CacheWatcher<KObject> = {
      matches: (o) => this.matches(filter, o),
      deliver: (type, obj) => deliver(type, obj),
    };
    let initial: CachedObject<KObject>[] = [];
    if (fromRevision === undefined) {
      const prefix = filter.name !== undefined ? this.key(filter.namespace, filter.name) : this.listPrefix(filter.namespace);
      initial = this.cache.list(prefix).filter((o) => this.matches(filter, o.object));
    }
    try {
      const cancel = this.cache.watch(watcher, fromRevision ?? this.cache.revision);
      return { initial, cancel };
    } catch (e) {
      if (e instanceof TooOldError) throw errors.gone(`too old resource version: ${e.requested} (${e.oldest})`);
      throw e;
    }
  }

  // ---- writes ------------------------------------------------------------------------------

  async create(namespace: string | undefined, input: KObject, opts: WriteOptions): Promise<KObject> {
    const obj = structuredClone(input);
    obj.apiVersion = this.apiVersion;
    obj.kind = this.shape.kind;
    const meta = obj.metadata ?? {};
    obj.metadata = meta;
    if (this.shape.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace ?? meta.namespace;
      await this.requireNamespace(meta.namespace, meta.name);
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = meta.generateName + this.ctx.entropy.suffix();
    const now = this.ctx.now();
    meta.uid = this.ctx.entropy.uid();
    meta.creationTimestamp = rfc3339(now);
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (this.strategy.tracksGeneration) meta.generation = 1; else delete meta.generation;
    const wctx = this.writeContext(now);
    // As in kube: defaults are applied when decoding, so the writer owns them; what the strategy
    // adds on create (status, allocations, admission defaults) belongs to nobody.
    this.strategy.defaults?.(obj);
    this.recordManagedFields(undefined, obj, opts, now);
    this.strategy.prepareForCreate?.(obj, wctx);
    this.strategy.defaults?.(obj);
    this.validate(obj);
    const key = this.key(meta.namespace, meta.name!);
    if (opts.dryRun) {
      if (this.cache.get(key)) throw errors.alreadyExists(this.gr, meta.name!);
      return obj;
    }
    try {
      const kv = await this.writeThrough(key, obj, (value) => this.ctx.store.create(key, value));
      await this.caughtUp(kv.modRevision);
      return this.written(kv);
    } catch (e) {
      if (e instanceof KeyExistsError) throw errors.alreadyExists(this.gr, meta.name!);
      throw e;
    }
  }

  /**
   * Replaces an object. `mutate` produces the new object from the current one (for PUT it
   * returns the body; for PATCH it applies the patch); it is re-run when a concurrent write wins,
   * and a resourceVersion the caller pinned is then stale (409).
   */
  async update(namespace: string | undefined, name: string, mutate: (current: KObject) => KObject, opts: WriteOptions): Promise<{ object: KObject; created: false }> {
    for (let attempt = 0; ; attempt++) {
      const key = this.key(namespace, name);
      const cached = this.cache.get(key);
      if (!cached) throw errors.notFound(this.gr, name);
      const current = cached.object;
      const next = structuredClone(mutate(structuredClone(current)));
      if (!next.metadata || typeof next.metadata !== 'object') next.metadata = {};
      const meta = next.metadata;
      if (meta.name !== undefined && meta.name !== name) {
        throw errors.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
      }
      if (this.shape.namespaced && meta.namespace && meta.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      // A resourceVersion in the new object is a precondition; after a lost race the retry below
      // runs `mutate` on the newer object, and a caller's stale version fails here (kube's
      // GuaranteedUpdate), while one derived from the current object goes through. None, or one
      // that parses to 0 ("0"), makes the update unconditional: every kind served here allows
      // that (kube's AllowUnconditionalUpdate).
      const pinned = meta.resourceVersion;
      if (pinned && !ZERO_RESOURCE_VERSION.test(pinned) && pinned !== current.metadata.resourceVersion) throw errors.staleUpdate(this.gr, name);
      next.apiVersion = this.apiVersion;
      next.kind = this.shape.kind;
      this.keepSystemMetadata(next, current);
      const wctx = this.writeContext(this.ctx.now());
      if (opts.subresource === 'status') {
        // Through /status only status changes (and metadata other than labels, annotations, finalizers, owners).
        for (const k of Object.keys(next)) if (!['apiVersion', 'kind', 'metadata', 'status'].includes(k)) delete next[k];
        for (const k of Object.keys(current)) if (!['apiVersion', 'kind', 'metadata', 'status'].includes(k)) next[k] = structuredClone(current[k]);
        for (const f of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
          if (current.metadata[f] === undefined) delete next.metadata[f]; else next.metadata[f] = structuredClone(current.metadata[f]) as never;
        }
      } else if (opts.subresource === undefined) {
        if (this.strategy.hasStatus) {
          if (current.status === undefined) delete next.status; else next.status = structuredClone(current.status);
        }
        this.strategy.prepareForUpdate?.(next, current, wctx);
      }
      // Other subresources (scale, binding, finalize) are written by handlers that change only
      // what the subresource owns.
      this.strategy.defaults?.(next);
      if (this.strategy.tracksGeneration && opts.subresource !== 'status' && specChanged(next, current)) {
        next.metadata.generation = (current.metadata.generation ?? 0) + 1;
      }
      this.recordManagedFields(current, next, opts, this.ctx.now());
      this.validate(next, current, opts.subresource);
      const currentRv = Number(current.metadata.resourceVersion);
      // A write that changes nothing is not persisted and keeps its resourceVersion, as kube does.
      if (jsonEqual(encodable(next), encodable(current))) return { object: current, created: false };
      if (opts.dryRun) { next.metadata.resourceVersion = current.metadata.resourceVersion; return { object: next, created: false }; }
      if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length && next.metadata.deletionGracePeriodSeconds === 0) {
        // The last finalizer is gone from an object being deleted: it goes now.
        try {
          const { revision } = await this.ctx.store.delete(key, currentRv);
          await this.caughtUp(revision);
          next.metadata.resourceVersion = String(revision);
          return { object: next, created: false };
        } catch (e) {
          if (e instanceof RevisionConflictError && attempt < 10) { await this.caughtUp(e.actual); continue; }
          throw this.storeError(e, name);
        }
      }
      try {
        const kv = await this.writeThrough(key, next, (value) => this.ctx.store.update(key, value, currentRv));
        await this.caughtUp(kv.modRevision);
        return { object: this.written(kv), created: false };
      } catch (e) {
        if (e instanceof RevisionConflictError && attempt < 10) { await this.caughtUp(e.actual); continue; }
        throw this.storeError(e, name);
      }
    }
  }

  async delete(namespace: string | undefined, name: string, options: DeleteOptions, opts: WriteOptions): Promise<{ object: KObject; deleted: boolean }> {
    const key = this.key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const cached = this.cache.get(key);
      if (!cached) throw errors.notFound(this.gr, name);
      const current = cached.object;
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw errors.conflict(this.gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw errors.conflict(this.gr, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
      }
      // Some deletions only record themselves on the object: a strategy's (namespaces), a grace
      // period, or finalizers still to run. The rest remove the object now.
      let kept = this.strategy.beforeDelete?.(structuredClone(current), this.ctx.now());
      if (!kept) {
        const grace = this.strategy.gracePeriod ? this.strategy.gracePeriod(current, options.gracePeriodSeconds) : 0;
        // The garbage collector removes these once it has orphaned or deleted the dependents.
        const finalizers = [...(current.metadata.finalizers ?? [])];
        const orphan = options.propagationPolicy === 'Orphan' || (options.propagationPolicy === undefined && options.orphanDependents === true);
        if (orphan && !finalizers.includes('orphan')) finalizers.push('orphan');
        if (options.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
        if (grace > 0 || finalizers.length > 0) {
          if (current.metadata.deletionTimestamp && (current.metadata.deletionGracePeriodSeconds ?? 0) <= grace) {
            return { object: current, deleted: false }; // already being deleted
          }
          kept = structuredClone(current);
          kept.metadata.deletionTimestamp = current.metadata.deletionTimestamp ?? rfc3339(new Date(this.ctx.now().getTime() + grace * 1000));
          kept.metadata.deletionGracePeriodSeconds = grace;
          if (finalizers.length) kept.metadata.finalizers = finalizers;
        }
      }
      if (kept) {
        if (opts.dryRun || jsonEqual(encodable(kept), encodable(current))) return { object: kept, deleted: false };
        try {
          const kv = await this.writeThrough(key, kept, (value) => this.ctx.store.update(key, value, Number(current.metadata.resourceVersion)));
          await this.caughtUp(kv.modRevision);
          return { object: this.written(kv), deleted: false };
        } catch (e) {
          if (e instanceof RevisionConflictError && attempt < 10) { await this.caughtUp(e.actual); continue; }
          throw this.storeError(e, name);
        }
      }
      if (opts.dryRun) return { object: current, deleted: true };
      try {
        const { revision } = await this.ctx.store.delete(key, Number(current.metadata.resourceVersion));
        await this.caughtUp(revision);
        const last = structuredClone(current);
        last.metadata.resourceVersion = String(revision);
        return { object: last, deleted: true };
      } catch (e) {
        if (e instanceof RevisionConflictError && attempt < 10) { await this.caughtUp(e.actual); continue; }
        throw this.storeError(e, name);
      }
    }
  }

  // ---- helpers -----------------------------------------------------------------------------

  /**
   * Waits until the watch caches have every event up to `revision` (the store's current revision
   * when not given): for sqlite, until the write batch holding it has committed; for etcd, until
   * its watch delivered it. After a conflict, `revision` is the one the other writer made.
   */
  private async caughtUp(revision?: number): Promise<void> {
    const store = this.ctx.store;
    if (!store.waitForRevision) return;
    await store.waitForRevision(revision ?? await store.currentRevision());
  }

  /** Moves field ownership for an Update by opts.fieldManager; keeps it as stored otherwise. */
  private recordManagedFields(current: KObject | undefined, next: KObject, opts: WriteOptions, now: Date): void {
    if (opts.managedFieldsSet) return;
    if (current?.metadata.managedFields) next.metadata.managedFields = current.metadata.managedFields; else delete next.metadata.managedFields;
    if (!opts.fieldManager) return;
    const writer = { manager: opts.fieldManager, operation: 'Update' as const, subresource: opts.subresource === 'status' ? 'status' : opts.subresource === 'scale' ? 'scale' : undefined, apiVersion: this.apiVersion, time: rfc3339(now) };
    recordUpdate(current, next, this.schema, writer, !!this.strategy.hasStatus);
  }

  private writeContext(now: Date): WriteContext {
    return {
      now,
      random: (max) => this.ctx.entropy.int(max),
      list: (resource, namespace) => {
        const rs = this.ctx.resource(resource);
        return rs ? rs.cache.list(rs.listPrefix(namespace)).map((o) => o.object) : [];
      },
    };
  }

  private async requireNamespace(namespace: string | undefined, name: string | undefined): Promise<void> {
    if (!namespace) return;
    const namespaces = this.ctx.resource('namespaces');
    const ns = namespaces?.cache.get(namespaces.key(undefined, namespace))?.object;
    if (!ns) throw errors.notFound({ group: '', resource: 'namespaces' }, namespace);
    if (ns.metadata.deletionTimestamp) {
      throw errors.forbidden(this.gr, name ?? '', `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  private validate(obj: KObject, old?: KObject, subresource?: string): void {
    const nameCheck = this.strategy.nameFormat === 'label' ? dns1123Label : this.strategy.nameFormat === 'path' ? pathSegmentName : dns1123Subdomain;
    const errs = old ? [] : validateObjectMeta(obj, nameCheck, this.shape.namespaced);
    if (old) errs.push(...validateObjectMeta(obj, () => [], this.shape.namespaced));
    errs.push(...(this.strategy.validate?.(obj, old, subresource) ?? []));
    if (errs.length) throw errors.invalid(this.shape.kind, this.shape.group, obj.metadata.name ?? '', errs);
  }

  /** Copies what clients may not change from the stored object (uid, timestamps, generation...). */
  private keepSystemMetadata(next: KObject, current: KObject): void {
    const m = next.metadata;
    const c = current.metadata;
    m.name = c.name;
    if (this.shape.namespaced) m.namespace = c.namespace; else delete m.namespace;
    m.uid = c.uid;
    m.creationTimestamp = c.creationTimestamp;
    delete m.resourceVersion;
    for (const f of ['generation', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generateName'] as const) {
      if (c[f] === undefined) delete m[f]; else m[f] = c[f] as never;
    }
  }

  /**
   * What a write stored, as the watch cache holds it once caught up (so the answer and every
   * watcher share one decoding and one encoding); decoded again only when the cache is behind.
   */
  private written(kv: KeyValue): KObject {
    const entry = this.cache.get(kv.key);
    return entry && entry.revision === kv.modRevision ? entry.object : this.decoded(kv.value, kv.modRevision);
  }

  /** A stored value as this resource's clients see it, at its revision. */
  private decoded(value: string, modRevision: number): KObject {
    const stored = JSON.parse(value) as KObject;
    const obj = this.strategy.storage ? this.strategy.storage.fromStorage(stored) : stored;
    obj.metadata.resourceVersion = String(modRevision);
    return obj;
  }

  /**
   * Encodes `obj` and writes it with `write`. The watch cache then takes the encoded structure
   * itself instead of parsing the bytes it was just given (a third of a small write's decoding);
   * it is exactly what JSON.parse would return: same keys in the same order, nothing undefined.
   */
  private async writeThrough(key: string, obj: KObject, write: (value: string) => Promise<KeyValue>): Promise<KeyValue> {
    if (this.strategy.storage) return write(encode(this.strategy.storage.toStorage(obj)));
    const stored = encodable(obj);
    const value = JSON.stringify(stored);
    const hint = { value, object: stored as KObject };
    if (isPlainJSON(stored)) this.justWritten.set(key, hint);
    try {
      return await write(value);
    } finally {
      if (this.justWritten.get(key) === hint) this.justWritten.delete(key);
    }
  }
  private readonly justWritten = new Map<string, { value: string; object: KObject }>();

  private decodedForCache(key: string, value: string, modRevision: number): KObject {
    const hint = this.justWritten.get(key);
    if (hint?.value !== value) return this.decoded(value, modRevision);
    this.justWritten.delete(key);
    hint.object.metadata.resourceVersion = String(modRevision);
    return hint.object;
  }

  private storeError(e: unknown, name: string): unknown {
    if (e instanceof RevisionConflictError) return errors.staleUpdate(this.gr, name);
    if (e instanceof KeyNotFoundError) return errors.notFound(this.gr, name);
    if (e instanceof StatusError) return e;
    return e;
  }
}

/** A resourceVersion that parses to 0, as unsigned decimal: an update carrying it is unconditional. */
const ZERO_RESOURCE_VERSION = /^0+$/;

export function parseResourceVersion(rv: string): number {
  if (!/^\d+$/.test(rv)) throw errors.badRequest(`invalid resource version: ${rv}`);
  return Number(rv);
}

/** RFC 3339 at second precision, as metav1.Time marshals. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The stored form: canonical field order, no resourceVersion (derived from the revision on read). */
export function encode(obj: KObject): string {
  return JSON.stringify(encodable(obj));
}

/** Whether JSON.parse(JSON.stringify(v)) would give back `v` as it is (no undefined, no non-JSON values). */
function isPlainJSON(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) {
    for (const x of v) if (!isPlainJSON(x)) return false;
    return true;
  }
  if (typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return false;
  for (const k in v) if (!isPlainJSON((v as Record<string, unknown>)[k])) return false;
  return true;
}

function encodable(obj: KObject): Record<string, unknown> {
  const { apiVersion, kind, metadata, ...rest } = obj;
  const { resourceVersion, ...meta } = metadata;
  void resourceVersion;
  return { kind, apiVersion, metadata: orderMeta(meta), ...rest };
}

const META_ORDER = ['name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields'];

function orderMeta(meta: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of META_ORDER) if (meta[k] !== undefined) out[k] = meta[k];
  for (const [k, v] of Object.entries(meta)) if (!(k in out) && v !== undefined) out[k] = v;
  return out;
}

/** Whether anything but metadata and status differs: what bumps metadata.generation. */
function specChanged(a: KObject, b: KObject): boolean {
  const desired = ({ metadata, status, ...rest }: KObject) => { void metadata; void status; return canonicalJSON(rest); };
  return desired(a) !== desired(b);
}

function lowerBoundKey(objects: CachedObject<KObject>[], key: string): number {
  let lo = 0, hi = objects.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (objects[mid].key < key) lo = mid + 1; else hi = mid;
  }
  return lo;
}
