// @kubernetes/client-node (1.4.0 and 2.0.1) against a running tinykube: list, watch from a
// resourceVersion, an informer that relists after a 410, a 409 on a stale update; websocket and
// chunked watches agree.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import * as k8sLatest from 'client-node-2';
import WebSocket from 'ws';
import type { Cluster } from '../src/index.js';
import { readWatch, sleep, withCluster } from './helpers.js';

type ClientNode = typeof k8s;
const k8s14 = k8s;

const pod = (name: string, labels: Record<string, string> = {}): k8s.V1Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'main', image: 'nginx:1.25' }] },
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(20);
  }
}

// The same stories against both major versions: 1.4.0, and 2.0.1 (with undici 7 on Node 20).
for (const [version, k8s] of [['1.4.0', k8s14], ['2.0.1', k8sLatest as unknown as ClientNode]] as const) {
describe(`@kubernetes/client-node ${version}`, () => {
  let cluster: Cluster;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  before(async () => {
    cluster = await withCluster({ watchCacheCapacity: 20, bookmarkIntervalMs: 600_000 });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });
  after(async () => { await cluster.close(); });

  test('list namespaces and pods', async () => {
    const ns = await core.listNamespace();
    assert.deepEqual(ns.items.map((n) => n.metadata?.name), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    await core.createNamespacedPod({ namespace: 'default', body: pod('a', { app: 'x' }) });
    const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=x' });
    assert.deepEqual(pods.items.map((p) => p.metadata?.name), ['a']);
    assert.equal(pods.items[0].status?.phase, 'Pending');
    assert.match(pods.metadata?.resourceVersion ?? '', /^\d+$/);
  });

  test('watch from a resourceVersion delivers every later change, in order', async () => {
    const list = await core.listNamespacedPod({ namespace: 'default' });
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch('/api/v1/namespaces/default/pods', { resourceVersion: list.metadata!.resourceVersion },
      (type, obj: k8s.V1Pod) => events.push(`${type} ${obj.metadata?.name}`), () => {});
    await core.createNamespacedPod({ namespace: 'default', body: pod('b') });
    await core.patchNamespacedPod({ namespace: 'default', name: 'b', body: { metadata: { labels: { v: '2' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await core.deleteNamespacedPod({ namespace: 'default', name: 'b' });
    await until(() => events.length >= 3);
    req.abort();
    assert.deepEqual(events, ['ADDED b', 'MODIFIED b', 'DELETED b']);
  });

  test('a stale update gets 409 Conflict with kube\'s message', async () => {
    const current = await core.readNamespacedPod({ namespace: 'default', name: 'a' });
    const stale = structuredClone(current);
    current.metadata!.labels = { ...current.metadata!.labels, fresh: 'yes' };
    await core.replaceNamespacedPod({ namespace: 'default', name: 'a', body: current });
    stale.metadata!.labels = { ...stale.metadata!.labels, stale: 'yes' };
    await assert.rejects(core.replaceNamespacedPod({ namespace: 'default', name: 'a', body: stale }), (e: k8s.ApiException<string>) => {
      assert.equal(e.code, 409);
      const status = JSON.parse(e.body);
      assert.equal(status.reason, 'Conflict');
      assert.equal(status.message, 'Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again');
      return true;
    });
  });

  test('an informer relists after its watch resumes from an expired resourceVersion', async () => {
    let lists = 0;
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/pods',
      () => { lists++; return core.listNamespacedPod({ namespace: 'default', labelSelector: 'tracked=yes' }); }, 'tracked=yes');
    const added: string[] = [];
    const deleted: string[] = [];
    informer.on('add', (p) => added.push(p.metadata!.name!));
    informer.on('delete', (p) => deleted.push(p.metadata!.name!));
    await informer.start();
    await core.createNamespacedPod({ namespace: 'default', body: pod('t1', { tracked: 'yes' }) });
    await core.createNamespacedPod({ namespace: 'default', body: pod('t2', { tracked: 'yes' }) });
    await core.deleteNamespacedPod({ namespace: 'default', name: 't1' });
    await until(() => added.includes('t2') && deleted.includes('t1'));
    // Churn past the watch cache's window on pods the informer does not see, then drop its watch:
    // it resumes from its last resourceVersion, gets 410 Expired, and must relist.
    for (let i = 0; i < 30; i++) {
      await core.patchNamespacedPod({ namespace: 'default', name: 'a', body: { metadata: { labels: { n: String(i) } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    }
    assert.equal(lists, 1);
    cluster.closeWatches();
    await until(() => lists === 2);
    await sleep(100);
    await informer.stop();
    assert.deepEqual(informer.list().map((p) => p.metadata?.name).sort(), ['t2']);
  });

  test('a websocket watch sees the same events as a chunked one', async () => {
    const rv = (await core.listNamespacedPod({ namespace: 'default' })).metadata!.resourceVersion!;
    const path = `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}&labelSelector=ws=yes`;
    const wsEvents: any[] = [];
    const ws = new WebSocket(cluster.url.replace('http', 'ws') + path);
    ws.on('message', (data) => wsEvents.push(JSON.parse(String(data))));
    await new Promise((r) => ws.on('open', r));
    const chunked = readWatch(cluster, path, 3, 5000);
    await sleep(200);
    await core.createNamespacedPod({ namespace: 'default', body: pod('w', { ws: 'yes' }) });
    await core.patchNamespacedPod({ namespace: 'default', name: 'w', body: { metadata: { labels: { more: '1' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await core.deleteNamespacedPod({ namespace: 'default', name: 'w' });
    const httpEvents = await chunked;
    await until(() => wsEvents.length >= 3);
    ws.close();
    const summary = (es: any[]) => es.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`);
    assert.deepEqual(summary(wsEvents), summary(httpEvents));
    assert.deepEqual(httpEvents.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  });
});
}
