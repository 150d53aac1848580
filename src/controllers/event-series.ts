// What client-go's events.k8s.io recorder (tools/events, used by kube-scheduler) decides before it
// writes an Event. Events alike in type, action, reason, reporting controller and instance, the
// object they regard (its whole reference, resourceVersion included) and the related object are
// isomorphic, whatever their note: the first is created; the second turns it into a series
// (count 2, lastObservedTime) written at once as a patch; later ones only count in the cache. Every
// 6 minutes a series idle that long has its final count written and is forgotten, as is a single
// event that old; every 30 minutes every series still open is written again.
import type { Event, EventSeries, ObjectReference } from '../api/objects.js';

export const FINISH_MS = 6 * 60_000;
export const REFRESH_MS = 30 * 60_000;

/** What the recorder reads of an Event (core/v1 names: involvedObject is events.k8s.io's regarding). */
export type SeriesDraft = Pick<Event, 'type' | 'action' | 'reason' | 'reportingComponent' | 'reportingInstance' | 'involvedObject' | 'related'>;

function reference(r: ObjectReference | undefined): string[] {
  return [r?.kind ?? '', r?.namespace ?? '', r?.name ?? '', r?.uid ?? '', r?.apiVersion ?? '', r?.resourceVersion ?? '', r?.fieldPath ?? ''];
}

/** The key isomorphic events share: every field of client-go's eventKey, each kept apart. */
export function isomorphicKey(e: SeriesDraft): string {
  return JSON.stringify([e.type ?? '', e.action ?? '', e.reason ?? '', e.reportingComponent ?? '', e.reportingInstance ?? '', ...reference(e.involvedObject), ...reference(e.related)]);
}

/** The cache's entry for one key: the Event first written, and its series once it repeats. */
export interface SeriesEntry<E> { event: E; eventTimeMs: number; series?: { count: number; lastObservedMs: number } }

/** One more isomorphic event: what the cache then holds and whether to write (create, or patch the series). */
export function observeSeries<E>(entry: SeriesEntry<E> | undefined, event: E, nowMs: number): { entry: SeriesEntry<E>; write: 'create' | 'patch' | 'none' } {
  if (!entry) return { entry: { event, eventTimeMs: nowMs }, write: 'create' };
  if (entry.series) return { entry: { ...entry, series: { count: entry.series.count + 1, lastObservedMs: nowMs } }, write: 'none' };
  return { entry: { ...entry, series: { count: 2, lastObservedMs: nowMs } }, write: 'patch' };
}

/**
 * The periodic finish: a series idle for 6 minutes is written one last time and forgotten; a
 * single event as old is forgotten.
 */
export function finishSeries<E>(entry: SeriesEntry<E>, nowMs: number): { write: boolean; forget: boolean } {
  if (entry.series) {
    const ended = entry.series.lastObservedMs < nowMs - FINISH_MS;
    return { write: ended, forget: ended };
  }
  return { write: false, forget: entry.eventTimeMs < nowMs - FINISH_MS };
}

/** The series as written: count and lastObservedTime (microseconds, as MicroTime marshals). */
export function seriesField(series: { count: number; lastObservedMs: number }, microTime: (d: Date) => string): EventSeries {
  return { count: series.count, lastObservedTime: microTime(new Date(series.lastObservedMs)) };
}
