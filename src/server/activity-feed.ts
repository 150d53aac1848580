// GET /tinykube/v1/activity: the activity bus as server-sent events, for the dashboard.
//   retry: 2000                      once, so an EventSource reconnects after 2 s
//   data: {"component":...}          one per event (src/observe/activity.ts)
//   event: counters                  every second: per-component counts of the last second
//   : keep-alive                     every 15 s, so idle proxies keep the connection
// It carries kinds, namespaces and names only, never object data. Served whether or not the admin
// API is, and authorized as kube authorizes /metrics: a non-resource `get` on this path through
// RBAC (cluster-admin has it; system:authenticated is given nothing more, so other users need a
// ClusterRole naming the URL). A client that does not read is dropped once its unsent bytes pass
// a bound, as a slow watcher is, rather than buffered without end.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../api/errors.js';
import { type ActivityBus, type ActivityEvent, type Component } from '../observe/activity.js';
import { sendError } from './http.js';

export const ACTIVITY_PATH = '/tinykube/v1/activity';

export interface ActivityFeedSettings {
  keepAliveMs: number;
  countersMs: number;
  /** Drop a client whose unsent bytes exceed this. */
  maxBufferedBytes: number;
}

export const DEFAULT_FEED_SETTINGS: ActivityFeedSettings = { keepAliveMs: 15_000, countersMs: 1_000, maxBufferedBytes: 1024 * 1024 };

type Counts = Record<Component, number>;

function zeroCounts(): Counts {
  return { apiserver: 0, scheduler: 0, 'controller-manager': 0, kubelet: 0, 'kube-proxy': 0, store: 0 };
}

export class ActivityFeed {
  private readonly sessions = new Set<() => void>();

  constructor(private readonly bus: ActivityBus, private readonly settings: ActivityFeedSettings = DEFAULT_FEED_SETTINGS) {}

  serve(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET') { sendError(res, errors.methodNotAllowed()); return; }
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, private', 'X-Content-Type-Options': 'nosniff' });
    let counts = zeroCounts();
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(keepAlive);
      clearInterval(counters);
      this.sessions.delete(close);
      res.destroy();
    };
    const send = (text: string) => {
      if (closed) return;
      if (res.writableLength > this.settings.maxBufferedBytes) { close(); return; }
      res.write(text);
    };
    const unsubscribe = this.bus.subscribe((event: ActivityEvent) => {
      counts[event.component]++;
      send(`data: ${JSON.stringify(event)}\n\n`);
    });
    const keepAlive = setInterval(() => send(': keep-alive\n\n'), this.settings.keepAliveMs);
    const counters = setInterval(() => {
      const last = counts;
      counts = zeroCounts();
      send(`event: counters\ndata: ${JSON.stringify(last)}\n\n`);
    }, this.settings.countersMs);
    keepAlive.unref();
    counters.unref();
    this.sessions.add(close);
    res.on('close', close);
    send('retry: 2000\n\n');
  }

  /** Ends every open feed (the server is stopping). */
  closeAll(): void {
    for (const close of [...this.sessions]) close();
  }
}
