// The pure quota and limit-range policy: usage as kube's evaluators measure it, the admission
// decision and its texts, the LimitRanger's defaults and checks, and the kinds' validation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LimitRange, Pod, ResourceQuota } from '../../src/api/objects.js';
import { addQuantity, calculateUsage, matchingResources, podMatchesScope, podUsage, usageOf } from '../../src/controllers/quota-usage.js';
import { applyDefaults, validatePod } from '../../src/resources/limit-ranger.js';
import { limitRangeStrategy, validateLimitRange } from '../../src/resources/limitranges.js';
import { checkRequest, QuotaRefusal } from '../../src/resources/quota-check.js';
import { validateResourceQuota } from '../../src/resources/resourcequotas.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const PODS = { group: '', resource: 'pods' };

function pod(name: string, resources: Record<string, Record<string, string>> = {}, extra: Partial<Pod['spec']> = {}): Pod {
  return { metadata: { name, namespace: 'ns', resourceVersion: '1' }, spec: { containers: [{ name: 'c1', resources }], ...extra } };
}

function quota(name: string, hard: Record<string, string>, used?: Record<string, string>, scopes?: string[]): ResourceQuota {
  return { metadata: { name, namespace: 'ns' }, spec: { hard, scopes }, status: { hard, used } };
}

test('quantities add in the first operand\'s format', () => {
  assert.equal(addQuantity('100m', '250m'), '350m');
  assert.equal(addQuantity('0', '128Mi'), '128Mi');
  assert.equal(addQuantity('1Gi', '1Gi'), '2Gi');
  assert.equal(addQuantity('1', '500m'), '1500m');
});

