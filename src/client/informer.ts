// Informers over a resource's watch cache, as client-go's shared informers: each handler sees
// every current object as added, then every change, with the state before it for updates and
// deletes. The cache is the informer's store here: one per resource, shared with API clients.
import type { KObject } from '../api/types.js';
import type { CachedObject } from '../storage/watch-cache.js';
import type { Stored, TypedResource } from './typed-resource.js';

export type Change<T> =
  | { type: 'ADDED'; object: T }
  | { type: 'MODIFIED'; object: T; prev: T }
  /** `object` is the last state, stamped with the deletion's revision; `prev` the cached state before. */
  | { type: 'DELETED'; object: T; prev: T };

export type ChangeHandler<T extends KObject> = (change: Change<Stored<T>>) => void;

/**
 * A MODIFIED or DELETED change, its previous state decoded only when a handler reads it (compact
 * caches, Events', keep old states as bytes). A class, not an object literal with a getter: such
 * a literal is made on V8's slow path, and every handler of a resource gets one for each change.
 */
class LaterChange<T extends KObject> {
  constructor(
    readonly type: 'MODIFIED' | 'DELETED',
    readonly object: Stored<T>,
    private readonly resource: TypedResource<T>,
    private readonly before: CachedObject<KObject> | undefined,
  ) {}

  /** The cache hands every MODIFIED and DELETED its previous state; the object stands in only should a watcher ever be given one without. */
  get prev(): Stored<T> {
    return this.before ? this.resource.cached(this.before) : this.object;
  }
}

export class Informer<T extends KObject> {
  constructor(private readonly resource: TypedResource<T>) {}

  /** Calls `handler` for every object now and for every later change; returns a stop function. */
  addHandler(handler: ChangeHandler<T>): () => void {
    const { resource } = this;
    const cancel = resource.store.cache.watch({
      deliver: (type, cached, _revision, before) => {
        const object = resource.cached(cached);
        if (type === 'ADDED') handler({ type, object });
        else handler(new LaterChange(type, object, resource, before));
      },
    });
    for (const o of resource.store.cache.list(resource.store.prefix)) handler({ type: 'ADDED', object: resource.cached(o) });
    return cancel;
  }
}
