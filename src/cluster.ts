// Starting and stopping one tinykube: store, registry, HTTP server, bootstrap objects, kubeconfig.
import { CustomResourceDefinitionController } from './controllers/customresourcedefinition.js';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { deterministicEntropy, ManualClock } from './api/entropy.js';
import type { Registry } from './api/registry.js';
import { resources } from './client/resources.js';
import { EventExpiry } from './controllers/event-expiry.js';
import { bootstrap } from './bootstrap.js';
import { ClusterAuthorizer } from './authorization.js';
import { builtinRegistry } from './builtin-kinds.js';
import { describeProcess, processListeningOn, processWithFileOpen } from './holders.js';
import { FixtureError, loadFixtures } from './fixtures.js';
import { AppCatalog } from './kubelet/apps.js';
import type { KubeletOptions } from './kubelet/kubelet.js';
import type { LeaderElectionOptions } from './controllers/leader-election.js';
import type { NodeLifecycleOptions } from './controllers/node-lifecycle.js';
import type { PodNetwork } from './kubelet/pod-network.js';
import { createLogger, Duration, type Logger, type LoggingOptions } from './logging/log.js';
import { FaultInjector } from './server/admin/faults.js';
import { RequestRecorder } from './server/admin/recorder.js';
import { createApp, VERSION_INFO } from './server/app.js';
import { Authenticator, parseTokenFile, TokenFileError, type TokenAuthentication, type UserInfo } from './server/auth/authn.js';
import { ensurePKI, issueClientCertificate } from './server/auth/pki.js';
import { ServiceAccountTokens } from './server/auth/service-account-tokens.js';
import { ApiMetrics } from './server/metrics.js';
import { SqliteStore } from './storage/sqlite.js';
import { discardPrestartedEngineThread } from './storage/sqlite-thread.js';
import type { Store } from './storage/store.js';
import type { WatchHistory } from './storage/watch-cache.js';

