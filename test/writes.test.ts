// The write path with real kubectl (1.27, 1.30, 1.33; protobuf bodies with 1.32 and 1.33) and
// @kubernetes/client-node, checking the stored object after each command.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { Cluster } from '../src/index.js';
import { http, KUBECTL_VERSIONS, kubectl, withCluster } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tinykube-writes-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const rc = (opts: { labels: string; images: [string, string][] }) => `apiVersion: v1
kind: ReplicationController
metadata:
  name: web
  labels:
${opts.labels}
spec:
  replicas: 2
  selector:
    app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
${opts.images.map(([n, i]) => `      - name: ${n}\n        image: ${i}`).join('\n')}
`;
const RC_V1 = file('rc-v1.yaml', rc({ labels: '    app: web\n    stage: beta', images: [['main', 'nginx:1.25']] }));
const RC_V2 = file('rc-v2.yaml', rc({ labels: '    app: web', images: [['main', 'nginx:1.26'], ['sidecar', 'busybox']] }));
const POD = (image: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ssa\n  labels:\n    app: ssa\nspec:\n  containers:\n  - name: main\n    image: ${image}\n`;
const BAD = file('bad.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n  - name: c\n    image: nginx\n    bogus: 1\n');
const EDITOR = file('editor.sh', "#!/bin/sh\nsed -i 's/image: nginx:1.26/image: nginx:1.27/' \"$1\"\n");
chmodSync(EDITOR, 0o755);

for (const v of KUBECTL_VERSIONS) {
  describe(`writes with kubectl ${v}`, () => {
    let cluster: Cluster;
    const k = (args: string[], env?: Record<string, string>) => kubectl(v, cluster, args, { env });
    const ok = async (...args: string[]) => {
      const r = await k(args);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const get = async (path: string) => (await http(cluster, 'GET', path)).json();
    const rcPath = '/api/v1/namespaces/default/replicationcontrollers/web';

    before(async () => { cluster = await withCluster(); });
    after(async () => { await cluster.close(); });

    test('client-side apply: create, change (image, label removed, container added), unchanged, diff', async () => {
      assert.equal(await ok('apply', '-f', RC_V1), 'replicationcontroller/web created\n');
      assert.equal(await ok('apply', '-f', RC_V2), 'replicationcontroller/web configured\n');
      const stored = await get(rcPath);
      assert.deepEqual(stored.metadata.labels, { app: 'web' });
      assert.deepEqual(stored.spec.template.spec.containers.map((c: any) => `${c.name}=${c.image}`), ['main=nginx:1.26', 'sidecar=busybox']);
      assert.equal(stored.metadata.generation, 2);
      assert.ok(stored.metadata.managedFields.some((m: any) => m.manager === 'kubectl-client-side-apply' && m.operation === 'Update'));
      assert.equal(await ok('apply', '-f', RC_V2), 'replicationcontroller/web unchanged\n');
      assert.equal((await get(rcPath)).metadata.resourceVersion, stored.metadata.resourceVersion);
      const same = await k(['diff', '-f', RC_V2]);
      assert.deepEqual([same.code, same.stdout], [0, '']);
      const changed = await k(['diff', '-f', RC_V1]);
      assert.equal(changed.code, 1);
      assert.match(changed.stdout, /^-\s+- image: nginx:1\.26$/m);
      assert.match(changed.stdout, /^\+\s+- image: nginx:1\.25$/m);
      assert.equal((await get(rcPath)).metadata.resourceVersion, stored.metadata.resourceVersion, 'diff persists nothing');
    });

    test('patch: strategic merges containers by name, merge deletes with null, a failing json test changes nothing', async () => {
      await ok('patch', 'rc', 'web', '--type', 'strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}');
      let stored = await get(rcPath);
      assert.deepEqual(stored.spec.template.spec.containers.map((c: any) => `${c.name}=${c.image}`), ['main=nginx:1.26', 'sidecar=busybox:1.36']);
      await ok('patch', 'rc', 'web', '--type', 'merge', '-p', '{"metadata":{"labels":{"temp":"x"}}}');
      await ok('patch', 'rc', 'web', '--type', 'merge', '-p', '{"metadata":{"labels":{"temp":null}}}');
      stored = await get(rcPath);
      assert.deepEqual(stored.metadata.labels, { app: 'web' });
      const failed = await k(['patch', 'rc', 'web', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":9},{"op":"test","path":"/metadata/name","value":"other"}]']);
      assert.equal(failed.code, 1);
      assert.match(failed.stderr, /the server rejected our request due to an error in our request/);
      const after = await get(rcPath);
      assert.deepEqual([after.spec.replicas, after.metadata.resourceVersion], [2, stored.metadata.resourceVersion]);
      await ok('patch', 'rc', 'web', '--type', 'json', '-p', '[{"op":"test","path":"/spec/replicas","value":2},{"op":"replace","path":"/spec/replicas","value":3}]');
      assert.equal((await get(rcPath)).spec.replicas, 3);
    });

    test('label and annotate: add, --overwrite, remove', async () => {
      await ok('label', 'rc', 'web', 'tier=front');
      const refused = await k(['label', 'rc', 'web', 'tier=back']);
      assert.equal(refused.code, 1);
      await ok('label', 'rc', 'web', 'tier=back', '--overwrite');
      assert.equal((await get(rcPath)).metadata.labels.tier, 'back');
      await ok('label', 'rc', 'web', 'tier-');
      assert.equal((await get(rcPath)).metadata.labels.tier, undefined);
      await ok('annotate', 'rc', 'web', 'note=hi');
      await ok('annotate', 'rc', 'web', 'note=bye', '--overwrite');
      assert.equal((await get(rcPath)).metadata.annotations.note, 'bye');
      await ok('annotate', 'rc', 'web', 'note-');
      assert.equal((await get(rcPath)).metadata.annotations.note, undefined);
      const managers = (await get(rcPath)).metadata.managedFields.map((m: any) => m.manager);
      assert.ok(managers.includes('kubectl-patch'));
    });

    test('edit with EDITOR set to a script', async () => {
      const r = await k(['edit', 'rc', 'web'], { EDITOR });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'replicationcontroller/web edited\n');
      assert.equal((await get(rcPath)).spec.template.spec.containers[0].image, 'nginx:1.27');
    });

    test('server-side apply: create, update, conflict, --force-conflicts, both managers recorded', async () => {
      const v1 = file(`ssa-${v}-1.yaml`, POD('nginx:1.25'));
      assert.equal(await ok('apply', '--server-side', '-f', v1), 'pod/ssa serverside-applied\n');
      const podPath = '/api/v1/namespaces/default/pods/ssa';
      let pod = await get(podPath);
      assert.deepEqual(pod.metadata.managedFields.map((m: any) => `${m.manager}/${m.operation}`), ['kubectl/Apply']);
      assert.deepEqual(pod.metadata.managedFields[0].fieldsV1, { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"main"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } });
      await ok('apply', '--server-side', '-f', file(`ssa-${v}-2.yaml`, POD('nginx:1.26')));
      assert.equal((await get(podPath)).spec.containers[0].image, 'nginx:1.26');
      const other = file(`ssa-${v}-3.yaml`, POD('nginx:1.27'));
      const conflict = await k(['apply', '--server-side', '--field-manager=other', '-f', other]);
      assert.equal(conflict.code, 1);
      assert.match(conflict.stderr, /^error: Apply failed with 1 conflict: conflict with "kubectl": \.spec\.containers\[name="main"\]\.image$/m);
      assert.equal((await get(podPath)).spec.containers[0].image, 'nginx:1.26');
      await ok('apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', other);
      pod = await get(podPath);
      assert.equal(pod.spec.containers[0].image, 'nginx:1.27');
      const byManager = Object.fromEntries(pod.metadata.managedFields.map((m: any) => [m.manager, m.fieldsV1]));
      assert.deepEqual(Object.keys(byManager).sort(), ['kubectl', 'other']);
      assert.equal(byManager.kubectl['f:spec']['f:containers']['k:{"name":"main"}']['f:image'], undefined, 'the forced field moved to the new manager');
      assert.deepEqual(byManager.other['f:spec']['f:containers']['k:{"name":"main"}']['f:image'], {});
    });

    test('--dry-run=server on create, apply, patch and delete persists nothing', async () => {
      const before = await get('/api/v1/namespaces/default/pods');
      assert.equal(await ok('run', 'dry', '--image=nginx', '--dry-run=server'), 'pod/dry created (server dry run)\n');
      assert.equal((await http(cluster, 'GET', '/api/v1/namespaces/default/pods/dry')).status, 404);
      assert.equal(await ok('apply', '-f', RC_V1, '--dry-run=server'), 'replicationcontroller/web configured (server dry run)\n');
      assert.equal(await ok('patch', 'pod', 'ssa', '-p', '{"metadata":{"labels":{"dry":"run"}}}', '--dry-run=server'), 'pod/ssa patched\n', 'kubectl does not mark patch dry runs');
      assert.equal(await ok('delete', 'pod', 'ssa', '--dry-run=server'), 'pod "ssa" deleted (server dry run)\n');
      const after = await get('/api/v1/namespaces/default/pods');
      assert.deepEqual(after.items, before.items);
      assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'no revision was used');
    });

    test('unknown fields: strict fails with kube\'s text, --validate=warn warns and creates', async () => {
      const strict = await k(['create', '-f', BAD]);
      assert.equal(strict.code, 1);
      assert.equal(strict.stderr, `Error from server (BadRequest): error when creating "${BAD}": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].bogus"\n`);
      const warn = await k(['create', '-f', BAD, '--validate=warn']);
      assert.equal(warn.code, 0, warn.stderr);
      assert.equal(warn.stderr, 'Warning: unknown field "spec.containers[0].bogus"\n');
      assert.equal(warn.stdout, 'pod/bad created\n');
    });
  });
}

