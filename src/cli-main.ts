// The `tinykube` command: serve, snapshot save|restore, version (loaded by src/cli.ts). Each
// command's flags are one table (src/cli-flags.ts) that parses its arguments and prints its --help.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isJsonObject } from './api/json.js';
import { builtinRegistry } from './builtin-kinds.js';
import { durationFlag, helpText, parseFlags, UsageError, type CommandSpec, type FlagTable } from './cli-flags.js';
import { openStore, startCluster, StartupError } from './cluster.js';
import { createLogger, type LoggingOptions } from './logging/log.js';
import { VERSION_INFO } from './server/app.js';
import { restoreSnapshot, snapshotObjects, snapshotYAML, SnapshotError } from './snapshot.js';

// Who started us, read before anything else: npm can be killed while the server is still starting,
// and a parent read later would already be init and never change.
const startedBy = process.ppid;

/** kube's logging flags, on every command that logs. */
const LOGGING_FLAGS = {
  v: { type: 'string', default: '0', short: 'v', value: 'level', help: 'log verbosity: 0 the start and progress, 2 each controller action, 3 each request' },
  'logging-format': { type: 'string', default: 'text', value: 'format', help: "log format on stderr: text (klog's) or json" },
} satisfies FlagTable;

function loggingOptions(values: { v: string; 'logging-format': string }): LoggingOptions {
  const verbosity = Number(values.v);
  if (!Number.isInteger(verbosity) || verbosity < 0) throw new UsageError(`-v must be a whole number of 0 or more, not "${values.v}"`);
  const format = values['logging-format'];
  if (format !== 'text' && format !== 'json') throw new UsageError(`--logging-format must be text or json, not "${format}"`);
  return { verbosity, format };
}

const SERVE = {
  name: 'tinykube serve',
  purpose: 'Serve the Kubernetes API with a scheduler, controllers and simulated nodes (no containers run).',
  usage: '[flags]',
  flags: {
    port: { type: 'string', default: '8080', value: 'number', help: 'TCP port to listen on (0 picks a free one)' },
    address: { type: 'string', default: '127.0.0.1', value: 'ip', help: 'address to listen on (0.0.0.0 for every interface)', aliases: ['bind-address'] },
    data: { type: 'string', default: './tinykube-data', value: 'dir', help: 'directory for the store, the kubeconfig and the TLS files', aliases: ['data-dir'] },
    kubeconfig: { type: 'string', value: 'file', help: 'where to write the kubeconfig for this cluster (default <data>/kubeconfig)', aliases: ['write-kubeconfig'] },
    name: { type: 'string', default: 'tinykube', value: 'name', help: "the cluster's, context's and user's name in the kubeconfig" },
    store: { type: 'string', value: 'kind', help: 'where objects are kept: sqlite, memory or etcd (default sqlite; etcd when --etcd-endpoints is given)' },
    nodes: { type: 'string', default: '3', value: 'count', help: 'simulated nodes to register at start' },
    'node-cpu': { type: 'string', default: '4', value: 'quantity', help: 'cpu capacity of each simulated node' },
    'node-memory': { type: 'string', default: '16Gi', value: 'quantity', help: 'memory capacity of each simulated node' },
    'node-pods': { type: 'string', default: '110', value: 'count', help: 'pods each simulated node takes' },
    stages: { type: 'string', value: 'file', help: 'YAML pod lifecycle stages replacing the built-in ones' },
    apps: { type: 'string', value: 'file', help: 'YAML apps the simulated containers run (by image), before the built-in ones' },
    'load-balancer-address': { type: 'string', default: '127.0.0.1', value: 'ip|none', help: 'the address LoadBalancer services get, where their ports and NodePorts listen (none: neither)' },
    'ingress-port': { type: 'string', default: '80', value: 'port', help: "where the ingress controller serves Ingresses, on the load-balancer address (below 1024 needs root or CAP_NET_BIND_SERVICE)" },
    'node-monitor-grace-period': { type: 'string', default: '40s', value: 'duration', help: 'how long a node may miss heartbeats before it is NotReady' },
    'api-only': { type: 'boolean', default: false, help: 'serve the API alone: no scheduler, controllers or nodes' },
    'controllers-in-worker': { type: 'boolean', default: false, help: 'run the scheduler and controllers in a worker thread of their own (on the second core)' },
    'etcd-endpoints': { type: 'string', value: 'urls', help: 'etcd client URLs, comma-separated (with --store etcd)', aliases: ['etcd-servers'] },
    'etcd-prefix': { type: 'string', default: '/registry', value: 'prefix', help: 'key prefix in etcd' },
    'leader-lease-duration': { type: 'string', default: '15s', value: 'duration', help: 'control-plane leader Lease duration on etcd', aliases: ['leader-elect-lease-duration'] },
    fixtures: { type: 'string', value: 'dir', help: 'create every manifest in this directory at start' },
    tls: { type: 'boolean', default: false, help: 'serve HTTPS with a generated CA, serving certificate and admin token' },
    'tls-cert-file': { type: 'string', value: 'file', help: 'serve HTTPS with this certificate (PEM, chain first) instead of a generated one' },
    'tls-private-key-file': { type: 'string', value: 'file', help: 'the key of --tls-cert-file (PEM)' },
    deterministic: { type: 'boolean', default: false, help: 'sequential uids and names, seeded random choices' },
    clock: { type: 'string', value: 'time', help: 'a fixed clock starting at this RFC 3339 time (moved through the admin API)' },
    'event-ttl': { type: 'string', default: '1h0m0s', value: 'duration', help: 'how long an Event lives after its last write (0s keeps them)' },
    'token-file': { type: 'string', value: 'file', help: "kube's static token file; turns authentication on", aliases: ['token-auth-file'] },
    admin: { type: 'boolean', default: false, help: 'serve the request recorder and fault rules under /tinykube/v1/' },
    'fault-seed': { type: 'string', default: '1', value: 'number', help: "seed of the fault rules' random draws" },
    'watch-history': { type: 'string', default: 'window', value: 'window|store', help: "where watches resume from: kube's window of recent events, or all the store holds" },
    'watch-cache-capacity': { type: 'string', value: 'events', help: 'the most events a watch cache keeps (default 102400 in a window, 10000 for store)' },
    ui: { type: 'boolean', default: true, help: 'serve the dashboard at /ui/, where a browser opening / is sent (--ui=false: off)' },
    ...LOGGING_FLAGS,
  },
} satisfies CommandSpec<FlagTable>;

