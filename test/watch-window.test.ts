// Watches resume the way kube-apiserver's watch cache allows: from a window of recent events that
// starts where the cache started, else 410 Expired (an ERROR event on a 200 stream, as the cacher
// answers), so informers take their relist path. --watch-history store keeps the long replay.
import * as k8s from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startCluster, type Cluster, type ClusterOptions } from '../src/index.js';
import { eventually, freePort, http, readWatch, sleep, withCluster } from './helpers.js';

const pod = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
const PODS = '/api/v1/namespaces/default/pods';

async function listRV(cluster: Cluster, path = PODS): Promise<number> {
  return Number((await http(cluster, 'GET', path)).json().metadata.resourceVersion);
}

/** A server on sqlite in `data`, the API alone, on `port`. */
function sqliteCluster(data: string, port: number, extra: ClusterOptions = {}): Promise<Cluster> {
  return startCluster({ port, data, store: 'sqlite', controlPlane: false, ...extra });
}

describe('watch history', () => {
  test('a resourceVersion from before a restart is 410 Expired: an ERROR event naming the revision the cache started at', async () => {
    const data = mkdtempSync(join(tmpdir(), 'tinykube-window-'));
    const port = await freePort();
    let cluster = await sqliteCluster(data, port);
    await http(cluster, 'POST', PODS, pod('before'));
    const stale = await listRV(cluster);
    for (let i = 0; i < 5; i++) await http(cluster, 'PATCH', `${PODS}/before`, { metadata: { labels: { n: String(i) } } }, { 'Content-Type': 'application/merge-patch+json' });
    await cluster.close();
    cluster = await sqliteCluster(data, await freePort());
    try {
      const res = await fetch(`${cluster.url}${PODS}?watch=1&resourceVersion=${stale}`, { signal: AbortSignal.timeout(3000) });
      assert.equal(res.status, 200);
      const text = await res.text();
      const started = Number(/"message":"too old resource version: \d+ \((\d+)\)"/.exec(text)?.[1]);
      assert.equal(text, `{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: ${stale} (${started})","reason":"Expired","code":410}}\n`);
      assert.ok(started >= stale + 5 && started <= await listRV(cluster), 'the revision the cache started at, after the writes before the restart');
      const justBefore = await readWatch(cluster, `${PODS}?watch=1&resourceVersion=${started - 1}`, 1, 3000);
      assert.equal(justBefore[0].object.message, `too old resource version: ${started - 1} (${started})`);
      // From the revision it started at, and after, a watch resumes.
      const events = await readWatch(cluster, `${PODS}?watch=1&resourceVersion=${started}`, 1, 5000, {}, async () => {
        await sleep(50);
        await http(cluster, 'POST', PODS, pod('after'));
      });
      assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED after']);
      // A list at an exact resourceVersion the cache no longer holds is an HTTP 410.
      const list = await http(cluster, 'GET', `${PODS}?resourceVersion=${stale}&resourceVersionMatch=Exact`);
      assert.deepEqual([list.status, list.json().reason, list.json().message], [410, 'Expired', `too old resource version: ${stale} (${started})`]);
    } finally {
      await cluster.close();
    }
  });

  test('--watch-history store replays what the store still holds, across restarts', async () => {
    const data = mkdtempSync(join(tmpdir(), 'tinykube-store-history-'));
    const port = await freePort();
    let cluster = await sqliteCluster(data, port, { watchHistory: 'store' });
    await http(cluster, 'POST', PODS, pod('kept'));
    const rv = await listRV(cluster);
    await http(cluster, 'PATCH', `${PODS}/kept`, { metadata: { labels: { x: '1' } } }, { 'Content-Type': 'application/merge-patch+json' });
    await cluster.close();
    cluster = await sqliteCluster(data, await freePort(), { watchHistory: 'store' });
    try {
      const events = await readWatch(cluster, `${PODS}?watch=1&resourceVersion=${rv}`, 1, 3000);
      assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.labels.x}`), ['MODIFIED 1']);
    } finally {
      await cluster.close();
    }
  });

  test('a full window drops its oldest events: resuming before the first one held is 410', async () => {
    const cluster = await withCluster({ watchCacheCapacity: 20 });
    try {
      await http(cluster, 'POST', PODS, pod('churn'));
      const first = await listRV(cluster);
      const rvs: number[] = [];
      for (let i = 0; i < 30; i++) {
        const r = await http(cluster, 'PATCH', `${PODS}/churn`, { metadata: { labels: { n: String(i) } } }, { 'Content-Type': 'application/merge-patch+json' });
        rvs.push(Number(r.json().metadata.resourceVersion));
      }
      // The 20 newest pod events are held: resumable from just before the oldest of them.
      const oldestHeld = rvs[rvs.length - 20];
      const expired = await readWatch(cluster, `${PODS}?watch=1&resourceVersion=${first}`, 1, 3000);
      assert.deepEqual([expired[0].type, expired[0].object.code, expired[0].object.message], ['ERROR', 410, `too old resource version: ${first} (${oldestHeld - 1})`]);
      const resumed = await readWatch(cluster, `${PODS}?watch=1&resourceVersion=${oldestHeld - 1}`, 20, 3000);
      assert.equal(resumed.length, 20);
      assert.equal(resumed[0].object.metadata.resourceVersion, String(oldestHeld));
    } finally {
      await cluster.close();
    }
  });

  test('a client-node informer whose resourceVersion went stale across a restart relists after the 410, with no fault rule', async () => {
    const data = mkdtempSync(join(tmpdir(), 'tinykube-informer-'));
    const port = await freePort();
    let cluster = await sqliteCluster(data, port, { recordRequests: true });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    let lists = 0;
    const informer = k8s.makeInformer(kc, PODS, () => { lists++; return core.listNamespacedPod({ namespace: 'default' }); });
    const names = () => informer.list('default').map((p) => p.metadata!.name).sort();
    // Should its watch fail to reconnect while the server is down, the informer reports an error
    // and stops; start it again, as client-node's documentation advises.
    let stopped = false;
    informer.on('error', () => { if (!stopped) setTimeout(() => { if (!stopped) void informer.start().catch(() => {}); }, 200); });
    try {
      await core.createNamespacedPod({ namespace: 'default', body: pod('one') });
      await informer.start();
      await eventually(() => names().includes('one'), 5000, 'the informer listed pod one');
      // Writes the informer does not watch move the revision on: after the restart, the pods
      // cache starts past the informer's resourceVersion.
      await http(cluster, 'PATCH', '/api/v1/namespaces/default', { metadata: { labels: { moved: 'on' } } }, { 'Content-Type': 'application/merge-patch+json' });
      await cluster.close();
      cluster = await sqliteCluster(data, port, { recordRequests: true });
      await core.createNamespacedPod({ namespace: 'default', body: pod('two') });
      await eventually(() => names().join() === 'one,two', 10_000, 'the informer relisted and sees pod two');
      assert.equal(lists, 2, 'one list at start, one after the 410');
      // The informer's own requests: the test's creates may land between its watch and its list.
      const seen = cluster.requests!.list({ resource: 'pods' }).filter((r) => r.verb === 'list' || r.verb === 'watch').map((r) => `${r.verb} ${r.query.resourceVersion ?? ''}`);
      const expiredAt = seen.findIndex((s) => s.startsWith('watch ') && s !== 'watch ');
      assert.ok(expiredAt >= 0, `the informer resumed its old watch: ${seen.join(', ')}`);
      assert.equal(seen[expiredAt + 1], 'list ', 'then listed again');
      await core.createNamespacedPod({ namespace: 'default', body: pod('three') });
      await eventually(() => names().join() === 'one,three,two', 5000, 'and watches from the new list');
    } finally {
      stopped = true;
      await informer.stop();
      await cluster.close();
    }
  });
});
