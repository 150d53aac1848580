// Server CPU per write, read from /proc: a memory-store tinykube (no fsync; `sqlite` as the second
// argument for the file store), warmed with 1,000 creates and 1,000 patches, then 20,000 pod
// creates and 20,000 merge-patch updates of a label, 32 in flight. Prints microseconds of server
// CPU (user + sys, every thread) per create and per PATCH, and of its main thread alone (the event
// loop that serves HTTP; the rest is the SQLite worker's and node's own threads).
// Usage: npx tsx bench/write-cpu.ts [count] [memory|sqlite]; TINYKUBE_BENCH_NODE_ARGS passes node flags (profiles).
import autocannon from 'autocannon';
import { createMany, pod } from './lib/objects.js';
import { cpuSeconds, startTinykube } from './lib/processes.js';

const count = Number(process.argv[2] ?? 20_000);
const store = process.argv[3] === 'sqlite' ? 'sqlite' : 'memory';
const WARM = 1000;

async function patchMany(url: string, pods: number, n: number, tag: string): Promise<void> {
  let i = 0;
  const r = await autocannon({
    url, connections: 32, amount: n,
    requests: [{
      method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' },
      setupRequest: (req: any) => {
        const k = i++;
        return { ...req, path: `/api/v1/namespaces/default/pods/w-${k % pods}`, body: JSON.stringify({ metadata: { labels: { round: `${tag}-${k}` } } }) };
      },
    }],
  });
  if (r['2xx'] !== n) throw new Error(`patched ${r['2xx']} of ${n} (${r.non2xx} non-2xx, ${r.errors} errors)`);
}

const tk = await startTinykube({ store, apiOnly: true });
await createMany(tk.url, '/api/v1/namespaces/default/pods', WARM, (i) => pod(`warm-${i}`));
let c0 = cpuSeconds(tk.pid);
let m0 = cpuSeconds(tk.pid, true);
await createMany(tk.url, '/api/v1/namespaces/default/pods', count, (i) => pod(`w-${i}`));
const create = (cpuSeconds(tk.pid) - c0) / count * 1e6;
const createMain = (cpuSeconds(tk.pid, true) - m0) / count * 1e6;
await patchMany(tk.url, count, WARM, 'warm');
c0 = cpuSeconds(tk.pid);
m0 = cpuSeconds(tk.pid, true);
await patchMany(tk.url, count, count, 'm');
const patch = (cpuSeconds(tk.pid) - c0) / count * 1e6;
const patchMain = (cpuSeconds(tk.pid, true) - m0) / count * 1e6;
await tk.stop();
console.log(JSON.stringify({ store, createUs: Math.round(create), patchUs: Math.round(patch), createMainThreadUs: Math.round(createMain), patchMainThreadUs: Math.round(patchMain) }));
