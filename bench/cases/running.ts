// Pods reaching Running, end to end as kwok and scheduler_perf count them: tinykube with N
// simulated nodes (its own kubelets, `--nodes N`, sqlite store), the nodes Ready first; then pods
// created through the API with 32 connections while the scheduler binds them and the kubelets run
// their lifecycle. The figure is pods Running (and Ready) per second from the first create to the
// last pod seen Running and Ready on a watch; the baseline is the create rate of the same run (no
// pod can run before it exists). The pods have no readiness probe (as scheduler_perf's pause
// pods), so Ready follows the containers' start rather than a probe period.
import { stream } from '../lib/http.js';
import { createMany, pod } from '../lib/objects.js';
import { startTinykube, type Served } from '../lib/processes.js';
import type { Row } from '../lib/report.js';

interface PodStatusLine { object: { metadata: { name: string }; status?: { phase?: string; conditions?: { type: string; status: string }[] } } }

/** The store's current revision: a list's resourceVersion. */
async function revision(url: string): Promise<string> {
  return (await (await fetch(`${url}/api/v1/pods?limit=1`)).json() as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
}

/** Polls the node list until `count` nodes are Ready; returns the ms it took. */
async function nodesReady(url: string, count: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const list = await (await fetch(`${url}/api/v1/nodes`)).json() as { items: { status?: { conditions?: { type: string; status: string }[] } }[] };
    const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    if (ready >= count) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`${ready} of ${count} nodes Ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * Watches pods from `rv` until `pods` of them are Running and Ready (or the timeout); returns when
 * the last was seen and how many. When the server ends the watch (a watcher more than 16 MiB
 * behind is closed, as on a busy machine this process can be) it watches again from the last
 * resourceVersion seen, as client-go's reflector does.
 */
async function watchRunning(url: string, rv: string, pods: number, timeoutMs: number): Promise<{ running: number; lastAt: number; rewatches: number }> {
  const running = new Set<string>();
  let lastAt = NaN;
  let lastRV = rv;
  let rewatches = 0;
  let close = () => {};
  let finish!: () => void;
  const done = new Promise<void>((r) => { finish = r; });
  const open = async (): Promise<void> => {
    close = await stream(`${url}/api/v1/pods?watch=true&resourceVersion=${lastRV}`, (line) => {
      const version = /"resourceVersion":"(\d+)"/.exec(line);
      if (version) lastRV = version[1];
      if (!line.includes('"phase":"Running"')) return;
      const { object } = JSON.parse(line) as PodStatusLine;
      if (running.has(object.metadata.name) || !object.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return;
      running.add(object.metadata.name);
      lastAt = performance.now();
      if (running.size === pods) finish();
    }, () => {
      if (running.size === pods) return;
      rewatches++;
      open().catch(finish);
    });
  };
  await open();
  const timeout = setTimeout(finish, timeoutMs);
  await done;
  clearTimeout(timeout);
  close();
  return { running: running.size, lastAt, rewatches };
}

async function runningAt(nodes: number, pods: number): Promise<Row[]> {
  const tk: Served = await startTinykube({ store: 'sqlite', nodes });
  try {
    const readyMs = await nodesReady(tk.url, nodes, 180_000);
    const rv = await revision(tk.url);
    const watching = watchRunning(tk.url, rv, pods, 600_000);
    watching.catch(() => {}); // awaited below, after the creates
    const cpuBefore = tk.cpuSeconds();
    const started = performance.now();
    // A create may wait longer than autocannon's 10 s while the event loop is held (5,000 nodes).
    const createRate = await createMany(tk.url, '/api/v1/namespaces/default/pods', pods, (i) => pod(`r-${i}`, { probe: false }), 32, 120);
    const { running, lastAt, rewatches } = await watching;
    const cpu = tk.cpuSeconds() - cpuBefore;
    const writes = Number(await revision(tk.url)) - Number(rv);
    if (process.env.TINYKUBE_BENCH_NODE_ARGS) console.error(`bench: running ${nodes}: profile window ${Math.round(started - tk.startedAt)} to ${Math.round(lastAt - tk.startedAt)} ms after spawn`);
    const seconds = (lastAt - started) / 1000;
    const rate = running / seconds;
    const shape = `${nodes.toLocaleString('en-US')} nodes, ${pods.toLocaleString('en-US')} pods`;
    return [
      { figure: `pods Running per second, ${shape}, first create to last Running (${running.toLocaleString('en-US')} Running in ${seconds.toFixed(1)} s; nodes Ready ${(readyMs / 1000).toFixed(1)} s after /readyz${rewatches ? `; watched again ${rewatches} times` : ''})`, value: rate, unit: 'pods/s', baseline: createRate, baselineLabel: 'pod creates/s, same run', ratio: rate / createRate, target: 'reported', pass: running === pods ? null : false },
      { figure: `server CPU per pod Running, ${nodes.toLocaleString('en-US')} nodes (/proc, first create to last Running)`, value: (cpu / running) * 1e6, unit: 'us', target: 'reported', pass: null },
      { figure: `writes per pod Running, ${nodes.toLocaleString('en-US')} nodes (revisions in that time, node heartbeats included)`, value: writes / running, unit: '', target: 'reported', pass: null },
    ];
  } finally {
    await tk.stop();
  }
}

export async function running(quick: boolean): Promise<Row[]> {
  const shapes: [number, number][] = quick ? [[100, 2000]] : [[100, 5000], [5000, 10_000]];
  const rows: Row[] = [];
  for (const [nodes, pods] of shapes) {
    try {
      rows.push(...await runningAt(nodes, pods));
    } catch (e) {
      rows.push({ figure: `running, ${nodes.toLocaleString('en-US')} nodes: did not complete (${(e as Error).message})`, value: NaN, unit: '', target: '-', pass: false });
    }
  }
  return rows;
}
