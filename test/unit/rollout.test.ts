// The deployment controller's policy as pure functions: fenceposts, the new and old ReplicaSets'
// sizes step by step, conditions; and the pod-template-hash.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJSON, computeHash, fnv32a, safeEncodeString, templateJSON } from '../../src/controllers/pod-template-hash.js';
import {
  availableCondition, deploymentComplete, deploymentProgressing, maxSurge, maxUnavailable, newCondition, newReplicaSetReplicas,
  progressDeadline, proportionalSizes, resolveFenceposts, rolloutTimedOut, scaledValue, scaleDownOldReplicaSets, setCondition,
  type ReplicaSetState, type RolloutSpec, type ScaledReplicaSet,
} from '../../src/controllers/rollout.js';
import { revisionHistory } from '../../src/controllers/deployment.js';

const rolling = (replicas: number, surge: number | string = '25%', unavailable: number | string = '25%'): RolloutSpec => ({ replicas, type: 'RollingUpdate', maxSurge: surge, maxUnavailable: unavailable });

test('percentages: maxSurge rounds up, maxUnavailable rounds down, both zero leaves one unavailable', () => {
  assert.equal(scaledValue('25%', 10, true), 3);
  assert.equal(scaledValue('25%', 10, false), 2);
  assert.equal(scaledValue(2, 10, true), 2);
  assert.deepEqual(resolveFenceposts('25%', '25%', 4), { surge: 1, unavailable: 1 });
  assert.deepEqual(resolveFenceposts('25%', '25%', 1), { surge: 1, unavailable: 0 });
  assert.deepEqual(resolveFenceposts('10%', '10%', 3), { surge: 1, unavailable: 0 });
  assert.deepEqual(resolveFenceposts(0, 0, 5), { surge: 0, unavailable: 1 });
  assert.equal(maxUnavailable(rolling(2, 0, 5)), 2, 'never more than replicas');
  assert.equal(maxUnavailable({ replicas: 3, type: 'Recreate' }), 0);
  assert.equal(maxSurge({ replicas: 3, type: 'Recreate' }), 0);
});

test('the new ReplicaSet grows by what the surge leaves room for, up to replicas', () => {
  const spec = rolling(4); // surge 1, unavailable 1
  assert.equal(newReplicaSetReplicas(spec, [{ name: 'old', replicas: 4, available: 4 }], 0), 1);
  assert.equal(newReplicaSetReplicas(spec, [{ name: 'old', replicas: 4, available: 4 }, { name: 'new', replicas: 1, available: 0 }], 1), 1, 'at replicas+surge: wait');
  assert.equal(newReplicaSetReplicas(spec, [{ name: 'old', replicas: 2, available: 2 }, { name: 'new', replicas: 2, available: 2 }], 2), 3);
  assert.equal(newReplicaSetReplicas(spec, [{ name: 'new', replicas: 1, available: 1 }], 1), 4, 'a plain scale-up goes straight to replicas');
  assert.equal(newReplicaSetReplicas({ replicas: 3, type: 'Recreate' }, [{ name: 'old', replicas: 3, available: 3 }], 0), 3);
});

test('old ReplicaSets shed unavailable pods first, then available ones oldest first, keeping replicas-maxUnavailable available', () => {
  const spec = rolling(4);
  const fresh: ReplicaSetState = { name: 'new', replicas: 1, available: 0 };
  assert.deepEqual([...scaleDownOldReplicaSets(spec, [{ name: 'old', replicas: 4, available: 4 }], fresh)], [['old', 3]]);
  assert.deepEqual([...scaleDownOldReplicaSets(spec, [{ name: 'old', replicas: 3, available: 3 }], { name: 'new', replicas: 2, available: 0 })], [], 'would fall below 3 available');
  assert.deepEqual([...scaleDownOldReplicaSets(spec, [{ name: 'a', replicas: 1, available: 1 }, { name: 'b', replicas: 2, available: 0 }], { name: 'new', replicas: 2, available: 2 })], [['b', 0]], 'unhealthy pods go first');
  assert.deepEqual([...scaleDownOldReplicaSets(spec, [{ name: 'a', replicas: 1, available: 1 }, { name: 'b', replicas: 1, available: 1 }], { name: 'new', replicas: 3, available: 3 })], [['a', 0], ['b', 0]], 'down to 3 available');
  assert.deepEqual([...scaleDownOldReplicaSets(spec, [{ name: 'a', replicas: 0, available: 0 }], fresh)], []);
});

