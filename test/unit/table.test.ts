import assert from 'node:assert/strict';
import { test } from 'node:test';
import { humanDuration } from '../../src/api/table.js';
import type { Pod } from '../../src/api/objects.js';
import { podStatusReason } from '../../src/resources/pods.js';
import { formatEndpoints } from '../../src/resources/networking.js';

test('ages print as kubectl prints them', () => {
  const s = 1000, m = 60 * s, h = 60 * m, d = 24 * h;
  const cases: [number, string][] = [
    [0, '0s'], [59 * s, '59s'], [119 * s, '119s'], [2 * m, '2m'], [2 * m + 5 * s, '2m5s'], [10 * m, '10m'], [179 * m, '179m'],
    [3 * h, '3h'], [3 * h + 20 * m, '3h20m'], [8 * h, '8h'], [47 * h, '47h'], [2 * d, '2d'], [3 * d + 4 * h, '3d4h'],
    [8 * d, '8d'], [400 * d, '400d'], [365 * 2 * d, '2y'], [365 * 3 * d + 10 * d, '3y10d'], [-5 * s, '<invalid>'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, String(ms));
});

test('pod STATUS column', () => {
  // Statuses as tests write them: only the fields the column reads.
  const pod = (status: object, extra: object = {}) => ({ metadata: { name: 'p', ...extra }, spec: { containers: [{ name: 'c' }] }, status }) as Pod;
  assert.equal(podStatusReason(pod({ phase: 'Pending' })), 'Pending');
  assert.equal(podStatusReason(pod({ phase: 'Pending', containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ContainerCreating' } } }] })), 'ContainerCreating');
  assert.equal(podStatusReason(pod({ phase: 'Running', containerStatuses: [{ name: 'c', ready: true, state: { running: {} } }] })), 'Running');
  assert.equal(podStatusReason(pod({ phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 3 } } }] })), 'ExitCode:3');
  assert.equal(podStatusReason(pod({ phase: 'Succeeded', containerStatuses: [{ name: 'c', state: { terminated: { reason: 'Completed', exitCode: 0 } } }] })), 'Completed');
  assert.equal(podStatusReason(pod({ phase: 'Running' }, { deletionTimestamp: '2026-01-01T00:00:00Z' })), 'Terminating');
});

test('endpoints column', () => {
  assert.equal(formatEndpoints(undefined), '<none>');
  assert.equal(formatEndpoints([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }] }]), '10.0.0.1:80,10.0.0.2:80');
  assert.equal(formatEndpoints([{ addresses: ['1', '2', '3', '4', '5'].map((i) => ({ ip: `10.0.0.${i}` })), ports: [{ port: 80 }] }]), '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...');
});
