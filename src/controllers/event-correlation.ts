// What client-go's legacy event recorder (tools/record, used by the kubelet and the controller
// manager) decides before it writes an Event: its EventCorrelator, as pure functions over small
// records plus the correlator that keeps them. Three steps, in kube's order:
// - aggregation: events alike but for their message (same source, object, type, reason, reporting
//   controller and instance) that come with 10 distinct messages within 600 s turn into one Event
//   whose message is "(combined from similar events): " and the newest message;
// - counting: an event seen before under the same key bumps count and lastTimestamp of the Event
//   first written for it (a patch) instead of making a new one;
// - the spam filter: a token bucket per source and object (burst 25, one token back every 300 s);
//   what finds it empty is dropped, though counting has already seen it.
import type { Event } from '../api/objects.js';
import { rfc3339 } from '../api/time.js';
import { Lru } from './event-lru.js';

export const LRU_ENTRIES = 4096;
export const AGGREGATE_MAX_EVENTS = 10;
export const AGGREGATE_INTERVAL_MS = 600_000;
export const SPAM_BURST = 25;
export const SPAM_QPS = 1 / 300;
export const COMBINED_PREFIX = '(combined from similar events): ';

/** What an Event is made of before it is written: what the correlator reads of it. */
export type EventDraft = Pick<Event, 'metadata' | 'involvedObject' | 'source' | 'type' | 'reason' | 'message' | 'reportingComponent' | 'reportingInstance' | 'firstTimestamp' | 'lastTimestamp' | 'count'>;

// Keys are joined without a separator, as client-go joins them.
function sourceAndObject(e: EventDraft): string[] {
  const io = e.involvedObject;
  return [e.source?.component ?? '', e.source?.host ?? '', io.kind ?? '', io.namespace ?? '', io.name ?? ''];
}

/** Exact repeats share this key: source, object (with fieldPath), type, reason and message. */
export function eventKey(e: EventDraft): string {
  const io = e.involvedObject;
  return [...sourceAndObject(e), io.fieldPath ?? '', io.uid ?? '', io.apiVersion ?? '', e.type ?? '', e.reason ?? '', e.message ?? ''].join('');
}

/** The spam filter's bucket: one per source and object. */
export function spamKey(e: EventDraft): string {
  const io = e.involvedObject;
  return [...sourceAndObject(e), io.uid ?? '', io.apiVersion ?? ''].join('');
}

/** The group similar events aggregate in, and what tells them apart within it (the message). */
export function aggregateKeys(e: EventDraft): { aggregateKey: string; localKey: string } {
  const io = e.involvedObject;
  const aggregateKey = [...sourceAndObject(e), io.uid ?? '', io.apiVersion ?? '', e.type ?? '', e.reason ?? '', e.reportingComponent ?? '', e.reportingInstance ?? ''].join('');
  return { aggregateKey, localKey: e.message ?? '' };
}

/**
 * The distinct messages of one group seen lately, as their hashes (at most 9: a small array is far
 * lighter than a Set, and most groups only ever see one message), and when the group last saw one.
 */
export interface AggregateRecord { readonly localKeys: readonly number[]; readonly lastMs: number }

/**
 * Adds one event to its group: a group idle for longer than the interval starts afresh; once it
 * holds `maxEvents` distinct messages the event is combined, and one message is let go so the set
 * stays below the threshold (client-go drops an arbitrary one; here the oldest).
 */
export function aggregate(record: AggregateRecord | undefined, localKey: number, nowMs: number,
  maxEvents = AGGREGATE_MAX_EVENTS, intervalMs = AGGREGATE_INTERVAL_MS): { record: AggregateRecord; combine: boolean } {
  const held = !record || nowMs - record.lastMs > intervalMs ? [] : record.localKeys;
  const localKeys = held.includes(localKey) ? held : [...held, localKey];
  if (localKeys.length < maxEvents) return { record: { localKeys, lastMs: nowMs }, combine: false };
  return { record: { localKeys: localKeys.slice(1), lastMs: nowMs }, combine: true };
}

/** A token bucket as golang.org/x/time/rate keeps one: full at first, refilled continuously. */
export interface TokenBucket { tokens: number; lastMs: number }

export function takeToken(bucket: TokenBucket | undefined, nowMs: number, burst = SPAM_BURST, qps = SPAM_QPS): { bucket: TokenBucket; accepted: boolean } {
  const elapsed = bucket ? Math.max(0, nowMs - bucket.lastMs) : 0;
  const tokens = bucket ? Math.min(burst, bucket.tokens + (elapsed / 1000) * qps) : burst;
  if (tokens >= 1) return { bucket: { tokens: tokens - 1, lastMs: nowMs }, accepted: true };
  return { bucket: { tokens, lastMs: nowMs }, accepted: false };
}

/** What the correlator remembers of the Event written for one key. */
export interface EventLog { count: number; firstTimestamp: string; name: string }

/**
 * Counts one more occurrence: with an earlier one the Event keeps its name and firstTimestamp and
 * its count goes up (written as a patch); without, it is written as it comes (a create).
 */
export function observe(last: EventLog | undefined, event: EventDraft): { event: EventDraft; log: EventLog; patch: boolean } {
  const first = last && last.count > 0 ? last : undefined;
  const observed: EventDraft = first
    ? { ...event, metadata: { ...event.metadata, name: first.name }, firstTimestamp: first.firstTimestamp, count: first.count + 1 }
    : event;
  const log = { count: observed.count ?? 1, firstTimestamp: observed.firstTimestamp ?? '', name: observed.metadata.name ?? '' };
  return { event: observed, log, patch: first !== undefined };
}

