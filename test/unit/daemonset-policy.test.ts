// The daemonset controller's policy as pure functions: the tolerations it adds, the node affinity
// pinning each pod, which nodes should run the pod, and the rolling update's choices.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Node, PodTemplateSpec } from '../../src/api/objects.js';
import { daemonPodSpec, rollingUpdatePlan, shouldRunOn, updateLimits, withDaemonTolerations, type NodePods } from '../../src/controllers/daemonset-policy.js';

const node = (name: string, labels: Record<string, string> = {}, taints: Node['spec'] = {}): Node => ({ metadata: { name, labels }, spec: taints });
const template = (spec: Partial<NonNullable<PodTemplateSpec['spec']>> = {}): PodTemplateSpec => ({ metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } });

test('daemon pods tolerate not-ready and unreachable (NoExecute) and the pressure and unschedulable taints (NoSchedule)', () => {
  const tolerations = withDaemonTolerations({ containers: [] }).tolerations ?? [];
  assert.deepEqual(tolerations.map((t) => `${t.key}:${t.operator}:${t.effect}`), [
    'node.kubernetes.io/not-ready:Exists:NoExecute', 'node.kubernetes.io/unreachable:Exists:NoExecute',
    'node.kubernetes.io/disk-pressure:Exists:NoSchedule', 'node.kubernetes.io/memory-pressure:Exists:NoSchedule',
    'node.kubernetes.io/pid-pressure:Exists:NoSchedule', 'node.kubernetes.io/unschedulable:Exists:NoSchedule',
  ]);
  const host = withDaemonTolerations({ containers: [], hostNetwork: true, tolerations: [{ key: 'x', operator: 'Exists' }] }).tolerations ?? [];
  assert.equal(host[0].key, 'x', 'the template\'s own come first');
  assert.equal(host.at(-1)?.key, 'node.kubernetes.io/network-unavailable');
});

test('each pod is pinned to its node by matchFields metadata.name, replacing the template\'s required terms', () => {
  const spec = daemonPodSpec(template({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }] } } } }), 'node-2');
  assert.deepEqual(spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-2'] }] }] });
});

test('nodeSelector, required affinity and taints decide which nodes run the pod', () => {
  assert.deepEqual(shouldRunOn(node('n'), template()), { shouldRun: true, shouldContinueRunning: true });
  assert.equal(shouldRunOn(node('n'), template({ nodeSelector: { disk: 'ssd' } })).shouldRun, false);
  assert.equal(shouldRunOn(node('n', { disk: 'ssd' }), template({ nodeSelector: { disk: 'ssd' } })).shouldRun, true);
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } };
  assert.equal(shouldRunOn(node('n', { zone: 'b' }), template({ affinity })).shouldRun, false);
  const tainted = node('n', {}, { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] });
  assert.deepEqual(shouldRunOn(tainted, template()), { shouldRun: false, shouldContinueRunning: true }, 'NoSchedule: no new pod, a running one stays');
  assert.deepEqual(shouldRunOn(node('n', {}, { taints: [{ key: 'k', effect: 'NoExecute' }] }), template()), { shouldRun: false, shouldContinueRunning: false });
  assert.equal(shouldRunOn(tainted, template({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] })).shouldRun, true);
  assert.equal(shouldRunOn(node('n', {}, { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }), template()).shouldRun, true, 'cordoned nodes keep daemons');
  assert.equal(shouldRunOn(node('n', {}, { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] }), template()).shouldRun, true);
});

test('rolling update limits: percentages round up; 0/0 moves one at a time', () => {
  assert.deepEqual(updateLimits(1, 0, 5), { maxUnavailable: 1, maxSurge: 0 });
  assert.deepEqual(updateLimits('30%', 0, 5), { maxUnavailable: 2, maxSurge: 0 });
  assert.deepEqual(updateLimits(0, 0, 5), { maxUnavailable: 1, maxSurge: 0 });
});

test('maxUnavailable: unavailable old pods always go, available ones within the budget', () => {
  const old = (n: string, available = true): NodePods => ({ node: n, oldPod: { name: `${n}-old`, available }, ok: true });
  assert.deepEqual(rollingUpdatePlan([old('a'), old('b'), old('c')], { maxUnavailable: 1, maxSurge: 0 }), { deleteOld: ['a-old'], surgeOn: [] });
  assert.deepEqual(rollingUpdatePlan([{ node: 'a', newPod: { name: 'a-new', available: false }, ok: true }, old('b')], { maxUnavailable: 1, maxSurge: 0 }), { deleteOld: [], surgeOn: [] }, 'a new pod not yet available uses the budget');
  assert.deepEqual(rollingUpdatePlan([{ node: 'a', ok: true }, old('b')], { maxUnavailable: 1, maxSurge: 0 }), { deleteOld: [], surgeOn: [] }, 'a node waiting for its pod counts as unavailable');
  assert.deepEqual(rollingUpdatePlan([old('a', false), old('b'), old('c')], { maxUnavailable: 2, maxSurge: 0 }), { deleteOld: ['a-old', 'b-old'], surgeOn: [] });
});

test('maxSurge: a new pod first, the old one goes once it is available', () => {
  const old = (n: string): NodePods => ({ node: n, oldPod: { name: `${n}-old`, available: true }, ok: true });
  assert.deepEqual(rollingUpdatePlan([old('a'), old('b')], { maxUnavailable: 0, maxSurge: 1 }), { deleteOld: [], surgeOn: ['a'] });
  const both = (available: boolean): NodePods => ({ node: 'a', oldPod: { name: 'a-old', available: true }, newPod: { name: 'a-new', available }, ok: true });
  assert.deepEqual(rollingUpdatePlan([both(false), old('b')], { maxUnavailable: 0, maxSurge: 1 }), { deleteOld: [], surgeOn: [] });
  assert.deepEqual(rollingUpdatePlan([both(true), old('b')], { maxUnavailable: 0, maxSurge: 1 }), { deleteOld: ['a-old'], surgeOn: ['b'] });
});
