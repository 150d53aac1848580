// The generic registry store: one implementation of get, list, watch, create, update, delete and
// deletecollection for every resource, driven by its Strategy (kube's genericregistry.Store).
import { type CachedObject, type CacheSource, type JsonText, TooOldError, WatchCache, type CacheWatcher, type WatchEventType, type WatchHistoryOptions } from '../storage/watch-cache.js';
import { KeyExistsError, KeyNotFoundError, RevisionConflictError, valueText, type KeyValue, type Store, type StoreValue } from '../storage/store.js';
import { valueBytes } from '../storage/value-bytes.js';
import { checkPreconditions, deletionFinished, planDeletion } from './deletion.js';
import { errors, type GroupResource } from './errors.js';
import { copyJSON, isJsonObject, jsonEqual, jsonEqualBy } from './json.js';
import { copyCached, copyTopLevels, heldJSON, internValues, isHeld } from './fields-interning.js';
import { recordUpdate } from './managed-fields.js';
import { SchemaNode } from './schema-navigator.js';
import type { SchemaSet } from './schema.js';
import type { Entropy } from './entropy.js';
import { decodeContinue, encodeContinue } from './keys.js';
import type { ResourceShape } from './openapi.js';
import type { FieldLabels, ListOptions, Selection, WriteOptions } from './request-options.js';
import type { RequestContext } from './request-context.js';
import { isUnconditional, parseResourceVersion } from './resource-version.js';
import { resetFields } from './reset-fields.js';
import { matchesFields, matchesLabels } from './selectors.js';
import { rfc3339 } from './time.js';
import type { DeleteOptions, KObject, Strategy, Subresource, WriteContext } from './types.js';
import { dns1123Label, dns1123Subdomain, pathSegmentName, validateObjectMeta } from './validation.js';

export type { ListOptions, WriteOptions } from './request-options.js';

