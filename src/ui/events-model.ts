// What the Events view shows of a core/v1 Event, as kubectl prints it (pure, no DOM): when it was
// last and first seen and how often (kubectl get events' LAST SEEN and COUNT, and kubectl events'
// "(x3 over 2m)"), its object as kind/name, and the reference the object panel opens.
import type { Event, ObjectReference } from '../api/objects.js';
import { age } from '../api/table.js';
import type { ObjectRef } from './shell.js';

export interface EventTimes {
  /** The series' last observation, else lastTimestamp, else when it was first seen. */
  last?: string;
  /** firstTimestamp, else eventTime (events.k8s.io events have only that). */
  first?: string;
  count: number;
}

export function eventTimes(e: Event): EventTimes {
  const first = e.firstTimestamp ?? e.eventTime ?? undefined;
  if (e.series) return { last: e.series.lastObservedTime ?? first, first, count: e.series.count ?? 1 };
  return { last: e.lastTimestamp ?? first, first, count: e.count || 1 };
}

/** "12s", or "12s (x3 over 2m)" for an event seen more than once. */
export function lastSeenText(t: EventTimes, now: number): string {
  const last = age(t.last, now);
  return t.count > 1 ? `${last} (x${t.count} over ${age(t.first, now)})` : last;
}

/** The OBJECT column: the involved object's kind in lower case, a slash and its name. */
export function objectText(io: ObjectReference | undefined): string {
  const kind = (io?.kind ?? '').toLowerCase();
  return io?.name ? `${kind}/${io.name}` : kind;
}

/** Kinds the object panel can open, by kind: their plural resource and whether they are namespaced. */
const KNOWN: Record<string, { resource: string; namespaced: boolean }> = {
  Pod: { resource: 'pods', namespaced: true },
  Node: { resource: 'nodes', namespaced: false },
  ReplicationController: { resource: 'replicationcontrollers', namespaced: true },
  ReplicaSet: { resource: 'replicasets', namespaced: true },
  Deployment: { resource: 'deployments', namespaced: true },
  StatefulSet: { resource: 'statefulsets', namespaced: true },
  DaemonSet: { resource: 'daemonsets', namespaced: true },
  Job: { resource: 'jobs', namespaced: true },
  CronJob: { resource: 'cronjobs', namespaced: true },
  Service: { resource: 'services', namespaced: true },
  Endpoints: { resource: 'endpoints', namespaced: true },
  PersistentVolumeClaim: { resource: 'persistentvolumeclaims', namespaced: true },
  PersistentVolume: { resource: 'persistentvolumes', namespaced: false },
  Namespace: { resource: 'namespaces', namespaced: false },
  HorizontalPodAutoscaler: { resource: 'horizontalpodautoscalers', namespaced: true },
};

/** The involved object as the panel names it, when its kind is one the panel knows. */
export function involvedRef(io: ObjectReference | undefined, eventNamespace: string | undefined): ObjectRef | undefined {
  const known = io?.kind ? KNOWN[io.kind] : undefined;
  if (!io?.kind || !io.name || !known) return undefined;
  const apiVersion = io.apiVersion || 'v1';
  const slash = apiVersion.indexOf('/');
  return {
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    resource: known.resource,
    kind: io.kind,
    namespace: known.namespaced ? io.namespace || eventNamespace : undefined,
    name: io.name,
  };
}
