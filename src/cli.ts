// The `tinykube` command.
//   tinykube serve [--port 8080] [--address 127.0.0.1] [--data ./tinykube-data] [--store sqlite|memory]
//   tinykube snapshot save|restore FILE
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Registry } from './api/registry.js';
import { openStore, startCluster, StartupError } from './cluster.js';
import { restoreSnapshot, snapshotObjects, snapshotYAML, SnapshotError } from './snapshot.js';

const USAGE = `Usage: tinykube snapshot save FILE [--server http://127.0.0.1:8080]
       tinykube snapshot restore FILE [--data ./tinykube-data]   (while no tinykube serves that data)
       tinykube serve [--port 8080] [--address 127.0.0.1] [--data ./tinykube-data] [--store sqlite|memory]
                      [--nodes 3] [--node-cpu 4] [--node-memory 16Gi] [--node-pods 110] [--stages FILE]
                      [--node-monitor-grace-period 40] [--api-only] [--fixtures DIR] [--admin [--fault-seed 1]]
                      [--tls] [--token-file FILE] [--deterministic] [--clock 2026-01-01T00:00:00Z] [--event-ttl 1h0m0s]
                      [--watch-history window|store] [--watch-cache-capacity N]
                      [--store etcd --etcd-endpoints http://127.0.0.1:2379 [--etcd-prefix /registry] [--leader-lease-duration 15]]`;

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '8080' },
      address: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string', default: './tinykube-data' },
      store: { type: 'string', default: 'sqlite' },
      nodes: { type: 'string', default: '3' },
      'node-cpu': { type: 'string', default: '4' },
      'node-memory': { type: 'string', default: '16Gi' },
      'node-pods': { type: 'string', default: '110' },
      stages: { type: 'string' },
      'node-monitor-grace-period': { type: 'string', default: '40' },
      'api-only': { type: 'boolean', default: false },
      'etcd-endpoints': { type: 'string' },
      'etcd-prefix': { type: 'string', default: '/registry' },
      'leader-lease-duration': { type: 'string', default: '15' },
      fixtures: { type: 'string' },
      tls: { type: 'boolean', default: false },
      deterministic: { type: 'boolean', default: false },
      clock: { type: 'string' },
      'event-ttl': { type: 'string', default: '1h0m0s' },
      'watch-history': { type: 'string', default: 'window' },
      'watch-cache-capacity': { type: 'string' },
      'token-file': { type: 'string' },
      admin: { type: 'boolean', default: false },
      'fault-seed': { type: 'string', default: '1' },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new StartupError(`--port must be a number from 0 to 65535, not "${values.port}"`);
  if (values.store !== 'sqlite' && values.store !== 'memory' && values.store !== 'etcd') throw new StartupError(`--store must be sqlite, memory or etcd, not "${values.store}"`);
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 0) throw new StartupError(`--nodes must be a whole number, not "${values.nodes}"`);
  const grace = Number(values['node-monitor-grace-period']);
  if (!(grace > 0)) throw new StartupError(`--node-monitor-grace-period must be a number of seconds, not "${values['node-monitor-grace-period']}"`);
  const faultSeed = Number(values['fault-seed']);
  if (!Number.isInteger(faultSeed)) throw new StartupError(`--fault-seed must be a whole number, not "${values['fault-seed']}"`);
  const clock = values.clock === undefined ? undefined : new Date(values.clock);
  if (clock && Number.isNaN(clock.getTime())) throw new StartupError(`--clock must be a time such as 2026-01-01T00:00:00Z, not "${values.clock}"`);
  const eventTTLMs = goDuration(values['event-ttl']);
  if (eventTTLMs === undefined) throw new StartupError(`--event-ttl must be a duration such as 1h0m0s, 30m or 90s, not "${values['event-ttl']}"`);
  const watchHistory = values['watch-history'];
  if (watchHistory !== 'window' && watchHistory !== 'store') throw new StartupError(`--watch-history must be window or store, not "${watchHistory}"`);
  const capacityFlag = values['watch-cache-capacity'];
  const watchCacheCapacity = capacityFlag === undefined ? undefined : Number(capacityFlag);
  if (watchCacheCapacity !== undefined && !(Number.isInteger(watchCacheCapacity) && watchCacheCapacity > 0)) throw new StartupError(`--watch-cache-capacity must be a whole number of events, not "${capacityFlag}"`);
  const started = Date.now();
  const cluster = await startCluster({
    port, address: values.address, data: values.data, store: values.store, nodes, controlPlane: !values['api-only'],
    etcd: values['etcd-endpoints'] ? { endpoints: values['etcd-endpoints'].split(','), prefix: values['etcd-prefix'] } : undefined,
    leaderElection: values.store === 'etcd' ? { leaseDurationMs: Number(values['leader-lease-duration']) * 1000, retryPeriodMs: Math.max(200, Number(values['leader-lease-duration']) * 1000 / 5) } : false,
    kubelet: { cpu: values['node-cpu'], memory: values['node-memory'], pods: values['node-pods'], stagesFile: values.stages },
    nodeLifecycle: { gracePeriodMs: grace * 1000 },
    fixtures: values.fixtures, admin: values.admin, faultSeed, tls: values.tls, tokenFile: values['token-file'], deterministic: values.deterministic, clock, eventTTLMs, watchHistory, watchCacheCapacity,
  });
  const where = values.store === 'sqlite' ? ` in ${values.data}` : values.store === 'etcd' ? ` at ${values['etcd-endpoints']}` : '';
  console.log(`tinykube serving at ${cluster.url} (${values.store} store${where}, ready in ${Date.now() - started} ms)`);
  console.log(`export KUBECONFIG=${cluster.kubeconfigPath}`);
  if (values.admin) console.log(`admin API at ${cluster.url}/tinykube/v1/ (requests, faults)`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`tinykube: ${signal}, shutting down`);
    void cluster.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** A Go duration as kube's flags take them (1h0m0s, 30m, 90s, 1.5h), in ms. */