export interface ListResult {
  items: CachedObject<KObject>[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** What admission sees of a create (kube's admission.Attributes, for the plugins served here). */
export interface AdmissionAttributes {
  gr: GroupResource;
  namespace?: string;
  name?: string;
  object: KObject;
}

/** A check every create passes before it is stored: throws a Status to refuse it. */
export type Admission = (attributes: AdmissionAttributes, registry: RegistryContext) => void;

/** What dynamic admission (webhooks) is told of a write: kube's admission.Attributes. */
export interface WriteAttributes {
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  store: ResourceStore;
  namespace?: string;
  name: string;
  subresource?: string;
  /** The object to be stored (none for a delete). */
  object?: KObject;
  /** The stored object an update or delete changes. */
  oldObject?: KObject;
  dryRun: boolean;
  /** The write's CreateOptions, UpdateOptions or DeleteOptions, as kube sends them to webhooks. */
  options: Record<string, unknown>;
  /** The request the write serves: its user (a webhook's userInfo) and the warnings webhooks add. */
  request?: RequestContext;
}

/**
 * Admission that may call out (kube's MutatingAdmissionWebhook and ValidatingAdmissionWebhook):
 * `mutate` runs after the built-in mutating admission and returns the object to go on with;
 * `validate` runs once the object passed validation, before it is stored. Either throws a Status.
 */
export interface DynamicAdmission {
  /** Whether any admission of the kind applies to the write: most writes meet none, and then wait for nothing. */
  configured(kind: 'mutating' | 'validating', attributes: WriteAttributes): boolean;
  mutate(attributes: WriteAttributes): Promise<KObject | undefined>;
  validate(attributes: WriteAttributes): Promise<void>;
}

/** The rest of the API a store may consult: other resources, admission, the clock. */
export interface RegistryContext {
  store: Store;
  now(): Date;
  /** uids, generated names and random choices (deterministic in deterministic mode). */
  entropy: Entropy;
  resource(name: string, group?: string): ResourceStore | undefined;
  /** Runs the admission checks on a create. */
  admit(attributes: AdmissionAttributes): void;
  /** Webhook admission of creates, updates and deletes, when the cluster has it. */
  dynamicAdmission?: DynamicAdmission;
}

/** Filters a watcher or list by namespace, name and selectors. */
export interface Filter extends Selection {
  namespace?: string;
  name?: string;
}

/** How many times a write is tried again on a newer object after losing a race. */
const MAX_CONFLICT_RETRIES = 10;

export class ResourceStore {
  readonly cache: WatchCache<KObject>;
  readonly prefix: string;
  readonly gr: GroupResource;
  readonly apiVersion: string;

  /** `source`: the cache of another version stored under the same prefix, to follow (WatchCacheOptions.source). */
  constructor(readonly shape: ResourceShape, readonly strategy: Strategy, readonly schemaName: string, readonly schemas: SchemaSet, private readonly ctx: RegistryContext, history: WatchHistoryOptions = {}, source?: CacheSource) {
    this.gr = { group: shape.group, resource: shape.resource };
    this.apiVersion = shape.group ? `${shape.group}/${shape.version}` : shape.version;
    this.prefix = strategy.storage?.prefix ?? `/registry/${shape.group ? shape.group + '/' : ''}${shape.resource}/`;
    const triggerField = strategy.watchTriggerField;
    this.cache = new WatchCache<KObject>({
      store: ctx.store,
      prefix: this.prefix,
      ...history,
      indexes: strategy.indexes,
      trigger: triggerField === undefined ? undefined : (o) => this.fieldsOf(o)[triggerField] ?? '',
      compact: strategy.compactCache,
      source,
      decode: (value, modRevision, key) => this.decodedForCache(key, value, modRevision).object,
      decodeWithJson: (value, modRevision, key) => this.decodedForCache(key, value, modRevision),
      valueJson: (value, modRevision) => this.valueJson(value, modRevision),
    });
  }

  /** The kind's schema, for field ownership and patches: made on first use (its document is read then). */
  get schema(): SchemaNode { return (this.schemaNode ??= SchemaNode.root(this.schemas.schemas, this.schemaName)); }
  private schemaNode?: SchemaNode;

  get kind(): string { return this.shape.kind; }
  now(): Date { return this.ctx.now(); }
  get namespaced(): boolean { return this.shape.namespaced; }
  /** Whether status is written through its own subresource (and kept by updates of the object). */
  get hasStatus(): boolean { return this.strategy.subresources?.status?.type === 'view'; }

  /** The field labels field selectors may use on this kind. */
  get fieldLabels(): FieldLabels {
    // Strategies report every field they support, even for an empty object.
    this.fieldLabelsMemo ??= { supported: new Set(Object.keys(this.fieldsOf({ metadata: {} }))), aliases: this.strategy.fieldLabelAliases };
    return this.fieldLabelsMemo;
  }
  private fieldLabelsMemo?: FieldLabels;

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

  async list(namespace: string | undefined, opts: ListOptions): Promise<ListResult> {
    const filter: Filter = { namespace, labels: opts.labels, fields: opts.fields };
    const current = await this.ctx.store.currentRevision();
    // A consistent read (no resourceVersion) waits until the cache has seen everything up to now.
    if (!opts.resourceVersion && !opts.continue) await this.caughtUp(current);
    const match = opts.resourceVersionMatch;
    let atRevision: number | undefined;
    let listRevision = current;
    let start = '';
    if (opts.continue) {
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
      let hasMore = false;
      for (let j = i; j < objects.length && !hasMore; j++) hasMore = this.matches(filter, objects[j].object);
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
    const field = this.strategy.watchTriggerField;
    const watcher: CacheWatcher<KObject> = {
      matches: (o) => this.matches(filter, o),
      deliver: (type, obj) => deliver(type, obj),
      triggerValue: field === undefined ? undefined : filter.fields.find((r) => r.field === field && r.operator === '=')?.value,
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
    return this.createOwned(namespace, copyJSON(input), opts);
  }

  /** create() of an object the caller hands over (a request body just decoded): changed in place, not copied. */
  async createOwned(namespace: string | undefined, obj: KObject, opts: WriteOptions): Promise<KObject> {
    obj.apiVersion = this.apiVersion;
    obj.kind = this.shape.kind;
    const meta = obj.metadata ?? {};
    obj.metadata = meta;
    if (this.shape.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace ?? meta.namespace;
    } else {
      delete meta.namespace;
    }
    this.ctx.admit({ gr: this.gr, namespace: meta.namespace, name: meta.name, object: obj });
    if (!meta.name && meta.generateName) meta.name = meta.generateName + this.ctx.entropy.suffix();
    const now = this.ctx.now();
    meta.uid = this.ctx.entropy.uid();
    meta.creationTimestamp = rfc3339(now);
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (this.strategy.tracksGeneration) meta.generation = 1; else delete meta.generation;
    const wctx = this.writeContext(now, opts.request);
    // As in kube: defaults are applied when decoding, so the writer owns them; what the strategy
    // adds on create (status, allocations, admission defaults) belongs to nobody.
    this.strategy.defaults?.(obj);
    this.recordManagedFields(undefined, obj, opts, now);
    this.strategy.prepareForCreate?.(obj, wctx);
    this.strategy.defaults?.(obj);
    const attributes: WriteAttributes = { operation: 'CREATE', store: this, namespace: meta.namespace, name: meta.name ?? '', subresource: opts.subresource, dryRun: opts.dryRun, options: writeOptions('CreateOptions', opts), request: opts.request };
    const mutating = this.admission('mutating', attributes);
    if (mutating) obj = await this.mutateByWebhooks(mutating, attributes, obj);
    this.validate(obj, undefined, undefined, opts.request);
    const validated = { ...attributes, object: obj };
    // Not `await x?.validate()`: awaiting undefined still waits a turn of the microtask queue.
    const validating = this.admission('validating', validated);
    if (validating) await validating.validate(validated);
    const name = obj.metadata.name ?? '';
    const key = this.key(obj.metadata.namespace, name);
    if (opts.dryRun) {
      if (this.cache.get(key)) throw errors.alreadyExists(this.gr, name);
      return obj;
    }
    try {
      const kv = await this.writeThrough(key, obj, (value) => this.ctx.store.create(key, value));
      await this.caughtUp(kv.modRevision);
      return this.written(kv);
    } catch (e) {
      if (e instanceof KeyExistsError) throw errors.alreadyExists(this.gr, name);
      throw e;
    }
  }

  /**
   * Replaces an object. `mutate` produces the new object from the current one (for PUT it
   * returns the body; for PATCH it applies the patch); it is re-run when a concurrent write wins,
   * and a resourceVersion the caller pinned is then stale (409).
   */
  async update<T extends KObject = KObject>(namespace: string | undefined, name: string, mutate: (current: T) => KObject, opts: WriteOptions): Promise<{ object: KObject; created: false }> {
    // The mutation may change its copy and return objects it keeps: both sides are copied.
    return this.updateCopy<T>(namespace, name, (copy) => copyJSON(mutate(copy)), opts);
  }

  /**
   * update() for a mutation that keeps nothing of what it returns (its copy, changed, or objects
   * it made for this call): one copy instead of two.
   */
  async updateCopy<T extends KObject = KObject>(namespace: string | undefined, name: string, mutate: (copy: T) => KObject, opts: WriteOptions): Promise<{ object: KObject; created: false }> {
    // The stored object passed validation against this kind's schema, which T describes.
    return this.updateOwned(namespace, name, (current) => mutate(copyCached(current) as T), opts);
  }

  /**
   * update() without copies, for a mutation that leaves `current` (the cached object, shared with
   * every reader) untouched and returns a new object of its own each time, as the patch engines
   * and decoding do: the store changes that object in place.
   */
  async updateOwned(namespace: string | undefined, name: string, mutate: (current: Readonly<KObject>) => KObject, opts: WriteOptions): Promise<{ object: KObject; created: false }> {
    const key = this.key(namespace, name);
    return this.guaranteedUpdate(key, name, async (current) => {
      const next = await this.prepareUpdate(namespace, name, current, mutate(current), opts);
      // A write that changes nothing is not persisted and keeps its resourceVersion, as kube does.
      if (sameStored(next, current)) return { object: current, created: false };
      if (opts.dryRun) { next.metadata.resourceVersion = current.metadata.resourceVersion; return { object: next, created: false }; }
      if (deletionFinished(next)) {
        // The last finalizer is gone from an object being deleted: it goes now.
        const { revision } = await this.ctx.store.delete(key, Number(current.metadata.resourceVersion));
        await this.caughtUp(revision);
        next.metadata.resourceVersion = String(revision);
        return { object: next, created: false };
      }
      return { object: await this.storeUpdate(key, next, current), created: false };
    });
  }

  /**
   * A write beneath the update path, as kube's registries write straight to storage
   * (Storage.GuaranteedUpdate, as pods/binding does): `mutate` sets or replaces fields of a copy
   * of the current object and of its top-level objects (deeper nodes are the cached ones: see
   * copyTopLevels; throwing refuses the write), and the copy is stored as it is, with no field
   * ownership, generation, defaults, admission or validation. A copy that changes nothing is not
   * written.
   */
  async updateInStorage<T extends KObject = KObject>(namespace: string | undefined, name: string, mutate: (copy: T) => void, dryRun: boolean): Promise<KObject> {
    const key = this.key(namespace, name);
    return this.guaranteedUpdate(key, name, async (current) => {
      const next = copyTopLevels(current) as T;
      mutate(next);
      if (dryRun || sameStored(next, current)) return next;
      return this.storeUpdate(key, next, current);
    });
  }

  /** Writes `next` over `current` if the key is still at its revision; answers the object as stored. */
  private async storeUpdate(key: string, next: KObject, current: KObject): Promise<KObject> {
    const kv = await this.writeThrough(key, next, (value) => this.ctx.store.update(key, value, Number(current.metadata.resourceVersion)));
    await this.caughtUp(kv.modRevision);
    return this.written(kv);
  }

  /**
   * The object an update would store: what the writer gave, with what it may not change through
   * this path kept as stored (system metadata, the reset fields of the main resource or of the
   * subresource), defaulted, ownership recorded, validated.
   */
  private async prepareUpdate(namespace: string | undefined, name: string, current: KObject, input: KObject, opts: WriteOptions): Promise<KObject> {
    let next = input;
    if (!next.metadata || typeof next.metadata !== 'object') next.metadata = {};
    const meta = next.metadata;
    if (meta.name !== undefined && meta.name !== name) {
      throw errors.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    if (this.shape.namespaced && meta.namespace && meta.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    // A resourceVersion in the new object is a precondition; after a lost race the retry runs
    // `mutate` on the newer object, and a caller's stale version fails here (kube's
    // GuaranteedUpdate), while one derived from the current object goes through. None, or one
    // that parses to 0 ("0"), makes the update unconditional: every kind served here allows
    // that (kube's AllowUnconditionalUpdate).
    const pinned = meta.resourceVersion;
    if (!isUnconditional(pinned) && pinned !== current.metadata.resourceVersion) throw errors.staleUpdate(this.gr, name);
    next.apiVersion = this.apiVersion;
    next.kind = this.shape.kind;
    this.keepSystemMetadata(next, current);
    resetFields(next, current, this.resetFieldsFor(opts.subresource));
    if (opts.subresource === undefined) this.strategy.prepareForUpdate?.(next, current, this.writeContext(this.ctx.now(), opts.request));
    else this.viewOf(opts.subresource)?.prepareForUpdate?.(next, current);
    this.strategy.defaults?.(next);
    const attributes: WriteAttributes = { operation: 'UPDATE', store: this, namespace, name, subresource: opts.subresource, oldObject: current, dryRun: opts.dryRun, options: writeOptions('UpdateOptions', opts), request: opts.request };
    const mutating = this.admission('mutating', attributes);
    if (mutating) next = await this.mutateByWebhooks(mutating, attributes, next);
    if (this.strategy.tracksGeneration && specChanged(next, current)) {
      next.metadata.generation = (current.metadata.generation ?? 0) + 1;
    }
    this.recordManagedFields(current, next, opts, this.ctx.now());
    this.validate(next, current, opts.subresource, opts.request);
    const validated = { ...attributes, object: next };
    const validating = this.admission('validating', validated);
    if (validating) await validating.validate(validated);
    return next;
  }

  /** The dynamic admission, when any of `kind` applies to the write (else nothing to wait for). */
  private admission(kind: 'mutating' | 'validating', attributes: WriteAttributes): DynamicAdmission | undefined {
    const admission = this.ctx.dynamicAdmission;
    return admission?.configured(kind, attributes) ? admission : undefined;
  }

  /** The mutating webhooks' object, defaulted again as kube defaults what a webhook patched. */
  private async mutateByWebhooks(admission: DynamicAdmission, attributes: WriteAttributes, obj: KObject): Promise<KObject> {
    const mutated = await admission.mutate({ ...attributes, object: obj });
    if (!mutated || mutated === obj) return obj;
    this.strategy.defaults?.(mutated);
    return mutated;
  }

  /** The fields an update through `subresource` (or of the object itself) keeps as stored. */
  private resetFieldsFor(subresource: string | undefined): readonly string[] {
    if (subresource === undefined) return this.strategy.resetFields ?? (this.hasStatus ? ['status'] : []);
    // Other subresources (scale, binding) are written by handlers that change only what they own.
    return this.viewOf(subresource)?.resetFields ?? [];
  }

  private viewOf(subresource: string): Extract<Subresource, { type: 'view' }> | undefined {
    const declared = this.strategy.subresources?.[subresource];
    return declared?.type === 'view' ? declared : undefined;
  }

  async delete(namespace: string | undefined, name: string, options: DeleteOptions, opts: WriteOptions): Promise<{ object: KObject; deleted: boolean }> {
    const key = this.key(namespace, name);
    return this.guaranteedUpdate(key, name, async (current) => {
      checkPreconditions(current, options, this.gr, name);
      const attributes: WriteAttributes = { operation: 'DELETE', store: this, namespace, name, oldObject: current, dryRun: opts.dryRun, options: { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', ...options }, request: opts.request };
      const mutating = this.admission('mutating', attributes);
      if (mutating) await mutating.mutate(attributes);
      const validating = this.admission('validating', attributes);
      if (validating) await validating.validate(attributes);
      const plan = planDeletion(current, options, this.strategy, this.ctx.now());
      if (plan.step === 'pending') return { object: current, deleted: false };
      if (plan.step === 'mark') {
        const marked = plan.object;
        if (opts.dryRun || sameStored(marked, current)) return { object: marked, deleted: false };
        const kv = await this.writeThrough(key, marked, (value) => this.ctx.store.update(key, value, Number(current.metadata.resourceVersion)));
        await this.caughtUp(kv.modRevision);
        return { object: this.written(kv), deleted: false };
      }
      if (opts.dryRun) return { object: current, deleted: true };
      const { revision } = await this.ctx.store.delete(key, Number(current.metadata.resourceVersion));
      await this.caughtUp(revision);
      const last = copyJSON(current);
      last.metadata.resourceVersion = String(revision);
      return { object: last, deleted: true };
    });
  }

  /**
   * kube's GuaranteedUpdate: `attempt` reads the current object and writes conditionally on its
   * revision; when another write won in between, it runs again on the newer object.
   */
  private async guaranteedUpdate<T>(key: string, name: string, attempt: (current: KObject) => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      const cached = this.cache.get(key);
      if (!cached) throw errors.notFound(this.gr, name);
      try {
        return await attempt(cached.object);
      } catch (e) {
        if (e instanceof RevisionConflictError && tries < MAX_CONFLICT_RETRIES) { await this.caughtUp(e.actual); continue; }
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
    const writer = { manager: opts.fieldManager, operation: 'Update' as const, subresource: this.recordedSubresource(opts.subresource), apiVersion: this.apiVersion, time: rfc3339(now) };
    recordUpdate(current, next, this.schema, writer, this.hasStatus);
  }

  /** The subresource a managedFields entry names: any view (status, ephemeralcontainers) or scale, as kube's per-subresource field managers record them. */
  private recordedSubresource(subresource: string | undefined): string | undefined {
    const type = subresource === undefined ? undefined : this.strategy.subresources?.[subresource]?.type;
    return type === 'view' || type === 'scale' ? subresource : undefined;
  }

  private writeContext(now: Date, request: RequestContext | undefined): WriteContext {
    return {
      now,
      request,
      random: (max) => this.ctx.entropy.int(max),
      list: (resource, namespace) => {
        const rs = this.ctx.resource(resource);
        return rs ? rs.cache.list(rs.listPrefix(namespace)).map((o) => o.object) : [];
      },
    };
  }

  private validate(obj: KObject, old: KObject | undefined, subresource: string | undefined, request: RequestContext | undefined): void {
    const nameCheck = this.strategy.nameFormat === 'label' ? dns1123Label : this.strategy.nameFormat === 'path' ? pathSegmentName : dns1123Subdomain;
    const errs = old ? [] : validateObjectMeta(obj, nameCheck, this.shape.namespaced);
    if (old) errs.push(...validateObjectMeta(obj, () => [], this.shape.namespaced));
    errs.push(...(this.strategy.validate?.(obj, old, subresource, request) ?? []));
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
  private written(kv: KeyValue<StoreValue>): KObject {
    const entry = this.cache.get(kv.key);
    return entry && entry.revision === kv.modRevision ? entry.object : this.decoded(valueText(kv.value), kv.modRevision);
  }

  /** A stored value as this resource's clients see it, at its revision. */
  private decoded(value: string, modRevision: number): KObject {
    const stored = JSON.parse(value) as KObject;
    const obj = this.strategy.storage ? this.strategy.storage.fromStorage(stored) : stored;
    obj.metadata.resourceVersion = String(modRevision);
    return obj;
  }

  /**
   * A stored value's JSON as clients see it at its revision, for a version the cache reads back
   * from the log: the value with its resourceVersion spliced in, as decoding and encoding it would
   * give (stored values are JSON.stringify's text); decoded and encoded where it is converted.
   */
  private valueJson(value: string, modRevision: number): string {
    const end = this.strategy.storage ? undefined : metadataEndOf(value);
    return end === undefined ? JSON.stringify(this.decoded(value, modRevision)) : withResourceVersion(value, end, modRevision);
  }

  /**
   * Encodes `obj` and writes it with `write`. The watch cache then takes the encoded structure
   * itself instead of parsing the bytes it was just given (a third of a small write's decoding);
   * it is exactly what JSON.parse would return: same keys in the same order, nothing undefined.
   */
  private async writeThrough(key: string, obj: KObject, write: (value: StoreValue) => Promise<KeyValue<StoreValue>>): Promise<KeyValue<StoreValue>> {
    if (this.strategy.storage) return write(encode(this.strategy.storage.toStorage(obj)));
    const stored = encodable(obj);
    const { value: text, metadataEnd } = encodeStored(stored);
    // Where the write waits across turns (Store.takesBytes), bytes from here on: the text (a rope
    // of its parts) dies young, and what waits on the commit, goes to the store's worker and
    // becomes the answer is held off the JS heap. Cut from a slab: they live as long as the write
    // (the answer's and the cache's bytes are their own, made from them).
    const value = this.ctx.store.takesBytes ? valueBytes(text) : text;
    const hint = { value, object: stored as KObject, metadataEnd: metadataEnd === undefined || typeof value === 'string' ? metadataEnd : byteOffset(text, value, metadataEnd) };
    if (isPlainJSON(stored)) this.justWritten.set(key, hint);
    try {
      return await write(value);
    } finally {
      if (this.justWritten.get(key) === hint) this.justWritten.delete(key);
    }
  }
  /** A write in flight: its value (text or bytes, known again in its event), the object encoded, and where its metadata ends in the value. */
  private readonly justWritten = new Map<string, { value: string | Buffer; object: KObject; metadataEnd?: number }>();

  /**
   * A stored value as the cache holds it. A value just written is the object that was encoded,
   * with its JSON: the value with its resourceVersion added as metadata's last field, where the
   * object has it (compact caches keep only these bytes).
   */
  private decodedForCache(key: string, value: StoreValue, modRevision: number): { object: KObject; json?: JsonText } {
    const hint = this.justWritten.get(key);
    let object: KObject;
    let json: JsonText | undefined;
    if (!hint || !isWrittenValue(hint.value, value)) {
      object = this.decoded(valueText(value), modRevision);
    } else {
      this.justWritten.delete(key);
      hint.object.metadata.resourceVersion = String(modRevision);
      object = hint.object;
      const { value: given, metadataEnd: end } = hint;
      if (end !== undefined) json = typeof given === 'string' ? withResourceVersion(given, end, modRevision) : () => withResourceVersionBytes(given, end, modRevision);
    }
    // Held decoded, its nodes shared with equal ones of other objects (compact kinds keep only bytes).
    if (!this.strategy.compactCache) internValues(object);
    return { object, json };
  }

  private storeError(e: unknown, name: string): unknown {
    if (e instanceof RevisionConflictError) return errors.staleUpdate(this.gr, name);
    if (e instanceof KeyNotFoundError) return errors.notFound(this.gr, name);
    return e;
  }
}

/** A write's options as kube's CreateOptions or UpdateOptions (what webhooks are sent). */
function writeOptions(kind: 'CreateOptions' | 'UpdateOptions', opts: WriteOptions): Record<string, unknown> {
  // Set field by field: conditional spreads are V8's slow path, and every write makes one of these.
  const options: Record<string, unknown> = { kind, apiVersion: 'meta.k8s.io/v1' };
  if (opts.dryRun) options.dryRun = ['All'];
  if (opts.fieldManager) options.fieldManager = opts.fieldManager;
  return options;
}

/** The stored form: canonical field order, no resourceVersion (derived from the revision on read). */
export function encode(obj: KObject): string {
  return JSON.stringify(encodable(obj));
}

/**
 * JSON.stringify(stored) for a value of encodable()'s shape, and the index of the brace that
 * closes its metadata (see withResourceVersion): the metadata and the rest are encoded apart and
 * joined, which is the same text. Not for a top-level key that is an array index (JSON puts those
 * first, ahead of kind): then the value is encoded whole and no end is given.
 */
export function encodeStored(stored: Record<string, unknown>): { value: string; metadataEnd?: number } {
  const { kind, apiVersion, metadata, ...rest } = stored;
  if (metadata === undefined || Object.keys(rest).some((k) => /^(0|[1-9]\d*)$/.test(k))) return { value: JSON.stringify(stored) };
  let head = '{';
  if (kind !== undefined) head += `"kind":${JSON.stringify(kind)},`;
  if (apiVersion !== undefined) head += `"apiVersion":${JSON.stringify(apiVersion)},`;
  head += `"metadata":${encodeMetadata(metadata)}`;
  // A new object (a create's, an Event) has no held node: encoded in one call.
  const tail = someHeld(rest, 2) ? encodeFields(rest, encodeTopLevel) : JSON.stringify(rest);
  return { value: head + (tail === '{}' ? '}' : `,${tail.slice(1)}`), metadataEnd: head.length - 1 };
}

/**
 * A value's JSON, the text remembered for it when it is a held node (heldJSON). Below the top
 * levels the object is a cached one's nodes, most of them held: a binding or a status update
 * copies spec and status and keeps their containers, volumes, tolerations and conditions, whose
 * text (most of a pod's) is then written again without encoding it again.
 */
function encodeValue(_key: string, v: unknown): string | undefined {
  return heldJSON(v) ?? JSON.stringify(v);
}

/**
 * A top-level field's JSON (spec, status): a held node's remembered text, or an object's fields
 * each as encodeValue writes it when any of them is held (a new object, a create's, has none, and
 * is encoded in one call).
 */
function encodeTopLevel(_key: string, v: unknown): string | undefined {
  const held = heldJSON(v);
  if (held !== undefined) return held;
  return isJsonObject(v) && Object.getPrototypeOf(v) === Object.prototype && someHeld(v) ? encodeFields(v, encodeValue) : JSON.stringify(v);
}

/** Whether any value of `object` is a held node, or (depth 2) any value of its plain objects. */
function someHeld(object: Record<string, unknown>, depth = 1): boolean {
  for (const k in object) {
    const v = object[k];
    if (isHeld(v) || (depth > 1 && isJsonObject(v) && someHeld(v, depth - 1))) return true;
  }
  return false;
}

/**
 * JSON.stringify(metadata), with its held nodes (labels, owner references) and each held FieldsV1
 * tree of its managedFields written as the text remembered for it: the trees are about half of a
 * pod's metadata text, and most writes keep them.
 */
function encodeMetadata(metadata: unknown): string {
  if (!isJsonObject(metadata)) return JSON.stringify(metadata);
  const entries = metadata.managedFields;
  if (!Array.isArray(entries) || !entries.length || isHeld(entries)) return someHeld(metadata) ? encodeFields(metadata, encodeValue) : JSON.stringify(metadata);
  return encodeFields(metadata, (k, v) => (k === 'managedFields' ? `[${entries.map(encodeManagedFieldsEntry).join(',')}]` : encodeValue(k, v)));
}

function encodeManagedFieldsEntry(entry: unknown): string {
  if (!isJsonObject(entry) || isHeld(entry)) return heldJSON(entry) ?? JSON.stringify(entry) ?? 'null';
  return encodeFields(entry, encodeValue);
}

/** An object's JSON as JSON.stringify writes it (its keys in their order, undefined ones left out), each value's text from `value`. */
function encodeFields(object: Record<string, unknown>, value: (key: string, v: unknown) => string | undefined): string {
  let out = '{';
  for (const k in object) {
    const v = object[k];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    const text = value(k, v);
    if (text === undefined) continue;
    out += (out.length > 1 ? ',' : '') + quotedKey(k) + text;
  }
  return out + '}';
}

/** Keys as JSON writes them with their colon, remembered: most are a schema's field names, and every write encodes them. */
const quotedKeys = new Map<string, string>();

function quotedKey(k: string): string {
  let quoted = quotedKeys.get(k);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(k)}:`;
    // Label and annotation keys are the users': bounded, so they cannot grow it without end.
    if (quotedKeys.size < 4096) quotedKeys.set(k, quoted);
  }
  return quoted;
}

/** A stored value with `"resourceVersion":"<revision>"` added as the last field of its metadata, which ends at `metadataEnd`. */
export function withResourceVersion(value: string, metadataEnd: number, revision: number): string {
  return `${value.slice(0, metadataEnd)}${resourceVersionField(value.charCodeAt(metadataEnd - 1), revision)}${value.slice(metadataEnd)}`;
}

/** withResourceVersion() of a value's UTF-8 bytes, `metadataEnd` a byte offset: bytes of their own. */
export function withResourceVersionBytes(value: Uint8Array, metadataEnd: number, revision: number): Buffer {
  const field = resourceVersionField(value[metadataEnd - 1], revision);
  const out = Buffer.allocUnsafeSlow(value.length + field.length);
  out.set(value.subarray(0, metadataEnd), 0);
  out.write(field, metadataEnd, 'latin1');
  out.set(value.subarray(metadataEnd), metadataEnd + field.length);
  return out;
}

/** The field added, after `before` (the character that precedes metadata's closing brace: none needs a comma after `{`). */
function resourceVersionField(before: number, revision: number): string {
  return `${before === 0x7b ? '' : ','}"resourceVersion":"${revision}"`;
}

/**
 * Whether a stored event's value is what a write in flight gave as `given`: the same text or
 * bytes, or the bytes' copy (through a channel to another thread) or text (from a store that gives
 * strings, etcd).
 */
function isWrittenValue(given: string | Buffer, value: StoreValue): boolean {
  if (value === given) return true;
  if (typeof given === 'string') return false;
  if (typeof value === 'string') return value.length <= given.length && given.toString() === value;
  return given.equals(value);
}

/** Where `text`'s character `index` starts in `bytes`, its UTF-8 encoding. */
function byteOffset(text: string, bytes: Uint8Array, index: number): number {
  return bytes.length === text.length ? index : Buffer.byteLength(text.slice(0, index));
}

/**
 * The index of the brace that closes a JSON object's top-level `metadata` object (what
 * encodeStored gives as metadataEnd), found by scanning the text; undefined when it has none.
 */
export function metadataEndOf(value: string): number | undefined {
  let depth = 0;
  let inMetadata = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      for (i++; i < value.length && value.charCodeAt(i) !== 0x22; i++) if (value.charCodeAt(i) === 0x5c) i++;
      if (depth === 1 && !inMetadata && i - start === 9 && value.startsWith('metadata":{', start + 1)) inMetadata = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (inMetadata && depth === 1) return i;
    }
  }
  return undefined;
}

/** Whether JSON.parse(JSON.stringify(v)) would give back `v` as it is (no undefined, no non-JSON values). */
function isPlainJSON(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  // A held node (a FieldsV1 tree, or a node shared between cached objects) is plain by
  // construction: most of a pod's nodes, not walked again.
  if (isHeld(v)) return true;
  if (Array.isArray(v)) {
    for (const x of v) if (!isPlainJSON(x)) return false;
    return true;
  }
  if (typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return false;
  for (const k in v) if (!isPlainJSON((v as Record<string, unknown>)[k])) return false;
  return true;
}

/** Whether two objects would be stored alike (jsonEqual of their encodable forms, without making them). */
export function sameStored(a: KObject, b: KObject): boolean {
  return jsonEqualBy(a, b, (k, x, y) => (k === 'metadata' ? jsonEqualBy(x, y, (field, u, v) => field === 'resourceVersion' || jsonEqual(u, v)) : jsonEqual(x, y)));
}

/** The stored form's object: kind, apiVersion, the metadata in its order without resourceVersion, then the rest in the object's order. */
function encodable(obj: KObject): Record<string, unknown> {
  // Built key by key: object rest and spread were a fifth of a binding's encoding.
  const out: Record<string, unknown> = { kind: obj.kind, apiVersion: obj.apiVersion, metadata: orderMeta(obj.metadata) };
  const fields: Record<string, unknown> = obj;
  for (const k in fields) if (k !== 'kind' && k !== 'apiVersion' && k !== 'metadata') setField(out, k, fields[k]);
  return out;
}

/** out[k] = v, as a field of its own even for `__proto__` (a key JSON.parse makes one of, which an assignment would take as the prototype). */
function setField(out: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  else out[k] = v;
}

/** The fields of metadata the stored form puts first, in this order (resourceVersion is never stored). */
const META_ORDER = ['name', 'generateName', 'namespace', 'uid', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields'];
const META_FIRST = new Set([...META_ORDER, 'resourceVersion']);

function orderMeta(meta: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of META_ORDER) {
    const v = meta[k];
    if (v !== undefined) out[k] = v;
  }
  for (const k in meta) {
    const v = meta[k];
    if (v !== undefined && !META_FIRST.has(k)) setField(out, k, v);
  }
  return out;
}

/** Whether anything but metadata and status differs: what bumps metadata.generation. */
function specChanged(a: KObject, b: KObject): boolean {
  // Compared in place: neither copied nor encoded (every update asks).
  const desired = (o: KObject) => Object.keys(o).filter((k) => k !== 'metadata' && k !== 'status' && o[k] !== undefined);
  const keys = desired(a);
  if (keys.length !== desired(b).length) return true;
  return keys.some((k) => !jsonEqual(a[k], b[k]));
}

function lowerBoundKey(objects: CachedObject<KObject>[], key: string): number {
  let lo = 0, hi = objects.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (objects[mid].key < key) lo = mid + 1; else hi = mid;
  }
  return lo;
}
