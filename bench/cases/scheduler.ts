// Scheduler, measured as kube's scheduler_perf measures it: nodes no kubelet runs
// (tinykube.io/kubelet: stopped) and pending pods exist before the scheduler starts, so the figure
// is binding alone, not the create rate. They are created through the API of an `--api-only`
// server on a sqlite data directory; that server stops and the same directory is served again
// with the control plane (`--nodes 0`). The figure is pods bound per second from the first binding
// to the last, dated by the scheduler's Scheduled Events; beside it scheduler_perf's
// SchedulingThroughput (pods bound in each whole second, averaged), the time from /readyz to the
// last binding, and the server's CPU per binding (from /proc). kube-scheduler's CI floor is 680.
import { rmSync } from 'node:fs';
import { createMany, node, pod } from '../lib/objects.js';
import { startTinykube, tempDataDir } from '../lib/processes.js';
import type { Row } from '../lib/report.js';

/**
 * Polls until no pod is left unbound and every binding's Event is written (or the timeout);
 * returns how many pods are bound. Not a watch: its first answer, every pod at once, passes the
 * 16 MiB a watcher may leave unread, and the server closes it.
 */
async function waitForBindings(url: string, pods: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const pending = await (await fetch(`${url}/api/v1/pods?fieldSelector=spec.nodeName%3D&limit=1`)).json() as { items: unknown[] };
    if (pending.items.length === 0 && (await bindingTimes(url)).length === pods) return pods;
    if (performance.now() - started > timeoutMs) return pods - (await (await fetch(`${url}/api/v1/pods?fieldSelector=spec.nodeName%3D`)).json() as { items: unknown[] }).items.length;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * When each binding happened (epoch ms, sorted), from the scheduler's Scheduled Events: they are
 * named as client-go names them, `<pod>.<hex nanoseconds>`, stamped right after the binding. A
 * watch opened at /readyz cannot date them: the server answers it only once the event loop the
 * scheduler keeps busy is free (in a first try every pod was bound before the watch opened).
 */
async function bindingTimes(url: string): Promise<number[]> {
  const list = await (await fetch(`${url}/api/v1/namespaces/default/events?fieldSelector=reason%3DScheduled`)).json() as { items: { metadata: { name: string } }[] };
  return list.items.map((e) => Number(BigInt(`0x${e.metadata.name.slice(e.metadata.name.lastIndexOf('.') + 1)}`) / 1_000_000n)).sort((a, b) => a - b);
}

/** scheduler_perf's SchedulingThroughput: pods bound in each whole second from the first binding, averaged. */
function sampledThroughput(times: number[]): { average: number; samples: number } {
  const counts: number[] = [];
  for (const t of times) counts[Math.floor((t - times[0]) / 1000)] = (counts[Math.floor((t - times[0]) / 1000)] ?? 0) + 1;
  const whole = counts.slice(0, Math.floor((times[times.length - 1] - times[0]) / 1000)).map((c) => c ?? 0);
  return { average: whole.length ? whole.reduce((s, c) => s + c, 0) / whole.length : NaN, samples: whole.length };
}

export async function scheduler(quick: boolean): Promise<Row[]> {
  const nodes = quick ? 1000 : 5000;
  const pods = quick ? 3000 : 10_000;
  const data = tempDataDir();
  try {
    const api = await startTinykube({ store: 'sqlite', apiOnly: true, data });
    await createMany(api.url, '/api/v1/nodes', nodes, (i) => node(`node-${i}`, { withoutKubelet: true }));
    const createRate = await createMany(api.url, '/api/v1/namespaces/default/pods', pods, (i) => pod(`s-${i}`));
    await api.stop();

    const tk = await startTinykube({ store: 'sqlite', nodes: 0, data });
    const spawnedAt = performance.timeOrigin + tk.startedAt;
    const readyAt = spawnedAt + tk.readyMs;
    const cpuAtReady = tk.cpuSeconds();
    const bound = await waitForBindings(tk.url, pods, 120_000);
    const cpu = tk.cpuSeconds() - cpuAtReady;
    const times = await bindingTimes(tk.url);
    await tk.stop();
    const first = times[0];
    const last = times[times.length - 1];
    if (process.env.TINYKUBE_BENCH_NODE_ARGS) console.error(`bench: scheduler: profile window ${Math.round(first - spawnedAt)} to ${Math.round(last - spawnedAt)} ms after spawn (bindings), from ${Math.round(tk.readyMs)} (/readyz answered)`);

    const rate = (times.length - 1) / ((last - first) / 1000);
    const sampled = sampledThroughput(times);
    const shape = `${nodes.toLocaleString('en-US')} nodes, ${pods.toLocaleString('en-US')} pending pods`;
    return [
      { figure: `pods bound per second, ${shape}, first binding to last`, value: rate, unit: 'pods/s', baseline: createRate, baselineLabel: 'pod creates/s, same run, no scheduler', ratio: rate / createRate, target: '>= 5,000 pods/s (kube-scheduler CI: 680)', pass: rate >= 5000 && bound === pods && times.length === pods },
      { figure: `SchedulingThroughput as scheduler_perf samples it (average of ${sampled.samples} whole seconds)`, value: sampled.average, unit: 'pods/s', target: 'reported', pass: null },
      // /readyz turns ready before the control plane starts, but is answered only when the
      // event loop is next free, so the spawn-relative times say more.
      { figure: `/readyz to last binding (${bound.toLocaleString('en-US')} of ${pods.toLocaleString('en-US')} bound; after spawn: /readyz answered ${Math.round(tk.readyMs)} ms, first binding ${Math.round(first - spawnedAt)} ms, last ${Math.round(last - spawnedAt)} ms)`, value: last - readyAt, unit: 'ms', target: 'reported', pass: null },
      { figure: 'server CPU per pod bound (/proc, /readyz to all bound)', value: (cpu / bound) * 1e6, unit: 'us', target: 'reported', pass: null },
    ];
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}
