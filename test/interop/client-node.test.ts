// @kubernetes/client-node 1.4.0 and 2.0.1 against a tinykube with its control plane and one node:
// CRUD, errors, every patch helper, list and watch, bookmarks, the informer and its ObjectCache
// (relisting after a 410), and exec over websocket. Each story is a cell of the matrix.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe } from 'node:test';
import * as k8s14 from '@kubernetes/client-node';
import * as k8s20 from 'client-node-2';
import type { Cluster } from '../../src/index.js';
import { eventually, http, withCluster } from '../helpers.js';
import { clientStories } from './matrix.js';

type ClientNode = typeof k8s14;

const pod = (name: string, labels: Record<string, string> = {}): k8s14.V1Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'main', image: 'nginx:1.25' }] },
});

function installedVersion(pkg: string): string {
  return JSON.parse(readFileSync(new URL(`../../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')).version;
}

const VERSIONS: [string, string, ClientNode][] = [
  ['1.4.0', '@kubernetes/client-node', k8s14],
  ['2.0.1', 'client-node-2', k8s20 as unknown as ClientNode],
];

for (const [version, pkg, k8s] of VERSIONS) {
  describe(`@kubernetes/client-node ${version}`, () => {
    const { story, exactVersion } = clientStories('client-node', version);
    let cluster: Cluster;
    let kc: k8s14.KubeConfig;
    let core: k8s14.CoreV1Api;
    const ns = 'default';
    const mergePatch = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    const relabel = (name: string, labels: Record<string, string>) => core.patchNamespacedPod({ namespace: ns, name, body: { metadata: { labels } } }, mergePatch());

    before(async () => {
      exactVersion(installedVersion(pkg));
      assert.equal(installedVersion(pkg), version);
      cluster = await withCluster({ controlPlane: true, nodes: 1, watchCacheCapacity: 20, bookmarkIntervalMs: 300 });
      kc = new k8s.KubeConfig();
      kc.loadFromFile(cluster.kubeconfigPath);
      core = kc.makeApiClient(k8s.CoreV1Api);
    });
    after(async () => { await cluster.close(); });

    story('crud', async () => {
      const namespaces = await core.listNamespace();
      assert.deepEqual(namespaces.items.map((n) => n.metadata?.name), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
      const created = await core.createNamespacedPod({ namespace: ns, body: pod('a', { app: 'x' }) });
      assert.equal(created.metadata?.uid?.length, 36);
      assert.equal(created.status?.phase, 'Pending');
      const listed = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=x' });
      assert.deepEqual(listed.items.map((p) => p.metadata?.name), ['a']);
      assert.match(listed.metadata?.resourceVersion ?? '', /^\d+$/);
      const read = await core.readNamespacedPod({ namespace: ns, name: 'a' });
      read.metadata = { ...read.metadata, annotations: { note: 'replaced' } };
      const replaced = await core.replaceNamespacedPod({ namespace: ns, name: 'a', body: read });
      assert.equal(replaced.metadata?.annotations?.note, 'replaced');
      const svc = await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 's' }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } } });
      assert.match(svc.spec?.clusterIP ?? '', /^10\.\d+\.\d+\.\d+$/);
      assert.equal(svc.spec?.ports?.[0].targetPort, 80);
      const deleted = await core.deleteNamespacedService({ namespace: ns, name: 's' });
      assert.equal(deleted.metadata?.name, 's');
      const doomed = await core.createNamespacedPod({ namespace: ns, body: pod('doomed') });
      const deleting = await core.deleteNamespacedPod({ namespace: ns, name: 'doomed', gracePeriodSeconds: 0 });
      assert.equal(deleting.metadata?.uid, doomed.metadata?.uid);
      await eventually(async () => (await http(cluster, 'GET', `/api/v1/namespaces/${ns}/pods/doomed`)).status === 404, 5000, 'the pod is gone');
    });

    story('errors', async () => {
      const rejects = async (call: Promise<unknown>, code: number, reason: string, message: string) => {
        await assert.rejects(call, (e: k8s14.ApiException<string>) => {
          assert.equal(e.code, code);
          const status = JSON.parse(e.body);
          assert.deepEqual([status.kind, status.reason, status.message], ['Status', reason, message]);
          return true;
        });
      };
      await rejects(core.readNamespacedPod({ namespace: ns, name: 'nope' }), 404, 'NotFound', 'pods "nope" not found');
      await rejects(core.createNamespacedPod({ namespace: ns, body: pod('a') }), 409, 'AlreadyExists', 'pods "a" already exists');
      // A service, which no controller writes to, so the only other writer is this test.
      const current = await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'rw' }, spec: { ports: [{ port: 80 }] } } });
      const stale = structuredClone(current);
      current.metadata = { ...current.metadata, labels: { fresh: 'yes' } };
      await core.replaceNamespacedService({ namespace: ns, name: 'rw', body: current });
      stale.metadata = { ...stale.metadata, labels: { stale: 'yes' } };
      await rejects(core.replaceNamespacedService({ namespace: ns, name: 'rw', body: stale }), 409, 'Conflict',
        'Operation cannot be fulfilled on services "rw": the object has been modified; please apply your changes to the latest version and try again');
      await rejects(core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'broken' }, spec: { containers: [{ name: 'c' }] } } }), 422, 'Invalid',
        'Pod "broken" is invalid: spec.containers[0].image: Required value');
    });

    story('patch', async () => {
      // Without the token volume: a merge patch replaces the whole containers list, which would
      // drop its mount, and kube refuses that change to a pod as tinykube does.
      for (const name of ['pa', 'pb', 'pc', 'pd']) {
        await core.createNamespacedPod({ namespace: ns, body: { metadata: { name, labels: { app: 'p', drop: 'me' } }, spec: { automountServiceAccountToken: false, containers: [{ name: 'main', image: 'nginx:1.25' }] } } });
      }
      const as = (type: string) => k8s.setHeaderOptions('Content-Type', type);
      await core.patchNamespacedPod({ namespace: ns, name: 'pa', body: [{ op: 'replace', path: '/spec/containers/0/image', value: 'nginx:1.26' }, { op: 'remove', path: '/metadata/labels/drop' }] }, as(k8s.PatchStrategy.JsonPatch));
      await core.patchNamespacedPod({ namespace: ns, name: 'pb', body: { metadata: { labels: { drop: null } }, spec: { containers: [{ name: 'main', image: 'nginx:1.26' }] } } }, as(k8s.PatchStrategy.MergePatch));
      await core.patchNamespacedPod({ namespace: ns, name: 'pc', body: { metadata: { labels: { drop: null } }, spec: { containers: [{ name: 'main', image: 'nginx:1.26' }] } } }, as(k8s.PatchStrategy.StrategicMergePatch));
      await core.patchNamespacedPod({ namespace: ns, name: 'pd', fieldManager: 'client-node', force: true, body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pd', labels: { app: 'p' } }, spec: { containers: [{ name: 'main', image: 'nginx:1.26' }] } } }, as(k8s.PatchStrategy.ServerSideApply));
      const read = (name: string) => core.readNamespacedPod({ namespace: ns, name });
      for (const name of ['pa', 'pb', 'pc', 'pd']) {
        const p = await read(name);
        assert.deepEqual([p.spec?.containers.length, p.spec?.containers[0].image, p.spec?.containers[0].imagePullPolicy], [1, 'nginx:1.26', 'IfNotPresent'], name);
      }
      for (const name of ['pa', 'pb', 'pc']) assert.deepEqual((await read(name)).metadata?.labels, { app: 'p' }, name);
      // Apply leaves fields another manager set alone: `drop` was set at create by another manager.
      const applied = await read('pd');
      assert.deepEqual(applied.metadata?.labels, { app: 'p', drop: 'me' });
      const managers = (applied.metadata?.managedFields ?? []).map((m) => `${m.manager}/${m.operation}`);
      assert.ok(managers.includes('client-node/Apply'), managers.join());
    });

    story('list-watch', async () => {
      const list = await core.listNamespacedPod({ namespace: ns });
      const events: string[] = [];
      const watch = new k8s.Watch(kc);
      const req = await watch.watch(`/api/v1/namespaces/${ns}/pods`, { resourceVersion: list.metadata?.resourceVersion, labelSelector: 'app=w' },
        (type, obj: k8s14.V1Pod) => events.push(`${type} ${obj.metadata?.name}`), () => {});
      await core.createNamespacedPod({ namespace: ns, body: pod('w', { app: 'w' }) });
      await relabel('w', { app: 'w', v: '2' });
      await core.deleteNamespacedPod({ namespace: ns, name: 'w', gracePeriodSeconds: 0 });
      await eventually(() => events.at(-1) === 'DELETED w', 5000, 'the DELETED event');
      req.abort();
      // The kubelet's status writes add MODIFIED events; every change arrives, in order.
      assert.equal(events[0], 'ADDED w');
      assert.ok(events.slice(1, -1).every((e) => e === 'MODIFIED w') && events.length >= 3, events.join());
    });

    story('bookmarks', async () => {
      const rv = (await core.listNamespacedPod({ namespace: ns })).metadata?.resourceVersion;
      const bookmarks: k8s14.V1Pod[] = [];
      const watch = new k8s.Watch(kc);
      const path = `/api/v1/namespaces/${ns}/pods`;
      const quiet = { labelSelector: 'never=seen', allowWatchBookmarks: true };
      const req = await watch.watch(path, { ...quiet, resourceVersion: rv }, (type, obj) => { if (type === 'BOOKMARK') bookmarks.push(obj); }, () => {});
      // Churn past the watch cache's window on pods this watch does not see.
      let last = 0;
      for (let i = 0; i < 30; i++) last = Number((await relabel('a', { app: 'x', n: String(i) })).metadata?.resourceVersion);
      const bookmark = await eventually(() => bookmarks.find((b) => Number(b.metadata?.resourceVersion) >= last), 5000, 'a bookmark past the churn');
      req.abort();
      assert.deepEqual([bookmark.kind, bookmark.apiVersion], ['Pod', 'v1']);
      // Resuming from the bookmark works; resuming from before the churn is 410 Gone.
      const resumed: string[] = [];
      const again = await watch.watch(path, { ...quiet, resourceVersion: bookmark.metadata?.resourceVersion }, (type, obj) => resumed.push(`${type} ${obj.code ?? ''}`), () => {});
      const expired: string[] = [];
      const old = await watch.watch(path, { ...quiet, resourceVersion: rv }, (type, obj) => expired.push(`${type} ${obj.code ?? ''}`), () => {});
      await eventually(() => expired.length > 0 && resumed.length > 0, 5000, 'events on both watches');
      again.abort();
      old.abort();
      assert.deepEqual(expired[0], 'ERROR 410');
      assert.equal(resumed[0], 'BOOKMARK ');
    });

    story('informer', async () => {
      let lists = 0;
      const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/pods`,
        () => { lists++; return core.listNamespacedPod({ namespace: ns, labelSelector: 'tracked=yes' }); }, 'tracked=yes');
      const added: string[] = [];
      const deleted: string[] = [];
      informer.on('add', (p) => added.push(p.metadata?.name ?? ''));
      informer.on('delete', (p) => deleted.push(p.metadata?.name ?? ''));
      await informer.start();
      await core.createNamespacedPod({ namespace: ns, body: pod('t1', { tracked: 'yes' }) });
      await core.createNamespacedPod({ namespace: ns, body: pod('t2', { tracked: 'yes' }) });
      await core.deleteNamespacedPod({ namespace: ns, name: 't1', gracePeriodSeconds: 0 });
      await eventually(() => added.includes('t2') && deleted.includes('t1'), 5000, 'the informer saw t2 added and t1 deleted');
      // The ObjectCache answers from memory.
      assert.deepEqual(informer.list(ns).map((p) => p.metadata?.name), ['t2']);
      assert.equal(informer.get('t2', ns)?.metadata?.labels?.tracked, 'yes');
      assert.equal(informer.get('t1', ns), undefined);
      // Once t2 is running (no more events for the informer), churn past the watch cache's window
      // on pods it does not see, then drop its watch: it resumes from its last resourceVersion,
      // gets 410 Expired, and must relist.
      await eventually(() => informer.get('t2', ns)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'), 5000, 't2 ready');
      for (let i = 0; i < 30; i++) await relabel('a', { app: 'x', m: String(i) });
      assert.equal(lists, 1);
      cluster.closeWatches();
      await eventually(() => lists === 2, 5000, 'a relist');
      await core.createNamespacedPod({ namespace: ns, body: pod('t3', { tracked: 'yes' }) });
      await eventually(() => informer.get('t3', ns), 5000, 'the informer watches again after relisting');
      await informer.stop();
      assert.deepEqual(informer.list(ns).map((p) => p.metadata?.name).sort(), ['t2', 't3']);
    });

    story('exec', async () => {
      await core.createNamespacedPod({ namespace: ns, body: pod('shell') });
      await eventually(async () => (await core.readNamespacedPod({ namespace: ns, name: 'shell' })).status?.phase === 'Running', 5000, 'the pod running');
      const exec = new k8s.Exec(kc);
      const run = (command: string[], stdin: Readable | null = null) => new Promise<{ out: string; err: string; status: k8s14.V1Status }>((resolve, reject) => {
        const stdout = new PassThrough();
        const stderr = new PassThrough();
        let out = '';
        let err = '';
        stdout.on('data', (d) => { out += d; });
        stderr.on('data', (d) => { err += d; });
        exec.exec(ns, 'shell', 'main', command, stdout, stderr, stdin, false, (status) => setTimeout(() => resolve({ out, err, status }), 50)).catch(reject);
      });
      const echo = await run(['echo', 'hi']);
      assert.deepEqual([echo.out, echo.err, echo.status.status], ['hi\n', '', 'Success']);
      const cat = await run(['cat'], Readable.from(['from ', 'stdin\n']));
      assert.deepEqual([cat.out, cat.status.status], ['from stdin\n', 'Success']);
      const failed = await run(['sleep', 'x']);
      assert.deepEqual([failed.err, failed.status.status, failed.status.reason], ["sleep: invalid number 'x'\n", 'Failure', 'NonZeroExitCode']);
      const exit3 = await run(['sh', '-c', 'exit 3']);
      assert.deepEqual(exit3.status.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
      assert.equal(exit3.status.message, 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3');
    });

    story('port-forward', async () => {
      await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'forwarded' }, spec: { containers: [{ name: 'kubia', image: 'luksa/kubia', ports: [{ containerPort: 8080 }] }] } } });
      await eventually(async () => (await core.readNamespacedPod({ namespace: ns, name: 'forwarded' })).status?.phase === 'Running', 5000, 'the pod running');
      const forward = new k8s.PortForward(kc);
      const local = createServer((socket) => { void forward.portForward(ns, 'forwarded', [8080], socket, null, socket); });
      await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
      try {
        const port = (local.address() as AddressInfo).port;
        const reply = await new Promise<string>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => { body += c; });
            res.on('end', () => resolve(body));
          });
          req.on('error', reject);
          req.end();
        });
        assert.equal(reply, "You've hit forwarded\n");
      } finally {
        local.close();
      }
    });
  });
}
