// tinykube on etcd: two processes (here two servers in one test process, each with its own
// store client and caches) serve one cluster. Writes through one are seen by watches on the other,
// and resourceVersions agree.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { startEtcd, type EtcdServer } from './etcd.js';
import { http, kubectl, readWatch, sleep, withCluster } from './helpers.js';
import { needs } from './peers.js';

const skip = needs('etcd-server');

describe('two tinykube servers on one etcd', { skip }, () => {
  let etcd: EtcdServer;
  let a: Cluster;
  let b: Cluster;
  before(async () => {
    etcd = await startEtcd();
    a = await withCluster({ store: 'etcd', etcd: { endpoints: [etcd.endpoint] }, controlPlane: true, nodes: 2 });
    b = await withCluster({ store: 'etcd', etcd: { endpoints: [etcd.endpoint] } });
  });
  after(async () => { await b?.close(); await a?.close(); await etcd?.stop(); });

  test('kubectl writes through one; a watch on the other sees it; resourceVersions agree', async () => {
    const leases = '/apis/coordination.k8s.io/v1/namespaces/default/leases';
    const list = (await http(b, 'GET', leases)).json();
    const watched = readWatch(b, `${leases}?watch=1&resourceVersion=${list.metadata.resourceVersion}`, 1, 8000);
    await sleep(200);
    const created = await kubectl('1.33', a, ['create', '-f', '-'], { stdin: 'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: across\nspec:\n  holderIdentity: a\n' });
    assert.deepEqual([created.code, created.stdout], [0, 'lease.coordination.k8s.io/across created\n'], created.stderr);
    const [event] = await watched;
    assert.deepEqual([event.type, event.object.metadata.name], ['ADDED', 'across']);
    const onA = (await http(a, 'GET', `${leases}/across`)).json();
    const onB = (await http(b, 'GET', `${leases}/across`)).json();
    assert.equal(event.object.metadata.resourceVersion, onA.metadata.resourceVersion);
    assert.deepEqual(onB, onA);
  });

  test('the control plane on one server runs pods created through the other', async () => {
    const created = await kubectl('1.33', b, ['run', 'across', '--image=nginx']);
    assert.equal(created.code, 0, created.stderr);
    for (let i = 0; i < 50; i++) {
      const onB = (await http(b, 'GET', '/api/v1/namespaces/default/pods/across')).json();
      if (onB.status.phase === 'Running') {
        const onA = (await http(a, 'GET', '/api/v1/namespaces/default/pods/across')).json();
        assert.equal(onB.metadata.resourceVersion, onA.metadata.resourceVersion);
        return;
      }
      await sleep(100);
    }
    assert.fail('the pod never ran');
  });

  test('an update through one and a stale update through the other conflict', async () => {
    const pod = (await http(b, 'GET', '/api/v1/namespaces/default/pods/across')).json();
    const first = await http(a, 'PUT', '/api/v1/namespaces/default/pods/across', { ...pod, metadata: { ...pod.metadata, labels: { from: 'a' } } });
    assert.equal(first.status, 200);
    const second = await http(b, 'PUT', '/api/v1/namespaces/default/pods/across', { ...pod, metadata: { ...pod.metadata, labels: { from: 'b' } } });
    assert.deepEqual([second.status, second.json().reason], [409, 'Conflict']);
  });
});