test('pod usage: compute resources from requests and limits, nothing but the count once terminal', () => {
  const p = pod('p', { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m' } });
  assert.deepEqual(podUsage(p, NOW), { 'count/pods': '1', pods: '1', cpu: '100m', 'requests.cpu': '100m', memory: '64Mi', 'requests.memory': '64Mi', 'limits.cpu': '200m' });
  assert.deepEqual(podUsage({ ...p, status: { phase: 'Succeeded' } }, NOW), { 'count/pods': '1' });
  // Init containers count at their peak, not summed with the app containers.
  const init = pod('i', { requests: { cpu: '100m' } }, { initContainers: [{ name: 'init', resources: { requests: { cpu: '300m' } } }] });
  assert.equal(podUsage(init, NOW)['requests.cpu'], '300m');
});

test('object counts by count/<resource>.<group> and the legacy core names; services count their node ports', () => {
  assert.deepEqual(usageOf({ group: 'apps', resource: 'deployments' }, { metadata: {} }, NOW), { 'count/deployments.apps': '1' });
  assert.deepEqual(usageOf({ group: '', resource: 'configmaps' }, { metadata: {} }, NOW), { 'count/configmaps': '1', configmaps: '1' });
  const svc = { metadata: {}, spec: { type: 'LoadBalancer', ports: [{ port: 80 }, { port: 443 }] } };
  assert.deepEqual(usageOf({ group: '', resource: 'services' }, svc, NOW), { 'count/services': '1', services: '1', 'services.nodeports': '2', 'services.loadbalancers': '1' });
});

test('scopes: BestEffort, Terminating and PriorityClass selectors', () => {
  const best = pod('b');
  const burst = pod('r', { requests: { cpu: '1' } }, { activeDeadlineSeconds: 10, priorityClassName: 'high' });
  assert.ok(podMatchesScope({ scopeName: 'BestEffort', operator: 'Exists' }, best));
  assert.ok(!podMatchesScope({ scopeName: 'BestEffort', operator: 'Exists' }, burst));
  assert.ok(podMatchesScope({ scopeName: 'Terminating', operator: 'Exists' }, burst));
  assert.ok(podMatchesScope({ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }, burst));
  assert.ok(podMatchesScope({ scopeName: 'PriorityClass', operator: 'NotIn', values: ['high'] }, best));
  assert.ok(!podMatchesScope({ scopeName: 'PriorityClass', operator: 'Exists' }, best));
  const q = quota('be', { pods: '5' }, undefined, ['BestEffort']);
  assert.deepEqual(calculateUsage(q, () => [best, burst], NOW), { pods: '1' });
});

test('the controller\'s usage covers every hard resource, zero when nothing uses it', () => {
  const q = quota('q', { pods: '2', 'requests.memory': '1Gi', 'count/deployments.apps': '1' });
  const objects = (gr: { resource: string }) => (gr.resource === 'pods' ? [pod('a', { requests: { memory: '100Mi' } })] : []);
  assert.deepEqual(calculateUsage(q, objects, NOW), { pods: '1', 'requests.memory': '100Mi', 'count/deployments.apps': '0' });
});

test('Events and virtual resources are never quota-ed (kube\'s DefaultIgnoredResources): no usage, no match', () => {
  const q = quota('q', { 'count/events': '1', 'count/events.events.k8s.io': '1', 'count/configmaps': '2' });
  const objects = (gr: { resource: string }) => (gr.resource === 'events' ? [{ metadata: { name: 'e' } }] : []);
  assert.deepEqual(calculateUsage(q, objects, NOW), { 'count/configmaps': '0' });
  assert.deepEqual(matchingResources({ group: '', resource: 'events' }, ['count/events']), []);
  assert.deepEqual(matchingResources({ group: 'events.k8s.io', resource: 'events' }, ['count/events.events.k8s.io']), []);
  assert.deepEqual(matchingResources({ group: '', resource: 'configmaps' }, ['count/configmaps']), ['count/configmaps']);
});

test('admission: kube\'s exceeded-quota and must-specify texts, names sorted', () => {
  const refusal = (quotas: ResourceQuota[], p: Pod) => {
    try { checkRequest(quotas, { gr: PODS, operation: 'CREATE', object: p, now: NOW }); } catch (e) { if (e instanceof QuotaRefusal) return e.message; throw e; }
    return undefined;
  };
  assert.equal(refusal([quota('compute', { pods: '2' }, { pods: '2' })], pod('p3')), 'exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2');
  assert.equal(refusal([quota('c', { pods: '5', 'requests.cpu': '1', 'requests.memory': '1Gi' }, { pods: '0', 'requests.cpu': '900m', 'requests.memory': '1Gi' })], pod('p', { requests: { cpu: '200m', memory: '1Mi' } })),
    'exceeded quota: c, requested: requests.cpu=200m,requests.memory=1Mi, used: requests.cpu=900m,requests.memory=1Gi, limited: requests.cpu=1,requests.memory=1Gi');
  assert.equal(refusal([quota('c', { 'requests.cpu': '1', 'limits.memory': '1Gi' }, { 'requests.cpu': '0', 'limits.memory': '0' })], pod('p')),
    'failed quota: c: must specify limits.memory for: c1; requests.cpu for: c1');
  assert.equal(refusal([quota('new', { pods: '2' })], pod('p')), 'status unknown for quota: new, resources: pods');
  assert.deepEqual(checkRequest([quota('q', { pods: '2' }, { pods: '1' })], { gr: PODS, operation: 'CREATE', object: pod('p'), now: NOW }), [{ quota: 'q', delta: { pods: '1' } }]);
  // A scoped quota does not count a pod its scopes do not select.
  assert.deepEqual(checkRequest([quota('be', { pods: '0' }, { pods: '0' }, ['NotBestEffort'])], { gr: PODS, operation: 'CREATE', object: pod('p'), now: NOW }), []);
});

test('LimitRanger: defaults with the annotation, then min and max with kube\'s texts', () => {
  const lr: LimitRange = { metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', min: { cpu: '100m' }, max: { cpu: '1' }, default: { cpu: '500m' } }] } };
  limitRangeStrategy.defaults?.(lr);
  assert.deepEqual(lr.spec?.limits?.[0].defaultRequest, { cpu: '500m' }, 'the default request is the default limit');
  const p = pod('p', { limits: { memory: '1Gi' } });
  applyDefaults(p, lr);
  assert.deepEqual(p.spec?.containers[0].resources, { limits: { memory: '1Gi', cpu: '500m' }, requests: { memory: '1Gi', cpu: '500m' } });
  assert.equal(p.metadata.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu request for container c1; cpu limit for container c1');
  assert.deepEqual(validatePod(pod('x', { requests: { cpu: '50m' }, limits: { cpu: '500m' } }), lr), ['minimum cpu usage per Container is 100m, but request is 50m']);
  assert.deepEqual(validatePod(pod('y', { requests: { cpu: '2' }, limits: { cpu: '2' } }), lr), ['maximum cpu usage per Container is 1, but limit is 2']);
  assert.deepEqual(validatePod(pod('z'), lr), ['minimum cpu usage per Container is 100m.  No request is specified', 'maximum cpu usage per Container is 1.  No limit is specified']);
});

test('validation texts of ResourceQuota and LimitRange', () => {
  const texts = (errs: { toString(): string }[]) => errs.map(String);
  assert.deepEqual(texts(validateResourceQuota(quota('q', { pods: '1500m', foo: '1' }))), [
    'spec.hard[pods]: Invalid value: "1500m": must be an integer',
    'spec.hard[foo]: Invalid value: "foo": must be a standard resource type or fully qualified',
    'spec.hard[foo]: Invalid value: "foo": must be a standard resource for quota',
  ]);
  const conflicting = quota('q', { pods: '1' }, undefined, ['BestEffort', 'NotBestEffort']);
  assert.ok(texts(validateResourceQuota(conflicting)).some((t) => t.endsWith('conflicting scopes')));
  const bad: LimitRange = { metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }, { type: 'Pod', default: { cpu: '1' } }] } };
  assert.deepEqual(texts(validateLimitRange(bad)).slice(0, 2), [
    'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
    "spec.limits[1].default: Forbidden: may not be specified when `type` is 'Pod'",
  ]);
});
