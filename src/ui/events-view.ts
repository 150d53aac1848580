// The Events view: the cluster's event stream, newest first, the last CAP kept, in kubectl get
// events' columns (LAST SEEN with the count when more than one, TYPE, REASON, OBJECT, MESSAGE),
// filtered by text and type; Warnings stand out, and an object the panel knows opens on a click.
// Watch events are coalesced and applied once an animation frame; rows are kept by event and
// moved in place, so a busy cluster costs the rows that change.
import type { Event } from '../api/objects.js';
import { isObject } from './api.js';
import { h, setText } from './dom.js';
import { eventTimes, involvedRef, lastSeenText, objectText, type EventTimes } from './events-model.js';
import type { ObjectRef, UiContext, View } from './shell.js';

/** The most events shown: the newest. */
export const EVENTS_CAP = 500;

function isEvent(v: unknown): v is Event { return isObject(v); }

interface Entry {
  event: Event;
  times: EventTimes;
  /** When it was last seen, in ms, for the order. */
  time: number;
  /** Arrival order: events seen in the same second are newest-arrived first. */
  seq: number;
  /** Reason, object and message in lower case, for the text filter. */
  text: string;
  ref?: ObjectRef;
  row?: { tr: HTMLTableRowElement; lastSeen: HTMLElement; type: HTMLElement; reason: HTMLElement; message: HTMLElement };
}

function eventKey(e: Event): string {
  return e.metadata.uid ?? `${e.metadata.namespace ?? ''}/${e.metadata.name ?? ''}`;
}

class EventsView {
  private readonly entries = new Map<string, Entry>();
  private readonly changes = new Map<string, Event | null>();
  private readonly refs = new Map<HTMLElement, ObjectRef>();
  private order: Entry[] = [];
  private seq = 0;
  private frame = 0;
  private text = '';
  private type = '';

  constructor(private readonly body: HTMLTableSectionElement, private readonly shown: HTMLElement) {}

  set(key: string, e: Event | null): void {
    this.changes.set(key, e);
    this.frame ||= requestAnimationFrame(() => this.flush());
  }

  replace(items: Event[]): void {
    const seen = new Set(items.map(eventKey));
    for (const key of this.entries.keys()) if (!seen.has(key)) this.changes.set(key, null);
    for (const e of items) this.changes.set(eventKey(e), e);
    this.frame ||= requestAnimationFrame(() => this.flush());
  }

  filter(text: string, type: string): void {
    this.text = text.trim().toLowerCase();
    this.type = type;
    for (const entry of this.order) this.applyFilter(entry);
    this.count();
  }

  refOf(button: HTMLElement): ObjectRef | undefined {
    return this.refs.get(button);
  }

  tick(now: number): void {
    for (const entry of this.order) if (entry.row) setText(entry.row.lastSeen, lastSeenText(entry.times, now));
  }

  private flush(): void {
    this.frame = 0;
    const now = Date.now();
    for (const [key, e] of this.changes) {
      if (!e) { this.drop(key); continue; }
      const times = eventTimes(e);
      const io = e.involvedObject;
      const text = `${e.reason ?? ''}\n${objectText(io)}\n${(e.message ?? '').trim()}`.toLowerCase();
      const old = this.entries.get(key);
      const entry: Entry = { event: e, times, time: times.last ? Date.parse(times.last) : 0, seq: ++this.seq, text, ref: old?.ref ?? involvedRef(io, e.metadata.namespace), row: old?.row };
      this.entries.set(key, entry);
      if (entry.row) this.render(entry, now);
    }
    this.changes.clear();
    const sorted = [...this.entries.entries()].sort(([, a], [, b]) => b.time - a.time || b.seq - a.seq);
    for (const [key] of sorted.slice(EVENTS_CAP)) this.drop(key);
    this.order = sorted.slice(0, EVENTS_CAP).map(([, entry]) => entry);
    // Walk the rows in order, moving only those out of place.
    let cursor = this.body.firstElementChild;
    for (const entry of this.order) {
      if (!entry.row) { entry.row = this.makeRow(entry); this.render(entry, now); }
      if (entry.row.tr === cursor) cursor = cursor.nextElementSibling;
      else this.body.insertBefore(entry.row.tr, cursor);
    }
    this.count();
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.row?.tr.remove();
    for (const button of entry.row?.tr.querySelectorAll<HTMLElement>('[data-object]') ?? []) this.refs.delete(button);
    this.entries.delete(key);
  }

