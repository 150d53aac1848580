// The HTTP edge: node's http server, routing health, version, discovery, OpenAPI and resource
// requests; upgrades (watches over websocket; exec, attach and port-forward over websocket and
// SPDY/3.1, streaming.ts). It was a thin express app (handlers always took node's request and
// response); bench/ measured express's load at a tenth of the startup budget and its
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
import { activityOf, type ActivityBus } from '../observe/activity.js';
import { requestKind, storeKeyResolver } from '../observe/registry-objects.js';
import { ACTIVITY_PATH, ActivityFeed } from './activity-feed.js';
import { actAs, Authenticator, userOf, type UserInfo } from './auth/authn.js';
import type { RBACAuthorizer, RequestAuthorizer } from './auth/rbac.js';
import type { FaultActions, FaultInjector } from './admin/faults.js';
import type { RecordedRequest, RequestRecorder } from './admin/recorder.js';
import { DiscoveryHandler } from './discovery.js';
import { observeBody, refuseUpgrade, sendBody, sendError, sendText } from './http.js';
import { OpenAPIHandler } from './openapi-handler.js';
import { normalizedVerb, type ApiMetrics, type LongRunning } from './metrics.js';
import { queryBool } from '../api/request-options.js';
import { parseRequestInfo, splitTarget, type RequestInfo, type ResourceRequest } from './request-info.js';
import { RestHandler, type PreparedUpgrade } from './rest.js';
import { BEARER_PROTOCOL_PREFIX } from './auth/websocket-protocol.js';
import { acceptSpdy, checkStream, serveSpdy, serveWebsocket, websocketProtocols } from './streaming.js';
import { DEFAULT_WATCH_SETTINGS } from './watch.js';
import { UiHandler } from './ui.js';

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
  /** What an authenticated caller may do (kube's RBAC); given when authentication is on. */
  authorizer?: RequestAuthorizer;
  /** The fixed clock, if any, for the admin API to move. */
  clock?: ManualClock;
  /** Counts every request for /metrics, and serves it. */
  metrics?: ApiMetrics;
  /** Logs each request at -v=3 (kube's httplog). */
  log?: Logger;
  /** Serve the dashboard at /ui/ (and redirect a browser opening / there). */
  ui?: boolean;
}

/** Paths anyone may read, as kube's system:public-info-viewer role allows. */
const PUBLIC_PATHS = /^\/(healthz|livez|readyz|version)(\/|$)/;

/** Health paths kube's metrics count (their sub-checks are not counted). */
const HEALTH_PATHS = new Set(['/healthz', '/livez', '/readyz']);

export function createApp(opts: AppOptions): { server: Server; closeWatches(): void } {
  const app = new ApiServer(opts);
  return { server: app.server, closeWatches: () => app.closeWatches() };
}

/** The server's request routing and upgrades, over the handlers of each part of the API. */
class ApiServer {
  readonly server: Server;
  private readonly authenticator: Authenticator;
  private readonly discovery: DiscoveryHandler;
  private readonly openapi: OpenAPIHandler;
  private readonly rest: RestHandler;
  private readonly admin?: AdminHandler;
  private readonly ui?: UiHandler;
  private readonly log: Logger;
  /** What answers each upgrade being accepted: a streaming subresource's websocket speaks its protocol's subprotocols. */
  private readonly upgrades = new WeakMap<IncomingMessage, PreparedUpgrade>();
  private readonly wss: WebSocketServer;
  /** Upgraded SPDY connections, which the http server no longer tracks. */
  private readonly spdySockets = new Set<Socket>();
  /** What each component does, for the activity feed (served with or without the admin API). */
  private readonly activity: ActivityBus;
  private readonly feed: ActivityFeed;

