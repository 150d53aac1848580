// A pod's QoS class as kube's ComputePodQOS finds it: cpu and memory above zero, summed over
// containers and init containers; Guaranteed needs both limited in every container and the sums
// of requests and limits equal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Container, PodSpec } from '../../src/api/objects.js';
import { Quantity } from '../../src/api/quantity.js';
import { qosClass } from '../../src/api/pod-qos.js';

const container = (name: string, requests?: Record<string, string>, limits?: Record<string, string>): Container =>
  ({ name, image: 'app', ...(requests || limits ? { resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } } : {}) });
const spec = (containers: Container[], initContainers?: Container[]): PodSpec => ({ containers, ...(initContainers ? { initContainers } : {}) });

test('BestEffort: no cpu or memory above zero in any container', () => {
  assert.equal(qosClass(spec([container('a')])), 'BestEffort');
  assert.equal(qosClass(spec([container('a', { 'ephemeral-storage': '1Gi', 'example.com/gpu': '1' })])), 'BestEffort');
  assert.equal(qosClass(spec([container('a', { cpu: '0', memory: '0' }, { cpu: '0' })])), 'BestEffort');
});

test('Guaranteed: every container limits cpu and memory, and the summed requests equal the summed limits', () => {
  const both = { cpu: '1', memory: '1Gi' };
  assert.equal(qosClass(spec([container('a', both, both)])), 'Guaranteed');
  assert.equal(qosClass(spec([container('a', { cpu: '1000m', memory: '1024Mi' }, both)])), 'Guaranteed');
  // The sums are compared, not each container: 1 + 2 requested against 2 + 1 limited.
  assert.equal(qosClass(spec([container('a', { cpu: '1', memory: '1Gi' }, { cpu: '2', memory: '1Gi' }), container('b', { cpu: '2', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })])), 'Guaranteed');
  assert.equal(qosClass(spec([container('a', both, both)], [container('init', both, both)])), 'Guaranteed');
});

test('Burstable: anything between', () => {
  const both = { cpu: '1', memory: '1Gi' };
  assert.equal(qosClass(spec([container('a', { memory: '16Mi' })])), 'Burstable');
  assert.equal(qosClass(spec([container('a', { cpu: '10m', memory: '16Mi' }, { memory: '64Mi' })])), 'Burstable');
  assert.equal(qosClass(spec([container('a', { cpu: '500m', memory: '1Gi' }, both)])), 'Burstable');
  // A container limiting only cpu, or not at all, rules Guaranteed out whatever the sums say.
  assert.equal(qosClass(spec([container('a', both, both), container('b', { cpu: '1' }, { cpu: '1' })])), 'Burstable');
  assert.equal(qosClass(spec([container('a', both, both)], [container('init')])), 'Burstable');
  assert.equal(qosClass(spec([container('a', both, both)], [container('init', { cpu: '100m' })])), 'Burstable');
});

test('Quantity.add is exact across scales and formats', () => {
  assert.equal(Quantity.parse('1').add(Quantity.parse('500m')).cmp(Quantity.parse('1500m')), 0);
  assert.equal(Quantity.parse('1Gi').add(Quantity.parse('1Mi')).cmp(Quantity.parse('1025Mi')), 0);
  assert.equal(Quantity.parse('1k').add(Quantity.parse('1n')).cmp(Quantity.parse('1000000000001n')), 0);
  assert.equal(Quantity.parse('2').add(Quantity.parse('-3')).cmp(Quantity.parse('-1')), 0);
  assert.equal(Quantity.parse('1Gi').add(Quantity.parse('1Mi')).format, 'BinarySI');
  assert.equal(Quantity.parse('0').add(Quantity.parse('1Mi')).format, 'BinarySI', 'a zero takes the format of what is added');
});
