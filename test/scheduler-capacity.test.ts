// The scheduler counts each pod on its node once: assumed while its binding is written, then
// bound. Pods created all at once onto nodes that hold three each fill them to exactly three; the
// rest wait with kube-scheduler's FailedScheduling text, and a pod deleted makes room for one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, withCluster } from './helpers.js';

const PODS = '/api/v1/namespaces/default/pods';

/** A node no kubelet runs (as scheduler_perf's), with room for three pods. */
const node = (name: string) => ({
  apiVersion: 'v1', kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name }, annotations: { 'tinykube.io/kubelet': 'stopped' } },
  status: {
    capacity: { cpu: '4', memory: '8Gi', pods: '3' }, allocatable: { cpu: '4', memory: '8Gi', pods: '3' },
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
  },
});
const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'fill' } }, spec: { containers: [{ name: 'c', image: 'test-image' }] } });

interface Pod { metadata: { name: string }; spec: { nodeName?: string } }

describe('scheduler capacity', () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster({ controlPlane: true, nodes: 0 }); });
  after(async () => { await cluster.close(); });

  const pods = async () => (await http(cluster, 'GET', `${PODS}?labelSelector=app%3Dfill`)).json().items as Pod[];
  const perNode = (items: Pod[]) => {
    const counts: Record<string, number> = {};
    for (const p of items) counts[p.spec.nodeName ?? ''] = (counts[p.spec.nodeName ?? ''] ?? 0) + 1;
    return counts;
  };

  test('pods created at once fill each node to its pod capacity, no further; a deleted one makes room for one', async () => {
    for (const name of ['small-1', 'small-2']) assert.equal((await http(cluster, 'POST', '/api/v1/nodes', node(name))).status, 201);
    const created = await Promise.all(Array.from({ length: 10 }, (_, i) => http(cluster, 'POST', PODS, pod(`fill-${i}`))));
    assert.deepEqual(created.map((r) => r.status), Array(10).fill(201));
    const waiting = await eventually(async () => {
      const events = (await http(cluster, 'GET', '/api/v1/namespaces/default/events?fieldSelector=reason%3DFailedScheduling')).json().items as { involvedObject: { name: string }; message: string }[];
      return new Set(events.map((e) => e.involvedObject.name)).size === 4 && events;
    }, 5000, 'four pods FailedScheduling');
    assert.equal(waiting[0].message, '0/2 nodes are available: 2 Too many pods. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.');
    assert.deepEqual(perNode(await pods()), { 'small-1': 3, 'small-2': 3, '': 4 });

    const victim = (await pods()).find((p) => p.spec.nodeName === 'small-2')!;
    assert.equal((await http(cluster, 'DELETE', `${PODS}/${victim.metadata.name}?gracePeriodSeconds=0`)).status, 200);
    await eventually(async () => perNode(await pods())['small-2'] === 3, 15_000, 'one waiting pod bound to small-2');
    // And no more: the other three stay waiting through the scheduler's retries.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(perNode(await pods()), { '': 3, 'small-1': 3, 'small-2': 3 });
  });
});
