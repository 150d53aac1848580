// A typed client for one resource: its cache (a lister), its watches (informers) and its writes,
// through the ResourceStore, with objects of the kind's own type.
import type { Registry } from '../api/registry.js';
import type { ResourceStore, WriteOptions } from '../api/resource-store.js';
import type { DeleteOptions, KObject, ObjectMeta } from '../api/types.js';
import type { CachedObject } from '../storage/watch-cache.js';
import { Informer } from './informer.js';
import type { ObjectKey } from './keys.js';
import { Lister } from './lister.js';

/**
 * What the server sets on every object it creates, dry run or not (resourceVersion only when it
 * is persisted, so it stays optional here).
 */
export interface StoredMeta extends ObjectMeta {
  name: string;
  uid: string;
  creationTimestamp: string;
}

/** An object as read back from the store or its cache. */
export type Stored<T extends KObject> = T & { metadata: StoredMeta };

export class TypedResource<T extends KObject> {
  readonly lister: Lister<T>;
  readonly informer: Informer<T>;

  constructor(readonly store: ResourceStore) {
    this.lister = new Lister(this);
    this.informer = new Informer(this);
  }

  get kind(): string { return this.store.kind; }
  get apiVersion(): string { return this.store.apiVersion; }

  /**
   * The one place objects of this resource get their type: the store only holds objects that
   * passed the kind's schema (decoding and validation), which the kind's interface describes,
   * with the metadata every write sets (StoredMeta).
   */
  typed(object: KObject): Stored<T> {
    return object as Stored<T>;
  }

  /** The cached object's current state, typed. */
  cached(o: CachedObject<KObject>): Stored<T> {
    return this.typed(o.object);
  }

  /** A consistent read from the store (not the cache). */
  async read(key: ObjectKey): Promise<Stored<T>> {
    return this.typed(await this.store.get(key.namespace, key.name));
  }

  /** Creates `object`, which the server defaults and validates as it does any client's. */
  async create(namespace: string | undefined, object: KObject, opts: WriteOptions): Promise<Stored<T>> {
    return this.typed(await this.store.create(namespace, object, opts));
  }

  /** Updates through `mutate`, run again on the newer object after a lost race. */
  async update(key: ObjectKey, mutate: (current: Stored<T>) => T, opts: WriteOptions): Promise<Stored<T>> {
    const { object } = await this.store.update(key.namespace, key.name, (current) => mutate(this.typed(current)), opts);
    return this.typed(object);
  }

  /**
   * update() for a mutation that keeps nothing of what it returns (the copy it is given, changed,
   * and objects made for this call): the store copies once instead of twice.
   */
  async updateCopy(key: ObjectKey, mutate: (copy: Stored<T>) => T, opts: WriteOptions): Promise<Stored<T>> {
    const { object } = await this.store.updateCopy(key.namespace, key.name, (copy) => mutate(this.typed(copy)), opts);
    return this.typed(object);
  }

  async delete(key: ObjectKey, options: DeleteOptions, opts: WriteOptions): Promise<{ object: Stored<T>; deleted: boolean }> {
    const { object, deleted } = await this.store.delete(key.namespace, key.name, options, opts);
    return { object: this.typed(object), deleted };
  }
}

/** The resource `name` of `group` as a typed client; throws when the registry does not serve it. */
export function typedResource<T extends KObject>(registry: Registry, name: string, group = ''): TypedResource<T> {
  const store = registry.resource(name, group);
  if (!store) throw new Error(`resource ${group ? `${name}.${group}` : name} is not registered`);
  return new TypedResource<T>(store);
}
