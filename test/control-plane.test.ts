// The control plane, driven by real kubectl against tinykube with 3 simulated nodes: scheduling,
// the kubelet's pod lifecycle, replication, endpoints, garbage collection, namespaces and node
// lifecycle. What each kubectl version sees of it is the interop suite's (test/interop/).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, kubectlOk, rows, scratchFile, withCluster } from './helpers.js';

const RC = scratchFile('rc.yaml', `apiVersion: v1
kind: ReplicationController
metadata:
  name: kubia
spec:
  replicas: 3
  selector:
    app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: luksa/kubia
        ports:
        - containerPort: 8080
`);
const BIG_POD = scratchFile('big.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\nspec:\n  containers:\n  - name: c\n    image: nginx\n    resources:\n      requests:\n        cpu: "12"\n');
const BIG_NODE = scratchFile('node.yaml', 'apiVersion: v1\nkind: Node\nmetadata:\n  name: big-node\n  labels:\n    kubernetes.io/hostname: big-node\nstatus:\n  capacity:\n    cpu: "32"\n    memory: 64Gi\n    pods: "110"\n');

/** The kubectl this suite drives the cluster with. */
const v = '1.33';

describe(`control plane with kubectl ${v}`, () => {
  let cluster: Cluster;
  const ok = (...args: string[]) => kubectlOk(v, cluster, args);
  const pods = async (selector = 'app=kubia') => (await http(cluster, 'GET', `/api/v1/namespaces/default/pods?labelSelector=${selector}`)).json().items as any[];
  const running = async (n: number, selector = 'app=kubia') => {
    const items = (await pods(selector)).filter((p) => !p.metadata.deletionTimestamp);
    return items.length === n && items.every((p) => p.status.phase === 'Running' && p.status.podIP) ? items : undefined;
  };

  before(async () => {
    cluster = await withCluster({ controlPlane: true, nodes: 3, kubelet: { heartbeatMs: 300 }, nodeLifecycle: { gracePeriodMs: 2000, monitorPeriodMs: 200 } });
  });
  after(async () => { await cluster.close(); });

  test('get nodes shows 3 Ready nodes; describe node shows capacity, allocatable and its pods', async () => {
    const nodes = rows(await ok('get', 'nodes'));
    assert.deepEqual(nodes[0], ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    assert.deepEqual(nodes.slice(1).map((r) => [r[0], r[1], r[2], r[4]]), [
      ['node-1', 'Ready', 'control-plane', 'v1.33.1'], ['node-2', 'Ready', 'worker', 'v1.33.1'], ['node-3', 'Ready', 'worker', 'v1.33.1'],
    ]);
    const described = await ok('describe', 'node', 'node-2');
    assert.match(described, /^Capacity:\n\s+cpu:\s+4\n/m);
    assert.match(described, /^Allocatable:\n\s+cpu:\s+4\n/m);
    assert.match(described, /^PodCIDR:\s+10\.244\.\d+\.0\/24$/m);
    assert.match(described, /^Non-terminated Pods:\s+\(0 in total\)$/m);
    const lease = (await http(cluster, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-2')).json();
    assert.equal(lease.spec.holderIdentity, 'node-2');
  });

  test('an RC runs its pods, replaces a deleted one, scales, and its service endpoints follow', async () => {
    await ok('create', '-f', RC);
    const three = await eventually(() => running(3), 5000, '3 running pods');
    assert.equal(new Set(three.map((p) => p.spec.nodeName)).size, 3, 'spread over the 3 nodes');
    for (const p of three) {
      assert.deepEqual(p.metadata.ownerReferences.map((r: any) => [r.kind, r.name, r.controller, r.blockOwnerDeletion]), [['ReplicationController', 'kubia', true, true]]);
      assert.deepEqual(p.status.conditions.filter((c: any) => c.status === 'True').map((c: any) => c.type).sort(), ['ContainersReady', 'Initialized', 'PodReadyToStartContainers', 'PodScheduled', 'Ready']);
    }
    const table = rows(await ok('get', 'pods', '-o', 'wide'));
    assert.deepEqual(table.slice(1).map((r) => [r[1], r[2]]), [['1/1', 'Running'], ['1/1', 'Running'], ['1/1', 'Running']]);
    const victim = three[0].metadata.name;
    await ok('delete', 'pod', victim);
    await eventually(async () => { const p = await running(3); return p && !p.some((x) => x.metadata.name === victim) && p; }, 5000, 'a replacement');
    await ok('expose', 'rc', 'kubia', '--port=80', '--target-port=8080');
    const ips = async () => ((await running(3)) ?? []).map((p) => `${p.status.podIP}:8080`).sort();
    const endpoints = async () => {
      const ep = (await http(cluster, 'GET', '/api/v1/namespaces/default/endpoints/kubia')).json();
      return (ep.subsets?.[0]?.addresses ?? []).map((a: any) => `${a.ip}:${ep.subsets[0].ports[0].port}`).sort();
    };
    await eventually(async () => JSON.stringify(await endpoints()) === JSON.stringify(await ips()), 3000, 'endpoints of the 3 pods');
    await ok('scale', 'rc', 'kubia', '--replicas=5');
    const five = await eventually(() => running(5), 5000, '5 running pods');
    await eventually(async () => (await endpoints()).length === 5, 3000, '5 endpoints');
    assert.deepEqual(await endpoints(), five.map((p) => `${p.status.podIP}:8080`).sort());
    await ok('scale', 'rc', 'kubia', '--replicas=1');
    await eventually(() => running(1), 5000, '1 running pod');
    await eventually(async () => (await endpoints()).length === 1, 3000, '1 endpoint');
    const rc = (await http(cluster, 'GET', '/api/v1/namespaces/default/replicationcontrollers/kubia')).json();
    await eventually(async () => {
      const s = (await http(cluster, 'GET', '/api/v1/namespaces/default/replicationcontrollers/kubia')).json().status;
      return s.replicas === 1 && s.readyReplicas === 1 && s.observedGeneration === rc.metadata.generation;
    }, 3000, 'RC status');
    const slices = (await http(cluster, 'GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io/service-name=kubia')).json();
    assert.equal(slices.items[0].endpoints.length, 1);
    const describedSvc = await ok('describe', 'svc', 'kubia');
    assert.match(describedSvc, /^Endpoints:\s+10\.244\.\d+\.\d+:8080$/m);
  });

  test('scheduling: too much cpu stays Pending with FailedScheduling until a big node joins; selectors, taints, cordon', async () => {
    await ok('create', '-f', BIG_POD);
    const event = await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=big,reason=FailedScheduling')).json().items[0], 3000, 'FailedScheduling');
    assert.equal(event.message, '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.');
    assert.equal(event.type, 'Warning');
    assert.equal((await http(cluster, 'GET', '/api/v1/namespaces/default/pods/big')).json().status.phase, 'Pending');
    await ok('create', '-f', BIG_NODE);
    const big = await eventually(async () => { const p = (await http(cluster, 'GET', '/api/v1/namespaces/default/pods/big')).json(); return p.status.phase === 'Running' && p; }, 8000, 'big pod running');
    assert.equal(big.spec.nodeName, 'big-node');
    const scheduled = (await http(cluster, 'GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=big,reason=Scheduled')).json().items[0];
    assert.equal(scheduled.message, 'Successfully assigned default/big to big-node');
    await ok('run', 'picky', '--image=nginx', '--overrides={"spec":{"nodeSelector":{"kubernetes.io/hostname":"node-3"}}}');
    await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/pods/picky')).json().spec.nodeName === 'node-3', 3000, 'nodeSelector');
    await ok('taint', 'nodes', 'node-1', 'dedicated=infra:NoSchedule');
    await ok('cordon', 'node-2');
    await ok('cordon', 'big-node');
    await ok('run', 'placed', '--image=nginx');
    await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/pods/placed')).json().spec.nodeName === 'node-3', 3000, 'only node-3 is left');
    await ok('uncordon', 'node-2');
    await ok('uncordon', 'big-node');
    await ok('taint', 'nodes', 'node-1', 'dedicated=infra:NoSchedule-');
  });

  test('the service proxy spreads requests over ready pods', async () => {
    await ok('scale', 'rc', 'kubia', '--replicas=3');
    await eventually(() => running(3), 5000, '3 running pods');
    await eventually(async () => ((await http(cluster, 'GET', '/api/v1/namespaces/default/endpoints/kubia')).json().subsets?.[0]?.addresses ?? []).length === 3, 3000, '3 endpoints');
    const names = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const reply = await ok('get', '--raw', '/api/v1/namespaces/default/services/kubia:80/proxy/');
      assert.match(reply, /^You've hit kubia-[a-z0-9]{5}\n$/);
      names.add(reply);
    }
    assert.ok(names.size > 1, `requests reached ${names.size} pod(s)`);
    const pod = (await running(3))![0].metadata.name;
    assert.equal(await ok('get', '--raw', `/api/v1/namespaces/default/pods/${pod}:8080/proxy/`), `You've hit ${pod}\n`);
  });

  test('a service with no ready endpoint answers 503', async () => {
    await http(cluster, 'POST', '/api/v1/namespaces/default/services', { metadata: { name: 'empty' }, spec: { selector: { app: 'none' }, ports: [{ port: 80 }] } });
    const r = await http(cluster, 'GET', '/api/v1/namespaces/default/services/empty:80/proxy/');
    assert.deepEqual([r.status, r.json().message], [503, 'no endpoints available for service "empty"']);
  });

  test('delete rc removes its pods; --cascade=orphan keeps them without the ownerReference', async () => {
    await ok('delete', 'rc', 'kubia', '--cascade=orphan');
    await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/replicationcontrollers/kubia')).status === 404, 3000, 'rc gone');
    const orphans = await eventually(async () => { const p = await pods(); return p.length === 3 && p.every((x) => !x.metadata.ownerReferences) && p; }, 3000, 'orphans');
    assert.equal(orphans.length, 3);
    await ok('create', '-f', RC);
    await eventually(async () => (await pods()).every((p) => p.metadata.ownerReferences?.[0]?.name === 'kubia'), 3000, 'adoption');
    assert.equal((await pods()).length, 3, 'adopted, not recreated');
    await ok('delete', 'rc', 'kubia');
    await eventually(async () => (await pods()).length === 0, 5000, 'pods deleted with their RC');
    await ok('create', '-f', RC);
    await eventually(() => running(3), 5000, '3 running');
    const fg = await kubectl(v, cluster, ['delete', 'rc', 'kubia', '--cascade=foreground', '--timeout=20s']);
    assert.equal(fg.code, 0, fg.stderr);
    // Foreground: the RC is only gone once its pods are.
    assert.equal((await http(cluster, 'GET', '/api/v1/namespaces/default/replicationcontrollers/kubia')).status, 404);
    assert.deepEqual((await pods()).filter((p) => !p.metadata.deletionTimestamp), []);
  });

  test('the garbage collector leaves Events to their TTL, as kube\'s ignores them; other dependents go', async () => {
    const owner = (await http(cluster, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'gc-owner' } })).json();
    const ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'gc-owner', uid: owner.metadata.uid }];
    const secret = await http(cluster, 'POST', '/api/v1/namespaces/default/secrets', { metadata: { name: 'gc-dependent', ownerReferences } });
    assert.equal(secret.status, 201, secret.text);
    const event = await http(cluster, 'POST', '/api/v1/namespaces/default/events', {
      metadata: { name: 'gc-event', ownerReferences }, involvedObject: { kind: 'ConfigMap', namespace: 'default', name: 'gc-owner', uid: owner.metadata.uid }, reason: 'Tested', message: 'owned', type: 'Normal',
    });
    assert.equal(event.status, 201, event.text);
    assert.equal((await http(cluster, 'DELETE', '/api/v1/namespaces/default/configmaps/gc-owner')).status, 200);
    await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/secrets/gc-dependent')).status === 404, 5000, 'the secret collected with its owner');
    const kept = await http(cluster, 'GET', '/api/v1/namespaces/default/events/gc-event');
    assert.deepEqual([kept.status, kept.json().metadata.ownerReferences], [200, ownerReferences]);
  });

  test('deleting a namespace removes its contents, then the namespace', async () => {
    await ok('create', 'namespace', 'doomed');
    await ok('-n', 'doomed', 'create', '-f', RC);
    await eventually(() => (async () => { const items = (await http(cluster, 'GET', '/api/v1/namespaces/doomed/pods')).json().items; return items.length === 3; })(), 5000, 'pods in doomed');
    const deleted = await kubectl(v, cluster, ['delete', 'namespace', 'doomed', '--timeout=20s']);
    assert.deepEqual([deleted.code, deleted.stdout], [0, 'namespace "doomed" deleted\n'], deleted.stderr);
    assert.equal((await http(cluster, 'GET', '/api/v1/namespaces/doomed')).status, 404);
    assert.deepEqual((await http(cluster, 'GET', '/api/v1/namespaces/doomed/pods')).json().items, []);
  });

  test('a node that stops heartbeating turns NotReady and its pods are evicted', async () => {
    await ok('run', 'doomed-pod', '--image=nginx', '--overrides={"spec":{"nodeSelector":{"kubernetes.io/hostname":"node-3"},"tolerations":[{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":1}]}}');
    await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/pods/doomed-pod')).json().status.phase === 'Running', 5000, 'pod running on node-3');
    await ok('annotate', 'node', 'node-3', 'tinykube.io/kubelet=stopped');
    await eventually(async () => rows(await ok('get', 'node', 'node-3'))[1][1] === 'NotReady', 8000, 'NotReady');
    const node = (await http(cluster, 'GET', '/api/v1/nodes/node-3')).json();
    assert.deepEqual(node.spec.taints.map((t: any) => `${t.key}:${t.effect}`), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
    await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/pods/doomed-pod')).json().metadata.deletionTimestamp, 6000, 'eviction');
    await ok('annotate', 'node', 'node-3', 'tinykube.io/kubelet-');
    await eventually(async () => rows(await ok('get', 'node', 'node-3'))[1][1] === 'Ready', 8000, 'Ready again');
    await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/pods/doomed-pod')).status === 404, 5000, 'the returning kubelet finishes the deletion');
  });

  test('a pod bound to a node that does not exist is deleted at once (kube\'s pod garbage collector); one on a node that does stays', async () => {
    for (const [name, nodeName] of [['ghost-pod', 'ghost-node'], ['kept-pod', 'node-1']]) {
      const created = await http(cluster, 'POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, containers: [{ name: 'c', image: 'nginx' }] } });
      assert.equal(created.status, 201, created.text);
    }
    await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/pods/ghost-pod')).status === 404, 5000, 'the pod of a node that does not exist deleted');
    const kept = (await http(cluster, 'GET', '/api/v1/namespaces/default/pods/kept-pod')).json();
    assert.deepEqual([kept.spec.nodeName, kept.metadata.deletionTimestamp], ['node-1', undefined]);
    await http(cluster, 'DELETE', '/api/v1/namespaces/default/pods/kept-pod?gracePeriodSeconds=0');
  });
});
