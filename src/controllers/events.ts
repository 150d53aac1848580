// Events, recorded as kube's components record them: core/v1 Events named `<object>.<hex>`, in
// the object's namespace (default for cluster-scoped objects), with repeats counted on one Event.
import { StatusError } from '../api/errors.js';
import type { Registry } from '../api/registry.js';
import { rfc3339 } from '../api/time.js';
import type { KObject } from '../api/types.js';
import { ignoreRaces } from '../client/races.js';
import { resources } from '../client/resources.js';
import type { TypedResource } from '../client/typed-resource.js';
import type { Event } from '../api/objects.js';
import { kobj, QUIET, type Logger } from '../logging/log.js';
import { activityOf } from '../observe/activity.js';

export interface EventSource { component: string; host?: string }

/** Sources whose components publish their own activity. */
const SCHEDULER_SOURCE = 'default-scheduler';
const KUBELET_SOURCE = 'kubelet';

let lastNanos = 0n;
/** The clock in nanoseconds, strictly increasing across all recorders of this process. */
function eventNanos(now: Date): bigint {
  const nanos = BigInt(now.getTime()) * 1_000_000n;
  lastNanos = nanos > lastNanos ? nanos : lastNanos + 1n;
  return lastNanos;
}

export class EventRecorder {
  /** The Event recording each (object, type, reason, message), so repeats bump its count. */
  private readonly seen = new Map<string, { namespace: string; name: string }>();
  private eventsClient?: TypedResource<Event>;

  constructor(private readonly registry: Registry, private readonly source: EventSource, private readonly log: Logger = QUIET) {}

  /** Resolved on first use: a recorder made before the registry serves events still constructs. */
  private get events(): TypedResource<Event> {
    return (this.eventsClient ??= resources(this.registry).events);
  }

  /** Best effort, as in kube: an event that cannot be written is dropped. */
  async record(obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): Promise<void> {
    // As kube's components log the events they record, at -v=3.
    const v3 = this.log.V(3);
    if (v3.enabled) v3.info('Event recorded', { object: kobj(obj), ...(fieldPath ? { fieldPath } : {}), kind: obj.kind, apiVersion: obj.apiVersion, type, reason, message });
    this.publishActivity(obj);
    try {
      await this.write(obj, type, reason, message, fieldPath);
    } catch (e) {
      if (!(e instanceof StatusError)) throw e;
    }
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

  private async write(obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): Promise<void> {
    const events = this.events;
    const namespace = obj.metadata.namespace ?? 'default';
    const key = `${obj.metadata.uid}|${type}|${reason}|${message}|${fieldPath ?? ''}`;
    const now = rfc3339(this.registry.now());
    const existing = this.seen.get(key);
    if (existing && events.lister.getKey(existing)) {
      await ignoreRaces(events.update(existing, (e) => ({ ...e, count: (e.count ?? 1) + 1, lastTimestamp: now }), { dryRun: false, fieldManager: this.source.component }));
      return;
    }
    // As client-go names events: the object's name and the time in nanoseconds, in hex, so that
    // listing (in key order) shows a pod's events in the order they happened.
    const name = `${obj.metadata.name}.${eventNanos(this.registry.now()).toString(16)}`;
    if (this.seen.size > 10_000) this.seen.clear();
    this.seen.set(key, { namespace, name });
    const event: Event = {
      metadata: { name, namespace },
      involvedObject: {
        kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name, uid: obj.metadata.uid,
        apiVersion: obj.apiVersion, resourceVersion: obj.metadata.resourceVersion, ...(fieldPath ? { fieldPath } : {}),
      },
      reason, message, type,
      source: this.source,
      firstTimestamp: now, lastTimestamp: now, count: 1,
      reportingComponent: this.source.component, reportingInstance: this.source.host ?? this.source.component,
    };
    await ignoreRaces(events.create(namespace, event, { dryRun: false, fieldManager: this.source.component }));
  }
}