for (const v of ['1.32', '1.33']) {
  describe(`protobuf bodies from kubectl ${v}`, () => {
    let cluster: Cluster;
    before(async () => { cluster = await withCluster(); });
    after(async () => { await cluster.close(); });

    test('create namespace, create service clusterip, auth can-i', async () => {
      const ns = await kubectl(v, cluster, ['create', 'namespace', 'proto']);
      assert.deepEqual([ns.code, ns.stdout], [0, 'namespace/proto created\n'], ns.stderr);
      const stored = (await http(cluster, 'GET', '/api/v1/namespaces/proto')).json();
      assert.deepEqual([stored.status.phase, stored.spec.finalizers, stored.metadata.labels], ['Active', ['kubernetes'], { 'kubernetes.io/metadata.name': 'proto' }]);
      const svc = await kubectl(v, cluster, ['create', 'service', 'clusterip', 'pb', '--tcp=80:8080']);
      assert.deepEqual([svc.code, svc.stdout], [0, 'service/pb created\n'], svc.stderr);
      const s = (await http(cluster, 'GET', '/api/v1/namespaces/default/services/pb')).json();
      assert.deepEqual(s.spec.ports, [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }]);
      assert.deepEqual([s.spec.selector, s.spec.type, s.spec.sessionAffinity], [{ app: 'pb' }, 'ClusterIP', 'None']);
      assert.equal(s.metadata.generateName, undefined, 'zero values on the wire do not become fields');
      const can = await kubectl(v, cluster, ['auth', 'can-i', 'list', 'pods']);
      assert.deepEqual([can.code, can.stdout], [0, 'yes\n'], can.stderr);
    });

    test('drain --disable-eviction deletes with protobuf DeleteOptions; plain drain evicts', async () => {
      await http(cluster, 'POST', '/api/v1/nodes', { metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
      const onNode = (name: string) => http(cluster, 'POST', '/api/v1/namespaces/default/pods', { metadata: { name }, spec: { nodeName: 'n1', terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'nginx' }] } });
      await onNode('d1');
      const drained = await kubectl(v, cluster, ['drain', 'n1', '--disable-eviction', '--force', '--grace-period=0']);
      assert.equal(drained.code, 0, drained.stderr);
      assert.equal(drained.stdout, 'node/n1 cordoned\npod/d1 deleted\nnode/n1 drained\n');
      assert.equal((await http(cluster, 'GET', '/api/v1/nodes/n1')).json().spec.unschedulable, true);
      await kubectl(v, cluster, ['uncordon', 'n1']);
      await onNode('d2');
      const evicted = await kubectl(v, cluster, ['drain', 'n1', '--force']);
      assert.equal(evicted.code, 0, evicted.stderr);
      assert.match(evicted.stdout, /^pod\/d2 evicted$/m);
      assert.equal((await http(cluster, 'GET', '/api/v1/namespaces/default/pods/d2')).status, 404);
    });
  });
}

