// Preemption policy (DefaultPreemption) as pure functions, with PodDisruptionBudgets; and the
// scheduler's ranked work queue.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Node, Pod } from '../../src/api/objects.js';
import { disruptionBudgetOf, ineligibleToPreempt, pickNode, preempt, selectVictims, splitByPDBViolation, type DisruptionBudget, type PreemptionNode } from '../../src/controllers/preemption.js';
import { filterNode, nodeState } from '../../src/controllers/scheduling.js';
import { WorkQueue } from '../../src/client/workqueue.js';

const node = (name: string, cpu = '1'): Node => ({
  metadata: { name },
  status: { allocatable: { cpu, memory: '16Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
});
const pod = (name: string, priority: number, cpu: string, extra: { labels?: Record<string, string>; start?: string; policy?: string } = {}): Pod => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: extra.labels },
  spec: { priority, preemptionPolicy: extra.policy, containers: [{ name: 'c', image: 'i', resources: { requests: { cpu } } }] },
  status: { startTime: extra.start ?? '2025-01-01T00:00:00Z' },
});
/** A node as the scheduler hands it to preemption: its pods and the filters over a subset of them. */
const candidate = (n: Node, preemptor: Pod, pods: Pod[]): PreemptionNode => ({
  name: n.metadata.name ?? '', pods,
  reasons: filterNode(preemptor, nodeState(n, pods)),
  check: (remaining) => filterNode(preemptor, nodeState(n, remaining)),
});
const names = (pods: Pod[]) => pods.map((p) => p.metadata.name);
const budget = (allowed: number, labels: Record<string, string>, disruptedPods?: string[]): DisruptionBudget => ({ namespace: 'default', selector: { matchLabels: labels }, disruptionsAllowed: allowed, disruptedPods });

test('eligibility: preemptionPolicy Never, and a terminating victim on the nominated node', () => {
  assert.equal(ineligibleToPreempt(pod('p', 10, '1', { policy: 'Never' }), undefined), 'not eligible due to preemptionPolicy=Never.');
  const terminating: Pod = { ...pod('v', 0, '1'), metadata: { ...pod('v', 0, '1').metadata, deletionTimestamp: '2025-01-01T00:00:00Z' } };
  terminating.status = { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] };
  assert.equal(ineligibleToPreempt(pod('p', 10, '1'), [terminating]), 'not eligible due to a terminating pod on the nominated node.');
  assert.equal(ineligibleToPreempt(pod('p', 10, '1'), [pod('v', 0, '1')]), undefined);
  assert.equal(ineligibleToPreempt(pod('p', 10, '1'), undefined), undefined);
});

test('victims: every lower-priority pod removed, then the most important reprieved while the pod still fits', () => {
  const n = node('n', '2');
  const preemptor = pod('p', 100, '1');
  // 2 cpu full: a (prio 5, 500m), b (prio 1, 500m), c (prio 1, 1); the pod needs 1 cpu.
  const pods = [pod('a', 5, '500m'), pod('b', 1, '500m'), pod('c', 1, '1', { start: '2025-01-01T00:00:05Z' })];
  const r = selectVictims(preemptor, candidate(n, preemptor, pods), []);
  assert.ok('victims' in r);
  // a is reprieved first (highest priority), then b (c started later so is less important: tried last).
  assert.deepEqual(names(r.victims), ['c']);
  assert.equal(r.pdbViolations, 0);
  // Pods of equal or higher priority are never victims.
  const none = selectVictims(pod('q', 1, '1'), candidate(n, pod('q', 1, '1'), [pod('x', 1, '1'), pod('y', 5, '1')]), []);
  assert.deepEqual(none, { reasons: ['No preemption victims found for incoming pod'] });
  // Removing every lower-priority pod is not enough: the filters' reasons.
  const tooBig = pod('big', 100, '3');
  assert.deepEqual(selectVictims(tooBig, candidate(n, tooBig, [pod('x', 1, '1')]), []), { reasons: ['Insufficient cpu'] });
});

test('victims with PDBs: violating pods reprieved first; their count is the violations', () => {
  const n = node('n', '2');
  const preemptor = pod('p', 100, '1');
  const guarded = [pod('g1', 1, '1', { labels: { app: 'db' } }), pod('g2', 1, '1', { labels: { app: 'web' }, start: '2025-01-01T00:00:09Z' })];
  // Without PDBs g2 (started later) is the victim; a budget with none allowed for web protects g2.
  assert.deepEqual(names((selectVictims(preemptor, candidate(n, preemptor, guarded), []) as { victims: Pod[] }).victims), ['g2']);
  const r = selectVictims(preemptor, candidate(n, preemptor, guarded), [budget(0, { app: 'web' })]);
  assert.deepEqual(r, { victims: [guarded[0]], pdbViolations: 0 });
  // Both guarded with none allowed: one must go, and it counts as a violation.
  const both = selectVictims(preemptor, candidate(n, preemptor, guarded), [budget(0, { app: 'web' }), budget(0, { app: 'db' })]);
  assert.ok('victims' in both);
  assert.equal(both.pdbViolations, 1);
});