export interface ClusterOptions {
  /** TCP port; 0 (the default) picks a free one, so clusters in one process never collide. */
  port?: number;
  /** Address to listen on. Default 127.0.0.1. */
  address?: string;
  /**
   * Directory for the store, the kubeconfig and TLS files. Default: a private temporary directory
   * that close() removes. Given, it is kept (a sqlite store there survives restarts).
   */
  data?: string;
  /** Where objects live: 'memory' (the default here; `tinykube serve` uses sqlite), 'sqlite' or 'etcd'. */
  store?: 'sqlite' | 'memory' | 'etcd';
  /** For the etcd store: client URLs, and the key prefix (default /registry). */
  etcd?: { endpoints: string[]; prefix?: string };
  /** How often watches that allow bookmarks get one, in ms (default 10 s). */
  bookmarkIntervalMs?: number;
  /**
   * Where watches can resume from. 'window' (default, as kube-apiserver's watch cache): events
   * since this server started, a window of at least 75 s; older resourceVersions get 410 Expired
   * and clients relist. 'store': everything the store still holds, across restarts.
   */
  watchHistory?: Exclude<WatchHistory, 'none'>;
  /** The most events each resource's watch cache keeps (default 102,400 in a window, 10,000 for 'store'). */
  watchCacheCapacity?: number;
  /**
   * Run the scheduler, controllers and simulated kubelets (default true). Off, tinykube is an API
   * server alone, as kube-apiserver without its control plane: nothing acts on the objects.
   */
  controlPlane?: boolean;
  /**
   * Run the scheduler and controllers in a worker thread of their own, with a registry over this
   * process's store (src/controller-thread.ts), so that they use the second core (default false:
   * in the API's thread). The kubelets, kube-proxy and the load balancers stay in the API's thread.
   * Not with a fixed clock or deterministic uids.
   */
  controllersInWorker?: boolean;
  /** Simulated nodes to register at start (default 0 here; `tinykube serve` registers 3). */
  nodes?: number;
  /** Capacity of each simulated node, and how its kubelet behaves. */
  kubelet?: Partial<Omit<KubeletOptions, 'nodes'>>;
  /** When a node that stops heartbeating is declared unreachable. */
  nodeLifecycle?: Partial<NodeLifecycleOptions>;
  /**
   * The address LoadBalancer services get as their ingress, where their ports and every NodePort
   * are listened on (default 127.0.0.1, as Docker Desktop and k3s give loopback). false: neither,
   * as a cluster without a cloud provider or kube-proxy (EXTERNAL-IP stays <pending>).
   */
  loadBalancerAddress?: string | false;
  /**
   * The port the simulated ingress controller (IngressClass `tinykube`) listens on at the
   * load-balancer address while an Ingress of its class exists (default 80). Not 80, the port is
   * also in each Ingress's status.loadBalancer.ingress[].ports.
   */
  ingressPort?: number;
  /** A YAML file of simulated apps (what containers answer over HTTP, by image), matched before the built-in ones. */
  apps?: string;
  /**
   * Run the control plane only while holding the leader Lease in kube-system (default: on for the
   * etcd store, where several processes may serve one cluster; off otherwise).
   */
  leaderElection?: boolean | Partial<LeaderElectionOptions>;
  /**
   * Serve HTTPS with authentication: a CA and serving certificate in <data>/pki (made once, reused),
   * an admin token there, and a kubeconfig that trusts the CA and carries the token.
   */
  tls?: boolean;
  /** Serve HTTPS with this certificate chain and key (PEM files) instead of generated ones; turns tls on. */
  tlsFiles?: { cert: string; key: string };
  /** Where to write the kubeconfig (default <data>/kubeconfig). */
  kubeconfig?: string;
  /** The cluster's, context's and user's name in the kubeconfig (default tinykube). */
  name?: string;
  /** kube's static token file (`token,user,uid,"group1,group2"`); turns authentication on. */
  tokenFile?: string;
  /** A directory of manifests (YAML or JSON) to create at start, namespaces first; existing objects are kept. */
  fixtures?: string;
  /** Serve the admin API under /tinykube/v1/: the request recorder and fault rules over HTTP (default off). */
  admin?: boolean;
  /** Serve the dashboard at /ui/, where a browser opening / is sent (default on). */
  ui?: boolean;
  /** Record requests for `requests` (default: when the admin API is on); a number sets how many are kept (1,000). */
  recordRequests?: boolean | number;
  /** Seed of the fault rules' random draws (default 1): the same seed, the same faults. */
  faultSeed?: number;
  /**
   * Deterministic mode: sequential uids, generated-name suffixes counting up, seeded random
   * choices (service IPs, node ports, scheduling ties), so golden files stay stable.
   */
  deterministic?: boolean;
  /** How long an Event lives after its last write, in ms (kube's --event-ttl; default one hour; 0 keeps them). */
  eventTTLMs?: number;
  /** A clock that stands at this time until moved (`cluster.clock`, or POST /tinykube/v1/clock). */
  clock?: Date;
  /**
   * Log as kube's components do (klog text or component-base JSON, one line each) to `stream`
   * (default stderr): the start, progress and warnings at verbosity 0, each controller action at 2,
   * each request at 3 (kube-apiserver's httplog). Default: nothing but errors, which go to stderr.
   */
  logging?: LoggingOptions;
}

