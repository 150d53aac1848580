// Durable writes: pod creates per second on the sqlite store (fsync before each answer) at 32 in
// flight, against Debian's etcd-server doing puts of the same bytes at 32 in flight with etcd3.
// Both servers run side by side and are measured in alternating rounds, each side's figure the
// median of its rounds: these machines' speed drifts within a minute, and one side measured
// wholly before the other took the drift into the ratio (the same code read 0.57 to 0.85 of etcd).
// TINYKUBE_BENCH_VERBOSE=1 prints every round's figures.
import { Etcd3 } from 'etcd3';
import { etcdAvailable, startEtcd } from '../../test/etcd.js';
import { createMany, pod } from '../lib/objects.js';
import { startTinykube } from '../lib/processes.js';
import type { Row } from '../lib/report.js';

/** Warm-up writes before each side is measured: JIT, schema compilation and connections are ready. */
const WARM_UP = 2000;
const IN_FLIGHT = 32;

/** Puts `n` values at `inFlight` at a time; returns puts per second. */
async function etcdPuts(client: Etcd3, prefix: string, n: number, bytes: string): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < n) await client.put(`/registry/pods/default/${prefix}-${next++}`).value(bytes);
  }));
  return n / ((performance.now() - started) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function writes(quick: boolean): Promise<Row[]> {
  const rounds = quick ? 3 : 5;
  const perRound = quick ? 500 : 1500;
  const podsPath = '/api/v1/namespaces/default/pods';
  const tk = await startTinykube({ store: 'sqlite', apiOnly: true });
  const etcd = etcdAvailable() ? await startEtcd() : undefined;
  const client = etcd ? new Etcd3({ hosts: etcd.endpoint }) : undefined;
  try {
    await createMany(tk.url, podsPath, WARM_UP, (i) => pod(`warm-${i}`));
    const stored = await (await fetch(`${tk.url}${podsPath}/warm-0`)).text();
    if (client) await etcdPuts(client, 'warm', WARM_UP, stored);
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      ours.push(await createMany(tk.url, podsPath, perRound, (i) => pod(`w${r}-${i}`), IN_FLIGHT));
      if (client) theirs.push(await etcdPuts(client, `w${r}`, perRound, stored));
    }
    const figure = `durable pod creates, sqlite, ${IN_FLIGHT} in flight (${stored.length} B; median of ${rounds} rounds of ${perRound}, alternating)`;
    if (!client) return [{ figure, value: median(ours), unit: 'writes/s', target: 'ratio >= 1.0 (etcd-server not installed)', pass: null }];
    if (process.env.TINYKUBE_BENCH_VERBOSE) console.error({ ours: ours.map(Math.round), theirs: theirs.map(Math.round) });
    const ratio = median(ours) / median(theirs);
    return [{ figure, value: median(ours), unit: 'writes/s', baseline: median(theirs), baselineLabel: 'etcd 3.4 puts, same bytes', ratio, target: 'ratio >= 1.0', pass: ratio >= 1.0 }];
  } finally {
    client?.close();
    await etcd?.stop();
    await tk.stop();
  }
}
