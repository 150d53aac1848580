// Events, recorded as kube's components record them: core/v1 Events named `<object>.<hex>`, in
// the object's namespace (default for cluster-scoped objects). EventRecorder is client-go's legacy
// recorder (the kubelet, the controller manager): aggregated, counted and spam-filtered by its
// correlator (event-correlation.ts). EventsV1Recorder is the events.k8s.io one (the scheduler):
// repeats become a series (event-series.ts).
import { hostname } from 'node:os';
import { StatusError } from '../api/errors.js';
import type { Registry } from '../api/registry.js';
import { microTime, rfc3339 } from '../api/time.js';
import type { KObject } from '../api/types.js';
import { resources } from '../client/resources.js';
import type { TypedResource } from '../client/typed-resource.js';
import type { Event, ObjectReference } from '../api/objects.js';
import { kobj, QUIET, type Logger } from '../logging/log.js';
import { activityOf } from '../observe/activity.js';
import { StoreClosedError } from '../storage/store.js';
import { EventCorrelator, eventName, hash53, type EventDraft } from './event-correlation.js';
import { FINISH_MS, finishSeries, isomorphicKey, observeSeries, REFRESH_MS, seriesField, type SeriesEntry } from './event-series.js';

export interface EventSource { component: string; host?: string }
type EventType = 'Normal' | 'Warning';

/** Sources whose components publish their own activity. */
const SCHEDULER_SOURCE = 'default-scheduler';
const KUBELET_SOURCE = 'kubelet';

function referenceTo(obj: KObject, fieldPath?: string): ObjectReference {
  return {
    kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name, uid: obj.metadata.uid,
    apiVersion: obj.apiVersion, resourceVersion: obj.metadata.resourceVersion, ...(fieldPath ? { fieldPath } : {}),
  };
}

/** Best effort, as in kube: an event the server refuses, or one in flight at shutdown, is dropped. */
async function bestEffort(write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (e) {
    if (!(e instanceof StatusError) && !(e instanceof StoreClosedError)) throw e;
  }
}

/**
 * Writes about one Event in the order they were decided: a count patched while the create is
 * still in flight would find nothing to patch (client-go writes from one goroutine).
 */
class InOrder<K> {
  private readonly tails = new Map<K, Promise<void>>();

  run(key: K, write: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(key);
    const done = previous ? previous.then(write, write) : write();
    const tail: Promise<void> = done.then(() => this.forget(key, tail), () => this.forget(key, tail));
    this.tails.set(key, tail);
    return done;
  }

  private forget(key: K, tail: Promise<void>): void {
    if (this.tails.get(key) === tail) this.tails.delete(key);
  }
}

/**
 * A repeat's write, as both of client-go's recorders make it: `change` applied to the Event named
 * by `whole`, which is created (again) when there is no change to make or the Event is gone.
 */
