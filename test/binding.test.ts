// pods/binding as kube's BindingREST writes it: straight to storage. The pod gets its nodeName, the
// Binding's annotations and PodScheduled (replaced where it stands), and nothing else: no
// managedFields entry and no new generation, whether a client or the scheduler binds. The
// Binding's uid and resourceVersion are preconditions, refused in the storage layer's words.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, readWatch, withCluster } from './helpers.js';

const NS = 'default';
const PODS = `/api/v1/namespaces/${NS}/pods`;

const pod = (name: string, schedulerName = 'nobody') => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { schedulerName, containers: [{ name: 'c', image: 'test-image' }] },
});
const binding = (name: string, node: string, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Binding', metadata: { name, ...metadata }, target: { apiVersion: 'v1', kind: 'Node', name: node },
});
interface Condition { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }

describe('pods/binding', () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster({ controlPlane: true, nodes: 2, kubelet: { heartbeatMs: 1000, statusUpdateMs: 600_000 } }); });
  after(async () => { await cluster.close(); });

  const create = async (name: string, schedulerName?: string) => {
    const r = await http(cluster, 'POST', PODS, pod(name, schedulerName));
    assert.equal(r.status, 201, r.text);
    return r.json();
  };
  const get = async (name: string) => (await http(cluster, 'GET', `${PODS}/${name}`)).json();

  test('sets nodeName, the annotations and PodScheduled; no field manager, no new generation', async () => {
    const created = await create('plain');
    const r = await http(cluster, 'POST', `${PODS}/plain/binding`, binding('plain', 'node-1', { annotations: { 'example.com/placed-by': 'test' } }));
    assert.equal(r.status, 201, r.text);
    const bound = await get('plain');
    assert.equal(bound.spec.nodeName, 'node-1');
    assert.deepEqual(bound.metadata.annotations, { 'example.com/placed-by': 'test' });
    assert.deepEqual(bound.status.conditions.map((c: Condition) => [c.type, c.status, c.reason, c.message]), [['PodScheduled', 'True', undefined, undefined]]);
    assert.equal(bound.metadata.generation, 1);
    assert.deepEqual(bound.metadata.managedFields, created.metadata.managedFields);
    assert.notEqual(bound.metadata.resourceVersion, created.metadata.resourceVersion);
  });

  test('an unschedulable pod\'s PodScheduled is replaced where it stands', async () => {
    await create('waiting');
    const conditions = [
      { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/2 nodes are available', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' },
      { type: 'example.com/Gate', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' },
    ];
    const patched = await http(cluster, 'PATCH', `${PODS}/waiting/status`, { status: { conditions } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(patched.status, 200, patched.text);
    assert.equal((await http(cluster, 'POST', `${PODS}/waiting/binding`, binding('waiting', 'node-2'))).status, 201);
    const [scheduled, gate] = (await get('waiting')).status.conditions as Condition[];
    assert.deepEqual([scheduled.type, scheduled.status, scheduled.reason, scheduled.message], ['PodScheduled', 'True', undefined, undefined]);
    assert.notEqual(scheduled.lastTransitionTime, '2026-01-01T00:00:00Z', 'the status changed: a new transition time');
    assert.equal(gate.type, 'example.com/Gate');
  });

  test('the Binding\'s uid and resourceVersion are preconditions', async () => {
    const created = await create('pinned');
    const { uid, resourceVersion } = created.metadata;
    const wrongUid = await http(cluster, 'POST', `${PODS}/pinned/binding`, binding('pinned', 'node-1', { uid: 'not-the-uid' }));
    assert.deepEqual([wrongUid.status, wrongUid.json().reason, wrongUid.json().message], [409, 'Conflict',
      `Operation cannot be fulfilled on pods "pinned": StorageError: invalid object, Code: 4, Key: /registry/pods/${NS}/pinned, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${uid}`]);
    const staleRv = await http(cluster, 'POST', `${PODS}/pinned/binding`, binding('pinned', 'node-1', { uid, resourceVersion: '1' }));
    assert.deepEqual([staleRv.status, staleRv.json().message], [409,
      `Operation cannot be fulfilled on pods "pinned": StorageError: invalid object, Code: 4, Key: /registry/pods/${NS}/pinned, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ${resourceVersion}`]);
    assert.equal((await get('pinned')).spec.nodeName, undefined);
    const right = await http(cluster, 'POST', `${PODS}/pinned/binding`, binding('pinned', 'node-1', { uid, resourceVersion }));
    assert.equal(right.status, 201, right.text);
    assert.equal((await get('pinned')).spec.nodeName, 'node-1');
  });

  test('the Binding names the pod its URL does', async () => {
    await create('named');
    for (const body of [binding('other', 'node-1'), { ...binding('named', 'node-1'), metadata: {} }]) {
      const r = await http(cluster, 'POST', `${PODS}/named/binding`, body);
      assert.deepEqual([r.status, r.json().reason, r.json().message], [400, 'BadRequest', 'name in URL does not match name in Binding object']);
    }
    assert.equal((await get('named')).spec.nodeName, undefined);
  });

  test('a pod with scheduling gates is not bound', async () => {
    const gated = { ...pod('gated'), spec: { ...pod('gated').spec, schedulingGates: [{ name: 'example.com/wait' }] } };
    assert.equal((await http(cluster, 'POST', PODS, gated)).status, 201);
    const r = await http(cluster, 'POST', `${PODS}/gated/binding`, binding('gated', 'node-1'));
    assert.deepEqual([r.status, r.json().message], [409, 'Operation cannot be fulfilled on pods/binding "gated": pod gated has non-empty .spec.schedulingGates']);
  });

  test('a watch of one node\'s pods (spec.nodeName, or its alias spec.host) sees a pod bound there and deleted, and no other node\'s', async () => {
    // Labelled, so the kubelets' updates of the other tests' pods on these nodes stay out of it.
    const labelled = async (name: string) => {
      const r = await http(cluster, 'POST', PODS, { ...pod(name), metadata: { name, labels: { test: 'node-watch' } } });
      assert.equal(r.status, 201, r.text);
      return r.json();
    };
    const rv = (await labelled('watched')).metadata.resourceVersion;
    const watch = (selector: string) => `${PODS}?watch=1&resourceVersion=${rv}&labelSelector=test%3Dnode-watch&fieldSelector=${encodeURIComponent(selector)}`;
    let nodeOneOpen!: () => void;
    const opened = new Promise<void>((resolve) => { nodeOneOpen = resolve; });
    const onNodeOne = readWatch(cluster, watch('spec.nodeName=node-1'), 1, 8000, {}, () => nodeOneOpen());
    await opened;
    // Both watches are open before anything is bound: the events reach them as they happen, not replayed.
    const onNodeTwo = await readWatch(cluster, watch('spec.host=node-2'), 2, 8000, {}, async () => {
      assert.equal((await http(cluster, 'POST', `${PODS}/watched/binding`, binding('watched', 'node-2'))).status, 201);
      assert.equal((await http(cluster, 'DELETE', `${PODS}/watched?gracePeriodSeconds=0`)).status, 200);
      await labelled('marker');
      assert.equal((await http(cluster, 'POST', `${PODS}/marker/binding`, binding('marker', 'node-1'))).status, 201);
    });
    assert.deepEqual(onNodeTwo.map((e) => [e.type, e.object.metadata.name, e.object.spec.nodeName]), [['ADDED', 'watched', 'node-2'], ['DELETED', 'watched', 'node-2']]);
    assert.deepEqual((await onNodeOne).map((e) => [e.type, e.object.metadata.name, e.object.spec.nodeName]), [['ADDED', 'marker', 'node-1']]);
  });

  test('the scheduler\'s binding leaves the pod\'s managedFields and generation alone', async () => {
    const created = await create('by-scheduler', 'default-scheduler');
    const bound = await eventually(async () => { const p = await get('by-scheduler'); return p.spec.nodeName ? p : undefined; }, 10_000, 'the scheduler binding the pod');
    assert.equal(bound.metadata.generation, 1);
    assert.deepEqual(bound.metadata.managedFields.map((e: { manager: string }) => e.manager).filter((m: string) => m !== 'kubelet'), created.metadata.managedFields.map((e: { manager: string }) => e.manager));
  });
});
