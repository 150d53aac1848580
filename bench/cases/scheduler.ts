// Scheduler: 5,000 nodes, then 10,000 pods created through the API as fast as 32 connections go;
// the figure is pods bound per second, first create to last binding seen on a watch. The
// baseline is the create rate itself (the scheduler cannot bind pods that do not exist yet);
// kube-scheduler's CI floor for this shape is 680 pods/s. As in scheduler_perf, the nodes are
// objects no kubelet runs (tinykube.io/kubelet: stopped), so the figure is the scheduler's own.
import { stream } from '../lib/http.js';
import { createMany, node, pod } from '../lib/objects.js';
import { startTinykube } from '../lib/processes.js';
import type { Row } from '../lib/report.js';

export async function scheduler(quick: boolean): Promise<Row[]> {
  const nodes = quick ? 1000 : 5000;
  const pods = quick ? 3000 : 10_000;
  const tk = await startTinykube({ store: 'memory', nodes: 0 });
  await createMany(tk.url, '/api/v1/nodes', nodes, (i) => node(`node-${i}`, { withoutKubelet: true }));
  const rv = (await (await fetch(`${tk.url}/api/v1/pods?limit=1`)).json() as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const bound = new Set<string>();
  let allBound!: () => void;
  const done = new Promise<void>((r) => { allBound = r; });
  const close = await stream(`${tk.url}/api/v1/pods?watch=true&resourceVersion=${rv}`, (line) => {
    if (!line.includes('"nodeName":"')) return;
    bound.add(/"name":"([^"]+)"/.exec(line)![1]);
    if (bound.size === pods) allBound();
  });
  const started = performance.now();
  const createRate = await createMany(tk.url, '/api/v1/namespaces/default/pods', pods, (i) => pod(`s-${i}`));
  const timeout = setTimeout(allBound, 60_000);
  await done;
  clearTimeout(timeout);
  const boundRate = bound.size / ((performance.now() - started) / 1000);
  close();
  await tk.stop();
  const shape = `${nodes.toLocaleString('en-US')} nodes, ${pods.toLocaleString('en-US')} pods`;
  return [
    { figure: `pods bound per second, ${shape}`, value: boundRate, unit: 'pods/s', baseline: createRate, baselineLabel: 'pod creates/s, same run', ratio: boundRate / createRate, target: '>= 5,000 pods/s (kube-scheduler CI: 680)', pass: boundRate >= 5000 && bound.size === pods },
  ];
}
