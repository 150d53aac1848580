// The registry: every served kind, as kube-apiserver's set of REST storages. Strategies are given
// to it (by the composition root for built-in kinds, at run time for others); registering one
// makes its kind routed, discovered, documented in OpenAPI and cached, and unregistering one
// undoes all of that, as kube does when a CustomResourceDefinition is established or removed.
import type { Store } from '../storage/store.js';
import type { WatchCache, WatchHistoryOptions } from '../storage/watch-cache.js';
import { RANDOM, type Entropy } from './entropy.js';
import { groupVersionPath, OpenAPILibrary, reachableSchemas, routeTable, schemaNameForKind, servedDocument, type GroupVersionDocument, type OpenAPIFragment, type ResourceShape } from './openapi.js';
import { ResourceStore, type Admission, type AdmissionAttributes, type DynamicAdmission, type RegistryContext } from './resource-store.js';
import { SchemaValidator, type SchemaSet } from './schema.js';
import type { KObject, Strategy } from './types.js';

export interface RegistryOptions {
  clock?: () => Date;
  entropy?: Entropy;
  watchHistory?: WatchHistoryOptions;
  /** Where built-in kinds' OpenAPI comes from (default: the package's openapi/). */
  openapi?: OpenAPILibrary;
  /** Checks every create passes (kube's admission plugins: NamespaceLifecycle...). */
  admission?: Admission[];
}

/** A served kind without storage: every request to it is a create its Strategy answers. */
export interface VirtualResource {
  shape: ResourceShape;
  strategy: Strategy;
  schemas: SchemaSet;
}

/** A served kind as discovery lists it. */
export interface ServedKind {
  shape: ResourceShape;
  strategy: Strategy;
}

/** How a kind is served: its route-table entry, its schema's name and the schemas that name is in. */
interface Described {
  shape: ResourceShape;
  schemaName: string;
  schemas: SchemaSet;
}

interface Registration {
  strategy: Strategy;
  shape: ResourceShape;
  paths: OpenAPIFragment['paths'];
  /** The schemas the kind's paths refer to, among others of its document unless the kind brought its own. */
  schemas: SchemaSet;
  /** The part of its group-version's served document, cut out when first served. */
  fragment?: OpenAPIFragment;
  stored?: ResourceStore;
  virtual?: VirtualResource;
}

export class Registry implements RegistryContext {
  readonly validator = new SchemaValidator();
  readonly clock: () => Date;
  readonly entropy: Entropy;
  /** The OpenAPI of the built-in kinds (and the meta schemas kinds defined at run time use). */
  readonly library: OpenAPILibrary;
  /** By `group/version/resource`, in registration order. */
  private readonly kinds = new Map<string, Registration>();
  private readonly listeners = new Set<() => void>();
  private documentsMemo?: GroupVersionDocument[];
  private started = false;
  /** Webhook admission, set by the composition root once the registry exists (it reads the registry's caches). */
  dynamicAdmission?: DynamicAdmission;
  /** Tells schema sets of one kind registered twice apart, so the validator compiles the new one. */
  private generation = 0;

  constructor(readonly store: Store, private readonly options: RegistryOptions = {}) {
    this.clock = options.clock ?? (() => new Date());
    this.entropy = options.entropy ?? RANDOM;
    this.library = options.openapi ?? new OpenAPILibrary();
  }

  /**
   * Serves a kind. Its OpenAPI comes from the strategy (kinds defined at run time) or from its
   * group-version's document in openapi/. Once the registry has started, its watch cache is
   * started before this returns, so the kind can be used at once.
   */
  async register(strategy: Strategy): Promise<ResourceStore | undefined> {
    const key = gvrKey(strategy.group, strategy.version, strategy.resource);
    if (this.kinds.has(key)) throw new Error(`${key} is already registered`);
    const own = strategy.openapi;
    const described = own ? this.describedByStrategy(strategy, own) : this.describedByLibrary(strategy);
    if (typeof described === 'string') throw new Error(described);
    const { shape, schemaName, schemas } = described;
    const { library } = this;
    let paths = own?.paths;
    const registration: Registration = { strategy, shape, schemas, fragment: own, get paths() { return (paths ??= library.paths(shape.group, shape.version, shape.resource) ?? {}); } };
    if (strategy.virtual) {
      registration.virtual = { shape, strategy, schemas };
    } else {
      registration.stored = new ResourceStore(shape, strategy, schemaName, schemas, this, this.options.watchHistory, this.sharedCache(strategy));
      if (this.started) await registration.stored.cache.start();
    }
    this.kinds.set(key, registration);
    this.changed();
    return registration.stored;
  }

  /** A kind that brings its own OpenAPI (custom resources, kinds defined at run time): its route and schema found in it. */
  private describedByStrategy(strategy: Strategy, own: OpenAPIFragment): Described | string {
    const key = gvrKey(strategy.group, strategy.version, strategy.resource);
    const schemas: SchemaSet = { id: `kinds/${strategy.group || 'core'}/${strategy.version}/${strategy.resource}/${++this.generation}`, schemas: own.schemas, unstructured: strategy.unstructured };
    const doc = { openapi: '3.0.0', info: {}, paths: own.paths, components: { schemas: own.schemas } };
    const shape = routeTable(doc, strategy.group, strategy.version).find((r) => r.resource === strategy.resource);
    if (!shape) return `the OpenAPI paths of ${key} define no operations on it`;
    const schemaName = schemaNameForKind(doc, { group: shape.group, version: shape.version, kind: shape.kind });
    if (!schemaName) return `no schema for ${shape.kind} in the OpenAPI of ${key}`;
    return { shape, schemaName, schemas };
  }

