// The statefulset controller's policy as pure functions: members by ordinal, OrderedReady and
// Parallel creation, reverse-order scale-down, the rolling update by partition, status counts;
// and the controller history's names, hashes and truncation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ControllerRevision } from '../../src/api/apps-objects.js';
import { nextRevision, revisionHash, revisionName, revisionsToTruncate, revisionTemplate, sortRevisions, templatePatch } from '../../src/controllers/controller-history.js';
import { fnv32 } from '../../src/controllers/pod-template-hash.js';
import { memberOrdinal, plan, revisionFor, statusCounts, type Member, type SetState } from '../../src/controllers/statefulset-policy.js';

const member = (ordinal: number, revision = 'r1', over: Partial<Member> = {}): Member =>
  ({ ordinal, revision, runningReady: true, available: true, terminating: false, finished: false, created: true, ...over });
const set = (over: Partial<SetState> = {}): SetState =>
  ({ replicas: 3, start: 0, parallel: false, rolling: true, partition: 0, currentRevision: 'r1', updateRevision: 'r1', members: [], ...over });

test('members are <set>-<ordinal>; other names are not', () => {
  assert.equal(memberOrdinal('web', 'web-0'), 0);
  assert.equal(memberOrdinal('web', 'web-12'), 12);
  assert.equal(memberOrdinal('web', 'web-x'), -1);
  assert.equal(memberOrdinal('web', 'webapp-1'), -1);
  assert.equal(memberOrdinal('my-web', 'my-web-2'), 2);
  assert.equal(memberOrdinal('web', 'web-99999999999'), -1, 'beyond int32');
});

test('OrderedReady creates one member at a time, each after the one before is Running and Ready', () => {
  assert.deepEqual(plan(set()), [{ type: 'create', ordinal: 0, revision: 'update' }]);
  assert.deepEqual(plan(set({ members: [member(0, 'r1', { runningReady: false, available: false })] })), [], 'web-0 not ready: wait');
  assert.deepEqual(plan(set({ members: [member(0)] })), [{ type: 'create', ordinal: 1, revision: 'update' }]);
  assert.deepEqual(plan(set({ members: [member(0), member(1, 'r1', { available: false })] })), [], 'ready but not yet minReadySeconds: wait');
  assert.deepEqual(plan(set({ members: [member(0), member(1), member(2)] })), []);
});

test('Parallel creates every missing member at once and deletes every condemned one', () => {
  assert.deepEqual(plan(set({ parallel: true })).map((a) => [a.type, a.ordinal]), [['create', 0], ['create', 1], ['create', 2]]);
  assert.deepEqual(plan(set({ parallel: true, replicas: 1, members: [member(0), member(1), member(2)] })).map((a) => [a.type, a.ordinal]), [['delete', 2], ['delete', 1]]);
});

test('scale-down removes the highest ordinal first and waits for it to go', () => {
  const members = [member(0), member(1), member(2)];
  assert.deepEqual(plan(set({ replicas: 1, members })), [{ type: 'delete', ordinal: 2, reason: 'condemned' }]);
  assert.deepEqual(plan(set({ replicas: 1, members: [member(0), member(1), member(2, 'r1', { terminating: true })] })), [], 'web-2 terminating: wait');
  assert.deepEqual(plan(set({ replicas: 1, members: [member(0), member(1)] })), [{ type: 'delete', ordinal: 1, reason: 'condemned' }]);
});

test('a failed member is deleted, to be created again', () => {
  assert.deepEqual(plan(set({ members: [member(0, 'r1', { finished: true })] })), [{ type: 'delete', ordinal: 0, reason: 'failed' }]);
});