const SNAPSHOT = {
  name: 'tinykube snapshot',
  purpose: 'Save a running cluster\'s objects as YAML, or restore them into a data directory no server is using.',
  usage: 'save|restore FILE [flags]',
  flags: {
    server: { type: 'string', default: 'http://127.0.0.1:8080', value: 'url', help: 'the server to save from' },
    data: { type: 'string', default: './tinykube-data', value: 'dir', help: 'the data directory to restore into' },
    ...LOGGING_FLAGS,
  },
} satisfies CommandSpec<FlagTable>;

const TOP = {
  name: 'tinykube',
  purpose: 'tinykube: a lightweight Kubernetes API server that real kubectl and client libraries work against.',
  usage: '[command] [flags]\n\nCommands:\n  serve       serve the API, the control plane and simulated nodes (the default)\n  snapshot    save or restore a cluster\'s objects\n  version     print the versions of tinykube and of the Kubernetes API it serves\n\nUse "tinykube COMMAND --help" for a command\'s flags.',
  flags: { version: { type: 'boolean', default: false, help: 'print the versions and exit' } },
} satisfies CommandSpec<FlagTable>;

/** tinykube's own version (its package.json, beside src/ and dist/ alike) and the Kubernetes version it serves. */
function versionText(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const version = isJsonObject(pkg) ? pkg.version : undefined;
  return `tinykube version v${String(version)}\nKubernetes version ${VERSION_INFO.gitVersion.replace(/\+.*$/, '')}\n`;
}

/**
 * `--ui=false` as Go's boolean flags take it: node's parseArgs gives booleans no value, so
 * `--ui=true|false` is taken out of the arguments here and wins over the parsed flag.
 */
