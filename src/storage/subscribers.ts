// The store's subscribers (each resource's watch cache, by its key prefix), found for an event by
// the prefixes of its key rather than by asking every subscriber: a store serves some sixty
// resources, and a startsWith for each on every committed write was 2-3% of the API's thread in
// the scheduler case. A subscriber gets the events in commit order, and subscribers of one event
// are called in the order they subscribed, as when all of them were asked in turn.
import type { StoreEvent } from './store.js';

interface Subscriber {
  readonly prefix: string;
  readonly onEvent: (e: StoreEvent) => void;
  /** The order it subscribed in. */
  readonly seq: number;
  /** Cleared on cancel: an event being delivered does not reach it any more. */
  active: boolean;
}

export class Subscribers {
  /** By prefix, for prefixes that end at a `/` (every resource's): each list replaced, never changed, so a delivery walks a snapshot. */
  private readonly byPrefix = new Map<string, readonly Subscriber[]>();
  /** Any other prefix, asked with startsWith. */
  private others: readonly Subscriber[] = [];
  private nextSeq = 0;

  /** Subscribes `onEvent` to the events of keys under `prefix`; returns its cancel. */
  add(prefix: string, onEvent: (e: StoreEvent) => void): () => void {
    const sub: Subscriber = { prefix, onEvent, seq: this.nextSeq++, active: true };
    const indexed = prefix.endsWith('/');
    if (indexed) this.byPrefix.set(prefix, [...(this.byPrefix.get(prefix) ?? []), sub]);
    else this.others = [...this.others, sub];
    return () => {
      if (!sub.active) return;
      sub.active = false;
      if (!indexed) {
        this.others = this.others.filter((s) => s !== sub);
        return;
      }
      const rest = (this.byPrefix.get(prefix) ?? []).filter((s) => s !== sub);
      if (rest.length) this.byPrefix.set(prefix, rest);
      else this.byPrefix.delete(prefix);
    };
  }

  /** Calls every subscriber whose prefix the event's key starts with. */
  publish(event: StoreEvent): void {
    const { key } = event;
    let only: readonly Subscriber[] | undefined;
    let several: Subscriber[] | undefined;
    for (let slash = key.indexOf('/'); slash >= 0; slash = key.indexOf('/', slash + 1)) {
      const subs = this.byPrefix.get(key.slice(0, slash + 1));
      if (!subs) continue;
      if (!only) only = subs;
      else (several ??= [...only]).push(...subs);
    }
    for (const sub of this.others) if (key.startsWith(sub.prefix)) (several ??= [...(only ?? [])]).push(sub);
    if (several) {
      several.sort((a, b) => a.seq - b.seq);
      only = several;
    }
    if (only) for (const sub of only) if (sub.active) sub.onEvent(event);
  }

  clear(): void {
    for (const subs of this.byPrefix.values()) for (const sub of subs) sub.active = false;
    for (const sub of this.others) sub.active = false;
    this.byPrefix.clear();
    this.others = [];
  }
}