async function updateOrCreate(events: TypedResource<Event>, whole: Event, change: ((e: Event) => Event) | undefined, fieldManager: string): Promise<Event> {
  const opts = { dryRun: false, fieldManager };
  const namespace = whole.metadata.namespace ?? 'default';
  const name = whole.metadata.name ?? '';
  if (change) {
    try {
      return await events.update({ namespace, name }, change, opts);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
  }
  return events.create(namespace, { ...whole, metadata: { name, namespace } }, opts);
}

/** client-go's tools/record recorder, one correlator per recorder as one per broadcaster in kube. */
export class EventRecorder {
  private readonly correlator: EventCorrelator;
  private readonly inOrder = new InOrder<number>();
  private eventsClient?: TypedResource<Event>;

  constructor(private readonly registry: Registry, private readonly source: EventSource, private readonly log: Logger = QUIET) {
    this.correlator = new EventCorrelator(() => registry.now());
  }

  /** Resolved on first use: a recorder made before the registry serves events still constructs. */
  private get events(): TypedResource<Event> {
    return (this.eventsClient ??= resources(this.registry).events);
  }

  async record(obj: KObject, type: EventType, reason: string, message: string, fieldPath?: string): Promise<void> {
    // As kube's components log the events they record, at -v=3.
    const v3 = this.log.V(3);
    if (v3.enabled) v3.info('Event recorded', { object: kobj(obj), ...(fieldPath ? { fieldPath } : {}), kind: obj.kind, apiVersion: obj.apiVersion, type, reason, message });
    this.publishActivity(obj);
    const now = this.registry.now();
    const t = rfc3339(now);
    const draft: EventDraft = {
      metadata: { name: eventName(obj.metadata.name ?? '', now), namespace: obj.metadata.namespace ?? 'default' },
      involvedObject: referenceTo(obj, fieldPath),
      reason, message, type, source: this.source,
      firstTimestamp: t, lastTimestamp: t, count: 1,
      reportingComponent: this.source.component, reportingInstance: this.source.host ?? '',
    };
    const decided = this.correlator.correlate(draft);
    if (decided.write === 'none') return;
    const { event } = decided;
    await this.inOrder.run(decided.key, () => bestEffort(() => this.write(event, decided.write === 'patch')));
  }

  /**
   * Every controller records an event when it acts, so the recorder is the one place the
   * controller-manager's activity is seen; the scheduler and kubelets publish their own.
   */
  private publishActivity(obj: KObject): void {
    const activity = activityOf(this.registry.store);
    const { component } = this.source;
    if (!activity.listening || component === SCHEDULER_SOURCE || component === KUBELET_SOURCE) return;
    activity.publish('controller-manager', component.replace(/-controller$/, ''), { kind: obj.kind ?? '', namespace: obj.metadata.namespace, name: obj.metadata.name });
  }

  /** A repeat patches count, lastTimestamp and message (client-go's patch); a gone Event is created again. */
  private async write(event: EventDraft, patch: boolean): Promise<void> {
    const { count, lastTimestamp, message } = event;
    const change = patch ? (e: Event) => ({ ...e, count, lastTimestamp, message }) : undefined;
    this.correlator.updateState(await updateOrCreate(this.events, event, change, this.source.component));
  }
}

/**
 * client-go's tools/events recorder (events.k8s.io): an Event carries an action and a note, its
 * reporting instance is `<controller>-<hostname>`, and isomorphic repeats become its series.
 */
export class EventsV1Recorder {
  private readonly reportingInstance: string;
  /**
   * By the isomorphic key's hash: the key would be most of an entry's size, for some 6-12 minutes
   * of events. An Event seen once is kept as its name and note (FirstSeen), the whole Event only
   * once it repeats (see eventf).
   */
  private readonly cache = new Map<number, SeriesEntry<Event | FirstSeen>>();
  private readonly inOrder = new InOrder<number>();
  private timers: NodeJS.Timeout[] = [];
  private eventsClient?: TypedResource<Event>;

  constructor(private readonly registry: Registry, private readonly reportingController: string, private readonly log: Logger = QUIET) {
    this.reportingInstance = `${reportingController}-${hostname()}`;
  }

  private get events(): TypedResource<Event> {
    return (this.eventsClient ??= resources(this.registry).events);
  }

  async eventf(regarding: KObject, related: KObject | undefined, type: EventType, reason: string, action: string, note: string): Promise<void> {
    const v3 = this.log.V(3);
    if (v3.enabled) v3.info('Event occurred', { object: kobj(regarding), kind: regarding.kind, apiVersion: regarding.apiVersion, type, reason, action, note });
    const now = this.registry.now();
    const event: Event = {
      metadata: { name: eventName(regarding.metadata.name ?? '', now), namespace: regarding.metadata.namespace ?? 'default' },
      eventTime: microTime(now), action, reason, type, message: note,
      involvedObject: referenceTo(regarding), ...(related ? { related: referenceTo(related) } : {}),
      reportingComponent: this.reportingController, reportingInstance: this.reportingInstance, source: {},
    };
    const key = hash53(isomorphicKey(event));
    const { entry, write } = observeSeries(this.cache.get(key), event, now.getTime());
    this.startTimers();
    if (write === 'none') {
      this.cache.set(key, entry);
      return;
    }
    // The first time: created whole, kept as its name and note. The second: the first Event made
    // whole again from this one, which is alike in every other field (isomorphic), and kept so.
    const whole: SeriesEntry<Event> = write === 'create' ? { ...entry, event } : { ...entry, event: firstEvent(entry.event, event, entry.eventTimeMs) };
    this.cache.set(key, write === 'create' ? { ...entry, event: new FirstSeen(event.metadata.name ?? '', event.message) } : whole);
    await this.inOrder.run(key, () => bestEffort(() => this.write(whole)));
  }

  /** A series is patched (only its series field); the first event, or one gone since, is created. */
  private async write(entry: SeriesEntry<Event>): Promise<void> {
    const series = entry.series && seriesField(entry.series, microTime);
    const whole = series ? { ...entry.event, series } : entry.event;
    await updateOrCreate(this.events, whole, series ? (e) => ({ ...e, series }) : undefined, this.reportingController);
  }

  /** The finish and refresh loops run while the cache holds anything. */
  private startTimers(): void {
    if (this.timers.length) return;
    this.timers = [setInterval(() => void this.finish(), FINISH_MS).unref(), setInterval(() => void this.refresh(), REFRESH_MS).unref()];
  }

  private async finish(): Promise<void> {
    const nowMs = this.registry.now().getTime();
    for (const [key, entry] of this.cache) {
      const { write, forget } = finishSeries(entry, nowMs);
      if (forget) this.cache.delete(key);
      if (write && isWhole(entry)) await this.inOrder.run(key, () => bestEffort(() => this.write(entry)));
    }
    if (!this.cache.size) {
      for (const t of this.timers) clearInterval(t);
      this.timers = [];
    }
  }

  private async refresh(): Promise<void> {
    for (const [key, entry] of this.cache) {
      if (entry.series && isWhole(entry)) await this.inOrder.run(key, () => bestEffort(() => this.write(entry)));
    }
  }
}

/** What EventsV1Recorder keeps of an Event seen once: what an isomorphic repeat does not share with it. */
class FirstSeen {
  constructor(readonly name: string, readonly note: string | undefined) {}
}

/** Whether an entry holds its whole Event (it has repeated: only a series is ever written again). */
function isWhole(entry: SeriesEntry<Event | FirstSeen>): entry is SeriesEntry<Event> {
  return !(entry.event instanceof FirstSeen);
}

/** The first Event of a series, made from an isomorphic repeat and what was kept of the first. */
function firstEvent(first: Event | FirstSeen, repeat: Event, eventTimeMs: number): Event {
  if (!(first instanceof FirstSeen)) return first;
  return { ...repeat, metadata: { ...repeat.metadata, name: first.name }, eventTime: microTime(new Date(eventTimeMs)), message: first.note };
}