describe('@kubernetes/client-node patch helpers store what kubectl stores', () => {
  let cluster: Cluster;
  let core: k8s.CoreV1Api;
  before(async () => {
    cluster = await withCluster();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
    for (const name of ['a', 'b', 'c', 'd']) {
      await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name, labels: { app: 'x', drop: 'me' } }, spec: { containers: [{ name: 'main', image: 'nginx:1.25' }] } } });
    }
  });
  after(async () => { await cluster.close(); });

  const opts = (type: string) => k8s.setHeaderOptions('Content-Type', type);
  const read = async (name: string) => core.readNamespacedPod({ namespace: 'default', name });

  test('JSON patch, merge patch, strategic merge patch and server-side apply', async () => {
    await core.patchNamespacedPod({ namespace: 'default', name: 'a', body: [{ op: 'replace', path: '/spec/containers/0/image', value: 'nginx:1.26' }, { op: 'remove', path: '/metadata/labels/drop' }] }, opts(k8s.PatchStrategy.JsonPatch));
    await core.patchNamespacedPod({ namespace: 'default', name: 'b', body: { metadata: { labels: { drop: null } }, spec: { containers: [{ name: 'main', image: 'nginx:1.26' }] } } }, opts(k8s.PatchStrategy.MergePatch));
    await core.patchNamespacedPod({ namespace: 'default', name: 'c', body: { metadata: { labels: { drop: null } }, spec: { containers: [{ name: 'main', image: 'nginx:1.26' }] } } }, opts(k8s.PatchStrategy.StrategicMergePatch));
    const apply = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);
    await core.patchNamespacedPod({ namespace: 'default', name: 'd', fieldManager: 'client-node', force: true, body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'd', labels: { app: 'x' } }, spec: { containers: [{ name: 'main', image: 'nginx:1.26' }] } } }, apply);
    for (const name of ['a', 'b', 'c', 'd']) {
      const p = await read(name);
      assert.equal(p.spec!.containers[0].image, 'nginx:1.26', name);
      assert.equal(p.spec!.containers[0].imagePullPolicy, 'IfNotPresent', name);
    }
    for (const name of ['a', 'b', 'c']) assert.deepEqual((await read(name)).metadata!.labels, { app: 'x' }, name);
    // Apply leaves fields another manager set alone: `drop` was set at create by another manager.
    assert.deepEqual((await read('d')).metadata!.labels, { app: 'x', drop: 'me' });
    const managers = (await read('d')).metadata!.managedFields!.map((m) => `${m.manager}/${m.operation}`).sort();
    assert.ok(managers.includes('client-node/Apply'), managers.join());
  });

  test('apply creates a missing object with 201, and rejects a missing fieldManager', async () => {
    const created = await http(cluster, 'PATCH', '/api/v1/namespaces/default/pods/fresh?fieldManager=t', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fresh' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(created.status, 201);
    const missing = await http(cluster, 'PATCH', '/api/v1/namespaces/default/pods/fresh', 'apiVersion: v1\nkind: Pod\n', { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(missing.status, 422);
    assert.equal(missing.json().message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  });
});