function goDuration(text: string): number | undefined {
  const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
  if (!m || text === '') return undefined;
  const [h, min, s] = m.slice(1).map((x) => Number(x ?? 0));
  return ((h * 60 + min) * 60 + s) * 1000;
}

async function snapshot(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: { server: { type: 'string', default: 'http://127.0.0.1:8080' }, data: { type: 'string', default: './tinykube-data' } },
  });
  const [action, file, ...extra] = positionals;
  if ((action !== 'save' && action !== 'restore') || !file || extra.length) throw new StartupError(`snapshot takes save or restore and a file\n${USAGE}`);
  try {
    if (action === 'save') {
      const server = values.server.replace(/\/+$/, '');
      const objects = await snapshotObjects(server);
      writeFileSync(file, snapshotYAML(objects, `tinykube snapshot of ${server} at ${new Date().toISOString()}: ${objects.length} objects`));
      console.log(`tinykube: saved ${objects.length} objects from ${server} to ${file}`);
      return;
    }
    const text = readFileSync(file, 'utf8');
    const store = await openStore('sqlite', resolve(values.data));
    const registry = new Registry(store);
    try {
      await registry.start();
      const { created, existing } = await restoreSnapshot(registry, text, file);
      console.log(`tinykube: restored ${created} objects from ${file} into ${values.data}${existing ? ` (${existing} existed and were kept)` : ''}`);
    } finally {
      registry.stop();
      await store.close();
    }
  } catch (e) {
    if (e instanceof SnapshotError || (e as NodeJS.ErrnoException).code === 'ENOENT') throw new StartupError((e as Error).message);
    throw e;
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'serve' || command === undefined) return serve(rest);
  if (command === 'snapshot') return snapshot(rest);
  if (command === '--help' || command === '-h' || command === 'help') { console.log(USAGE); return; }
  throw new StartupError(`unknown command "${command}"\n${USAGE}`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof StartupError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`tinykube: ${(e as Error).message}`);
  } else {
    console.error('tinykube: failed to start:', e);
  }
  process.exit(1);
});