function assignedBoolean(args: string[], flag: string): { args: string[]; value?: boolean } {
  let value: boolean | undefined;
  const rest = args.filter((a) => {
    if (!a.startsWith(`--${flag}=`)) return true;
    const text = a.slice(flag.length + 3);
    if (text !== 'true' && text !== 'false') throw new UsageError(`--${flag} must be true or false, not "${text}"`);
    value = text === 'true';
    return false;
  });
  return { args: rest, value };
}

async function serve(argv: string[]): Promise<void> {
  const ui = assignedBoolean(argv, 'ui');
  const { values, positionals, help } = parseFlags(SERVE, ui.args);
  if (help) { process.stdout.write(helpText(SERVE)); return; }
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" for "tinykube serve" (see tinykube serve --help)`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new StartupError(`--port must be a number from 0 to 65535, not "${values.port}"`);
  // Naming etcd's servers is asking for etcd, as it is for kube-apiserver.
  const store = values.store ?? (values['etcd-endpoints'] ? 'etcd' : 'sqlite');
  if (store !== 'sqlite' && store !== 'memory' && store !== 'etcd') throw new StartupError(`--store must be sqlite, memory or etcd, not "${store}"`);
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 0) throw new StartupError(`--nodes must be a whole number, not "${values.nodes}"`);
  const graceMs = durationFlag('node-monitor-grace-period', values['node-monitor-grace-period']);
  if (!(graceMs > 0)) throw new UsageError('--node-monitor-grace-period must be longer than 0s');
  const leaseMs = durationFlag('leader-lease-duration', values['leader-lease-duration']);
  if (!(leaseMs > 0)) throw new UsageError('--leader-lease-duration must be longer than 0s');
  if (!values['tls-cert-file'] !== !values['tls-private-key-file']) throw new UsageError('--tls-cert-file and --tls-private-key-file go together');
  const ingressPort = Number(values['ingress-port']);
  if (!Number.isInteger(ingressPort) || ingressPort < 1 || ingressPort > 65535) throw new StartupError(`--ingress-port must be a number from 1 to 65535, not "${values['ingress-port']}"`);
  const faultSeed = Number(values['fault-seed']);
  if (!Number.isInteger(faultSeed)) throw new StartupError(`--fault-seed must be a whole number, not "${values['fault-seed']}"`);
  const clock = values.clock === undefined ? undefined : new Date(values.clock);
  if (clock && Number.isNaN(clock.getTime())) throw new StartupError(`--clock must be a time such as 2026-01-01T00:00:00Z, not "${values.clock}"`);
  const eventTTLMs = durationFlag('event-ttl', values['event-ttl']);
  const watchHistory = values['watch-history'];
  if (watchHistory !== 'window' && watchHistory !== 'store') throw new StartupError(`--watch-history must be window or store, not "${watchHistory}"`);
  const logging = loggingOptions(values);
  const capacityFlag = values['watch-cache-capacity'];
  const watchCacheCapacity = capacityFlag === undefined ? undefined : Number(capacityFlag);
  if (watchCacheCapacity !== undefined && !(Number.isInteger(watchCacheCapacity) && watchCacheCapacity > 0)) throw new StartupError(`--watch-cache-capacity must be a whole number of events, not "${capacityFlag}"`);
  const started = Date.now();
  const starting = startCluster({
    port, address: values.address, data: values.data, store, nodes, controlPlane: !values['api-only'], controllersInWorker: values['controllers-in-worker'],
    etcd: values['etcd-endpoints'] ? { endpoints: values['etcd-endpoints'].split(','), prefix: values['etcd-prefix'] } : undefined,
    leaderElection: store === 'etcd' ? { leaseDurationMs: leaseMs, retryPeriodMs: Math.max(200, leaseMs / 5) } : false,
    kubelet: { cpu: values['node-cpu'], memory: values['node-memory'], pods: values['node-pods'], stagesFile: values.stages },
    apps: values.apps, loadBalancerAddress: values['load-balancer-address'] === 'none' ? false : values['load-balancer-address'], ingressPort,
    nodeLifecycle: { gracePeriodMs: graceMs },
    kubeconfig: values.kubeconfig, name: values.name,
    tlsFiles: values['tls-cert-file'] && values['tls-private-key-file'] ? { cert: values['tls-cert-file'], key: values['tls-private-key-file'] } : undefined,
    fixtures: values.fixtures, admin: values.admin, faultSeed, tls: values.tls, tokenFile: values['token-file'], deterministic: values.deterministic, clock, eventTTLMs, watchHistory, watchCacheCapacity, logging,
    ui: ui.value ?? values.ui,
  });
  const stopping = stopOnSignals(starting);
  const cluster = await starting;
  if (stopping()) return;
  const where = store === 'sqlite' ? ` in ${values.data}` : store === 'etcd' ? ` at ${values['etcd-endpoints']}` : '';
  console.log(`tinykube serving at ${cluster.url} (${store} store${where}, ready in ${Date.now() - started} ms)`);
  console.log(`export KUBECONFIG=${cluster.kubeconfigPath}`);
  if (values.admin) console.log(`admin API at ${cluster.url}/tinykube/v1/ (requests, faults)`);
  if (ui.value ?? values.ui) console.log(`dashboard at ${cluster.url}/ui/`);
}

