// Scheduling predicates and scores, and the kubelet's stage engine, as pure functions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterNode, matchesNodeAffinity, nodeState, sameDemand, sameNodeDemand, scoreNode, tolerates, unschedulableMessage, feasibleNodesToFind } from '../../src/controllers/scheduling.js';
import { applyStageStatus, loadStages, nextStage } from '../../src/kubelet/stages.js';
import { parseQuantity } from '../../src/api/quantity.js';
import type { KObject } from '../../src/api/types.js';

const node = (name: string, extra: { labels?: Record<string, string>; taints?: object[]; cpu?: string; unschedulable?: boolean; ready?: boolean } = {}): KObject => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...extra.labels } },
  spec: { taints: extra.taints, unschedulable: extra.unschedulable },
  status: { allocatable: { cpu: extra.cpu ?? '4', memory: '16Gi', pods: '110' }, conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }] },
});
const pod = (spec: Record<string, unknown> = {}): KObject => ({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } });
const req = (cpu: string) => pod({ containers: [{ name: 'c', image: 'i', resources: { requests: { cpu } } }] });

test('quantities', () => {
  assert.equal(parseQuantity('500m'), 0.5);
  assert.equal(parseQuantity('2'), 2);
  assert.equal(parseQuantity('128Mi'), 128 * 2 ** 20);
  assert.equal(parseQuantity('1G'), 1e9);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.ok(Number.isNaN(parseQuantity('lots')));
});

test('filters: readiness, cordon, taints, selectors, resources', () => {
  assert.deepEqual(filterNode(pod(), nodeState(node('a', { ready: false }), [])), ['node(s) were not ready']);
  assert.deepEqual(filterNode(pod(), nodeState(node('a', { unschedulable: true }), [])), ['node(s) were unschedulable']);
  const tainted = node('a', { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] });
  assert.deepEqual(filterNode(pod(), nodeState(tainted, [])), ['node(s) had untolerated taint {dedicated: infra}']);
  assert.deepEqual(filterNode(pod({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }] }), nodeState(tainted, [])), []);
  assert.deepEqual(filterNode(pod({ nodeSelector: { disk: 'ssd' } }), nodeState(node('a'), [])), ["node(s) didn't match Pod's node affinity/selector"]);
  assert.deepEqual(filterNode(req('3'), nodeState(node('a'), [req('2')])), ['Insufficient cpu']);
  assert.deepEqual(filterNode(req('2'), nodeState(node('a'), [req('2')])), []);
});

test('tolerations: Exists, Equal, empty key, effects', () => {
  const taint = { key: 'k', value: 'v', effect: 'NoExecute' };
  assert.ok(tolerates([{ key: 'k', operator: 'Exists' }], taint));
  assert.ok(tolerates([{ key: 'k', operator: 'Equal', value: 'v' }], taint));
  assert.ok(!tolerates([{ key: 'k', operator: 'Equal', value: 'w' }], taint));
  assert.ok(tolerates([{ operator: 'Exists' }], taint));
  assert.ok(!tolerates([{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }], taint));
});

test('required node affinity operators', () => {
  const n = node('a', { labels: { zone: 'z1', gen: '5' } });
  const affinity = (op: string, key: string, values?: string[]) => pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key, operator: op, values }] }] } } } });
  assert.ok(matchesNodeAffinity(affinity('In', 'zone', ['z1', 'z2']), n));
  assert.ok(!matchesNodeAffinity(affinity('NotIn', 'zone', ['z1']), n));
  assert.ok(matchesNodeAffinity(affinity('Exists', 'zone'), n));
  assert.ok(matchesNodeAffinity(affinity('DoesNotExist', 'gpu'), n));
  assert.ok(matchesNodeAffinity(affinity('Gt', 'gen', ['4']), n));
  assert.ok(!matchesNodeAffinity(affinity('Lt', 'gen', ['4']), n));
});

test('scores prefer the emptier node; messages count reasons as kube does', () => {
  assert.ok(scoreNode(pod(), nodeState(node('a'), [])) > scoreNode(pod(), nodeState(node('b'), [pod(), pod()])));
  assert.equal(unschedulableMessage(3, [['Insufficient cpu'], ['Insufficient cpu'], ['node(s) were unschedulable']]), '0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.');
});

test('stages: a bound pod goes ContainerCreating, then Running with an IP; readiness gates hold Ready', () => {
  const stages = loadStages();
  const bound: KObject = { metadata: { name: 'p', uid: 'u' }, spec: { nodeName: 'n', containers: [{ name: 'c', image: 'nginx' }], readinessGates: [{ conditionType: 'example.com/gate' }] }, status: { phase: 'Pending' } };
  assert.equal(nextStage(stages, bound)?.name, 'container-creating');
  const inputs = { now: '2026-01-01T00:00:00Z', hostIP: '172.18.0.2', podIP: () => '10.244.0.5' };
  const creating = { ...bound, status: applyStageStatus(nextStage(stages, bound)!, bound, inputs) };
  assert.deepEqual((creating.status as any).containerStatuses[0].state, { waiting: { reason: 'ContainerCreating' } });
  assert.equal(nextStage(stages, creating)?.name, 'running');
  const running = { ...creating, status: applyStageStatus(nextStage(stages, creating)!, creating, inputs) } as any;
  assert.deepEqual([running.status.phase, running.status.podIP], ['Running', '10.244.0.5']);
  const ready = running.status.conditions.find((c: any) => c.type === 'Ready');
  assert.deepEqual([ready.status, ready.reason], ['False', 'ReadinessGatesNotReady']);
  assert.equal(nextStage(stages, { ...running, metadata: { ...running.metadata, deletionTimestamp: 'x' } })?.name, 'terminating');
});

test('feasibleNodesToFind follows kube-scheduler\'s adaptive percentage of nodes to score', () => {
  assert.deepEqual([3, 99, 100, 1000, 5000, 6000, 20000].map(feasibleNodesToFind), [3, 99, 100, 420, 500, 300, 1000]);
});

test('sameNodeDemand: status updates keep a pod\'s share of its node; node, finishing, requests and host ports change it', () => {
  const on = (nodeName: string | undefined, extra: Record<string, unknown> = {}, phase = 'Running'): KObject => ({ ...req('1'), spec: { ...(req('1').spec as object), nodeName, ...extra }, status: { phase } });
  const running = on('n1');
  assert.ok(sameNodeDemand(running, { ...running, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }));
  assert.ok(sameNodeDemand(running, on('n1')), 'equal specs in two copies');
  assert.ok(!sameNodeDemand(on(undefined), running), 'bound');
  assert.ok(!sameNodeDemand(running, on('n1', {}, 'Succeeded')), 'finished');
  assert.ok(!sameNodeDemand(running, { ...running, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '2' } } }] } }), 'resized');
  assert.ok(!sameNodeDemand(running, { ...running, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '1' } }, ports: [{ containerPort: 80, hostPort: 8080 }] }] } }), 'a host port');
  // sameDemand leaves the node aside: a pending pod and its binding (the same containers) ask the same.
  const pending = on(undefined, {}, 'Pending');
  const bound: KObject = { ...pending, spec: { ...(pending.spec as Record<string, unknown>), nodeName: 'n2' } };
  assert.ok(sameDemand(pending, bound), 'bound: its containers kept');
  assert.ok(!sameDemand(pending, on('n2', { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '3' } } }] }, 'Pending')), 'other requests');
});