test('the rolling update replaces the highest member first, one at a time, down to the partition', () => {
  const old = [member(0), member(1), member(2)];
  assert.deepEqual(plan(set({ updateRevision: 'r2', members: old })), [{ type: 'delete', ordinal: 2, reason: 'update' }]);
  const rolling = [member(0), member(1), member(2, 'r2', { runningReady: false, available: false })];
  assert.deepEqual(plan(set({ updateRevision: 'r2', members: rolling })), [], 'the new web-2 is not ready yet');
  assert.deepEqual(plan(set({ updateRevision: 'r2', members: [member(0), member(1), member(2, 'r2')] })), [{ type: 'delete', ordinal: 1, reason: 'update' }]);
  assert.deepEqual(plan(set({ updateRevision: 'r2', partition: 2, members: [member(0), member(1), member(2, 'r2')] })), [], 'the partition holds web-0 and web-1');
  assert.deepEqual(plan(set({ updateRevision: 'r2', rolling: false, members: old })), [], 'OnDelete never deletes');
});

test('below the partition a recreated member gets the current revision', () => {
  assert.equal(revisionFor({ rolling: true, partition: 2, start: 0 }, 1), 'current');
  assert.equal(revisionFor({ rolling: true, partition: 2, start: 0 }, 2), 'update');
  assert.equal(revisionFor({ rolling: false, partition: 2, start: 0 }, 0), 'update');
  assert.deepEqual(plan(set({ updateRevision: 'r2', partition: 2, members: [member(0), member(2, 'r2')] })), [{ type: 'create', ordinal: 1, revision: 'current' }]);
});

test('status counts; a finished rolling update makes the update revision current', () => {
  assert.deepEqual(statusCounts(set({ updateRevision: 'r2', members: [member(0), member(1, 'r1', { runningReady: false, available: false }), member(2, 'r2')] })),
    { replicas: 3, readyReplicas: 2, availableReplicas: 2, currentReplicas: 2, updatedReplicas: 1, currentRevision: 'r1', updateRevision: 'r2' });
  assert.deepEqual(statusCounts(set({ updateRevision: 'r2', members: [member(0, 'r2'), member(1, 'r2')] })),
    { replicas: 2, readyReplicas: 2, availableReplicas: 2, currentReplicas: 2, updatedReplicas: 2, currentRevision: 'r2', updateRevision: 'r2' });
  assert.equal(statusCounts(set({ members: [member(0, 'r1', { created: false, runningReady: false, available: false })] })).replicas, 0, 'no phase yet: not counted');
});

test('controller history: FNV-1 hashes, <owner>-<hash> names, revision numbers, the patch kubectl applies', () => {
  // FNV-1 (not 1a) test vectors.
  assert.equal(fnv32(new Uint8Array()), 0x811c9dc5);
  assert.equal(fnv32(new TextEncoder().encode('a')), 0x050c5d7e);
  const data = templatePatch({ metadata: { labels: { app: 'web' } } });
  assert.deepEqual(data, { spec: { template: { metadata: { labels: { app: 'web' } }, $patch: 'replace' } } });
  const h = revisionHash(data, 0);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(revisionHash(data, 0), h, 'stable');
  assert.notEqual(revisionHash(data, 1), h, 'a collision changes the name');
  assert.equal(revisionName('web', h), `web-${h}`);
  assert.equal(revisionName('x'.repeat(300), 'h').length, 225);
  const rev = (name: string, revision: number): ControllerRevision => ({ metadata: { name, creationTimestamp: '2024-01-01T00:00:00Z' }, revision, data: {} });
  const sorted = sortRevisions([rev('c', 3), rev('a', 1), rev('b', 2)]);
  assert.deepEqual(sorted.map((r) => r.metadata.name), ['a', 'b', 'c']);
  assert.equal(nextRevision(sorted), 4);
  assert.equal(nextRevision([]), 1);
  assert.deepEqual(revisionsToTruncate(sorted, new Set(['c']), 1).map((r) => r.metadata.name), ['a'], 'live revisions are kept beyond the limit');
  assert.deepEqual(revisionTemplate({ metadata: {}, revision: 1, data }), { metadata: { labels: { app: 'web' } } });
});
