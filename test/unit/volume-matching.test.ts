// The PV controller's binding policy: which volume a claim gets, node affinity, the local-path
// volume a provisioner makes, and the phase a volume follows its claim into.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Node } from '../../src/api/objects.js';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../src/api/storage-objects.js';
import { accessModesString } from '../../src/api/storage-objects.js';
import { findMatchingVolume, localPathVolume, volumeFitsNode, volumePhase } from '../../src/controllers/volume-matching.js';

const claim = (size: string, extra: Partial<PersistentVolumeClaim['spec']> = {}): PersistentVolumeClaim => ({
  metadata: { name: 'data', namespace: 'default', uid: 'u1' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, storageClassName: 'manual', ...extra },
});
const volume = (name: string, size: string, extra: Partial<PersistentVolume['spec']> = {}, phase = 'Available'): PersistentVolume => ({
  metadata: { name, labels: { tier: name } },
  spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: '/x' }, ...extra },
  status: { phase },
});
const node = (name: string): Node => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name } } });
const pinned = (host: string) => ({ nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [host] }] }] } } });

test('the smallest available volume of the class with the capacity and access modes wins', () => {
  const vols = [volume('big', '10Gi'), volume('small', '2Gi'), volume('tiny', '1Mi'), volume('other', '2Gi', { storageClassName: 'fast' }), volume('rox', '2Gi', { accessModes: ['ReadOnlyMany'] })];
  assert.equal(findMatchingVolume(claim('1Gi'), vols)?.metadata.name, 'small');
  assert.equal(findMatchingVolume(claim('1Gi', { accessModes: ['ReadOnlyMany'] }), vols)?.metadata.name, 'rox');
  assert.equal(findMatchingVolume(claim('20Gi'), vols), undefined);
  assert.equal(findMatchingVolume(claim('1Gi', { selector: { matchLabels: { tier: 'big' } } }), vols)?.metadata.name, 'big');
});

test('bound, released and deleting volumes are not matched; one pre-bound to the claim is', () => {
  const taken = volume('taken', '2Gi', { claimRef: { name: 'other', namespace: 'default', uid: 'u2' } }, 'Bound');
  const released = volume('released', '2Gi', {}, 'Released');
  const mine = volume('mine', '5Gi', { claimRef: { name: 'data', namespace: 'default' } });
  assert.equal(findMatchingVolume(claim('1Gi'), [taken, released]), undefined);
  assert.equal(findMatchingVolume(claim('1Gi'), [volume('small', '2Gi'), mine])?.metadata.name, 'mine');
});

test('delayed binding matches only with a node, and only volumes that fit it', () => {
  const vols = [volume('a', '2Gi', pinned('node-1')), volume('b', '2Gi', pinned('node-2'))];
  assert.equal(findMatchingVolume(claim('1Gi'), vols, { delayed: true }), undefined);
  assert.equal(findMatchingVolume(claim('1Gi'), vols, { delayed: true, node: node('node-2') })?.metadata.name, 'b');
  assert.ok(volumeFitsNode(vols[0], node('node-1')));
  assert.ok(!volumeFitsNode(vols[0], node('node-2')));
  assert.ok(volumeFitsNode(volume('free', '1Gi'), node('node-2')));
});

test('the local-path provisioner names its volume after the claim and pins it to the node', () => {
  const sc: StorageClass = { metadata: { name: 'standard' }, provisioner: 'rancher.io/local-path', reclaimPolicy: 'Delete' };
  const pv = localPathVolume({ ...claim('1Gi'), metadata: { name: 'data', namespace: 'ns', uid: 'abc', resourceVersion: '7' } }, sc, 'node-1');
  assert.equal(pv.metadata.name, 'pvc-abc');
  assert.deepEqual(pv.spec?.hostPath, { path: '/var/local-path-provisioner/pvc-abc_ns_data', type: 'DirectoryOrCreate' });
  assert.deepEqual(pv.spec?.claimRef, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: 'data', namespace: 'ns', uid: 'abc', resourceVersion: '7' });
  assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Delete');
  assert.deepEqual(pv.spec?.nodeAffinity, pinned('node-1').nodeAffinity);
  assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'], 'rancher.io/local-path');
});

test('a volume is Available, Bound or Released as its claim is', () => {
  const c = { ...claim('1Gi'), spec: { ...claim('1Gi').spec, volumeName: 'v' } };
  const v = volume('v', '1Gi', { claimRef: { name: 'data', namespace: 'default', uid: 'u1' } });
  assert.equal(volumePhase(volume('v', '1Gi'), undefined), 'Available');
  assert.equal(volumePhase(v, c), 'Bound');
  assert.equal(volumePhase(v, undefined), 'Released');
  assert.equal(volumePhase(v, { ...c, metadata: { ...c.metadata, uid: 'new' } }), 'Released');
  assert.equal(volumePhase(v, claim('1Gi')), undefined);
});

test('access modes print in kube\'s order', () => {
  assert.equal(accessModesString(['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce']), 'RWO,RWX');
  assert.equal(accessModesString(['ReadWriteOncePod']), 'RWOP');
  assert.equal(accessModesString(undefined), '');
});
