// The disruption controller's arithmetic and the eviction handler's decisions as pure functions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PodDisruptionBudget } from '../../src/api/objects.js';
import {
  canIgnoreBudget, countHealthy, disruptionsAllowed, expectedHealth, failSafeStatus, nextStatus, pruneDisruptedPods,
  spendDisruption, unhealthyMayGo, withDisruptionAllowedCondition, type BudgetPod,
} from '../../src/controllers/disruption-policy.js';

const NOW = Date.parse('2024-05-01T10:00:00Z');
const at = (ms: number) => new Date(NOW + ms).toISOString().replace('.000Z', 'Z');
const pod = (name: string, ready = true, deleting = false): BudgetPod => ({ name, ready, deleting });
const budget = (spec: PodDisruptionBudget['spec'], status?: PodDisruptionBudget['status'], generation = 1): PodDisruptionBudget =>
  ({ metadata: { name: 'b', namespace: 'ns', generation }, spec, status });

test('expected and desired healthy: an integer minAvailable counts the pods, percentages and maxUnavailable the controllers\' scales, rounding up', () => {
  let asked = 0;
  const scale = (n: number) => () => { asked++; return n; };
  assert.deepEqual(expectedHealth({ minAvailable: 2 }, 5, scale(9)), { expectedPods: 5, desiredHealthy: 2 });
  assert.equal(asked, 0, 'an integer minAvailable needs no controllers');
  assert.deepEqual(expectedHealth({ minAvailable: '50%' }, 2, scale(3)), { expectedPods: 3, desiredHealthy: 2 });
  assert.deepEqual(expectedHealth({ maxUnavailable: 1 }, 3, scale(3)), { expectedPods: 3, desiredHealthy: 2 });
  assert.deepEqual(expectedHealth({ maxUnavailable: '34%' }, 3, scale(3)), { expectedPods: 3, desiredHealthy: 1 }, '34% of 3 rounds up to 2 unavailable');
  assert.deepEqual(expectedHealth({ maxUnavailable: 5 }, 3, scale(3)), { expectedPods: 3, desiredHealthy: 0 });
  assert.deepEqual(expectedHealth({}, 3, scale(3)), { expectedPods: 0, desiredHealthy: 0 });
});

test('healthy pods are ready, not deleting, and not disrupted within two minutes; disrupted entries expire', () => {
  const pods = [pod('a'), pod('b'), pod('c', false), pod('d', true, true), pod('e')];
  const disrupted = { b: at(-60_000), e: at(-180_000), gone: at(0) };
  const { kept, expired, recheckAt } = pruneDisruptedPods(pods, disrupted, NOW);
  assert.deepEqual(kept, { b: at(-60_000) });
  assert.deepEqual(expired, ['e']);
  assert.equal(recheckAt, NOW + 60_000);
  assert.equal(countHealthy(pods, kept, NOW), 2, 'a and e');
  assert.equal(disruptionsAllowed(3, 2, 3), 1);
  assert.equal(disruptionsAllowed(1, 2, 3), 0);
  assert.equal(disruptionsAllowed(3, 0, 0), 0, 'nothing expected: nothing allowed');
});

test('the status a sync writes: the DisruptionAllowed condition follows disruptionsAllowed; an up-to-date status is not written again', () => {
  const now = new Date(NOW);
  const pdb = budget({ maxUnavailable: 1 }, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  const status = nextStatus(pdb, { expectedPods: 3, desiredHealthy: 2 }, 3, {}, now);
  assert.deepEqual(status, {
    observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3,
    conditions: [{ type: 'DisruptionAllowed', status: 'True', observedGeneration: 1, lastTransitionTime: at(0), reason: 'SufficientPods', message: '' }],
  });
  assert.equal(nextStatus({ ...pdb, status }, { expectedPods: 3, desiredHealthy: 2 }, 3, {}, now), undefined);
  const later = withDisruptionAllowedCondition({ ...status, disruptionsAllowed: 0 }, new Date(NOW + 5000));
  assert.deepEqual(later.conditions?.map((c) => [c.status, c.reason, c.lastTransitionTime]), [['False', 'InsufficientPods', at(5000)]]);
  const failed = failSafeStatus({ ...pdb, status }, 'found no controllers for pod "x"', now);
  assert.deepEqual([failed.disruptionsAllowed, failed.conditions?.[0].reason, failed.conditions?.[0].message], [0, 'SyncFailed', 'found no controllers for pod "x"']);
});

test('evictions: pending, finished and deleting pods skip budgets; unready pods go per unhealthyPodEvictionPolicy', () => {
  assert.equal(canIgnoreBudget({ phase: 'Pending', deleting: false, ready: false }), true);
  assert.equal(canIgnoreBudget({ phase: 'Succeeded', deleting: false, ready: false }), true);
  assert.equal(canIgnoreBudget({ phase: 'Running', deleting: true, ready: true }), true);
  assert.equal(canIgnoreBudget({ phase: 'Running', deleting: false, ready: false }), false);
  const unready = { phase: 'Running', deleting: false, ready: false };
  const healthy = { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 3, observedGeneration: 1 };
  const short = { ...healthy, currentHealthy: 1 };
  assert.equal(unhealthyMayGo(unready, budget({ minAvailable: 2 }, healthy)), true, 'IfHealthyBudget: the application is healthy');
  assert.equal(unhealthyMayGo(unready, budget({ minAvailable: 2 }, short)), false);
  assert.equal(unhealthyMayGo(unready, budget({ minAvailable: 2, unhealthyPodEvictionPolicy: 'AlwaysAllow' }, short)), true);
  assert.equal(unhealthyMayGo({ ...unready, ready: true }, budget({ minAvailable: 2, unhealthyPodEvictionPolicy: 'AlwaysAllow' }, short)), false);
});

test('spending a disruption: refused with kube\'s causes, else one fewer allowed and the pod recorded (not in a dry run)', () => {
  const now = new Date(NOW);
  const status = { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 };
  const spent = spendDisruption(budget({ maxUnavailable: 1 }, status), 'web-1', now, false);
  assert.ok('status' in spent);
  assert.deepEqual([spent.status.disruptionsAllowed, spent.status.disruptedPods, spent.status.conditions?.[0].reason], [0, { 'web-1': at(0) }, 'InsufficientPods']);
  const dry = spendDisruption(budget({ maxUnavailable: 1 }, status), 'web-1', now, true);
  assert.ok('status' in dry && dry.status.disruptedPods === undefined);
  assert.deepEqual(spendDisruption(budget({ maxUnavailable: 1 }, { ...status, disruptionsAllowed: 0 }), 'web-1', now, false),
    { refusal: { code: 429, cause: 'The disruption budget b needs 2 healthy pods and has 3 currently', retryAfterSeconds: 0 } });
  assert.deepEqual(spendDisruption(budget({ maxUnavailable: 1 }, status, 2), 'web-1', now, false),
    { refusal: { code: 429, cause: 'The disruption budget b is still being processed by the server.', retryAfterSeconds: 10 } });
  assert.deepEqual(spendDisruption(budget({ maxUnavailable: 1 }, { ...status, disruptionsAllowed: -1 }), 'web-1', now, false),
    { refusal: { code: 403, why: 'pdb disruptions allowed is negative' } });
});
