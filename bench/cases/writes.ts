// Durable writes: pod creates per second on the sqlite store (fsync before each answer) at 32 in
// flight, against Debian's etcd-server doing puts of the same bytes at 32 in flight with etcd3;
// each side measured after the same number of warm-up writes.
import { Etcd3 } from 'etcd3';
import { etcdAvailable, startEtcd } from '../../test/etcd.js';
import { createMany, pod } from '../lib/objects.js';
import { startTinykube } from '../lib/processes.js';
import type { Row } from '../lib/report.js';

/** Warm-up writes before each side is measured: JIT, schema compilation and connections are ready. */
const WARM_UP = 1000;

async function etcdPuts(count: number, bytes: string, inFlight: number): Promise<number> {
  const etcd = await startEtcd();
  const client = new Etcd3({ hosts: etcd.endpoint });
  const puts = async (prefix: string, n: number) => {
    let next = 0;
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < n) await client.put(`/registry/pods/default/${prefix}-${next++}`).value(bytes);
    }));
  };
  await puts('warm', WARM_UP);
  const started = performance.now();
  await puts('w', count);
  const perSecond = count / ((performance.now() - started) / 1000);
  client.close();
  await etcd.stop();
  return perSecond;
}

export async function writes(quick: boolean): Promise<Row[]> {
  const count = quick ? 1500 : 6000;
  const tk = await startTinykube({ store: 'sqlite', apiOnly: true });
  await createMany(tk.url, '/api/v1/namespaces/default/pods', WARM_UP, (i) => pod(`warm-${i}`));
  const ours = await createMany(tk.url, '/api/v1/namespaces/default/pods', count, (i) => pod(`w-${i}`));
  const stored = await (await fetch(`${tk.url}/api/v1/namespaces/default/pods/w-0`)).text();
  await tk.stop();
  if (!etcdAvailable()) {
    return [{ figure: 'durable pod creates, sqlite, 32 in flight', value: ours, unit: 'creates/s', target: 'ratio >= 1.0 (etcd-server not installed)', pass: null }];
  }
  const floor = await etcdPuts(count, stored, 32);
  return [{ figure: `durable pod creates, sqlite, 32 in flight (${stored.length} B)`, value: ours, unit: 'writes/s', baseline: floor, baselineLabel: 'etcd 3.4 puts, same bytes', ratio: ours / floor, target: 'ratio >= 1.0', pass: ours / floor >= 1.0 }];
}
