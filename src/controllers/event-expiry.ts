// Events expire a while after their last write, as kube-apiserver stores them under an etcd
// lease of --event-ttl (one hour by default): they go on their own, watchers see them DELETED,
// and a long-running cluster does not keep every event it ever recorded.
import type { Event } from '../api/objects.js';
import { isRace } from '../client/races.js';
import type { TypedResource } from '../client/typed-resource.js';

interface Expiry { key: string; revision: number; at: number }

/** The last time an event was written, from its own timestamps (for events already stored at start). */
function lastWritten(e: Event): number {
  const times = [e.lastTimestamp, e.eventTime, e.series?.lastObservedTime, e.metadata.creationTimestamp];
  return Math.max(0, ...times.filter((t): t is string => typeof t === 'string').map((t) => Date.parse(t)).filter((t) => !Number.isNaN(t)));
}

export class EventExpiry {
  /** Writes in the order they expire; an entry is stale once its event was written again. */
  private queue: Expiry[] = [];
  private head = 0;
  private cancel?: () => void;
  private timer?: NodeJS.Timeout;

  constructor(private readonly events: TypedResource<Event>, private readonly ttlMs: number, private readonly now: () => Date) {}

  start(): void {
    // The cache's own entries, not an informer's objects: expiry goes by their keys and revisions.
    const { cache, prefix } = this.events.store;
    const stored = cache.list(prefix).map((o) => ({ key: o.key, revision: o.revision, at: lastWritten(this.events.cached(o)) + this.ttlMs }));
    this.queue = stored.sort((a, b) => a.at - b.at);
    this.cancel = cache.watch({
      deliver: (type, o) => { if (type !== 'DELETED') this.queue.push({ key: o.key, revision: o.revision, at: this.now().getTime() + this.ttlMs }); },
    });
    // Often enough that an event outlives its TTL by at most a sixth of it (10 s at most).
    this.timer = setInterval(() => void this.sweep(), Math.min(10_000, Math.max(100, this.ttlMs / 6)));
    this.timer.unref();
  }

  stop(): void {
    this.cancel?.();
    if (this.timer) clearInterval(this.timer);
  }

  /** Deletes every event whose last write is older than the TTL. */
  async sweep(): Promise<number> {
    const now = this.now().getTime();
    let deleted = 0;
    const { cache, prefix } = this.events.store;
    while (this.head < this.queue.length && this.queue[this.head].at <= now) {
      const { key, revision } = this.queue[this.head++];
      if (cache.get(key)?.revision !== revision) continue; // written since, or gone
      const [namespace, name] = key.slice(prefix.length).split('/');
      try {
        await this.events.delete({ namespace, name }, { preconditions: { resourceVersion: String(revision) } }, { dryRun: false });
        deleted++;
      } catch (e) {
        if (!isRace(e)) throw e;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) { this.queue = this.queue.slice(this.head); this.head = 0; }
    return deleted;
  }
}
