// The dashboard's pure model: chip states, requests as the scheduler counts them, node state, quantities.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Node, Pod } from '../../src/api/objects.js';
import { formatCpu, formatMemory, nodeSummary, podRequests, podState, quantityValue, unschedulableMessage } from '../../src/ui/model.js';

function pod(status: Pod['status'], spec: Partial<NonNullable<Pod['spec']>> = {}, deleting = false): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { containers: [], ...spec }, status,
  };
}

test('chip state: phase, readiness for a running pod, and deletion', () => {
  assert.equal(podState(pod({ phase: 'Pending' })), 'pending');
  assert.equal(podState(pod({})), 'pending');
  assert.equal(podState(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] })), 'ready');
  assert.equal(podState(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] })), 'running');
  assert.equal(podState(pod({ phase: 'Succeeded' })), 'succeeded');
  assert.equal(podState(pod({ phase: 'Failed' })), 'failed');
  assert.equal(podState(pod({ phase: 'Running' }, {}, true)), 'terminating');
});

test("requests: the containers' sum, at least the largest init container's", () => {
  const c = (name: string, cpu: string, memory: string) => ({ name, resources: { requests: { cpu, memory } } });
  assert.deepEqual(podRequests(pod({}, { containers: [c('a', '250m', '64Mi'), c('b', '1', '1Gi')] })), { cpu: 1250, memory: 2 ** 30 + 64 * 2 ** 20 });
  assert.deepEqual(podRequests(pod({}, { containers: [c('a', '100m', '1Mi')], initContainers: [c('i', '2', '1Ki')] })), { cpu: 2000, memory: 2 ** 20 });
  assert.deepEqual(podRequests(pod({}, { containers: [{ name: 'none' }] })), { cpu: 0, memory: 0 });
});

test('quantities and their display', () => {
  assert.equal(quantityValue('500m'), 0.5);
  assert.equal(quantityValue('16Gi'), 16 * 2 ** 30);
  assert.equal(quantityValue('1e3'), 1000);
  assert.equal(quantityValue('2k'), 2000);
  assert.equal(quantityValue('nonsense'), 0);
  assert.equal(formatCpu(4000), '4');
  assert.equal(formatCpu(250), '250m');
  assert.equal(formatCpu(1500), '1.5');
  assert.equal(formatMemory(16 * 2 ** 30), '16Gi');
  assert.equal(formatMemory(0), '0');
});

test('node state and the reason a pod waits', () => {
  const node: Node = {
    apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { unschedulable: true },
    status: { allocatable: { cpu: '4', memory: '16Gi' }, conditions: [{ type: 'Ready', status: 'Unknown' }] },
  };
  assert.deepEqual(nodeSummary(node), { name: 'n', allocatable: { cpu: 4000, memory: 16 * 2 ** 30 }, ready: false, cordoned: true, status: 'NotReady,SchedulingDisabled' });
  assert.equal(nodeSummary({ ...node, spec: {}, status: {} }).status, 'Unknown');
  const message = '0/3 nodes are available: 3 Insufficient cpu.';
  assert.equal(unschedulableMessage(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] })), message);
  assert.equal(unschedulableMessage(pod({ phase: 'Pending' })), undefined);
});
