// The library's defaults for tests: startCluster() with no options is a private in-memory cluster
// on a free port, its files removed by close() or at the end of an `await using` scope, and
// several in one process do not see each other.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import * as k8s2 from 'client-node-2';
import { startCluster } from '../src/index.js';
import { http } from './helpers.js';

test('await using startCluster(): private, in memory, on a free port, gone at the end of the scope', async () => {
  let kubeconfig: string;
  {
    await using cluster = await startCluster();
    kubeconfig = cluster.kubeconfigPath;
    assert.match(cluster.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(new URL(cluster.url).port, '8080');
    assert.match(readFileSync(kubeconfig, 'utf8'), new RegExp(`server: ${cluster.url}`));
    assert.equal((await http(cluster, 'GET', '/api/v1/namespaces/default')).json().metadata.name, 'default');
  }
  assert.equal(existsSync(dirname(kubeconfig)), false, 'the temporary data directory is removed');
});

test('clusters in one process do not interfere', async () => {
  const a = await startCluster({ controlPlane: false });
  const b = await startCluster({ controlPlane: false });
  try {
    assert.notEqual(a.url, b.url);
    assert.notEqual(dirname(a.kubeconfigPath), dirname(b.kubeconfigPath));
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'only-in-a' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    assert.equal((await http(a, 'POST', '/api/v1/namespaces/default/pods', pod)).status, 201);
    assert.equal((await http(b, 'GET', '/api/v1/namespaces/default/pods/only-in-a')).status, 404);
  } finally {
    await a.close();
    await b.close();
  }
  assert.equal(existsSync(dirname(a.kubeconfigPath)), false);
  assert.equal(existsSync(dirname(b.kubeconfigPath)), false);
});

test('a data directory that was given is kept', async () => {
  const data = mkdtempSync(join(tmpdir(), 'tinykube-given-'));
  const cluster = await startCluster({ data, store: 'sqlite', controlPlane: false });
  await cluster.close();
  assert.equal(existsSync(join(data, 'tinykube.db')), true);
  rmSync(data, { recursive: true, force: true });
});

test('cluster.kubeConfig(KubeConfig) is a ready KubeConfig of the client-node the caller uses (1.4 and 2.0)', async () => {
  await using cluster = await startCluster({ controlPlane: false });
  const one = cluster.kubeConfig(k8s.KubeConfig);
  assert.ok(one instanceof k8s.KubeConfig);
  assert.equal(one.getCurrentCluster()?.server, cluster.url);
  const namespaces = await one.makeApiClient(k8s.CoreV1Api).listNamespace();
  assert.deepEqual(namespaces.items.map((n) => n.metadata?.name), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  const two = cluster.kubeConfig(k8s2.KubeConfig);
  assert.ok(two instanceof k8s2.KubeConfig);
  const pod = await two.makeApiClient(k8s2.CoreV1Api).createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'from-kubeconfig' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } });
  assert.equal(pod.metadata?.name, 'from-kubeconfig');
});
