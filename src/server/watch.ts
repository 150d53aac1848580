// Watch streams: one session per watcher, reading from the resource's watch cache and writing
// newline-delimited events to a chunked HTTP response or one event per websocket message.
// A watcher that cannot keep up is closed (the client re-watches from its last resourceVersion)
// rather than allowed to grow memory without bound.
import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import { errors, fieldErrors, StatusError } from '../api/errors.js';
import type { Filter, ResourceStore } from '../api/resource-store.js';
import { parseResourceVersion } from '../api/resource-version.js';
import { DEFAULT_TABLE, type IncludeObject } from '../api/table.js';
import { encodeTable } from '../api/table-encoding.js';
import type { KObject } from '../api/types.js';
import type { CachedObject, WatchEventType } from '../storage/watch-cache.js';
import type { FaultActions } from './admin/faults.js';
import type { ResponseFormat } from './negotiation.js';

/** Where a watch writes: chunked HTTP or a websocket. */
export interface WatchTransport {
  /** Writes one event, given as the parts of its JSON. */
  send(parts: Buffer[]): void;
  /** Bytes written but not yet flushed to the socket. */
  buffered(): number;
  end(): void;
  onClose(cb: () => void): void;
}

export function httpTransport(res: ServerResponse): WatchTransport {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  return {
    send: (parts) => { res.write(Buffer.concat([...parts, NEWLINE])); },
    buffered: () => res.writableLength,
    end: () => res.end(),
    onClose: (cb) => { res.on('close', cb); },
  };
}

export function websocketTransport(ws: WebSocket): WatchTransport {
  return {
    send: (parts) => ws.send(Buffer.concat(parts), { binary: false }),
    buffered: () => ws.bufferedAmount,
    end: () => ws.close(1000),
    onClose: (cb) => { ws.on('close', cb); },
  };
}

const NEWLINE = Buffer.from('\n');
const EVENT_TAIL = Buffer.from('}');
const EVENT_HEAD: Record<string, Buffer> = Object.fromEntries(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'].map((t) => [t, Buffer.from(`{"type":"${t}","object":`)]));

export interface WatchRequest {
  resourceVersion?: string;
  resourceVersionMatch?: string;
  allowWatchBookmarks: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
  format: ResponseFormat;
  includeObject: IncludeObject;
  /** Injected faults: end the stream after so many events or seconds; answer a resume with 410. */
  faults?: FaultActions;
}

export interface WatchSettings {
  bookmarkIntervalMs: number;
  /** Close a watcher whose unsent bytes exceed this. */
  maxBufferedBytes: number;
  currentRevision(): Promise<number>;
  now(): number;
}

export const DEFAULT_WATCH_SETTINGS = { bookmarkIntervalMs: 10_000, maxBufferedBytes: 16 * 1024 * 1024 };

/** Validates watch options before anything is written, so errors can still be a plain 4xx. */
export function checkWatchRequest(w: WatchRequest): void {
  if (w.sendInitialEvents !== undefined && w.resourceVersionMatch !== 'NotOlderThan') {
    throw errors.invalid('ListOptions', 'meta.k8s.io', '', [fieldErrors.forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan')]);
  }
  if (w.resourceVersion) parseResourceVersion(w.resourceVersion);
}

/** Starts streaming; returns a function that ends the watch. */
export function startWatch(rs: ResourceStore, filter: Filter, w: WatchRequest, transport: WatchTransport, settings: WatchSettings): () => void {
  let closed = false;
  let first = true;
  const timers: NodeJS.Timeout[] = [];
  const close = () => {
    if (closed) return;
    closed = true;
    for (const t of timers) clearTimeout(t);
    cancel?.();
    transport.end();
  };
  transport.onClose(close);

  const encodeObject = (obj: CachedObject<KObject>): Buffer => {
    const f = w.format;
    if (f.kind === 'table') {
      const convertor = rs.strategy.table ?? DEFAULT_TABLE;
      const apiVersion = `meta.k8s.io/${f.version}`;
      const listMeta = { resourceVersion: obj.object.metadata.resourceVersion };
      const t = encodeTable(convertor, [obj], { apiVersion, include: w.includeObject, listMeta, withColumns: first, now: settings.now() });
      first = false;
      return t;
    }
    if (f.kind === 'partialObjectMetadata') {
      return Buffer.from(JSON.stringify({ kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${f.version}`, metadata: obj.object.metadata }));
    }
    // The cached bytes, shared by every watcher this event goes to.
    return obj.jsonBytes();
  };

  let eventsLeft = w.faults?.dropWatchAfterEvents ?? Infinity;
  const send = (type: string, object: Buffer) => {
    if (closed) return;
    if (transport.buffered() > settings.maxBufferedBytes) { close(); return; }
    transport.send([EVENT_HEAD[type] ?? Buffer.from(`{"type":"${type}","object":`), object, EVENT_TAIL]);
    if (type !== 'BOOKMARK' && --eventsLeft <= 0) close();
  };
  const deliver = (type: WatchEventType, obj: CachedObject<KObject>) => send(type, encodeObject(obj));
  const bookmark = (rv: number, annotations?: Record<string, string>) => {
    send('BOOKMARK', Buffer.from(JSON.stringify({ kind: rs.kind, apiVersion: rs.apiVersion, metadata: { resourceVersion: String(rv), ...(annotations ? { annotations } : {}) } })));
  };

  // resourceVersion unset or "0": the current state first, as ADDED events. sendInitialEvents
  // overrides: true always sends it (ending with a bookmark), false never does.
  const rv = w.resourceVersion && w.resourceVersion !== '0' ? Number(w.resourceVersion) : undefined;
  const wantInitial = w.sendInitialEvents ?? rv === undefined;
  let cancel: (() => void) | undefined;
  try {
    if (w.faults?.expireWatch && rv !== undefined) throw errors.gone(`too old resource version: ${rv} (${Math.max(rv + 1, rs.cache.oldestRevision)})`);
    const started = rs.watch(filter, wantInitial ? undefined : rv, deliver);
    cancel = started.cancel;
    for (const o of started.initial) deliver('ADDED', o);
  } catch (e) {
    const status = e instanceof StatusError ? e.toStatus() : errors.internal(String(e)).toStatus();
    transport.send([Buffer.from(JSON.stringify({ type: 'ERROR', object: status }))]);
    close();
    return close;
  }
  if (closed) return close; // an injected fault ended it during the initial events
  const plainEvents = w.format.kind !== 'table';
  if (w.sendInitialEvents && w.allowWatchBookmarks) {
    void settings.currentRevision().then((r) => bookmark(r, { 'k8s.io/initial-events-end': 'true' }));
  }
  if (w.allowWatchBookmarks && plainEvents) {
    const tick = () => {
      void settings.currentRevision().then((r) => bookmark(r));
      if (!closed) timers[0] = setTimeout(tick, settings.bookmarkIntervalMs);
    };
    timers[0] = setTimeout(tick, settings.bookmarkIntervalMs);
  }
  // Without timeoutSeconds kube ends a watch after 30-60 minutes; clients re-watch.
  const timeout = w.timeoutSeconds !== undefined ? w.timeoutSeconds : 1800 + Math.floor(Math.random() * 1800);
  timers[1] = setTimeout(close, Math.max(0, timeout) * 1000);
  if (w.faults?.dropWatchAfterSeconds !== undefined) timers[2] = setTimeout(close, w.faults.dropWatchAfterSeconds * 1000);
  if (eventsLeft <= 0) close();
  return close;
}
