// Where a running pod's memory goes (issue 21, item 2). Starts `tinykube serve` (sqlite, N nodes)
// from dist/, waits for the nodes, creates RCs as bench/cases/scale.ts does, waits until every pod
// is Running, lets the cluster settle, then reads RSS and V8's heap before and after a forced full
// GC (bench/lib/memory-hook.mjs) and, with --snapshot DIR, writes a heap snapshot for
// bench/heap-areas.ts. Prints one JSON line.
//
//   npx tsx bench/memory-probe.ts --nodes 500 --rcs 10 --replicas 1000 [--snapshot DIR] [--settle 30] [--node-args=...] [--server-stdout]
// (--server-stdout passes the server's stdout on, where V8's tracing writes: --node-args=--trace-gc-verbose
// prints each old-generation limit V8 sets and why, its allocation and marking rates.)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createMany } from './lib/objects.js';
import { ROOT, rss } from './lib/processes.js';
import { freePort } from '../test/net.js';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '500' }, rcs: { type: 'string', default: '10' }, replicas: { type: 'string', default: '1000' },
    snapshot: { type: 'string' }, settle: { type: 'string', default: '30' }, 'node-args': { type: 'string', default: '' },
    root: { type: 'string', default: ROOT }, 'server-stdout': { type: 'boolean', default: false },
  },
});
const nodes = Number(args.nodes), rcs = Number(args.rcs), replicas = Number(args.replicas);

interface Usage { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rc = (i: number) => ({
  apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: `rc-${i}` },
  spec: { replicas, selector: { rc: `rc-${i}` }, template: { metadata: { labels: { rc: `rc-${i}` } }, spec: { containers: [{ name: 'c', image: 'registry.example.com/app:1', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } } },
});

async function json<T>(url: string): Promise<T> { return await (await fetch(url)).json() as T; }

async function main(): Promise<void> {
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'tinykube-mem-'));
  const report = join(data, 'memory.json');
  const nodeArgs = ['--expose-gc', '--import', join(ROOT, 'bench', 'lib', 'memory-hook.mjs'),
    ...(args.snapshot ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${args.snapshot}`] : []), ...args['node-args'].split(' ').filter(Boolean)];
  const child = spawn(process.execPath, [...nodeArgs, join(args.root, 'bin', 'tinykube.js'), 'serve', '--store', 'sqlite', '--nodes', String(nodes), '--data', data, '--port', String(port)],
    { stdio: ['ignore', args['server-stdout'] ? 'inherit' : 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production', TINYKUBE_MEMORY_REPORT: report } });
  const url = `http://127.0.0.1:${port}`;
  const usage = async (): Promise<{ before: Usage; after: Usage; rssAfter: number }> => {
    rmSync(report, { force: true });
    child.kill('SIGWINCH');
    for (let i = 0; i < 200; i++) { await sleep(100); try { return { ...JSON.parse(readFileSync(report, 'utf8')) as { before: Usage; after: Usage }, rssAfter: rss(child.pid!) }; } catch { /* not yet */ } }
    throw new Error('no memory report');
  };
  const snapshot = async (): Promise<string | undefined> => {
    if (!args.snapshot) return undefined;
    mkdirSync(args.snapshot, { recursive: true });
    const had = new Set(readdirSync(args.snapshot));
    child.kill('SIGUSR2');
    for (;;) {
      await sleep(1000);
      const file = readdirSync(args.snapshot).find((f) => !had.has(f) && f.endsWith('.heapsnapshot'));
      if (!file) continue;
      // Written in one go once the graph is built: done when it has bytes and stops growing.
      const size = statSync(join(args.snapshot, file)).size;
      await sleep(5000);
      if (size > 0 && statSync(join(args.snapshot, file)).size === size) return join(args.snapshot, file);
    }
  };
  try {
    for (let i = 0; ; i++) { try { if ((await fetch(`${url}/readyz`)).ok) break; } catch { /* starting */ } await sleep(100); if (i > 600) throw new Error('not ready'); }
    for (;;) {
      const list = await json<{ items: { status: { conditions?: { type: string; status: string }[] } }[] }>(`${url}/api/v1/nodes`);
      if (list.items.length === nodes && list.items.every((n) => n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))) break;
      await sleep(2000);
    }
    await sleep(Number(args.settle) * 1000);
    const atNodes = { rss: rss(child.pid!), ...(await usage()) };
    const nodesSnapshot = await snapshot();
    const started = performance.now();
    if (rcs * replicas) await createMany(url, '/api/v1/namespaces/default/replicationcontrollers', rcs, rc, Math.min(8, rcs));
    let ready = 0;
    while (ready < rcs * replicas) {
      await sleep(2000);
      const list = await json<{ items: { status?: { readyReplicas?: number } }[] }>(`${url}/api/v1/namespaces/default/replicationcontrollers`);
      ready = list.items.reduce((n, r) => n + (r.status?.readyReplicas ?? 0), 0);
    }
    const seconds = (performance.now() - started) / 1000;
    await sleep(Number(args.settle) * 1000);
    const cpu = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const atPods = { rss: rss(child.pid!), ...(await usage()) };
    const file = await snapshot();
    const perPod = (a: number, b: number) => ready ? Math.round((a - b) / ready) : 0;
    process.stdout.write(JSON.stringify({
      nodes, pods: ready, seconds: Math.round(seconds), cpuSeconds: (Number(cpu[11]) + Number(cpu[12])) / 100,
      atNodes, atPods, snapshots: [nodesSnapshot, file],
      perPodBytes: { rss: perPod(atPods.rss, atNodes.rss), rssAfterGC: perPod(atPods.rssAfter, atNodes.rssAfter), heapUsedAfterGC: perPod(atPods.after.heapUsed, atNodes.after.heapUsed), external: perPod(atPods.after.external, atNodes.after.external) },
    }) + '\n');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(data, { recursive: true, force: true });
  }
}

await main();