let lastNanos = 0n;
/** The clock in nanoseconds, strictly increasing across all recorders of this process. */
export function eventNanos(now: Date): bigint {
  const nanos = BigInt(now.getTime()) * 1_000_000n;
  lastNanos = nanos > lastNanos ? nanos : lastNanos + 1n;
  return lastNanos;
}

/**
 * As client-go names events: the object's name and the time in nanoseconds, in hex, so that
 * listing (in key order) shows an object's events in the order they happened.
 */
export function eventName(objectName: string, now: Date): string {
  return `${objectName}.${eventNanos(now).toString(16)}`;
}

/**
 * A 53-bit hash of a key (two 32-bit multiplicative hashes over its UTF-16 units, mixed), what the
 * caches keep instead of the key: a kubelet's would otherwise hold some 1.2 KB of key strings per
 * pod. Each cache holds at most 4096 keys, so two of them colliding is about a one in 10^9 chance.
 */
export function hash53(key: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x9e3779b1);
    h2 = Math.imul(h2 ^ c, 0x5f356495);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b) ^ Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0x85ebca6b) ^ Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
  return (h2 & 0x1fffff) * 0x100000000 + (h1 >>> 0);
}

/** What to write for one recorded event: the Event, created or (patch) its count bumped; or nothing. */
export type Correlation = { write: 'create' | 'patch'; event: EventDraft; key: number } | { write: 'none' };

/** One recorder's correlator: the three caches, each bounded as client-go bounds them. */
export class EventCorrelator {
  /** Per group: its last time and, when it has seen one message, that message's hash; when more, all of them. */
  private readonly aggregates = new Lru<readonly number[]>(LRU_ENTRIES, 2, 1);
  /** Per event key: the count, and the name and firstTimestamp of the Event written for it. */
  private readonly logs = new Lru<string>(LRU_ENTRIES, 1, 2);
  /** Per source and object: the spam filter's tokens and when they were counted. */
  private readonly buckets = new Lru<never>(LRU_ENTRIES, 2, 0);

  constructor(private readonly now: () => Date) {}

  correlate(event: EventDraft): Correlation {
    const now = this.now();
    const nowMs = now.getTime();
    const { aggregateKey, localKey } = aggregateKeys(event);
    const group = this.aggregates.slotFor(hash53(aggregateKey));
    const { record, combine } = aggregate(this.aggregateRecord(group), hash53(localKey), nowMs);
    this.setAggregateRecord(group, record);
    const key = hash53(combine ? aggregateKey : eventKey(event));
    const draft = combine ? combined(event, now) : event;
    const logged = this.logs.slotFor(key);
    const observed = observe(this.eventLog(logged), draft);
    this.setEventLog(logged, observed.log);
    const spam = this.buckets.slotFor(hash53(spamKey(observed.event)));
    const held = this.buckets.number(spam, 0);
    const { bucket, accepted } = takeToken(Number.isNaN(held) ? undefined : { tokens: held, lastMs: this.buckets.number(spam, 1) }, nowMs);
    this.buckets.setNumber(spam, 0, bucket.tokens);
    this.buckets.setNumber(spam, 1, bucket.lastMs);
    if (!accepted) return { write: 'none' };
    return { write: observed.patch ? 'patch' : 'create', event: observed.event, key };
  }

  /** What the server answered, remembered under the Event's own key as client-go does. */
  updateState(written: Event): void {
    this.setEventLog(this.logs.slotFor(hash53(eventKey(written))), { count: written.count ?? 1, firstTimestamp: written.firstTimestamp ?? '', name: written.metadata.name ?? '' });
  }

  private aggregateRecord(slot: number): AggregateRecord | undefined {
    const lastMs = this.aggregates.number(slot, 0);
    if (Number.isNaN(lastMs)) return undefined;
    const only = this.aggregates.number(slot, 1);
    return { localKeys: Number.isNaN(only) ? this.aggregates.value(slot, 0) ?? [] : [only], lastMs };
  }

  private setAggregateRecord(slot: number, record: AggregateRecord): void {
    this.aggregates.setNumber(slot, 0, record.lastMs);
    const one = record.localKeys.length === 1;
    this.aggregates.setNumber(slot, 1, one ? record.localKeys[0] : NaN);
    this.aggregates.setValue(slot, 0, one ? undefined : record.localKeys);
  }

  private eventLog(slot: number): EventLog | undefined {
    const count = this.logs.number(slot, 0);
    return Number.isNaN(count) ? undefined : { count, name: this.logs.value(slot, 0) ?? '', firstTimestamp: this.logs.value(slot, 1) ?? '' };
  }

  private setEventLog(slot: number, log: EventLog): void {
    this.logs.setNumber(slot, 0, log.count);
    this.logs.setValue(slot, 0, log.name);
    this.logs.setValue(slot, 1, sharedTimestamp(log.firstTimestamp));
  }
}

/** The last timestamp text remembered: events of one second, across every recorder, hold one copy. */
let lastTimestamp = '';
function sharedTimestamp(t: string): string {
  if (t !== lastTimestamp) lastTimestamp = t;
  return lastTimestamp;
}

/**
 * The Event standing for a group of similar ones: new name, times and count, the newest message;
 * client-go leaves its reporting controller and instance empty.
 */
function combined(event: EventDraft, now: Date): EventDraft {
  const t = rfc3339(now);
  return {
    metadata: { name: eventName(event.involvedObject.name ?? '', now), namespace: event.metadata.namespace },
    involvedObject: event.involvedObject, source: event.source, type: event.type, reason: event.reason,
    message: COMBINED_PREFIX + (event.message ?? ''),
    firstTimestamp: t, lastTimestamp: t, count: 1, reportingComponent: '', reportingInstance: '',
  };
}