  constructor(private readonly opts: AppOptions) {
    const { registry } = opts;
    this.authenticator = opts.authenticator ?? new Authenticator(new Map(), false);
    this.discovery = new DiscoveryHandler(registry, opts.serverAddress);
    this.openapi = new OpenAPIHandler(() => registry.documents());
    this.rest = new RestHandler(registry, {
      ...DEFAULT_WATCH_SETTINGS,
      bookmarkIntervalMs: opts.bookmarkIntervalMs ?? DEFAULT_WATCH_SETTINGS.bookmarkIntervalMs,
      currentRevision: () => registry.store.currentRevision(),
      now: () => registry.now().getTime(),
    }, (token, audiences) => this.authenticator.authenticateToken(token, audiences));
    if (opts.adminApi && opts.recorder) this.admin = new AdminHandler(opts.faults, opts.recorder, opts.clock);
    if (opts.ui) this.ui = new UiHandler();
    this.log = opts.log ?? QUIET;
    this.activity = activityOf(registry.store);
    this.activity.resolveKeysWith(storeKeyResolver(registry));
    this.feed = new ActivityFeed(this.activity);
    const handle = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    this.server = opts.tls
      ? createTLSServer({ cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: false }, handle)
      : createServer(handle);
    this.server.keepAliveTimeout = 65_000;
    this.wss = new WebSocketServer({
      noServer: true,
      // Watches take whatever subprotocol is offered (never a bearer token's, which authentication removes when it accepts it).
      handleProtocols: (protocols, req) => {
        const offered = [...protocols].filter((p) => !p.startsWith(BEARER_PROTOCOL_PREFIX));
        const prepared = this.upgrades.get(req);
        if (prepared?.kind === 'stream') return websocketProtocols(prepared.endpoint).find((p) => offered.includes(p)) ?? false;
        return offered[0] ?? false;
      },
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
  }

  /** Ends every watch, websocket and SPDY connection, as a server restart would. */
  closeWatches(): void {
    this.rest.closeWatches();
    this.feed.closeAll();
    for (const ws of this.wss.clients) ws.close(1001);
    for (const socket of this.spdySockets) socket.destroy();
  }

  private get observed(): boolean {
    return !!this.opts.metrics || this.log.enabled(HTTP_LOG_LEVEL);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const { pathname, query } = splitTarget(req.url ?? '/');
    const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
    let info: RequestInfo | undefined;
    let longRunning: LongRunning | undefined;
    let authorizer: RBACAuthorizer | undefined;
    if (this.observed) res.on('close', () => { longRunning?.end(); this.finished(req, path, info, started, res.statusCode); });
    try {
      // The dashboard's files hold no data: served before authentication, as /version is.
      if (this.ui?.handle(req, res, pathname)) return;
      if (!PUBLIC_PATHS.test(path)) authorizer = this.authorize(req, this.authenticator.authenticate(req), path, query);
      if (HEALTH_PATHS.has(path) || /^\/(healthz|livez|readyz)\//.test(path)) return this.health(path, res);
      const { metrics } = this.opts;
      if (path === '/metrics' && metrics) { metrics.serve(res); return; }
      if (path === ACTIVITY_PATH) { this.feed.serve(req, res); return; }
      if (path.startsWith(ADMIN_PREFIX) && this.admin) { void this.admin.handle(path, req, res, query); return; }
      // kube's index of its paths, indented without a newline as /version is (WriteRawJSON).
      if (path === '/' && req.method === 'GET') return sendBody(res, 200, 'application/json', JSON.stringify({ paths: this.rootPaths() }, null, 2));
      info = parseRequestInfo(req.method ?? 'GET', path, query);
      this.record(req, res, info);
      // kube writes /version indented, without the encoder's newline (WriteRawJSON).
      if (path === '/version') return sendBody(res, 200, 'application/json', JSON.stringify(VERSION_INFO, null, 2));
      if ((path.startsWith('/openapi/') || path === '/swagger.json') && this.openapi.handle(path, req, res, query)) return;
      if (!info.isResourceRequest) {
        if (!info.discovery || info.verb !== 'get') return sendError(res, errors.pathNotFound());
        return this.discovery.handle(info.discovery, req, res);
      }
      if (info.apiPrefix === 'api' && info.version !== 'v1') return sendError(res, errors.pathNotFound());
      if (metrics && (info.verb === 'watch' || (info.subresource === 'log' && queryBool(query.get('follow'))))) {
        longRunning = metrics.startLongRunning(req.method, req.headers['content-type'], info);
      }
      const resourceInfo = info;
      this.serveResource(resourceInfo, req, res, query, authorizer);
    } catch (e) {
      sendError(res, e);
    }
  }

  /**
   * Authorization after authentication, as kube's filters run: impersonation (its targets
   * checked with the impersonate verb), then the request itself. Returns the authorizer its
   * handlers ask (RBAC's escalation checks); nothing when authorization is off.
   */
  private authorize(req: IncomingMessage, user: UserInfo, path: string, query: URLSearchParams): RBACAuthorizer | undefined {
    const { authorizer } = this.opts;
    if (!authorizer) return undefined;
    const acting = authorizer.actingAs(req.headers, user);
    if (acting !== user) actAs(req, acting);
    const method = req.method ?? 'GET';
    authorizer.authorize(acting, method, parseRequestInfo(method, path, query));
    return authorizer.rbac;
  }

  /** What `/` lists: discovery, health checks, metrics, OpenAPI and the version, sorted as kube sorts them. */
  private rootPaths(): string[] {
    const health = ['healthz', 'livez', 'readyz'].flatMap((h) => [`/${h}`, `/${h}/etcd`, `/${h}/log`, `/${h}/ping`]);
    const paths = [...this.discovery.rootPaths(), ...health, '/openapi/v2', '/openapi/v3', '/openapi/v3/', '/version'];
    if (this.opts.metrics) paths.push('/metrics');
    return paths.sort();
  }

  private health(path: string, res: ServerResponse): void {
    if (path.startsWith('/readyz') && !this.opts.isReady()) return sendText(res, 500, '[-]tinykube-ready failed: not ready yet\nreadyz check failed\n');
    sendText(res, 200, 'ok');
  }

  /** A resource request, through the fault rules (an error or latency) to the REST handler. */
  private serveResource(info: ResourceRequest, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, authorizer: RBACAuthorizer | undefined): void {
    const faults = this.faultsFor(info, query);
    if (faults?.error) { const error = faults.error; setTimeout(() => sendError(res, error), faults.latencyMs); return; }
    if (faults?.latencyMs) { setTimeout(() => void this.rest.handle(info, req, res, query, authorizer, faults), faults.latencyMs); return; }
    void this.rest.handle(info, req, res, query, authorizer, faults);
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const started = performance.now();
    const { pathname, query } = splitTarget(req.url ?? '/');
    const path = pathname.replace(/\/+$/, '');
    const info = parseRequestInfo('GET', path, query);
    let refused: unknown;
    try {
      this.authorize(req, this.authenticator.authenticate(req), path, query);
    } catch (e) {
      refused = e;
    }
    const entry = this.record(req, undefined, info);
    const refuse = (e: unknown) => {
      refuseUpgrade(req, socket, e);
      const status = e instanceof StatusError ? e.code : 500;
      if (entry) this.opts.recorder?.answered(entry, status);
      this.finished(req, path, info, started, status);
    };
    if (refused) { refuse(refused); return; }
    const transport = req.headers.upgrade?.toLowerCase();
    if (transport !== 'websocket' && transport !== 'spdy/3.1') {
      refuse(errors.badRequest(`unsupported upgrade ${req.headers.upgrade}: watch, exec, attach and portforward are served over websocket and SPDY/3.1`));
      return;
    }
    if (!info.isResourceRequest) {
      refuse(errors.badRequest('upgrades are served on watch, exec, attach and portforward requests'));
      return;
    }
    const faults = this.faultsFor(info, query);
    // Counted and logged when the connection ends, as kube counts a hijacked request.
    const upgraded = (onClose: (listener: () => void) => void) => {
      if (entry) this.opts.recorder?.answered(entry, 101);
      const longRunning = this.opts.metrics?.startLongRunning(req.method, undefined, info);
      if (this.observed) onClose(() => { longRunning?.end(); this.finished(req, path, info, started, 101, true); });
    };
    const accept = () => {
      if (faults?.error) { refuse(faults.error); return; }
      let prepared: PreparedUpgrade;
      try {
        prepared = this.rest.prepareUpgrade(info, query, faults);
        if (prepared.kind === 'stream') {
          const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
          const wsProtocol = transport === 'websocket' ? websocketProtocols(prepared.endpoint).find((p) => offered.includes(p)) : undefined;
          checkStream(prepared.endpoint, prepared.request, wsProtocol);
        }
      } catch (e) {
        refuse(e);
        return;
      }
      if (transport === 'spdy/3.1') {
        if (prepared.kind !== 'stream') { refuse(errors.badRequest('watches are served over websocket, not SPDY/3.1')); return; }
        const protocol = acceptSpdy(prepared.endpoint, req, socket);
        if (!protocol) return;
        upgraded((l) => socket.once('close', l));
        this.spdySockets.add(socket);
        socket.once('close', () => this.spdySockets.delete(socket));
        if (head.length) socket.unshift(head);
        serveSpdy(prepared.endpoint, prepared.request, protocol, socket);
        return;
      }
      this.upgrades.set(req, prepared);
      this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        upgraded((l) => ws.once('close', l));
        if (prepared.kind === 'watch') prepared.start(ws);
        else serveWebsocket(prepared.endpoint, prepared.request, ws);
      });
    };
    if (faults?.latencyMs) setTimeout(accept, faults.latencyMs); else accept();
  }

  private record(req: IncomingMessage, res: ServerResponse | undefined, info: RequestInfo): RecordedRequest | undefined {
    if (this.activity.listening) this.publishRequest(info);
    const { recorder } = this.opts;
    if (!recorder) return undefined;
    const r = info.isResourceRequest ? info : undefined;
    const entry = recorder.start(req, res, {
      user: userOf(req).username, verb: r?.verb ?? (req.method ?? 'GET').toLowerCase(),
      resource: r?.resource, subresource: r?.subresource, namespace: r?.namespace, name: r?.name,
    });
    observeBody(req, (body) => recorder.body(entry, body));
    return entry;
  }

  /** A request served, for the activity feed: its verb, and the kind and object it names. */
  private publishRequest(info: RequestInfo): void {
    if (!info.isResourceRequest) { this.activity.publish('apiserver', info.verb); return; }
    const kind = requestKind(this.opts.registry, info.group, info.version, info.resource);
    this.activity.publish('apiserver', info.verb, { kind, namespace: info.namespace, name: info.name });
  }

  /** The faults that act on a resource request, if any. */
  private faultsFor(info: RequestInfo, query: URLSearchParams): FaultActions | undefined {
    if (!info.isResourceRequest || this.opts.faults.empty) return undefined;
    const rv = query.get('resourceVersion');
    return this.opts.faults.actionsFor({
      verb: info.verb, resource: info.resource, subresource: info.subresource, group: info.group, namespace: info.namespace, name: info.name,
      resumes: info.verb === 'watch' && !!rv && rv !== '0',
    }, { group: info.group, resource: info.resource });
  }

  /** Counts a request for /metrics and logs it (at -v=3), once it is answered or its connection gone. */
  private finished(req: IncomingMessage, path: string, info: RequestInfo | undefined, started: number, status: number, hijacked = false): void {
    const ms = performance.now() - started;
    const { metrics } = this.opts;
    if (metrics) {
      if (info?.isResourceRequest) metrics.observeResource(req.method, req.url, req.headers['content-type'], info, status, ms / 1000);
      else if (HEALTH_PATHS.has(path)) metrics.observeHealth(path, status, ms / 1000);
    }
    if (this.log.enabled(HTTP_LOG_LEVEL)) {
      logRequest(this.log, {
        verb: normalizedVerb(req.method, info, req.headers['content-type']), req, latencyMs: ms,
        user: status === 401 ? '' : userOf(req).username, status: hijacked ? 'hijacked' : status,
      });
    }
  }
}