/**
 * SIGINT and SIGTERM stop the server, and so does the end of the npm that started it (npm start,
 * npx): npm passes SIGTERM to the shell that runs the script, and the shell dies without passing it
 * on. (A server started by hand, nohup or not, is left alone.) Armed before the cluster starts, since
 * a client that saw /readyz may stop us before startCluster returns; the stop then waits for the
 * start to finish and closes what it made.
 */
function stopOnSignals(starting: Promise<{ close(): Promise<void> }>): () => boolean {
  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`tinykube: ${reason}, shutting down`);
    // A start that fails is reported by main's catch, as when nothing stopped it.
    starting.then((cluster) => cluster.close().then(() => process.exit(0)), () => undefined);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (process.env.npm_lifecycle_event !== undefined) {
    setInterval(() => { if (process.ppid !== startedBy) stop('npm exited'); }, 500).unref();
  }
  return () => stopping;
}

async function snapshot(args: string[]): Promise<void> {
  const { values, positionals, help } = parseFlags(SNAPSHOT, args);
  if (help) { process.stdout.write(helpText(SNAPSHOT)); return; }
  const [action, file, ...extra] = positionals;
  if ((action !== 'save' && action !== 'restore') || !file || extra.length) throw new UsageError(`snapshot takes save or restore and a file (see tinykube snapshot --help)`);
  const { server, data } = values;
  const log = createLogger(loggingOptions(values), 'snapshot.ts');
  try {
    if (action === 'save') {
      const url = server.replace(/\/+$/, '');
      const objects = await snapshotObjects(url, log);
      writeFileSync(file, snapshotYAML(objects, `tinykube snapshot of ${url} at ${new Date().toISOString()}: ${objects.length} objects`));
      console.log(`tinykube: saved ${objects.length} objects from ${url} to ${file}`);
      return;
    }
    const text = readFileSync(file, 'utf8');
    const store = await openStore('sqlite', resolve(data));
    const { registry } = await builtinRegistry(store);
    try {
      await registry.start();
      const { created, existing } = await restoreSnapshot(registry, text, file, log);
      console.log(`tinykube: restored ${created} objects from ${file} into ${data}${existing ? ` (${existing} existed and were kept)` : ''}`);
    } finally {
      registry.stop();
      await store.close();
    }
  } catch (e) {
    if (e instanceof SnapshotError || (e instanceof Error && 'code' in e && e.code === 'ENOENT')) throw new StartupError(e.message);
    throw e;
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'serve') return serve(rest);
  if (command === 'snapshot') return snapshot(rest);
  if (command === 'version') { process.stdout.write(versionText()); return; }
  if (command === 'help') { process.stdout.write(helpText(TOP)); return; }
  if (command === undefined || command.startsWith('-')) {
    // Flags alone: tinykube's own (--help, --version), else serve's, as `tinykube --port 1` serves.
    if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) { process.stdout.write(helpText(TOP)); return; }
    if (argv.length === 1 && argv[0] === '--version') { process.stdout.write(versionText()); return; }
    return serve(argv);
  }
  throw new UsageError(`unknown command "${command}" for "tinykube"; the commands are serve, snapshot and version (see tinykube --help)`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof StartupError || e instanceof UsageError) {
    console.error(`tinykube: ${e.message}`);
  } else {
    console.error('tinykube: failed to start:', e);
  }
  process.exit(1);
});