test('a simulated rolling update never has fewer than replicas-maxUnavailable available nor more than replicas+maxSurge pods', () => {
  for (const [replicas, surge, unavailable] of [[4, '25%', '25%'], [10, 3, 0], [5, 0, 2], [3, '50%', '50%'], [1, 1, 0]] as const) {
    const spec = rolling(replicas, surge, unavailable);
    // Pods become available one step after their ReplicaSet asks for them.
    let old: ReplicaSetState = { name: 'old', replicas, available: replicas };
    let next: ReplicaSetState = { name: 'new', replicas: 0, available: 0 };
    for (let step = 0; step < 100 && !(next.available === replicas && old.replicas === 0); step++) {
      next = { ...next, available: next.replicas };
      old = { ...old, available: Math.min(old.available, old.replicas) };
      const grown = newReplicaSetReplicas(spec, [old, next], next.replicas);
      if (grown !== next.replicas) next = { ...next, replicas: grown };
      else {
        const shrunk = scaleDownOldReplicaSets(spec, [old], next).get('old') ?? old.replicas;
        old = { ...old, replicas: shrunk, available: Math.min(old.available, shrunk) };
      }
      assert.ok(old.replicas + next.replicas <= replicas + maxSurge(spec), `${replicas}/${surge}/${unavailable} step ${step}: too many pods`);
      assert.ok(old.available + next.available >= replicas - maxUnavailable(spec), `${replicas}/${surge}/${unavailable} step ${step}: too few available`);
    }
    assert.deepEqual([old.replicas, next.replicas, next.available], [0, replicas, replicas], `${replicas}/${surge}/${unavailable} finishes`);
  }
});

test('conditions: Available by minimum availability; set only when status or reason change', () => {
  const now = '2026-01-01T00:00:00Z';
  assert.deepEqual(availableCondition(rolling(4), 3, now), newCondition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now));
  assert.equal(availableCondition(rolling(4), 2, now).reason, 'MinimumReplicasUnavailable');
  const first = [newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'Created new replica set "x"', now)];
  const later = '2026-01-01T00:01:00Z';
  assert.equal(setCondition(first, newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'Created new replica set "x"', later))[0].lastUpdateTime, now);
  const moved = setCondition(first, newCondition('Progressing', 'True', 'NewReplicaSetAvailable', 'ReplicaSet "x" has successfully progressed.', later));
  assert.deepEqual([moved[0].lastTransitionTime, moved[0].lastUpdateTime], [now, later], 'same status: the transition time stays');
  assert.ok(deploymentComplete(2, 3, { replicas: 2, updatedReplicas: 2, availableReplicas: 2, observedGeneration: 3 }));
  assert.ok(!deploymentComplete(2, 4, { replicas: 2, updatedReplicas: 2, availableReplicas: 2, observedGeneration: 3 }));
  assert.ok(deploymentProgressing({ updatedReplicas: 1 }, { updatedReplicas: 2 }));
  assert.ok(!deploymentProgressing({ updatedReplicas: 2, replicas: 2 }, { updatedReplicas: 2, replicas: 2 }));
});

