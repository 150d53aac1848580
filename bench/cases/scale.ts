// Scale: 5,000 simulated nodes and 150,000 running pods (50 RCs of 3,000) held in one process on
// the default (sqlite) store, node heartbeats flowing; the figures are the process's RSS, what
// each 1,000 running pods add to it, and the oldest node Lease renewal.
import { createMany } from '../lib/objects.js';
import { startTinykube } from '../lib/processes.js';
import type { Row } from '../lib/report.js';

const rc = (i: number, replicas: number) => ({
  apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: `rc-${i}` },
  spec: { replicas, selector: { rc: `rc-${i}` }, template: { metadata: { labels: { rc: `rc-${i}` } }, spec: { containers: [{ name: 'c', image: 'registry.example.com/app:1', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } } },
});

export async function scale(quick: boolean): Promise<Row[]> {
  if (quick) return [];
  const nodes = 5000;
  const rcs = 50;
  const replicas = 3000;
  const tk = await startTinykube({ store: 'sqlite', nodes, extra: ['--node-pods', '110'] });
  await new Promise((r) => setTimeout(r, 20_000)); // the nodes register and turn Ready
  const rssWithNodes = tk.rssBytes();
  const started = performance.now();
  await createMany(tk.url, '/api/v1/namespaces/default/replicationcontrollers', rcs, (i) => rc(i, replicas), 8);
  let ready = 0;
  // Run until all 150,000 are Running (about a quarter hour), bounded so that a miss reports how
  // far it got within 20 minutes.
  while (ready < rcs * replicas && performance.now() - started < 20 * 60_000) {
    await new Promise((r) => setTimeout(r, 2000));
    const list = await (await fetch(`${tk.url}/api/v1/namespaces/default/replicationcontrollers`)).json() as { items: { status?: { readyReplicas?: number } }[] };
    ready = list.items.reduce((n, r) => n + (r.status?.readyReplicas ?? 0), 0);
  }
  const seconds = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 12_000)); // a full heartbeat period with everything running
  const leases = await (await fetch(`${tk.url}/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases`)).json() as { items: { spec: { renewTime: string } }[] };
  const oldest = Math.max(...leases.items.map((l) => Date.now() - Date.parse(l.spec.renewTime))) / 1000;
  const notReady = (await (await fetch(`${tk.url}/api/v1/nodes`)).json() as { items: { status: { conditions: { type: string; status: string }[] } }[] }).items
    .filter((n) => !n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  const rss = tk.rssBytes();
  await tk.stop();
  return [
    { figure: `RSS with ${nodes.toLocaleString('en-US')} nodes and ${ready.toLocaleString('en-US')} running pods`, value: rss / 2 ** 20, unit: 'MiB', target: '<= 2,048 MiB, 150,000 running', pass: rss <= 2 * 2 ** 30 && ready === rcs * replicas },
    // What 150,000 pods may add each thousand: 2 GiB less what the nodes alone hold.
    { figure: `RSS added per 1,000 running pods (with their Events; ${Math.round(rssWithNodes / 2 ** 20).toLocaleString('en-US')} MiB with the nodes alone)`, value: ready ? (rss - rssWithNodes) / 2 ** 20 / (ready / 1000) : NaN, unit: 'MiB', target: `reported (2 GiB fits 150,000 at <= ${((2 * 2 ** 30 - rssWithNodes) / 2 ** 20 / 150).toFixed(1)})`, pass: null },
    { figure: ready === rcs * replicas ? 'time to 150,000 running pods' : `time run before stopping at ${ready.toLocaleString('en-US')} running pods`, value: seconds, unit: 's', target: 'reported', pass: null },
    { figure: `oldest node Lease renewal (${leases.items.length} leases), not-Ready nodes: ${notReady}`, value: oldest, unit: 's', target: '<= 20 s (2 heartbeats), all Ready', pass: oldest <= 20 && notReady === 0 && leases.items.length === nodes },
  ];
}
