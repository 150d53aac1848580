// The HTTP edge: node's http server, routing health, version, discovery, OpenAPI and resource
// requests; websocket upgrades for watches. It was a thin express app (handlers always took node's
// request and response); bench/ measured express's load at a tenth of the startup budget and its
// routing layer halving GET throughput while doing nothing for us, so the edge is node's own.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTLSServer } from 'node:https';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { errors, StatusError } from '../api/errors.js';
import type { ManualClock } from '../api/entropy.js';
import type { Registry } from '../api/registry.js';
import { HTTP_LOG_LEVEL, logRequest } from '../logging/httplog.js';
import { QUIET, type Logger } from '../logging/log.js';
import { ADMIN_PREFIX, AdminHandler } from './admin/handler.js';
import { Authenticator, userOf } from './auth/authn.js';
import type { FaultActions, FaultInjector } from './admin/faults.js';
import type { RecordedRequest, RequestRecorder } from './admin/recorder.js';
import { DiscoveryHandler } from './discovery.js';
import { observeBody, refuseUpgrade, sendBody, sendError, sendText } from './http.js';
import { OpenAPIHandler } from './openapi-handler.js';
import { normalizedVerb, type ApiMetrics, type LongRunning } from './metrics.js';
import { queryBool } from '../api/request-options.js';
import { parseRequestInfo, type RequestInfo } from './request-info.js';
import { RestHandler, type PreparedUpgrade } from './rest.js';
import { DEFAULT_WATCH_SETTINGS } from './watch.js';

