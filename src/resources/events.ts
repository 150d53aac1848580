// Events, core/v1 and events.k8s.io/v1, with the `kubectl get events` columns.
import { fieldErrors, type FieldError } from '../api/errors.js';
import { age, column, NAME_COLUMN } from '../api/table.js';
import type { Event, EventsV1Event } from '../api/objects.js';
import type { KObject, Strategy } from '../api/types.js';

function lastSeen(e: Event, now: number): string {
  const t = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp;
  return t ? age(t, now) : '<unknown>';
}

/** firstTimestamp, else eventTime: events.k8s.io events (the scheduler's) have only that. */
function firstSeen(e: Event, now: number): string {
  const t = e.firstTimestamp ?? e.eventTime;
  return t ? age(t, now) : '<unknown>';
}

export const eventStrategy: Strategy<Event> = {
  group: '', version: 'v1', resource: 'events',
  singularName: 'event',
  shortNames: ['ev'],
  compactCache: true,
  validate(e) {
    const errs: FieldError[] = [];
    const ns = e.involvedObject?.namespace;
    if (ns && ns !== e.metadata.namespace) errs.push(fieldErrors.invalid('involvedObject.namespace', ns, 'does not match event.namespace'));
    return errs;
  },
  selectableFields(e) {
    const io = e.involvedObject;
    return {
      'involvedObject.kind': io?.kind ?? '',
      'involvedObject.namespace': io?.namespace ?? '',
      'involvedObject.name': io?.name ?? '',
      'involvedObject.uid': io?.uid ?? '',
      'involvedObject.apiVersion': io?.apiVersion ?? '',
      'involvedObject.resourceVersion': io?.resourceVersion ?? '',
      'involvedObject.fieldPath': io?.fieldPath ?? '',
      reason: e.reason ?? '',
      reportingComponent: e.reportingComponent ?? '',
      source: e.source?.component ?? '',
      type: e.type ?? '',
    };
  },
  table: {
    columns: [
      column('Last Seen', 'How long ago the event was last seen.'),
      column('Type', 'Normal or Warning.'),
      column('Reason', 'Why the event happened, in CamelCase.'),
      column('Object', 'The object the event is about.'),
      column('Subobject', 'The part of the object, such as a container.', 1),
      column('Source', 'The component that reported the event.', 1),
      column('Message', 'What happened.'),
      column('First Seen', 'How long ago the event was first seen.', 1),
      column('Count', 'How many times it happened.', 1, 'integer'),
      { ...NAME_COLUMN, priority: 1 },
    ],
    cells(e, now) {
      const io = e.involvedObject ?? {};
      const source = e.source?.component ? (e.source.host ? `${e.source.component}, ${e.source.host}` : e.source.component) : e.reportingComponent ?? '';
      return [
        lastSeen(e, now), e.type ?? '', e.reason ?? '', `${(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`, io.fieldPath ?? '', source,
        (e.message ?? '').trim(), firstSeen(e, now), e.series?.count ?? e.count ?? 1, e.metadata.name,
      ];
    },
  },
};

/** Fields renamed between events.k8s.io/v1 (left) and core/v1 (right); the rest are the same. */
const RENAMES: [string, string][] = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['reportingController', 'reportingComponent'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
];

function rename(obj: KObject, pairs: [string, string][], apiVersion: string): KObject {
  const out: KObject = { ...obj, apiVersion, kind: 'Event' };
  for (const [from, to] of pairs) {
    delete out[from];
    if (obj[from] !== undefined) out[to] = obj[from];
  }
  return out;
}

/** events.k8s.io/v1 Events: the same objects as core/v1 Events (stored as those), own field names. */
export const eventsV1Strategy: Strategy<EventsV1Event> = {
  group: 'events.k8s.io', version: 'v1', resource: 'events',
  singularName: 'event',
  shortNames: ['ev'],
  compactCache: true,
  storage: {
    prefix: '/registry/events/',
    toStorage: (obj) => rename(obj, RENAMES, 'v1'),
    fromStorage: (stored) => rename(stored, RENAMES.map(([a, b]) => [b, a]), 'events.k8s.io/v1'),
  },
  validate(obj) {
    const errs: FieldError[] = [];
    if (!obj.eventTime) errs.push(fieldErrors.required('eventTime'));
    if (!obj.reportingController) errs.push(fieldErrors.required('reportingController'));
    if (!obj.reportingInstance) errs.push(fieldErrors.required('reportingInstance'));
    if (!obj.action) errs.push(fieldErrors.required('action'));
    if (!obj.reason) errs.push(fieldErrors.required('reason'));
    const type = obj.type;
    if (type && type !== 'Normal' && type !== 'Warning') errs.push(fieldErrors.invalid('type', type, 'has invalid value, valid values are: Normal, Warning'));
    return errs;
  },
  table: {
    columns: [
      column('Last Seen', 'How long ago the event was last seen.'),
      column('Type', 'Normal or Warning.'),
      column('Reason', 'Why the event happened, in CamelCase.'),
      column('Object', 'The object the event is about.'),
      column('Message', 'What happened.'),
    ],
    cells(obj, now) {
      const regarding = obj.regarding ?? {};
      const t = obj.series?.lastObservedTime ?? obj.eventTime ?? obj.deprecatedLastTimestamp;
      return [t ? age(t, now) : '<unknown>', obj.type ?? '', obj.reason ?? '', `${(regarding.kind ?? '').toLowerCase()}/${regarding.name ?? ''}`, (obj.note ?? '').trim()];
    },
  },
};

