// `kubectl top` as on a cluster with metrics-server: metrics.k8s.io/v1beta1 NodeMetrics and
// PodMetrics, from the simulated containers' usage (a tenth of the cpu requested, half the
// memory, at least 1m and 8Mi; nodes add 60m and 384Mi of their own), which a pod's annotations
// can set, so a test can drive what an autoscaler sees.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, withCluster } from './helpers.js';

const POD = 'apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec:\n  nodeName: node-1\n  containers:\n  - {name: c, image: nginx, resources: {requests: {cpu: 200m, memory: 64Mi}}}\n  - {name: side, image: busybox, command: [sleep, "3600"]}\n';

describe('kubectl top', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await withCluster({ controlPlane: true, nodes: 2, loadBalancerAddress: false });
    const created = await kubectl('1.33', cluster, ['create', '-f', '-'], { stdin: POD });
    assert.equal(created.code, 0, created.stderr);
    await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/pods/web')).json().status.phase === 'Running', 8000, 'web running');
  });
  after(async () => { await cluster.close(); });

  for (const v of ['1.27', '1.30', '1.33']) {
    test(`kubectl ${v}: top nodes and top pods --containers print metrics-server's numbers`, async () => {
      const nodes = await kubectl(v, cluster, ['top', 'nodes']);
      assert.equal(nodes.code, 0, nodes.stderr);
      const percent = v === '1.33' ? ['CPU(%)', 'MEMORY(%)'] : ['CPU%', 'MEMORY%'];
      const rows = nodes.stdout.trimEnd().split('\n').map((l) => l.trim().split(/\s+/));
      assert.deepEqual(rows, [
        ['NAME', 'CPU(cores)', percent[0], 'MEMORY(bytes)', percent[1]],
        ['node-1', '81m', '2%', '424Mi', '2%'],
        ['node-2', '60m', '1%', '384Mi', '2%'],
      ]);
      const pods = await kubectl(v, cluster, ['top', 'pods', '--containers']);
      assert.equal(pods.code, 0, pods.stderr);
      assert.deepEqual(pods.stdout.trimEnd().split('\n').map((l) => l.trim().split(/\s+/)), [
        ['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'], ['web', 'c', '20m', '32Mi'], ['web', 'side', '1m', '8Mi'],
      ]);
    });
  }

  test('annotations set a pod\'s usage; the API answers as metrics-server does', async () => {
    const annotated = await kubectl('1.33', cluster, ['annotate', 'pod', 'web', 'tinykube.io/cpu-usage=500m', 'tinykube.io/memory-usage=200Mi']);
    assert.equal(annotated.code, 0, annotated.stderr);
    const top = await kubectl('1.33', cluster, ['top', 'pod', 'web', '--no-headers']);
    assert.deepEqual(top.stdout.trim().split(/\s+/), ['web', '500m', '200Mi']);
    const metrics = (await http(cluster, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web')).json();
    assert.deepEqual([metrics.kind, metrics.apiVersion, metrics.metadata.labels, metrics.window], ['PodMetrics', 'metrics.k8s.io/v1beta1', { app: 'web' }, '10s']);
    assert.deepEqual(metrics.containers, [{ name: 'c', usage: { cpu: '250000000n', memory: '102400Ki' } }, { name: 'side', usage: { cpu: '250000000n', memory: '102400Ki' } }]);
    const list = (await http(cluster, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app=other')).json();
    assert.deepEqual([list.kind, list.items], ['PodMetricsList', []]);
    const missing = await http(cluster, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes/node-9');
    assert.deepEqual([missing.status, missing.json().message], [404, 'nodes.metrics.k8s.io "node-9" not found']);
    const write = await http(cluster, 'POST', '/apis/metrics.k8s.io/v1beta1/nodes', { metadata: { name: 'x' } });
    assert.equal(write.status, 405);
  });
});