export const VERSION_INFO = {
  major: '1',
  minor: '33',
  gitVersion: 'v1.33.1+tinykube',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-01T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'tinykube',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export interface AppOptions {
  registry: Registry;
  /** host:port clients reach us at, for /api's serverAddressByClientCIDRs. */
  serverAddress: () => string;
  isReady: () => boolean;
  bookmarkIntervalMs?: number;
  /** Fault rules for resource requests (none: every request is served as it should be). */
  faults: FaultInjector;
  /** Records every request but the admin API's own, when given. */
  recorder?: RequestRecorder;
  /** Serve the admin API (recorder and faults) under /tinykube/v1/. */
  adminApi?: boolean;
  /** Serve HTTPS with this certificate, asking clients for certificates signed by `ca`. */
  tls?: { cert: string; key: string; ca: string };
  /** Who may call (default: authentication off, as plain HTTP on localhost is). */
  authenticator?: Authenticator;
  /** The fixed clock, if any, for the admin API to move. */
  clock?: ManualClock;
  /** Counts every request for /metrics, and serves it. */
  metrics?: ApiMetrics;
  /** Logs each request at -v=3 (kube's httplog). */
  log?: Logger;
}

/** Paths anyone may read, as kube's system:public-info-viewer role allows. */
const PUBLIC_PATHS = /^\/(healthz|livez|readyz|version)(\/|$)/;

/** Health paths kube's metrics count (their sub-checks are not counted). */
const HEALTH_PATHS = new Set(['/healthz', '/livez', '/readyz']);

export function createApp(opts: AppOptions): { server: Server; closeWatches(): void } {
  const { registry } = opts;
  const authenticator = opts.authenticator ?? new Authenticator(new Map(), false);
  const discovery = new DiscoveryHandler(registry, opts.serverAddress);
  const openapi = new OpenAPIHandler(() => registry.documents());
  const rest = new RestHandler(registry, {
    ...DEFAULT_WATCH_SETTINGS,
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? DEFAULT_WATCH_SETTINGS.bookmarkIntervalMs,
    currentRevision: () => registry.store.currentRevision(),
    now: () => registry.now().getTime(),
  });
  const { recorder } = opts;
  const admin = opts.adminApi && recorder ? new AdminHandler(opts.faults, recorder, opts.clock) : undefined;
  const record = (req: IncomingMessage, res: ServerResponse | undefined, info: RequestInfo): RecordedRequest | undefined => {
    if (!recorder) return undefined;
    const r = info.isResourceRequest ? info : undefined;
    const entry = recorder.start(req, res, {
      user: userOf(req).username, verb: r?.verb ?? (req.method ?? 'GET').toLowerCase(),
      resource: r?.resource, subresource: r?.subresource, namespace: r?.namespace, name: r?.name,
    });
    observeBody(req, (body) => recorder.body(entry, body));
    return entry;
  };
  /** The faults that act on a resource request, if any. */
  const faultsFor = (info: RequestInfo, query: URLSearchParams): FaultActions | undefined => {
    if (!info.isResourceRequest || opts.faults.empty) return undefined;
    const rv = query.get('resourceVersion');
    return opts.faults.actionsFor({
      verb: info.verb, resource: info.resource, subresource: info.subresource, group: info.group, namespace: info.namespace, name: info.name,
      resumes: info.verb === 'watch' && !!rv && rv !== '0',
    }, { group: info.group, resource: info.resource });
  };

  const log = opts.log ?? QUIET;
  const metrics = opts.metrics;
  /** Counts a request for /metrics and logs it (at -v=3), once it is answered or its connection gone. */
  const finished = (req: IncomingMessage, path: string, info: RequestInfo | undefined, started: number, status: number, hijacked = false): void => {
    const ms = performance.now() - started;
    if (metrics) {
      if (info?.isResourceRequest) metrics.observeResource(req.method, req.url, req.headers['content-type'], info, status, ms / 1000);
      else if (HEALTH_PATHS.has(path)) metrics.observeHealth(path, status, ms / 1000);
    }
    if (log.enabled(HTTP_LOG_LEVEL)) {
      logRequest(log, {
        verb: normalizedVerb(req.method, info, req.headers['content-type']), req, latencyMs: ms,
        user: status === 401 ? '' : userOf(req).username, status: hijacked ? 'hijacked' : status,
      });
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const query = url.searchParams;
    let info: RequestInfo | undefined;
    let longRunning: LongRunning | undefined;
    if (metrics || log.enabled(HTTP_LOG_LEVEL)) {
      res.on('close', () => { longRunning?.end(); finished(req, path, info, started, res.statusCode); });
    }
    try {
      if (!PUBLIC_PATHS.test(path)) authenticator.authenticate(req);
      if (path === '/healthz' || path === '/livez' || path === '/readyz' || path.startsWith('/healthz/') || path.startsWith('/livez/') || path.startsWith('/readyz/')) {
        if (path.startsWith('/readyz') && !opts.isReady()) return sendText(res, 500, '[-]tinykube-ready failed: not ready yet\nreadyz check failed\n');
        return sendText(res, 200, 'ok');
      }
      if (path === '/metrics' && metrics) { metrics.serve(res); return; }
      if (path.startsWith(ADMIN_PREFIX) && admin) { void admin.handle(path, req, res, query); return; }
      info = parseRequestInfo(req.method ?? 'GET', path, query);
      record(req, res, info);
      // kube writes /version indented, without the encoder's newline (WriteRawJSON).
      if (path === '/version') return sendBody(res, 200, 'application/json', JSON.stringify(VERSION_INFO, null, 2));
      if (path.startsWith('/openapi/') || path === '/swagger.json') {
        if (openapi.handle(path, req, res, query)) return;
      }
      if (!info.isResourceRequest) {
        if (!info.discovery || info.verb !== 'get') return sendError(res, errors.pathNotFound());
        return discovery.handle(info.discovery, req, res);
      }
      if (info.apiPrefix === 'api' && info.version !== 'v1') return sendError(res, errors.pathNotFound());
      if (metrics && (info.verb === 'watch' || (info.subresource === 'log' && queryBool(query.get('follow'))))) {
        longRunning = metrics.startLongRunning(req.method, req.headers['content-type'], info);
      }
      const faults = faultsFor(info, query);
      if (faults?.error) { const error = faults.error; setTimeout(() => sendError(res, error), faults.latencyMs); return; }
      const resource = info;
      if (faults?.latencyMs) { setTimeout(() => void rest.handle(resource, req, res, query, faults), faults.latencyMs); return; }
      void rest.handle(info, req, res, query, faults);
    } catch (e) {
      sendError(res, e);
    }
  };

  const server = opts.tls
    ? createTLSServer({ cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: false }, (req, res) => void handle(req, res))
    : createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 65_000;

  // A subresource that connects over a websocket names the subprotocols it speaks (exec: the
  // channel protocols); watches take whatever subprotocol is offered.
  const upgrades = new WeakMap<IncomingMessage, PreparedUpgrade>();
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols, req) => {
      const offered = [...protocols];
      const spoken = upgrades.get(req)?.protocols;
      if (spoken) return spoken.find((p) => offered.includes(p)) ?? false;
      return offered[0] ?? false;
    },
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '');
    const info = parseRequestInfo('GET', path, url.searchParams);
    let unauthenticated: unknown;
    try {
      authenticator.authenticate(req);
    } catch (e) {
      unauthenticated = e;
    }
    const entry = record(req, undefined, info);
    const refuse = (e: unknown) => {
      refuseUpgrade(req, socket, e);
      const status = e instanceof StatusError ? e.code : 500;
      if (entry) recorder?.answered(entry, status);
      finished(req, path, info, started, status);
    };
    if (unauthenticated) { refuse(unauthenticated); return; }
    if (req.headers.upgrade?.toLowerCase() !== 'websocket') {
      // kubectl before 1.30 asks for SPDY/3.1 on exec and port-forward; say so rather than fail obscurely.
      refuse(errors.badRequest(`tinykube serves watch, exec and attach over websocket only; ${req.headers.upgrade} is not supported (kubectl 1.30 and later use websocket)`));
      return;
    }
    if (!info.isResourceRequest) {
      refuse(errors.badRequest('websocket upgrades are served on watch, exec and attach requests'));
      return;
    }
    const faults = faultsFor(info, url.searchParams);
    const upgrade = () => {
      if (faults?.error) { refuse(faults.error); return; }
      let prepared: PreparedUpgrade;
      try {
        prepared = rest.prepareUpgrade(info, url.searchParams, faults);
      } catch (e) {
        refuse(e);
        return;
      }
      upgrades.set(req, prepared);
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        if (entry) recorder?.answered(entry, 101);
        // Counted and logged when the connection ends, as kube counts a hijacked request.
        const longRunning = metrics?.startLongRunning(req.method, undefined, info);
        if (metrics || log.enabled(HTTP_LOG_LEVEL)) ws.once('close', () => { longRunning?.end(); finished(req, path, info, started, 101, true); });
        prepared.start(ws);
      });
    };
    if (faults?.latencyMs) setTimeout(upgrade, faults.latencyMs); else upgrade();
  });
  return {
    server,
    closeWatches() {
      rest.closeWatches();
      for (const ws of wss.clients) ws.close(1001);
    },
  };
}
