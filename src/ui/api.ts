// The dashboard's only way to the cluster: the public Kubernetes API over fetch, with the bearer
// token the page was given. listWatch is a reflector as client-go's: list, then watch from the
// list's resourceVersion (bookmarks on), relist on 410 Expired, re-watch when a stream ends.
import { isJsonObject } from '../api/json.js';
import type { KObject } from '../api/types.js';
import { BEARER_PROTOCOL_PREFIX } from '../server/auth/websocket-protocol.js';

/** A refused request, with kube's Status message when the answer carried one. */
export class ApiError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export class Api {
  constructor(private readonly token: string | undefined) {}

  private headers(accept: string): Record<string, string> {
    return { Accept: accept, ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}) };
  }

  /** GET a path (as JSON unless `accept` says otherwise); a 4xx or 5xx is an ApiError worded "401 Unauthorized: <Status message>". */
  async request(path: string, signal: AbortSignal, accept = 'application/json'): Promise<Response> {
    const res = await fetch(path, { headers: this.headers(accept), signal, cache: 'no-store' });
    if (res.ok) return res;
    const message = statusMessage(await res.text());
    throw new ApiError(res.status, `${res.status} ${res.statusText}${message ? `: ${message}` : ''}`);
  }

  /**
   * Sends a body (POST, PUT, PATCH; `contentType` says which patch, e.g. application/apply-patch+yaml
   * for server-side apply) and answers the decoded JSON; a refusal is an ApiError as for request.
   */
  async send(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body: string, contentType: string, signal: AbortSignal): Promise<unknown> {
    const res = await fetch(path, { method, headers: { ...this.headers('application/json'), 'Content-Type': contentType }, body, signal, cache: 'no-store' });
    const text = await res.text();
    if (!res.ok) {
      const message = statusMessage(text);
      throw new ApiError(res.status, `${res.status} ${res.statusText}${message ? `: ${message}` : ''}`);
    }
    return text ? JSON.parse(text) : undefined;
  }

  /**
   * A websocket to `path` (exec, attach, port-forward, watch) offering `protocols`. A browser cannot
   * set Authorization on a websocket, so the token goes as kube-apiserver reads it there: the
   * subprotocol base64url.bearer.authorization.k8s.io.<token, base64url, unpadded>.
   */
  websocket(path: string, protocols: string[]): WebSocket {
    const url = new URL(path, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const bearer = this.token ? [`${BEARER_PROTOCOL_PREFIX}${base64url(this.token)}`] : [];
    return new WebSocket(url, [...bearer, ...protocols]);
  }

  async get(path: string, signal: AbortSignal): Promise<unknown> {
    const res = await this.request(path, signal);
    const body: unknown = await res.json();
    return body;
  }

  /**
   * Opens a watch over a websocket (one JSON event a message), resolved once the socket is open;
   * its events follow as they arrive. A refused upgrade is only an error to a page (the browser
   * hides its status), so the list before each watch is what reports 401 and 403.
   */
  async watch(path: string, signal: AbortSignal): Promise<AsyncGenerator<unknown>> {
    // With a token, kube needs a second subprotocol to echo; base64.binary.k8s.io is the one
    // browser clients offer (a watch's frames are JSON text whatever is named).
    const ws = this.websocket(path, this.token ? ['base64.binary.k8s.io'] : []);
    return socketMessages(ws, signal);
  }
}

/** A refusal's words: its Status message, or the text as it came when it is not a Status. */
function statusMessage(text: string): string {
  try {
    const status: unknown = JSON.parse(text);
    if (isJsonObject(status) && typeof status.message === 'string') return status.message;
  } catch { /* not JSON */ }
  return text.trim();
}

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A streamed body cut at `separator` as it arrives (the last, unfinished piece is held back). */
export async function* pieces(res: Response, separator: string): AsyncGenerator<string> {
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffered += value;
    let at: number;
    while ((at = buffered.indexOf(separator)) >= 0) {
      yield buffered.slice(0, at);
      buffered = buffered.slice(at + separator.length);
    }
  }
}

