// The API's CPU per write for two checkouts, measured in one process: each checkout's sources are
// loaded side by side (a memory-store cluster each, no HTTP, no control plane), and rounds of 1,000
// pod creates, 32 in flight through ResourceStore.create, alternate between them. These machines
// are noisy (whole-process runs of one build read 268 to 367 us a create within an hour), and
// what slows the machine slows both alike here, so a change of a few percent shows. Prints the
// process CPU per create of each (min, p25, median over the rounds after the warm-up).
// With --http the creates are POSTs to each cluster's port from autocannon in this process (the
// HTTP edge included; the client's share of the CPU is the same for both). With --sqlite each
// cluster stores in a file through its own SQLite worker thread, and the main thread's own CPU
// (/proc/thread-self/schedstat, in ns) is printed beside the process's.
//
//   npx tsx bench/write-ab.ts /path/to/checkout-a /path/to/checkout-b [--rounds 40] [--http] [--sqlite]
// (a checkout: a worktree with node_modules, e.g. `git worktree add --detach ../old HEAD~1`
// and a symlink to this one's node_modules.)
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ResourceStore } from '../src/api/resource-store.js';
import { createMany, pod } from './lib/objects.js';

interface Variant { root: string; pods: ResourceStore; url: string; micros: number[]; mainMicros: number[] }

const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '40' }, http: { type: 'boolean', default: false }, sqlite: { type: 'boolean', default: false } } });
if (positionals.length < 2) throw new Error('usage: write-ab.ts CHECKOUT_A CHECKOUT_B [--rounds N]');
const rounds = Number(values.rounds);
const PER_ROUND = 1000;
const WARM_ROUNDS = 6;

const variants: Variant[] = [];
for (const root of positionals.map((p) => resolve(p))) {
  const { startCluster } = await import(`${root}/src/cluster.ts`) as typeof import('../src/cluster.js');
  const cluster = await startCluster({ store: values.sqlite ? 'sqlite' : 'memory', controlPlane: false, port: 0, nodes: 0 });
  const pods = cluster.registry.resource('pods', '');
  if (!pods) throw new Error(`${root}: no pods resource`);
  variants.push({ root, pods, url: cluster.url, micros: [], mainMicros: [] });
}

let serial = 0;
async function createRound({ pods, url }: Variant): Promise<void> {
  if (values.http) {
    await createMany(url, '/api/v1/namespaces/default/pods', PER_ROUND, () => pod(`ab-${serial++}`));
    return;
  }
  let started = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (started++ < PER_ROUND) await pods.create('default', pod(`ab-${serial++}`), { dryRun: false, fieldManager: 'bench' });
  }));
}

for (let r = 0; r < rounds; r++) {
  // Each checkout goes first in every other round.
  for (const v of r % 2 ? variants : [...variants].reverse()) {
    const before = process.cpuUsage();
    const mainBefore = mainThreadNs();
    await createRound(v);
    const used = process.cpuUsage(before);
    const mainUsed = mainThreadNs() - mainBefore;
    if (r >= WARM_ROUNDS) { v.micros.push((used.user + used.system) / PER_ROUND); v.mainMicros.push(mainUsed / 1000 / PER_ROUND); }
  }
}
/** This (the main) thread's time on a CPU, in ns: the first field of its schedstat. */
function mainThreadNs(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
}

function summary(micros: number[]): string {
  const sorted = [...micros].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))].toFixed(1);
  return `min ${at(0)}, p25 ${at(0.25)}, median ${at(0.5)}`;
}
for (const v of variants) {
  console.log(`${v.root}: us per create, process ${summary(v.micros)}; main thread ${summary(v.mainMicros)} (${v.micros.length} rounds)`);
}
process.exit(0);
