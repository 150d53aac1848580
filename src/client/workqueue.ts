// A de-duplicating, rate-limited work queue, as client-go's workqueue: an item added while it is
// already waiting is queued once; delayed adds keep the earliest time asked for; failed items
// come back after a per-item exponential backoff until forgotten.
import { ItemExponentialRateLimiter } from './rate-limiter.js';

export class WorkQueue<T> {
  /** Items ready to be processed, by identity, in the order they became ready. */
  private readonly ready = new Map<string, T>();
  private readonly waiting = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  /** With a rank: the ready items by rank, each bucket in the order its items became ready. */
  private readonly ranked = new Map<number, Map<string, T>>();
  private shuttingDown = false;

  /**
   * `identity` says when two items are the same work; `onReady` is told whenever an item
   * becomes ready, so a worker can take it.
   */
  constructor(
    private readonly identity: (item: T) => string,
    private readonly onReady: () => void = () => {},
    private readonly limiter = new ItemExponentialRateLimiter(),
    /** Optional: items of a higher rank are taken first (kube-scheduler's priority queue), ties in order. */
    private readonly rank?: (item: T) => number,
  ) {}

  get length(): number { return this.ready.size; }

  add(item: T): void {
    if (this.shuttingDown) return;
    const id = this.identity(item);
    if (this.ready.has(id)) return;
    this.ready.set(id, item);
    if (this.rank) {
      const r = this.rank(item);
      let bucket = this.ranked.get(r);
      if (!bucket) this.ranked.set(r, (bucket = new Map<string, T>()));
      bucket.set(id, item);
    }
    this.onReady();
  }

  /** Adds `item` after `ms`; an item already waiting keeps the earlier of the two times. */
  addAfter(item: T, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) { this.add(item); return; }
    const id = this.identity(item);
    const at = performance.now() + ms;
    const existing = this.waiting.get(id);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => { this.waiting.delete(id); this.add(item); }, ms);
    timer.unref();
    this.waiting.set(id, { at, timer });
  }

  /** Adds `item` back after its backoff: one more failure in a row. */
  addRateLimited(item: T): number {
    const delay = this.limiter.when(this.identity(item));
    this.addAfter(item, delay);
    return delay;
  }

  /** `item` succeeded: its backoff starts over. */
  forget(item: T): void {
    this.limiter.forget(this.identity(item));
  }

  /** How many times in a row `item` has failed. */
  numRequeues(item: T): number {
    return this.limiter.retries(this.identity(item));
  }

  /** The next ready item, removed from the queue; undefined when none is ready. */
  take(): T | undefined {
    if (this.rank) return this.takeRanked();
    for (const [id, item] of this.ready) {
      this.ready.delete(id);
      return item;
    }
    return undefined;
  }

  private takeRanked(): T | undefined {
    let top: number | undefined;
    for (const r of this.ranked.keys()) if (top === undefined || r > top) top = r;
    if (top === undefined) return undefined;
    const bucket = this.ranked.get(top);
    for (const [id, item] of bucket ?? []) {
      bucket?.delete(id);
      if (!bucket?.size) this.ranked.delete(top);
      this.ready.delete(id);
      return item;
    }
    return undefined;
  }

  get isShuttingDown(): boolean { return this.shuttingDown; }

  /** Drops everything queued or waiting; later adds are ignored. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    this.ready.clear();
    this.ranked.clear();
  }
}