  private makeRow(entry: Entry): NonNullable<Entry['row']> {
    const lastSeen = h('td');
    const type = h('td');
    const reason = h('td');
    const message = h('td', { class: 'message' });
    const label = objectText(entry.event.involvedObject);
    const object = h('td');
    if (entry.ref) {
      const button = h('button', { type: 'button', class: 'link', 'data-object': '' }, label);
      this.refs.set(button, entry.ref);
      object.append(button);
    } else {
      object.append(label);
    }
    const tr = h('tr', {}, lastSeen, type, reason, object, message);
    return { tr, lastSeen, type, reason, message };
  }

  private render(entry: Entry, now: number): void {
    const row = entry.row;
    if (!row) return;
    const e = entry.event;
    setText(row.lastSeen, lastSeenText(entry.times, now));
    setText(row.type, e.type ?? '');
    setText(row.reason, e.reason ?? '');
    setText(row.message, (e.message ?? '').trim());
    row.tr.classList.toggle('warning', e.type === 'Warning');
    this.applyFilter(entry);
  }

  private applyFilter(entry: Entry): void {
    if (!entry.row) return;
    const hidden = (this.type !== '' && entry.event.type !== this.type) || (this.text !== '' && !entry.text.includes(this.text));
    if (entry.row.tr.hidden !== hidden) entry.row.tr.hidden = hidden;
  }

  private count(): void {
    const visible = this.order.filter((e) => e.row && !e.row.tr.hidden).length;
    const total = this.order.length;
    setText(this.shown, total === 0 ? 'No events.' : `Showing ${visible} of ${total} events${total >= EVENTS_CAP ? ` (the newest ${EVENTS_CAP})` : ''}.`);
  }
}

export const EVENTS_VIEW: View = {
  id: 'events',
  title: 'Events',
  mount(root: HTMLElement, ctx: UiContext): void {
    const search = h('input', { type: 'search', id: 'events-filter', autocomplete: 'off', spellcheck: 'false', placeholder: 'reason, object or message' });
    const type = h('select', { id: 'events-type' },
      h('option', { value: '' }, 'All'), h('option', { value: 'Normal' }, 'Normal'), h('option', { value: 'Warning' }, 'Warning'));
    const shown = h('p', { class: 'events-count' });
    const body = h('tbody');
    root.classList.add('events-view');
    root.append(
      h('div', { class: 'events-filters', role: 'search', 'aria-label': 'Event filters' },
        h('label', { for: 'events-filter' }, 'Filter'), search,
        h('label', { for: 'events-type' }, 'Type'), type),
      shown,
      h('table', { class: 'events' },
        h('caption', {}, 'Events, newest first'),
        h('thead', {}, h('tr', {}, ...['Last seen', 'Type', 'Reason', 'Object', 'Message'].map((c) => h('th', { scope: 'col' }, c)))),
        body));

    const view = new EventsView(body, shown);
    const refilter = () => view.filter(search.value, type.value);
    search.addEventListener('input', refilter);
    type.addEventListener('change', refilter);
    root.addEventListener('click', (e) => {
      const button = e.target instanceof HTMLElement ? e.target.closest<HTMLElement>('[data-object]') : null;
      const ref = button ? view.refOf(button) : undefined;
      if (ref) ctx.openObject(ref);
    });
    const timer = setInterval(() => { if (!root.hidden) view.tick(Date.now()); }, 1000);
    ctx.signal.addEventListener('abort', () => clearInterval(timer), { once: true });

    ctx.watch<Event>('/api/v1/events', isEvent, {
      replace: (items) => view.replace(items),
      event: (t, e) => view.set(eventKey(e), t === 'DELETED' ? null : e),
    });
  },
};