test('pod-template-hash: FNV-32a in SafeEncodeString\'s alphabet, stable, salted by the collision count', () => {
  assert.equal(fnv32a(new Uint8Array()), 0x811c9dc5);
  assert.equal(fnv32a(new TextEncoder().encode('a')), 0xe40c292c);
  assert.equal(fnv32a(new TextEncoder().encode('foobar')), 0xbf9cf968);
  assert.equal(safeEncodeString('0123456789'), '456789bcdf');
  assert.equal(canonicalJSON({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };
  const hash = computeHash(template);
  assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.equal(computeHash(structuredClone(template)), hash);
  assert.notEqual(computeHash({ ...template, spec: { containers: [{ name: 'web', image: 'nginx:2' }] } }), hash);
  assert.notEqual(computeHash(template, 1), hash);
  // What Go cannot tell from unset makes no difference (a protobuf client sends stdin: false).
  const spelled = { metadata: { labels: { app: 'web' }, annotations: {} }, spec: { containers: [{ name: 'web', image: 'nginx', stdin: false, args: [] }] } };
  assert.equal(templateJSON(spelled), templateJSON(template));
  assert.equal(computeHash(spelled), hash);
});

test('proportional scaling shares a scale mid-rollout by size, as kube\'s documented example (10 -> 15, maxSurge 3)', () => {
  const sets = (old: number, next: number): ScaledReplicaSet[] => [
    { name: 'old', replicas: old, available: old, created: '2026-01-01T00:00:00Z', maxReplicas: 13 },
    { name: 'new', replicas: next, available: 0, created: '2026-01-01T00:01:00Z', maxReplicas: 13 },
  ];
  // kubernetes.io: 8 old + 5 new, scaled to 15: 3 more to the old set, 2 to the new.
  assert.deepEqual(proportionalSizes(rolling(15, 3, 2), 13, sets(8, 5)), [['old', 11], ['new', 7]]);
  assert.deepEqual(proportionalSizes(rolling(5, 3, 2), 13, sets(8, 5)), [['old', 5], ['new', 3]]);
  assert.deepEqual(proportionalSizes(rolling(0, 3, 2), 13, sets(8, 5)), [['old', 0], ['new', 0]]);
  // Same sizes: growing favours the newer set for the leftover, shrinking the older.
  const even: ScaledReplicaSet[] = [
    { name: 'a', replicas: 2, available: 2, created: '2026-01-01T00:00:00Z', maxReplicas: 5 },
    { name: 'b', replicas: 2, available: 2, created: '2026-01-01T00:01:00Z', maxReplicas: 5 },
  ];
  assert.deepEqual(proportionalSizes(rolling(6, 1, 0), 4, even), [['b', 4], ['a', 3]]);
  assert.deepEqual(proportionalSizes(rolling(2, 1, 0), 4, even), [['a', 1], ['b', 2]]);
  // Without the annotation the Deployment's status.replicas stands in; a scale that adds nothing changes nothing.
  assert.deepEqual(proportionalSizes(rolling(4, 1, 0), 4, even.map((s) => ({ ...s, maxReplicas: undefined }))), [['b', 3], ['a', 2]]);
  assert.deepEqual(proportionalSizes(rolling(3, 1, 0), 4, even), [['a', 2], ['b', 2]]);
});

test('progress deadline: timed out once the Progressing condition is older than the deadline; MaxInt32 means none', () => {
  assert.equal(progressDeadline(600), 600);
  assert.equal(progressDeadline(2147483647), undefined);
  assert.equal(progressDeadline(undefined), undefined);
  const at = (reason: string, time: string) => newCondition('Progressing', 'True', reason, '', time);
  const now = new Date('2026-01-01T00:10:00Z');
  assert.equal(rolloutTimedOut(600, at('ReplicaSetUpdated', '2026-01-01T00:00:00Z'), now), false);
  assert.equal(rolloutTimedOut(599, at('ReplicaSetUpdated', '2026-01-01T00:00:00Z'), now), true);
  assert.equal(rolloutTimedOut(1, at('NewReplicaSetAvailable', '2026-01-01T00:00:00Z'), now), false);
  assert.equal(rolloutTimedOut(6000, at('ProgressDeadlineExceeded', '2026-01-01T00:09:00Z'), now), true);
  assert.equal(rolloutTimedOut(undefined, at('ReplicaSetUpdated', '2026-01-01T00:00:00Z'), now), false);
  assert.equal(rolloutTimedOut(1, undefined, now), false);
});

test('revision-history keeps the revisions a rolled-back ReplicaSet was, within 2,000 characters', () => {
  assert.equal(revisionHistory(undefined, '1'), '1');
  assert.equal(revisionHistory('1', '3'), '1,3');
  const long = Array.from({ length: 600 }, (_, i) => String(1000 + i)).join(',');
  const next = revisionHistory(long, '5000');
  assert.ok(next && next.length <= 2000 && next.endsWith(',5000') && !next.startsWith('1000,'));
});
