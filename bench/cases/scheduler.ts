// Scheduler, measured as kube's scheduler_perf measures it: nodes no kubelet runs
// (tinykube.io/kubelet: stopped) and pending pods exist before the scheduler starts, so the figure
// is binding alone, not the create rate. They are created through the API of an `--api-only`
// server on a sqlite data directory; that server stops and the same directory is served again
// with the control plane (`--nodes 0`). The figure is pods bound per second from the control
// plane's start (its log line) to the last binding, dated by the scheduler's Scheduled Events
// (scheduler_perf's SchedulingThroughput averages one-second samples of the bound count; here the
// bindings all land in about a second, so the whole run's average is the figure). Beside it: how
// fast the bindings were acknowledged, /readyz to the last binding, the slowest /readyz answer
// while binding (the event loop's longest wait), and the server's CPU per
// binding (from /proc). kube-scheduler's CI floor is 680.
import { rmSync } from 'node:fs';
import { createMany, node, pod } from '../lib/objects.js';
import { cpuSeconds, startTinykube, tempDataDir } from '../lib/processes.js';
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

/**
 * Asks /readyz one request after another until stopped; `stop` gives the slowest answer: how long
 * the busiest stretch of the scheduler's work kept the API from answering.
 */
function longestReadyzWait(url: string): { stop(): Promise<number> } {
  let stopped = false;
  let longest = 0;
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now();
      await (await fetch(`${url}/readyz`)).arrayBuffer();
      longest = Math.max(longest, performance.now() - started);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return { async stop() { stopped = true; await loop; return longest; } };
}

/** One run: pending pods created through an `--api-only` server, then bound by a server started with `extra`'s flags. */
async function bindPending(nodes: number, pods: number, extra: string[]) {
  const data = tempDataDir();
  try {
    const api = await startTinykube({ store: 'sqlite', apiOnly: true, data });
    await createMany(api.url, '/api/v1/nodes', nodes, (i) => node(`node-${i}`, { withoutKubelet: true }));
    const createRate = await createMany(api.url, '/api/v1/namespaces/default/pods', pods, (i) => pod(`s-${i}`));
    await api.stop();

    // When the server logs that the control plane started (read from its stderr as it comes):
    // /readyz cannot tell, it is answered only once the event loop is free.
    let controlPlaneAt = NaN;
    let cpuAtStart = NaN;
    const tk = await startTinykube({
      store: 'sqlite', nodes: 0, data, extra,
      onLog: (line, pid) => {
        if (!line.includes('Started the control plane')) return;
        controlPlaneAt = performance.timeOrigin + performance.now();
        cpuAtStart = cpuSeconds(pid);
      },
    });
    const spawnedAt = performance.timeOrigin + tk.startedAt;
    const probing = longestReadyzWait(tk.url);
    const bound = await waitForBindings(tk.url, pods, 120_000);
    const longestWait = await probing.stop();
    const cpu = tk.cpuSeconds() - cpuAtStart;
    const times = await bindingTimes(tk.url);
    await tk.stop();
    const first = times[0];
    const last = times[times.length - 1];
    const after = (t: number) => Math.round(t - spawnedAt);
    if (process.env.TINYKUBE_BENCH_NODE_ARGS) console.error(`bench: scheduler${extra.length ? ` (${extra.join(' ')})` : ''}: after spawn: control plane started ${after(controlPlaneAt)} ms, /readyz answered ${Math.round(tk.readyMs)} ms, bindings ${after(first)} to ${after(last)} ms`);
    return {
      createRate, bound, times, first, last, controlPlaneAt, spawnedAt, readyMs: tk.readyMs, longestWait,
      rate: times.length / ((last - controlPlaneAt) / 1000),
      cpuPerPod: (cpu / bound) * 1e6,
      complete: bound === pods && times.length === pods,
    };
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}

export async function scheduler(quick: boolean): Promise<Row[]> {
  const nodes = quick ? 1000 : 5000;
  const pods = quick ? 3000 : 10_000;
  const shape = `${nodes.toLocaleString('en-US')} nodes, ${pods.toLocaleString('en-US')} pending pods`;
  const target = '>= 5,000 pods/s (kube-scheduler CI: 680)';
  const run = await bindPending(nodes, pods, []);
  const { first, last, controlPlaneAt, spawnedAt, bound, times } = run;
  const burst = (times.length - 1) / ((last - first) / 1000);
  // The same with the scheduler and controllers in a thread of their own (--controllers-in-worker).
  const worker = await bindPending(nodes, pods, ['--controllers-in-worker']);
  return [
    { figure: `pods bound per second, ${shape}, control plane start to last binding`, value: run.rate, unit: 'pods/s', baseline: run.createRate, baselineLabel: 'pod creates/s, same run, no scheduler', ratio: run.rate / run.createRate, target, pass: run.rate >= 5000 && run.complete },
    // The scheduler's work queue runs while it has work without yielding to the event loop, so
    // bindings are committed (and acknowledged) in a burst after the scheduling is done.
    { figure: `bindings acknowledged per second, first to last (${bound.toLocaleString('en-US')} of ${pods.toLocaleString('en-US')} bound; after the control plane started: first ${Math.round(first - controlPlaneAt)} ms, last ${Math.round(last - controlPlaneAt)} ms)`, value: burst, unit: 'pods/s', target: 'reported', pass: null },
    { figure: `longest /readyz answer while the pods were bound (the event loop's longest wait; spawn to /readyz ${Math.round(run.readyMs)} ms, to the control plane's start ${Math.round(controlPlaneAt - spawnedAt)} ms)`, value: run.longestWait, unit: 'ms', target: 'reported', pass: null },
    { figure: `/readyz to last binding`, value: last - (spawnedAt + run.readyMs), unit: 'ms', target: 'reported', pass: null },
    { figure: 'server CPU per pod bound (/proc, control plane start to all bound)', value: run.cpuPerPod, unit: 'us', target: 'reported', pass: null },
    // An option, measured beside the default for what the move buys; the default carries the target.
    { figure: `pods bound per second, controllers in a worker thread (--controllers-in-worker; ${worker.bound.toLocaleString('en-US')} bound; longest /readyz answer ${Math.round(worker.longestWait)} ms)`, value: worker.rate, unit: 'pods/s', baseline: worker.createRate, baselineLabel: 'pod creates/s, same run, no scheduler', ratio: worker.rate / worker.createRate, target: 'reported (an option; the default, above, carries the target)', pass: null },
    { figure: 'server CPU per pod bound, controllers in a worker thread (both threads)', value: worker.cpuPerPod, unit: 'us', target: 'reported', pass: null },
  ];
}
