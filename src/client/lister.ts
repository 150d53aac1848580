// Reads of one resource from its watch cache (client-go's Lister over an informer's indexer):
// current objects, without a trip to the store.
import type { KObject } from '../api/types.js';
import type { ObjectKey } from './keys.js';
import type { Stored, TypedResource } from './typed-resource.js';

export class Lister<T extends KObject> {
  constructor(private readonly resource: TypedResource<T>) {}

  get(namespace: string | undefined, name: string): Stored<T> | undefined {
    const store = this.resource.store;
    const cached = store.cache.get(store.key(namespace, name));
    return cached && this.resource.cached(cached);
  }

  getKey(key: ObjectKey): Stored<T> | undefined {
    return this.get(key.namespace, key.name);
  }

  /** Every object, or those of one namespace, in key order. */
  list(namespace?: string): Stored<T>[] {
    const store = this.resource.store;
    return store.cache.list(store.listPrefix(namespace)).map((o) => this.resource.cached(o));
  }

  /** The values some object is filed under in one of the resource's indexes (Strategy.indexes). */
  indexValues(index: string): string[] {
    return this.resource.store.cache.indexValues(index);
  }

  /** The objects filed under `value` in one of the resource's indexes (Strategy.indexes). */
  byIndex(index: string, value: string): Stored<T>[] {
    return this.resource.store.cache.byIndex(index, value).map((o) => this.resource.cached(o));
  }
}