export interface Cluster {
  url: string;
  kubeconfigPath: string;
  /**
   * A ready KubeConfig for this cluster, of the @kubernetes/client-node your code uses (pass its
   * class: `cluster.kubeConfig(k8s.KubeConfig)`), so that tinykube does not pick a client for you.
   */
  kubeConfig<K extends { loadFromString(config: string): void }>(KubeConfig: new () => K): K;
  registry: Registry;
  /** Ends every open watch, as a server restart would (for tests of client reconnects). */
  closeWatches(): void;
  /** Fault rules: make chosen requests slow, fail, drop their watches or conflict. */
  faults: FaultInjector;
  /** The recent requests, when recording (see ClusterOptions.recordRequests). */
  requests?: RequestRecorder;
  /** With tls: a client certificate the cluster trusts, for user `user` in `groups` (PEM). */
  issueClientCertificate(user: string, groups?: string[]): { cert: string; key: string };
  /** With tls: the CA certificate (PEM) clients should trust. */
  caCertificate?: string;
  /** With a fixed clock: move it with advance(ms) or set(date). */
  clock?: ManualClock;
  /** Stops the server and its control plane; removes the data directory if the cluster made it. */
  close(): Promise<void>;
  /** `await using cluster = await startCluster()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>;
}

export class StartupError extends Error {}

export async function openStore(kind: 'sqlite' | 'memory' | 'etcd', data: string, etcd?: ClusterOptions['etcd']): Promise<Store> {
  // Not awaited, as below; the memory store's engine runs in this thread and is open at once.
  if (kind === 'memory') return new SqliteStore({ path: ':memory:' });
  if (kind === 'etcd') {
    if (!etcd?.endpoints.length) throw new StartupError('the etcd store needs --etcd-endpoints');
    // Loaded only when asked for: the etcd client (gRPC) costs startup time nobody else should pay,
    // and it is an optional peer dependency, so an installed tinykube may not have it at all.
    let EtcdStore: typeof import('./storage/etcd.js').EtcdStore;
    try {
      ({ EtcdStore } = await import('./storage/etcd.js'));
    } catch (e) {
      const code = codeOf(e);
      if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw e;
      const cause = messageOf(e).split('\n')[0];
      throw new StartupError(/'etcd3'/.test(cause)
        ? 'the etcd store needs the etcd client, which is not installed: run npm install etcd3'
        : `the etcd store cannot load the etcd client (${cause}): run npm install etcd3`);
    }
    try {
      return await Promise.race([
        EtcdStore.open(etcd),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref()),
      ]);
    } catch (e) {
      throw new StartupError(`cannot reach etcd at ${etcd.endpoints.join(',')}: ${messageOf(e)}`);
    }
  }
  const file = join(data, 'tinykube.db');
  // Not awaited: the worker thread opens the file while this thread builds the registry; a store
  // that could not open fails its first request with this StartupError (the watch caches' start,
  // or for a new file, whose reads are answered without the engine, the bootstrap's first write).
  return new SqliteStore({ path: file, describeOpenError: (e) => storeOpenError(file, e) });
}

/** Why the store file could not be opened, in words, from the driver's code. */
function storeOpenError(file: string, e: unknown): StartupError {
  const code = codeOf(e) ?? '';
  const holder = code === 'SQLITE_BUSY' ? processWithFileOpen(file) : undefined;
  const why = code === 'SQLITE_BUSY' ? `it is in use by another tinykube process${holder ? `: ${describeProcess(holder)}` : ''}`
    : code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' ? 'it is not a valid tinykube database (corrupt?)'
    : code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' ? 'the data directory is not writable'
    : code === 'SQLITE_FULL' ? 'the disk is full'
    : messageOf(e);
  return new StartupError(`cannot open the store ${file}: ${why}`);
}

/** A token for the kubeconfig's admin user, made once and kept beside the certificates. */
function ensureAdminToken(dir: string): string {
  const file = join(dir, 'admin.token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(32).toString('hex');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return token;
}

export function kubeconfigYAML(url: string, tls?: { caCertificate: string; token: string }, name = 'tinykube'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${url}`,
    // client libraries that insist on TLS settings accept plain HTTP with this set
    tls ? `    certificate-authority-data: ${Buffer.from(tls.caCertificate).toString('base64')}` : '    insecure-skip-tls-verify: true',
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}`,
    '    namespace: default',
    `current-context: ${name}`,
    'users:',
    `- name: ${name}`,
    ...(tls ? ['  user:', `    token: ${tls.token}`] : ['  user: {}']),
    '',
  ].join('\n');
}

/** The message of anything thrown. */
function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The `code` node and its drivers give errors (ENOENT, SQLITE_BUSY, ERR_MODULE_NOT_FOUND). */
function codeOf(e: unknown): string | undefined {
  return e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/**
 * What a started cluster has to undo, in reverse order of starting: each step pushes its own
 * stop once it has started, so close() and a start that fails part-way unwind the same stack.
 */
class ShutdownStack {
  private readonly stops: (() => void | Promise<void>)[] = [];

  push(stop: () => void | Promise<void>): void {
    this.stops.push(stop);
  }

  /** Runs every stop, newest first; one that fails does not keep the others from running. */
  async unwind(): Promise<void> {
    let failure: unknown;
    for (let stop = this.stops.pop(); stop; stop = this.stops.pop()) {
      try {
        await stop();
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure !== undefined) throw failure;
  }
}

/** The data directory, made if needed; one the cluster made for itself goes when it closes. */
function prepareDataDir(options: ClusterOptions, stack: ShutdownStack): string {
  const ownData = options.data === undefined;
  const data = resolve(options.data ?? mkdtempSync(join(tmpdir(), 'tinykube-')));
  if (ownData) stack.push(() => rmSync(data, { recursive: true, force: true }));
  try {
    mkdirSync(data, { recursive: true });
  } catch (e) {
    throw new StartupError(`cannot create the data directory ${data}: ${messageOf(e)}`);
  }
  return data;
}

/** The registry over the store, its watch caches filled, and the store's metrics. */
async function startRegistry(options: ClusterOptions, store: Store, clock: ManualClock | undefined, parts: { apps: AppCatalog; tokens: ServiceAccountTokens }, stack: ShutdownStack): Promise<{ registry: Registry; network: PodNetwork; metrics: ApiMetrics }> {
  const { registry, network } = await builtinRegistry(store, {
    ...parts,
    controlPlane: options.controlPlane ?? true,
    watchHistory: { history: options.watchHistory, capacity: options.watchCacheCapacity },
    clock: clock && (() => clock.now()),
    entropy: options.deterministic ? deterministicEntropy(options.faultSeed ?? 1) : undefined,
  });
  // Counted from the first read: the watch caches' initial lists are store requests too.
  const metrics = new ApiMetrics(registry);
  metrics.instrumentStore(store);
  stack.push(() => registry.stop());
  await registry.start();
  return { registry, network, metrics };
}

/** The simulated apps, with a user's file first: a bad one stops the start with its reason. */
function loadApps(file: string | undefined): AppCatalog {
  try {
    return AppCatalog.load(file);
  } catch (e) {
    throw new StartupError(`bad --apps file: ${messageOf(e)}`);
  }
}

/** Who may call: tokens from the token file, and with TLS the certificates and the admin token. */
interface Security {
  tokens: Map<string, UserInfo>;
  pki?: ReturnType<typeof ensurePKI>;
  /** The serving certificate and key: given files, else the generated ones. */
  serving?: { cert: string; key: string };
  /** The certificate clients are to trust: the given chain, else the generated CA. */
  trusted?: string;
  adminToken?: string;
}

function loadSecurity(options: ClusterOptions, data: string): Security {
  const tokens = new Map<string, UserInfo>();
  if (options.tokenFile) {
    try {
      for (const [token, user] of parseTokenFile(readFileSync(options.tokenFile, 'utf8'), options.tokenFile)) tokens.set(token, user);
    } catch (e) {
      throw new StartupError(e instanceof TokenFileError ? `bad --token-file: ${e.message}` : `cannot read --token-file: ${messageOf(e)}`);
    }
  }
  if (!options.tls && !options.tlsFiles) return { tokens };
  const pki = ensurePKI(data, options.address ?? '127.0.0.1');
  // Given certificate files replace the generated serving certificate; the generated CA still
  // signs client certificates, as kube-apiserver's --client-ca-file is separate from its own.
  let serving = pki.server;
  if (options.tlsFiles) {
    try {
      serving = { cert: readFileSync(options.tlsFiles.cert, 'utf8'), key: readFileSync(options.tlsFiles.key, 'utf8') };
    } catch (e) {
      throw new StartupError(`cannot read the TLS certificate or key: ${messageOf(e)}`);
    }
  }
  const adminToken = ensureAdminToken(pki.dir);
  tokens.set(adminToken, { username: 'tinykube-admin', groups: ['system:masters'] });
  // With given certificates, clients trust the chain given (a self-signed one, or ending in its CA).
  return { tokens, pki, serving, trusted: options.tlsFiles ? serving.cert : pki.ca.cert, adminToken };
}

/** The service account a token names, while that account (the same uid) exists, as kube's legacy lookup checks. */
function serviceAccountUser(registry: Registry, tokens: ServiceAccountTokens, token: string, audiences: readonly string[]): TokenAuthentication | undefined {
  const verified = tokens.verify(token, registry.now(), audiences);
  if (!verified) return undefined;
  const { user } = verified;
  const accounts = registry.resource('serviceaccounts');
  const sa = accounts?.cache.get(accounts.key(user.namespace, user.name))?.object;
  if (!sa || (user.uid && sa.metadata.uid !== user.uid)) return undefined;
  return { user: { username: user.username, uid: user.uid, groups: user.groups }, audiences: verified.audiences };
}

/** What the HTTP step leaves for the rest: where it listens, and the switches it reads. */
interface Serving {
  url: string;
  host: string;
  port: number;
  closeWatches(): void;
  faults: FaultInjector;
  requests?: RequestRecorder;
  /** Whether /readyz answers ok. */
  setReady(ready: boolean): void;
}

async function startServer(options: ClusterOptions, registry: Registry, metrics: ApiMetrics, security: Security, parts: { clock?: ManualClock; log: Logger; tokens: ServiceAccountTokens }, stack: ShutdownStack): Promise<Serving> {
  const address = options.address ?? '127.0.0.1';
  let port = options.port ?? 0;
  let ready = false;
  const { pki, serving } = security;
  const faults = new FaultInjector(options.faultSeed ?? 1);
  const recording = options.recordRequests ?? options.admin ?? false;
  const requests = recording ? new RequestRecorder(typeof recording === 'number' ? recording : undefined) : undefined;
  const { server, closeWatches } = createApp({
    registry,
    serverAddress: () => `${address === '0.0.0.0' ? '127.0.0.1' : address}:${port}`,
    isReady: () => ready,
    bookmarkIntervalMs: options.bookmarkIntervalMs,
    faults,
    recorder: requests,
    adminApi: options.admin,
    ui: options.ui ?? true,
    clock: parts.clock,
    tls: pki && serving && { cert: serving.cert, key: serving.key, ca: pki.ca.cert },
    authenticator: new Authenticator(security.tokens, !!pki || !!options.tokenFile, (token, audiences) => serviceAccountUser(registry, parts.tokens, token, audiences)),
    // Authorization is on with authentication, as kube-apiserver's RBAC mode.
    ...(pki || options.tokenFile ? { authorizer: new ClusterAuthorizer(registry) } : {}),
    metrics,
    log: parts.log.named('logging/httplog.ts'),
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const holder = e.code === 'EADDRINUSE' ? processListeningOn(port) : undefined;
      reject(new StartupError(e.code === 'EADDRINUSE' ? `cannot listen on ${address}:${port}: the address is already in use${holder ? ` by ${describeProcess(holder)}` : ''}` : `cannot listen on ${address}:${port}: ${e.message}`));
    });
    server.listen(port, address, () => resolveListen());
  });
  stack.push(async () => {
    closeWatches();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  const bound = server.address();
  if (bound === null || typeof bound === 'string') throw new StartupError(`cannot listen on ${address}:${port}: not a TCP address`);
  port = bound.port;
  const host = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address;
  const url = `${pki ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { url, host, port, closeWatches, faults, requests, setReady: (value) => { ready = value; } };
}

/** The objects every cluster has, then the user's fixtures. */
async function loadObjects(options: ClusterOptions, registry: Registry, serving: Serving, log: Logger): Promise<void> {
  await bootstrap(registry, { host: serving.host, port: serving.port });
  if (!options.fixtures) return;
  try {
    await loadFixtures(registry, options.fixtures, log.named('fixtures.ts'));
  } catch (e) {
    throw e instanceof FixtureError ? new StartupError(e.message) : e;
  }
}

/**
 * The API server's own controllers over CustomResourceDefinitions (kube's apiextensions-apiserver
 * runs them in every kube-apiserver, leader or not, with or without controllers): each server serves
 * the custom kinds, so `--api-only` servers and etcd non-leaders do too.
 */
function startCustomResources(registry: Registry, log: Logger, stack: ShutdownStack): void {
  const crds = new CustomResourceDefinitionController(registry, log.named('controllers/customresourcedefinition.ts'));
  crds.start();
  stack.push(() => crds.stop());
}

function startEventExpiry(options: ClusterOptions, registry: Registry, stack: ShutdownStack): void {
  const ttl = options.eventTTLMs ?? 60 * 60 * 1000;
  if (ttl <= 0) return;
  const expiry = new EventExpiry(resources(registry).events, ttl, () => registry.now());
  expiry.start();
  stack.push(() => expiry.stop());
}

function writeKubeconfig(options: ClusterOptions, data: string, url: string, security: Security): string {
  const path = resolve(options.kubeconfig ?? join(data, 'kubeconfig'));
  mkdirSync(dirname(path), { recursive: true });
  const { trusted, adminToken } = security;
  writeFileSync(path, kubeconfigYAML(url, trusted !== undefined && adminToken !== undefined ? { caCertificate: trusted, token: adminToken } : undefined, options.name), { mode: 0o600 });
  return path;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const startedAt = performance.now();
  const log = createLogger(options.logging);
  const storeKind = options.store ?? 'memory';
  // A bad apps file stops the start before anything is made.
  const apps = loadApps(options.apps);
  // The controllers' thread has a clock and random draws of its own: a fixed clock is moved in
  // the API's thread only, and deterministic uids drawn in two threads from one seed would collide.
  if (options.controllersInWorker && (options.clock || options.deterministic)) throw new StartupError('the controllers cannot run in a worker thread with a fixed clock or deterministic uids');
  const stack = new ShutdownStack();
  try {
    const data = prepareDataDir(options, stack);
    const store = await openStore(storeKind, data, options.etcd);
    stack.push(() => store.close());
    // A file store has taken the thread src/cli.ts started for it; any other leaves it unused.
    void discardPrestartedEngineThread();
    const clock = options.clock ? new ManualClock(options.clock) : undefined;
    // Kept with the data, so tokens issued before a restart still authenticate after it.
    const tokens = ServiceAccountTokens.load(data);
    const { registry, network, metrics } = await startRegistry(options, store, clock, { apps, tokens }, stack);
    // Once the store has answered (a file store opens while the registry is built).
    log.info('Starting tinykube', { version: VERSION_INFO.gitVersion, store: storeKind, data, pid: process.pid });
    const security = loadSecurity(options, data);
    const serving = await startServer(options, registry, metrics, security, { clock, log, tokens }, stack);
    startCustomResources(registry, log, stack);
    await loadObjects(options, registry, serving, log);
    startEventExpiry(options, registry, stack);
    // The API is complete now: like kube-apiserver, report ready without waiting for nodes to join.
    const kubeconfigPath = writeKubeconfig(options, data, serving.url, security);
    serving.setReady(true);
    log.info('Serving', { url: serving.url, kubeconfig: kubeconfigPath, duration: Duration.fromMs(performance.now() - startedAt) });
    // Imported only now (see src/control-plane.ts): /readyz is answered while it starts.
    const { runControlPlane } = await import('./control-plane.js');
    await runControlPlane({ ...options, store: storeKind, data }, registry, { network, rootCA: security.trusted ?? '', clock, signingCA: security.pki?.ca }, log, stack);
    return clusterHandle({ url: serving.url, kubeconfigPath, registry, serving, security, clock, log, stack });
  } catch (e) {
    await stack.unwind().catch(() => {});
    throw e;
  }
}

function clusterHandle(parts: { url: string; kubeconfigPath: string; registry: Registry; serving: Serving; security: Security; clock?: ManualClock; log: Logger; stack: ShutdownStack }): Cluster {
  const { url, kubeconfigPath, serving, security: { pki }, log, stack } = parts;
  let closing: Promise<void> | undefined;
  const cluster: Cluster = {
    url,
    kubeconfigPath,
    kubeConfig(KubeConfig) {
      const kc = new KubeConfig();
      kc.loadFromString(readFileSync(kubeconfigPath, 'utf8'));
      return kc;
    },
    registry: parts.registry,
    closeWatches: serving.closeWatches,
    faults: serving.faults,
    requests: serving.requests,
    caCertificate: pki?.ca.cert,
    clock: parts.clock,
    issueClientCertificate(user, groups = []) {
      if (!pki) throw new Error('client certificates need a cluster started with tls');
      return issueClientCertificate(pki, user, groups);
    },
    close() {
      closing ??= (async () => {
        log.info('Shutting down', { url });
        serving.setReady(false);
        await stack.unwind();
      })();
      return closing;
    },
    [Symbol.asyncDispose]() { return cluster.close(); },
  };
  return cluster;
}
