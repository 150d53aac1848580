// The HPA's pure policy: kube's replica calculation (tolerance, starting and missing pods) and
// the normalization of its recommendation (stabilization windows, scale-up limits, behavior).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../src/api/objects.js';
import { newHistory, normalizeLegacy, normalizeWithBehavior, storeScaleEvent } from '../../src/controllers/hpa-behavior.js';
import { resourceReplicas, type PodMetric } from '../../src/controllers/replica-calculator.js';

const NOW = Date.parse('2026-01-01T01:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function pod(name: string, opts: { phase?: string; ready?: boolean; readySince?: number; started?: number } = {}): Pod {
  return {
    metadata: { name },
    spec: { containers: [{ name: 'c', resources: { requests: { cpu: '100m' } } }] },
    status: {
      phase: opts.phase ?? 'Running', startTime: iso(opts.started ?? NOW - 600_000),
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: iso(opts.readySince ?? NOW - 600_000) }],
    },
  };
}
const metrics = (values: Record<string, number>) => new Map<string, PodMetric>(Object.entries(values).map(([k, v]) => [k, { value: v, timestampMs: NOW, windowMs: 10_000 }]));
const query = (pods: Pod[], values: Record<string, number>, currentReplicas = pods.length) => ({ currentReplicas, resource: 'cpu', container: '', pods, metrics: metrics(values), nowMs: NOW });

test('utilization over the target scales by the ratio; within 10% it stays', () => {
  assert.deepEqual(resourceReplicas(query([pod('a')], { a: 200 }), 50), { replicas: 4, utilization: 200, rawAverage: 200 });
  assert.equal(resourceReplicas(query([pod('a'), pod('b')], { a: 54, b: 54 }), 50).replicas, 2);
  assert.equal(resourceReplicas(query([pod('a'), pod('b')], { a: 10, b: 10 }), 50).replicas, 1);
});

test('a pod without metrics counts as idle on a scale-up and full on a scale-down', () => {
  // a and b at 100% of a 50% target; c has no metrics: counted at 0, 200/300 = 66% -> ceil(1.33*3) = 4.
  assert.equal(resourceReplicas(query([pod('a'), pod('b'), pod('c')], { a: 100, b: 100 }), 50).replicas, 4);
  // a at 10%; b missing, counted at 100%: 110/200 = 55% of 50 is within tolerance: stays at 2.
  assert.equal(resourceReplicas(query([pod('a'), pod('b')], { a: 10 }), 50).replicas, 2);
});

test('pending pods and pods just ready are left out, then count as idle on a scale-up', () => {
  const pending = pod('p', { phase: 'Pending' });
  assert.equal(resourceReplicas(query([pod('a'), pending], { a: 100 }), 50).replicas, 2);
  assert.throws(() => resourceReplicas(query([pod('a', { started: NOW - 20_000, readySince: NOW - 5_000 })], { a: 100 }), 50), /did not receive metrics for targeted pods \(pods might be unready\)/);
  assert.throws(() => resourceReplicas(query([{ ...pod('a'), spec: { containers: [{ name: 'c' }] } }], { a: 1 }), 50), /missing request for cpu in container c of Pod a/);
});

test('without behavior: the highest recommendation of 5 minutes, scale-up at most max(2x, 4)', () => {
  const h = newHistory();
  h.recommendations.push({ replicas: 1, atMs: NOW - 15_000 });
  assert.deepEqual(normalizeLegacy(h, NOW, 1, 10, 1, 20), { replicas: 4, stabilized: { reason: 'ReadyForNewScale', message: 'recommended size matches current size' }, limited: { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate', limited: true } });
  const down = normalizeLegacy(h, NOW + 15_000, 4, 1, 1, 20);
  // Held at the 10 recommended 15 s ago, which the scale-up limit cuts to 8.
  assert.equal(down.replicas, 8);
  assert.equal(down.stabilized.reason, 'ScaleDownStabilized');
  assert.equal(normalizeLegacy(h, NOW + 316_000, 4, 1, 1, 20).replicas, 1);
  assert.deepEqual(normalizeLegacy(newHistory(), NOW, 3, 9, 1, 5).limited, { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count', limited: true });
});

test('with behavior: policies over their period and the scale-down window', () => {
  const behavior = {
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] },
    scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 50, periodSeconds: 15 }] },
  };
  const h = newHistory();
  const up = normalizeWithBehavior(h, behavior, NOW, 2, 10, 1, 20);
  assert.deepEqual([up.replicas, up.limited.reason], [4, 'ScaleUpLimit']);
  storeScaleEvent(h, behavior, 2, 4, NOW);
  // Two pods were added within the 60 s period: no more until it passes.
  assert.equal(normalizeWithBehavior(h, behavior, NOW + 15_000, 4, 10, 1, 20).replicas, 4);
  assert.equal(normalizeWithBehavior(h, behavior, NOW + 61_000, 4, 10, 1, 20).replicas, 6);
  // Down: held by the 60 s window, then at most half per 15 s.
  const held = normalizeWithBehavior(h, behavior, NOW + 62_000, 6, 1, 1, 20);
  assert.deepEqual([held.replicas, held.stabilized.reason], [6, 'ScaleDownStabilized']);
  const down = normalizeWithBehavior(h, behavior, NOW + 200_000, 6, 1, 1, 20);
  assert.deepEqual([down.replicas, down.limited.reason], [3, 'ScaleDownLimit']);
});