test('splitByPDBViolation: namespaces, empty selectors, disruptedPods, allowance shared by the pods', () => {
  const pods = [pod('a', 0, '1', { labels: { app: 'x' } }), pod('b', 0, '1', { labels: { app: 'x' } }), pod('c', 0, '1')];
  const split = (pdbs: DisruptionBudget[]) => { const s = splitByPDBViolation(pods, pdbs); return [names(s.violating), names(s.nonViolating)]; };
  assert.deepEqual(split([budget(1, { app: 'x' })]), [['b'], ['a', 'c']]);
  assert.deepEqual(split([{ ...budget(0, { app: 'x' }), namespace: 'other' }]), [[], ['a', 'b', 'c']]);
  assert.deepEqual(split([budget(0, {})]), [[], ['a', 'b', 'c']]);
  assert.deepEqual(split([budget(0, { app: 'x' }, ['a'])]), [['b'], ['a', 'c']]);
});

test('node choice: fewest PDB violations, lowest top victim, smallest sum, fewest victims, latest start', () => {
  const c = (nodeName: string, victims: Pod[], pdbViolations = 0) => ({ node: nodeName, victims, pdbViolations });
  assert.equal(pickNode([c('a', [pod('x', 1, '1')], 1), c('b', [pod('y', 9, '1')])])?.node, 'b');
  assert.equal(pickNode([c('a', [pod('x', 5, '1')]), c('b', [pod('y', 3, '1'), pod('z', 3, '1')])])?.node, 'b');
  assert.equal(pickNode([c('a', [pod('x', 3, '1'), pod('w', 2, '1')]), c('b', [pod('y', 3, '1'), pod('z', 1, '1')])])?.node, 'b');
  // Negative priorities: more victims weigh more, whatever their sign.
  assert.equal(pickNode([c('a', [pod('x', -5, '1'), pod('w', -5, '1')]), c('b', [pod('y', -5, '1')])])?.node, 'b');
  assert.equal(pickNode([
    c('a', [pod('x', 3, '1', { start: '2025-01-01T00:00:00Z' })]),
    c('b', [pod('y', 3, '1', { start: '2025-01-01T00:01:00Z' })]),
  ])?.node, 'b');
  assert.equal(pickNode([]), undefined);
});

test('preempt: the outcome and the PostFilter messages', () => {
  const preemptor = pod('p', 100, '1');
  const full = node('full');
  const tainted = candidate(node('tainted'), preemptor, []);
  tainted.reasons = ['node(s) had untolerated taint {k: v}'];
  const outcome = preempt(preemptor, [candidate(full, preemptor, [pod('low', 0, '1')]), tainted], [], undefined);
  assert.deepEqual('node' in outcome && [outcome.node, names(outcome.victims)], ['full', ['low']]);
  assert.deepEqual(preempt(preemptor, [candidate(full, preemptor, [pod('same', 100, '1')]), tainted], [], undefined), {
    message: 'preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.',
    clearNomination: true,
  });
  assert.deepEqual(preempt(pod('n', 100, '1', { policy: 'Never' }), [candidate(full, preemptor, [pod('low', 0, '1')])], [], undefined), {
    message: 'preemption: not eligible due to preemptionPolicy=Never.', clearNomination: false,
  });
});

test('disruptionBudgetOf reads a stored policy/v1 PodDisruptionBudget', () => {
  const pdb = { metadata: { name: 'b', namespace: 'ns' }, spec: { selector: { matchLabels: { app: 'x' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] } }, status: { currentHealthy: 3, desiredHealthy: 1, expectedPods: 3, disruptionsAllowed: 2, disruptedPods: { p1: '2025-01-01T00:00:00Z' } } };
  assert.deepEqual(disruptionBudgetOf(pdb), {
    namespace: 'ns', selector: { matchLabels: { app: 'x' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] }, disruptionsAllowed: 2, disruptedPods: ['p1'],
  });
  assert.equal(disruptionBudgetOf({ metadata: { namespace: 'ns' } }), undefined);
  assert.equal(disruptionBudgetOf({ metadata: {}, spec: {} }), undefined);
});

test('a ranked work queue hands out the highest rank first, first come within a rank', () => {
  const rank: Record<string, number> = { a: 0, b: 10, c: 10, d: -5 };
  const q = new WorkQueue<string>((s) => s, () => {}, undefined, (s) => rank[s]);
  for (const item of ['a', 'b', 'd', 'c', 'b']) q.add(item);
  assert.equal(q.length, 4);
  assert.deepEqual([q.take(), q.take(), q.take(), q.take(), q.take()], ['b', 'c', 'a', 'd', undefined]);
  q.shutDown();
});