  /** A built-in kind: described by its group-version's document in openapi/, through its index (no document read). */
  private describedByLibrary(strategy: Strategy): Described | string {
    const key = gvrKey(strategy.group, strategy.version, strategy.resource);
    const schemas = this.library.schemaSet(strategy.group, strategy.version);
    if (!schemas) return `no OpenAPI for ${key}: neither the strategy nor openapi/${groupVersionPath(strategy.group, strategy.version)} describes it`;
    const indexed = this.library.resource(strategy.group, strategy.version, strategy.resource);
    if (!indexed) return `the OpenAPI paths of ${key} define no operations on it`;
    return { ...indexed, schemas };
  }

  /**
   * The watch cache a compact built-in kind stored under another version's prefix follows (Events in
   * core/v1 and events.k8s.io/v1), so each object is held once, as kube keeps one cache per storage.
   */
  private sharedCache(strategy: Strategy): WatchCache<KObject> | undefined {
    const prefix = strategy.storage?.prefix;
    if (!prefix || !strategy.compactCache || strategy.openapi) return undefined;
    for (const rs of this.resources()) if (rs.prefix === prefix && rs.strategy.compactCache && !rs.strategy.storage) return rs.cache;
    return undefined;
  }

  /** Stops serving a kind: routing, discovery, OpenAPI and its watch cache. Its stored objects stay. */
  unregister(group: string, version: string, resource: string): boolean {
    const key = gvrKey(group, version, resource);
    const registration = this.kinds.get(key);
    if (!registration) return false;
    this.kinds.delete(key);
    registration.stored?.cache.stop();
    // A document's shared schemas stay compiled for its other kinds; a kind's own go with it.
    if (registration.strategy.openapi) this.validator.forget(registration.schemas);
    this.changed();
    return true;
  }

  /** Calls `listener` after every register and unregister; returns what stops that. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.documentsMemo = undefined;
    this.byName.clear();
    for (const l of this.listeners) l();
  }

  async start(): Promise<void> {
    this.started = true;
    // Each cache's list and watch are requests to the store (round trips to its worker thread for
    // SQLite): started together rather than one after another; caches that follow another start last.
    const caches = this.resources().map((rs) => rs.cache);
    await Promise.all(caches.filter((c) => !c.followsSource).map((c) => c.start()));
    for (const c of caches.filter((c) => c.followsSource)) await c.start();
  }

  stop(): void {
    for (const rs of this.resources()) rs.cache.stop();
  }

  now(): Date { return this.clock(); }

  admit(attributes: AdmissionAttributes): void {
    for (const check of this.options.admission ?? []) check(attributes, this);
  }

  /** A stored resource by its name, in the core group unless one is given (the first version registered). */
  resource(name: string, group = ''): ResourceStore | undefined {
    const key = `${group}/${name}`;
    if (this.byName.has(key)) return this.byName.get(key);
    let found: ResourceStore | undefined;
    for (const r of this.kinds.values()) if (r.stored && r.shape.resource === name && r.shape.group === group) { found = r.stored; break; }
    this.byName.set(key, found);
    return found;
  }
  /** resource()'s answers (admission and controllers ask on every write), forgotten when kinds change. */
  private readonly byName = new Map<string, ResourceStore | undefined>();

  lookup(group: string, version: string, resource: string): ResourceStore | undefined {
    return this.kinds.get(gvrKey(group, version, resource))?.stored;
  }

  virtual(group: string, version: string, resource: string): VirtualResource | undefined {
    return this.kinds.get(gvrKey(group, version, resource))?.virtual;
  }

  /** Every stored resource. */
  resources(): ResourceStore[] {
    const out: ResourceStore[] = [];
    for (const r of this.kinds.values()) if (r.stored) out.push(r.stored);
    return out;
  }

  /** Every served kind, stored or not, for discovery. */
  served(): ServedKind[] {
    return [...this.kinds.values()].map((r) => ({ shape: r.shape, strategy: r.strategy }));
  }

  /** The OpenAPI v3 documents served, one per group-version with a kind registered. */
  documents(): GroupVersionDocument[] {
    if (!this.documentsMemo) {
      const byGroupVersion = new Map<string, { group: string; version: string; fragments: OpenAPIFragment[] }>();
      for (const r of this.kinds.values()) {
        const path = groupVersionPath(r.shape.group, r.shape.version);
        const entry = byGroupVersion.get(path) ?? { group: r.shape.group, version: r.shape.version, fragments: [] };
        r.fragment ??= { paths: r.paths, schemas: reachableSchemas(r.paths, r.schemas.schemas) };
        entry.fragments.push(r.fragment);
        byGroupVersion.set(path, entry);
      }
      this.documentsMemo = [...byGroupVersion.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, e]) => e).map((e) => servedDocument(e.group, e.version, e.fragments));
    }
    return this.documentsMemo;
  }
}

function gvrKey(group: string, version: string, resource: string): string {
  return `${group}/${version}/${resource}`;
}
