// Deterministic mode and the fixed clock: two servers given the same requests in the same order
// answer byte for byte the same (uids, generated names, service IPs and node ports, timestamps,
// ages), and the clock moves only when told to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { http, kubectl, withCluster } from './helpers.js';

const MANIFEST = [
  'apiVersion: v1\nkind: Namespace\nmetadata: {name: golden}',
  'apiVersion: v1\nkind: Pod\nmetadata: {generateName: web-, namespace: golden, labels: {app: web}}\nspec: {containers: [{name: c, image: nginx}]}',
  'apiVersion: v1\nkind: Pod\nmetadata: {generateName: web-, namespace: golden, labels: {app: web}}\nspec: {containers: [{name: c, image: nginx}]}',
  'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: golden}\nspec: {type: NodePort, selector: {app: web}, ports: [{port: 80}]}',
].join('\n---\n');

async function session(cluster: Cluster): Promise<string> {
  const out: string[] = [];
  for (const doc of MANIFEST.split('\n---\n')) {
    const r = await kubectl('1.33', cluster, ['create', '-f', '-'], { stdin: doc });
    assert.equal(r.code, 0, r.stderr);
    out.push(r.stdout);
  }
  const moved = await http(cluster, 'POST', '/tinykube/v1/clock', { advanceSeconds: 90 });
  assert.deepEqual([moved.status, moved.json().time], [200, '2026-01-01T00:01:30.000Z']);
  for (const args of [['get', 'pods,services', '-n', 'golden'], ['get', 'pods,services', '-n', 'golden', '-o', 'yaml']]) {
    const r = await kubectl('1.33', cluster, args);
    assert.equal(r.code, 0, r.stderr);
    out.push(r.stdout);
  }
  return out.join('');
}

test('deterministic mode with a fixed clock: the same requests, the same bytes back', async () => {
  const options = { deterministic: true, clock: new Date('2026-01-01T00:00:00Z'), admin: true };
  const a = await withCluster(options);
  const b = await withCluster(options);
  try {
    const [first, second] = [await session(a), await session(b)];
    assert.equal(first, second);
    assert.match(first, /^pod\/web-bbbbb created\npod\/web-bbbbc created\n/m);
    assert.match(first, /^pod\/web-bbbbb {3}0\/1 {5}Pending {3}0 {10}90s\n/m, 'ages from the fixed clock');
    assert.match(first, /^ {4}creationTimestamp: "2026-01-01T00:00:00Z"\n/m);
    assert.match(first, /^ {4}uid: 00000000-0000-4000-8000-0000000000[0-9a-f]{2}\n/m);
    const clusterIPs = [...first.matchAll(/^ {4}clusterIP: (\S+)$/gm)].map((m) => m[1]);
    assert.equal(clusterIPs.length, 1);
    assert.match(clusterIPs[0], /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    // Without a fixed clock the admin API says how to get one.
    const real = await withCluster({ admin: true });
    try {
      const r = await http(real, 'POST', '/tinykube/v1/clock', { advanceSeconds: 1 });
      assert.deepEqual([r.status, r.json().message], [400, 'the clock is real time: start tinykube with --clock to fix and move it']);
    } finally {
      await real.close();
    }
  } finally {
    await a.close();
    await b.close();
  }
});
