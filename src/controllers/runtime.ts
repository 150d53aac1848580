// The machinery every control loop shares, as controller-runtime gives it: a de-duplicating,
// rate-limited work queue processed one key at a time, fed by watches on resource caches, and a
// periodic resync so a controller never depends on having seen every event.
import { StatusError } from '../api/errors.js';
import { QUIET, type Logger } from '../logging/log.js';
import type { ResourceStore } from '../api/resource-store.js';
import type { KObject } from '../api/types.js';
import { StoreClosedError } from '../storage/store.js';

export type Reconcile = (key: string) => Promise<void | { requeueAfterMs: number }>;

export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  private running = false;
  private stopped = false;

  constructor(private readonly name: string, private readonly reconcile: Reconcile, private readonly log: Logger = QUIET) {}

  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    if (!this.running) setImmediate(() => void this.drain());
  }

  addAfter(key: string, ms: number): void {
    if (this.stopped || this.timers.has(key)) return;
    const t = setTimeout(() => { this.timers.delete(key); this.add(key); }, ms);
    t.unref();
    this.timers.set(key, t);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.pending.clear();
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.pending.size && !this.stopped) {
        const [key] = this.pending;
        this.pending.delete(key);
        try {
          const result = await this.reconcile(key);
          this.failures.delete(key);
          if (result) this.addAfter(key, result.requeueAfterMs);
        } catch (e) {
          // Conflicts and vanished objects are expected races: retry soon, quietly.
          const n = (this.failures.get(key) ?? 0) + 1;
          this.failures.set(key, n);
          if (!(e instanceof StatusError && (e.code === 409 || e.code === 404))) this.log.error(e, 'Reconcile failed, will retry', { controller: this.name, key, failures: n });
          this.addAfter(key, Math.min(5 ** Math.min(n, 4) * 10, 5000));
        }
      }
    } finally {
      this.running = false;
    }
  }
}

/** `namespace/name`, or `name` for cluster-scoped objects. */
export function keyOf(obj: KObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}

export function splitKey(key: string): [string | undefined, string] {
  const i = key.indexOf('/');
  return i < 0 ? [undefined, key] : [key.slice(0, i), key.slice(i + 1)];
}

/**
 * Calls `onChange` for every object of `rs` now and on every later change (with the previous
 * state for updates and deletes). Returns a function that stops watching.
 */
export function informer(rs: ResourceStore, onChange: (obj: KObject, prev: KObject | undefined, type: 'ADDED' | 'MODIFIED' | 'DELETED') => void): () => void {
  const cancel = rs.cache.watch({
    deliver: (type, obj) => onChange(obj.object, undefined, type),
  });
  for (const o of rs.cache.list(rs.prefix)) onChange(o.object, undefined, 'ADDED');
  return cancel;
}

/** Every object of a resource, optionally in one namespace, from its cache. */
export function listAll(rs: ResourceStore, namespace?: string): KObject[] {
  return rs.cache.list(rs.listPrefix(namespace)).map((o) => o.object);
}

/** The cached objects filed under `value` in one of the resource's indexes (Strategy.indexes). */
export function listByIndex(rs: ResourceStore, index: string, value: string): KObject[] {
  return rs.cache.byIndex(index, value).map((o) => o.object);
}

/** Runs `f` and treats NotFound and Conflict as done: another writer got there first. */
export async function ignoreRaces<T>(f: Promise<T>): Promise<T | undefined> {
  try {
    return await f;
  } catch (e) {
    if (e instanceof StatusError && (e.code === 404 || e.code === 409)) return undefined;
    // Shutting down: work still in flight when the store closed has nowhere to go.
    if (e instanceof StoreClosedError) return undefined;
    throw e;
  }
}
