// The scheduler and controllers in a worker thread of their own (controllersInWorker,
// `--controllers-in-worker`): a registry over the API's store through a MessagePort
// (src/storage/store-channel.ts, whose own contract runs in store-contract.test.ts). Real kubectl
// against the API's thread sees what the controllers there did: a Deployment rolled out, its pods
// scheduled and Running on the kubelets of the API's thread, scaled, its events, its owners'
// garbage collected; the log lines come through this process's log.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { startCluster, type Cluster } from '../src/index.js';
import { StartupError } from '../src/cluster.js';
import { activityOf, type ActivityEvent } from '../src/observe/activity.js';
import { eventually, http, kubectlOk, rows, withCluster } from './helpers.js';

const KUBECTL = '1.33';

describe('the controllers in a worker thread', () => {
  let cluster: Cluster;
  let logged = '';
  before(async () => {
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => { logged += chunk.toString(); });
    cluster = await withCluster({ store: 'sqlite', controlPlane: true, controllersInWorker: true, nodes: 2, logging: { stream } });
  });
  after(async () => { await cluster?.close(); });

  test('they log through this process: the control plane started, with every controller', async () => {
    const started = await eventually(() => logged.split('\n').find((line) => line.includes('"Started the control plane"')), 8000, 'the start line');
    assert.match(started, /^I\d{4} [\d:.]+ +\d+ cluster\.ts:\d+\] "Started the control plane" controllers=\[namespace serviceaccount root-ca-cert-publisher garbage-collector scheduler replication replicaset deployment .* csrsigning\]$/);
  });

  test('a Deployment rolls out: its ReplicaSet and pods made there, scheduled there, Running on this thread\'s kubelets', async () => {
    await kubectlOk(KUBECTL, cluster, ['create', 'deployment', 'web', '--image=nginx', '--replicas=3']);
    assert.match(await kubectlOk(KUBECTL, cluster, ['rollout', 'status', 'deployment/web', '--timeout=30s']), /(^|\n)deployment "web" successfully rolled out\n$/);
    const pods = rows(await kubectlOk(KUBECTL, cluster, ['get', 'pods', '-l', 'app=web', '-o', 'wide']));
    assert.equal(pods.length, 4);
    for (const pod of pods.slice(1)) {
      assert.match(pod[0], /^web-[a-z0-9]+-[a-z0-9]{5}$/);
      assert.deepEqual([pod[1], pod[2]], ['1/1', 'Running']);
      assert.match(pod[6], /^node-[12]$/);
    }
    // The scheduler's events (events.k8s.io, reported by default-scheduler) and the ReplicaSet's.
    const scheduled = (await http(cluster, 'GET', '/api/v1/namespaces/default/events?fieldSelector=reason%3DScheduled')).json();
    assert.deepEqual(scheduled.items.map((e: any) => e.reportingComponent), ['default-scheduler', 'default-scheduler', 'default-scheduler']);
    const created = (await http(cluster, 'GET', '/api/v1/namespaces/default/events?fieldSelector=reason%3DSuccessfulCreate')).json();
    assert.deepEqual(created.items.map((e: any) => e.source.component), ['replicaset-controller', 'replicaset-controller', 'replicaset-controller']);
  });

  test('scaled down and deleted: the ReplicaSet controller deletes pods, the garbage collector the ReplicaSet and its pods', async () => {
    await kubectlOk(KUBECTL, cluster, ['scale', 'deployment/web', '--replicas=1']);
    await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).json().items.length === 1, 15_000, 'one pod left');
    await kubectlOk(KUBECTL, cluster, ['delete', 'deployment/web']);
    await eventually(async () => {
      const [sets, pods] = await Promise.all([
        http(cluster, 'GET', '/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dweb'),
        http(cluster, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb'),
      ]);
      return sets.json().items.length === 0 && pods.json().items.length === 0;
    }, 20_000, 'the ReplicaSet and its pods collected');
  });

  test('their actions reach this thread\'s activity feed while it has listeners: the scheduler\'s binding, the controllers\' events', async () => {
    const bus = activityOf(cluster.registry.store);
    const seen: ActivityEvent[] = [];
    const unsubscribe = bus.subscribe((e) => { if (e.object?.name?.startsWith('solo')) seen.push(e); });
    try {
      await kubectlOk(KUBECTL, cluster, ['create', 'job', 'solo', '--image=busybox', '--', 'true']);
      const bound = await eventually(() => seen.find((e) => e.component === 'scheduler'), 10_000, 'the binding');
      assert.equal(bound.action, 'bind');
      assert.equal(bound.object?.kind, 'Pod');
      assert.match(bound.object?.name ?? '', /^solo-[a-z0-9]{5}$/);
      assert.match(bound.node ?? '', /^node-[12]$/);
      assert.ok(!Number.isNaN(Date.parse(bound.time)));
      // The Job controller's SuccessfulCreate, as the controller-manager's.
      const created = await eventually(() => seen.find((e) => e.component === 'controller-manager'), 10_000, 'the job controller\'s event');
      assert.deepEqual([created.action, created.object?.kind, created.object?.name], ['job', 'Job', 'solo']);
    } finally {
      unsubscribe();
    }
  });

  test('a custom kind defined through this thread is served there too: the namespace controller empties its namespace', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    };
    assert.equal((await http(cluster, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
    await eventually(async () => (await http(cluster, 'GET', '/apis/example.com/v1/widgets')).status === 200, 8000, 'widgets served');
    assert.equal((await http(cluster, 'POST', '/api/v1/namespaces', { metadata: { name: 'shop' } })).status, 201);
    assert.equal((await http(cluster, 'POST', '/apis/example.com/v1/namespaces/shop/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' } })).status, 201);
    assert.equal((await http(cluster, 'DELETE', '/api/v1/namespaces/shop')).status, 200);
    await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/shop')).status === 404, 15_000, 'the namespace gone');
    assert.equal((await http(cluster, 'GET', '/apis/example.com/v1/namespaces/shop/widgets/w1')).status, 404);
  });
});

test('the controllers in a worker thread refuse a fixed clock and deterministic uids, which one thread owns', async () => {
  for (const options of [{ clock: new Date('2026-01-01T00:00:00Z') }, { deterministic: true }]) {
    await assert.rejects(startCluster({ port: 0, store: 'memory', controllersInWorker: true, ...options }), (e: unknown) => {
      assert.ok(e instanceof StartupError);
      assert.equal(e.message, 'the controllers cannot run in a worker thread with a fixed clock or deterministic uids');
      return true;
    });
  }
});