/** A websocket's messages as JSON values, once it is open; ends when it closes, fails when it breaks. */
async function socketMessages(ws: WebSocket, signal: AbortSignal): Promise<AsyncGenerator<unknown>> {
  const queue: unknown[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const stop = () => ws.close();
  signal.addEventListener('abort', stop, { once: true });
  ws.addEventListener('message', (e: MessageEvent<unknown>) => {
    if (typeof e.data === 'string') queue.push(JSON.parse(e.data));
    wake?.();
  });
  ws.addEventListener('close', () => { ended = true; signal.removeEventListener('abort', stop); wake?.(); });
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`the watch on ${new URL(ws.url).pathname} could not connect`)), { once: true });
  });
  return (async function* () {
    for (;;) {
      while (queue.length) yield queue.shift();
      if (ended) return;
      await new Promise<void>((resolve) => { wake = resolve; });
      wake = undefined;
    }
  })();
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchHandler<T> {
  /** The whole set, after each (re)list. */
  replace(items: T[], resourceVersion: string): void;
  event(type: EventType, object: T, resourceVersion: string): void;
  /** A failure; `retrying` false when it needs the person (401, 403). */
  failed(error: Error, retrying: boolean): void;
  /** A watch is open again after a list or a failure. */
  watching(): void;
}

/** A JSON value that is an object with metadata, as every item of a list and watch is. */
export function isObject(v: unknown): v is KObject {
  return isJsonObject(v) && isJsonObject(v.metadata);
}

/**
 * Lists `path`, hands over its items and answers the list's resourceVersion. One request, not
 * pages: a continued list is read at the first page's revision, which costs the server a rebuild
 * of that revision per page once anything has changed (150,000 pods took 62 s in 150 pages, 5 s
 * whole). Nothing of the answer is kept once handed over.
 */
async function listAll<T extends KObject>(api: Api, path: string, isT: (v: unknown) => v is T, signal: AbortSignal, replace: (items: T[], rv: string) => void): Promise<string> {
  const list = await api.get(path, signal);
  if (!isJsonObject(list) || !Array.isArray(list.items) || !isJsonObject(list.metadata)) throw new Error(`${path} did not answer a list`);
  const rv = typeof list.metadata.resourceVersion === 'string' ? list.metadata.resourceVersion : '';
  replace(list.items.filter(isT), rv);
  return rv;
}

/** Lists and watches `path` (a collection, e.g. /api/v1/pods, maybe with a ?fieldSelector) until `signal` aborts. */
export async function listWatch<T extends KObject>(api: Api, path: string, isT: (v: unknown) => v is T, handler: WatchHandler<T>, signal: AbortSignal): Promise<void> {
  let backoffMs = 500;
  while (!signal.aborted) {
    try {
      // Nothing of the list outlives this call: the watch below may run for hours.
      let rv = await listAll(api, path, isT, signal, (items, listRv) => handler.replace(items, listRv));
      // Watches continue from the last event seen; a 410 or a broken list starts over.
      let expired = false;
      while (!signal.aborted && !expired) {
        const events = await api.watch(withQuery(path, `watch=true&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(rv)}`), signal);
        handler.watching();
        backoffMs = 500;
        for await (const e of events) {
          if (!isJsonObject(e)) continue;
          const object = e.object;
          if (e.type === 'ERROR') {
            if (isJsonObject(object) && object.code === 410) { expired = true; break; }
            throw new ApiError(isJsonObject(object) && typeof object.code === 'number' ? object.code : 500, isJsonObject(object) ? String(object.message) : 'watch error');
          }
          if (!isT(object)) continue;
          rv = object.metadata.resourceVersion ?? rv;
          if (e.type === 'ADDED' || e.type === 'MODIFIED' || e.type === 'DELETED') handler.event(e.type, object, rv);
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      const error = e instanceof Error ? e : new Error(String(e));
      const needsPerson = error instanceof ApiError && (error.code === 401 || error.code === 403);
      handler.failed(error, !needsPerson);
      if (needsPerson) return;
      await new Promise((r) => setTimeout(r, backoffMs));
      backoffMs = Math.min(backoffMs * 2, 30_000);
    }
  }
}

/** `path` with more query parameters, whether or not it has some already. */
export function withQuery(path: string, query: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}${query}`;
}

/**
 * Follows the one object a collection narrowed to it holds (a `metadata.name` field selector):
 * `on` gets it after each (re)list and at each change, undefined once it is gone.
 */
export function followOne<T extends KObject>(api: Api, path: string, isT: (v: unknown) => v is T, on: (obj: T | undefined) => void, failed: WatchHandler<T>['failed'], signal: AbortSignal): Promise<void> {
  return listWatch(api, path, isT, {
    replace: (items) => on(items[0]),
    event: (type, obj) => on(type === 'DELETED' ? undefined : obj),
    failed,
    watching: () => undefined,
  }, signal);
}
