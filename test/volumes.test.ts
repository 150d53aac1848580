// PersistentVolumeClaims, PersistentVolumes and StorageClasses with real kubectl against
// tinykube's control plane: kind's default class, WaitForFirstConsumer binding through the
// scheduler, Immediate classes, static volumes, reclaim policies, pvc-protection, and the
// scheduler's VolumeBinding messages.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, kubectlOk, rows, withCluster } from './helpers.js';

const claim = (name: string, extra: Record<string, unknown> = {}, size = '1Gi') => JSON.stringify({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, ...extra },
});
const pod = (name: string, claimName: string) => JSON.stringify({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: { containers: [{ name: 'app', image: 'busybox' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
});
const immediateClass = (name: string, reclaimPolicy: string) => JSON.stringify({
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner: 'rancher.io/local-path', reclaimPolicy, volumeBindingMode: 'Immediate',
});
const MINUTE = 60_000;

for (const v of ['1.27', '1.30', '1.33']) {
  describe(`volumes with kubectl ${v}`, () => {
    let cluster: Cluster;
    const k = (...args: string[]) => kubectl(v, cluster, args);
    const ok = (args: string[], stdin?: string) => kubectlOk(v, cluster, args, stdin === undefined ? {} : { stdin });
    const apply = (yaml: string) => ok(['apply', '-f', '-'], yaml);
    const get = async (path: string) => (await http(cluster, 'GET', path)).json();
    const claimOf = (name: string) => get(`/api/v1/namespaces/default/persistentvolumeclaims/${name}`);
    const events = async (name: string) => ((await get(`/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=${name}`)).items as any[]);

    before(async () => { cluster = await withCluster({ controlPlane: true, nodes: 1 }); });
    after(async () => { await cluster.close(); });

    test('get storageclass shows kind\'s standard class as the default', async () => {
      const table = rows(await ok(['get', 'storageclass']));
      assert.deepEqual(table[0], ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE']);
      assert.deepEqual(table[1].slice(0, 5), ['standard (default)', 'rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', 'false']);
      const described = await ok(['describe', 'sc', 'standard']);
      assert.match(described, /^Name: +standard\nIsDefaultClass: +Yes\n/);
      assert.match(described, /Provisioner: +rancher.io\/local-path\n/);
    });

    test('a claim of the default class waits for its first consumer, then both bind and the pod runs', async () => {
      await apply(claim('wffc'));
      const created = await claimOf('wffc');
      assert.equal(created.spec.storageClassName, 'standard');
      assert.deepEqual(created.metadata.finalizers, ['kubernetes.io/pvc-protection']);
      const waiting = await eventually(async () => (await events('wffc')).find((e) => e.reason === 'WaitForFirstConsumer'), MINUTE, 'the WaitForFirstConsumer event');
      assert.equal(waiting.message, 'waiting for first consumer to be created before binding');
      assert.equal(waiting.source.component, 'persistentvolume-controller');
      const pending = rows(await ok(['get', 'pvc', 'wffc']));
      assert.deepEqual(pending[0], ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE']);
      assert.deepEqual(pending[1].slice(0, 4), ['wffc', 'Pending', 'standard', '<unset>']);

      await apply(pod('user', 'wffc'));
      const bound = await eventually(async () => { const c = await claimOf('wffc'); return c.status.phase === 'Bound' && c; }, MINUTE, 'the claim bound');
      const pvName = `pvc-${bound.metadata.uid}`;
      assert.equal(bound.spec.volumeName, pvName);
      assert.deepEqual(bound.status, { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } });
      assert.equal(bound.metadata.annotations['volume.kubernetes.io/selected-node'], 'node-1');
      assert.equal(bound.metadata.annotations['pv.kubernetes.io/bind-completed'], 'yes');
      assert.equal(bound.metadata.annotations['volume.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
      const pv = await get(`/api/v1/persistentvolumes/${pvName}`);
      assert.equal(pv.metadata.annotations['pv.kubernetes.io/provisioned-by'], 'rancher.io/local-path');
      assert.equal(pv.spec.hostPath.path, `/var/local-path-provisioner/${pvName}_default_wffc`);
      assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0], { key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1'] });
      assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Delete');
      assert.equal(pv.status.phase, 'Bound');
      await eventually(async () => (await get('/api/v1/namespaces/default/pods/user')).status?.phase === 'Running', MINUTE, 'the pod running');

      const table = rows(await ok(['get', 'pvc', 'wffc']));
      assert.deepEqual(table[1].slice(0, 7), ['wffc', 'Bound', pvName, '1Gi', 'RWO', 'standard', '<unset>']);
      const pvTable = rows(await ok(['get', 'pv']));
      assert.deepEqual(pvTable[0], ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE']);
      assert.deepEqual(pvTable.find((r) => r[0] === pvName)?.slice(0, 8), [pvName, '1Gi', 'RWO', 'Delete', 'Bound', 'default/wffc', 'standard', '<unset>']);
      const reasons = (await events('wffc')).map((e) => e.reason);
      for (const r of ['ExternalProvisioning', 'Provisioning', 'ProvisioningSucceeded']) assert.ok(reasons.includes(r), `${r} in ${reasons.join(',')}`);
      const described = await ok(['describe', 'pvc', 'wffc']);
      assert.match(described, /^Name: +wffc\nNamespace: +default\nStorageClass: +standard\nStatus: +Bound\n/);
      assert.match(described, /Finalizers: +\[kubernetes.io\/pvc-protection\]\nCapacity: +1Gi\nAccess Modes: +RWO\nVolumeMode: +Filesystem\nUsed By: +user\n/);
      assert.match(described, /Successfully provisioned volume pvc-/);

      // pvc-protection: the claim stays Terminating while the running pod uses it.
      await ok(['delete', 'pvc', 'wffc', '--wait=false']);
      await eventually(async () => rows(await ok(['get', 'pvc', 'wffc']))[1]?.[1] === 'Terminating', MINUTE, 'the claim Terminating');
      assert.equal((await claimOf('wffc')).metadata.finalizers[0], 'kubernetes.io/pvc-protection');
      await ok(['delete', 'pod', 'user', '--wait=false']);
      await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/persistentvolumeclaims/wffc')).status === 404, MINUTE, 'the claim gone');
      // Reclaim policy Delete: the provisioned volume goes with its claim.
      await eventually(async () => (await http(cluster, 'GET', `/api/v1/persistentvolumes/${pvName}`)).status === 404, MINUTE, 'the volume deleted');
    });

    test('a claim of an Immediate class binds at once; Retain releases its volume when the claim goes', async () => {
      await apply(immediateClass('fast', 'Retain'));
      await apply(claim('now', { storageClassName: 'fast' }, '2Gi'));
      const bound = await eventually(async () => { const c = await claimOf('now'); return c.status.phase === 'Bound' && c; }, MINUTE, 'the claim bound');
      const pvName = bound.spec.volumeName;
      assert.equal(bound.metadata.annotations['volume.kubernetes.io/selected-node'], undefined);
      await ok(['delete', 'pvc', 'now']);
      const released = await eventually(async () => { const pv = await get(`/api/v1/persistentvolumes/${pvName}`); return pv.status.phase === 'Released' && pv; }, MINUTE, 'the volume released');
      assert.equal(released.spec.claimRef.name, 'now');
      const table = rows(await ok(['get', 'pv', pvName]));
      assert.deepEqual(table[1].slice(0, 7), [pvName, '2Gi', 'RWO', 'Retain', 'Released', 'default/now', 'fast']);
      await ok(['delete', 'pv', pvName]);
    });

    test('a static volume binds to a matching claim, the smallest that fits', async () => {
      const pv = (name: string, size: string) => JSON.stringify({
        apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, labels: { tier: 'static' } },
        spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], storageClassName: 'manual', hostPath: { path: `/data/${name}` } },
      });
      await apply(pv('big', '10Gi'));
      await apply(pv('small', '3Gi'));
      await eventually(async () => (await get('/api/v1/persistentvolumes/small')).status.phase === 'Available', MINUTE, 'the volume available');
      assert.deepEqual((await get('/api/v1/persistentvolumes/small')).metadata.finalizers, ['kubernetes.io/pv-protection']);
      await apply(claim('static', { storageClassName: 'manual', selector: { matchLabels: { tier: 'static' } } }, '2Gi'));
      const bound = await eventually(async () => { const c = await claimOf('static'); return c.status.phase === 'Bound' && c; }, MINUTE, 'the claim bound');
      assert.equal(bound.spec.volumeName, 'small');
      assert.deepEqual(bound.status.capacity, { storage: '3Gi' });
      const small = await get('/api/v1/persistentvolumes/small');
      assert.equal(small.metadata.annotations['pv.kubernetes.io/bound-by-controller'], 'yes');
      assert.equal(small.spec.claimRef.uid, bound.metadata.uid);
      const described = await ok(['describe', 'pv', 'small']);
      assert.match(described, /Status: +Bound\nClaim: +default\/static\nReclaim Policy: +Retain\nAccess Modes: +RWO,ROX\n/);
    });

    test('a pod whose claim is missing or unbound with an Immediate class stays Pending with the scheduler\'s message', async () => {
      await apply(pod('lost', 'nowhere'));
      const missing = await eventually(async () => (await events('lost')).find((e) => e.reason === 'FailedScheduling'), MINUTE, 'FailedScheduling');
      assert.equal(missing.message, '0/1 nodes are available: persistentvolumeclaim "nowhere" not found. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.');
      // A class with a provisioner nobody runs: the claim stays Pending, and so does its pod.
      await apply(JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'elsewhere' }, provisioner: 'kubernetes.io/no-provisioner' }));
      await apply(claim('unbound', { storageClassName: 'elsewhere' }));
      await apply(pod('waiting', 'unbound'));
      const unbound = await eventually(async () => (await events('waiting')).find((e) => e.reason === 'FailedScheduling'), MINUTE, 'FailedScheduling');
      assert.equal(unbound.message, '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.');
      const table = rows(await ok(['get', 'pod', 'waiting']));
      assert.equal(table[1][2], 'Pending');
    });

    test('bad claims get kube\'s 422s', async () => {
      const res = await http(cluster, 'POST', '/api/v1/namespaces/default/persistentvolumeclaims', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'bad' }, spec: {} });
      assert.equal(res.status, 422);
      assert.equal(res.json().message, 'PersistentVolumeClaim "bad" is invalid: [spec.accessModes: Required value: at least 1 access mode is required, spec.resources[storage]: Required value]');
      await apply(claim('fixed', { storageClassName: 'manual' }));
      const patch = await k('patch', 'pvc', 'fixed', '-p', '{"spec":{"accessModes":["ReadWriteMany"]}}');
      assert.equal(patch.code, 1);
      assert.match(patch.stderr, /The PersistentVolumeClaim "fixed" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims/);
    });
  });
}
