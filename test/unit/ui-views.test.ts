// The dashboard's pure parts beyond the Cluster view: the YAML tab's text and apply body, the
// Workloads view's rollout judgement, the Services view's endpoints and replies, the Events
// view's words, and the exec channel framing. The views themselves are tested in Chromium.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Deployment, EndpointSlice, Event, ReplicaSet } from '../../src/api/objects.js';
import { eventTimes, involvedRef, lastSeenText, objectText } from '../../src/ui/events-model.js';
import { execOutcome, frame, resizeFrame } from '../../src/ui/exec-channels.js';
import { proxyPath, replier, serviceEndpoints, sliceService } from '../../src/ui/services-model.js';
import { owningDeployment, rollout, workloadKey } from '../../src/ui/workloads-model.js';
import { applyBody, editableYaml, managersOf } from '../../src/ui/yaml-text.js';

const REF = { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespace: 'default', name: 'web' };

test("the YAML tab's text leaves managedFields out, keeps YAML 1.1's quoting, and its apply body drops what is not applied back", () => {
  const obj = {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'default', uid: 'u1', resourceVersion: '7', managedFields: [{ manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: '2026-12-05T00:00:00Z' }] },
    data: { answer: 'yes', list: 'a' },
  };
  const text = editableYaml(obj);
  assert.doesNotMatch(text, /managedFields/);
  assert.match(text, /answer: "yes"/, 'a YAML 1.1 boolean word stays a string');
  assert.deepEqual(managersOf(obj).map((m) => `${m.manager}/${m.operation}`), ['kubectl-create/Update']);
  const applied = applyBody(`${text}status:\n  phase: x\n`, { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespace: 'default', name: 'c' });
  assert.ok(applied.ok);
  assert.deepEqual(JSON.parse(applied.body), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { answer: 'yes', list: 'a' } });
  // What the text leaves out is filled from the object it came from.
  const bare = applyBody('spec:\n  replicas: 2\n', REF);
  assert.ok(bare.ok);
  assert.deepEqual(JSON.parse(bare.body), { spec: { replicas: 2 }, apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' } });
  const broken = applyBody('metadata:\n  name: [unclosed\n', REF);
  assert.equal(broken.ok, false);
  assert.equal(applyBody('- a list\n', REF).ok, false);
});

test("a Deployment's rollout as kubectl rollout status judges it", () => {
  const d = (generation: number, observed: number, reason: string, s: Partial<NonNullable<Deployment['status']>>): Deployment => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', generation }, spec: { replicas: 4, selector: {}, template: {} },
    status: { observedGeneration: observed, replicas: 4, updatedReplicas: 4, availableReplicas: 4, readyReplicas: 4, conditions: [{ type: 'Progressing', status: 'True', reason, message: 'm' }], ...s },
  });
  assert.equal(rollout(d(2, 1, 'NewReplicaSetAvailable', {})).state, 'waiting');
  assert.equal(rollout(d(2, 2, 'NewReplicaSetAvailable', {})).state, 'complete');
  assert.deepEqual(rollout(d(2, 2, 'ReplicaSetUpdated', { updatedReplicas: 2, availableReplicas: 3 })), { state: 'progressing', text: 'ReplicaSetUpdated: m (2 of 4 updated, 3 available)' });
  // Old pods still running: not complete even when the condition already says available.
  assert.equal(rollout(d(2, 2, 'NewReplicaSetAvailable', { replicas: 5 })).state, 'progressing');
  assert.equal(rollout(d(2, 2, 'ProgressDeadlineExceeded', {})).state, 'stalled');
  const rs: ReplicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: 'ns', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u', controller: true }] } };
  assert.equal(owningDeployment(rs), workloadKey('Deployment', 'ns', 'web'));
});

test("a service's endpoints from its slices, its proxy path, and who answered", () => {
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { name: 'kubia-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubia' } },
    ports: [{ port: 8080 }],
    endpoints: [
      { addresses: ['10.244.1.10'], conditions: { ready: false }, targetRef: { kind: 'Pod', name: 'kubia-b' }, nodeName: 'node-2' },
      { addresses: ['10.244.1.9'], targetRef: { kind: 'Pod', name: 'kubia-a' } },
    ],
  };
  assert.equal(sliceService(slice), 'default/kubia');
  assert.deepEqual(serviceEndpoints([slice]).map((e) => [e.targets.join(), e.ready, e.pod?.name]), [['10.244.1.9:8080', true, 'kubia-a'], ['10.244.1.10:8080', false, 'kubia-b']]);
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubia', namespace: 'default' } };
  assert.equal(proxyPath(svc, { port: 80 }), '/api/v1/namespaces/default/services/kubia:80/proxy/');
  assert.equal(proxyPath(svc, { name: 'http', port: 80 }), '/api/v1/namespaces/default/services/kubia:http/proxy/');
  assert.deepEqual(replier("You've hit kubia-a\n"), { pod: 'kubia-a', text: "You've hit kubia-a" });
  assert.deepEqual(replier('\nhello\nworld'), { text: 'hello' });
});

test("an event's words: LAST SEEN with its count, OBJECT, and the object the panel opens", () => {
  const now = Date.parse('2026-12-05T10:00:00Z');
  const e: Event = {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'default' }, count: 3,
    firstTimestamp: '2026-12-05T09:58:00Z', lastTimestamp: '2026-12-05T09:59:48Z',
    involvedObject: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'default' },
  };
  assert.equal(lastSeenText(eventTimes(e), now), '12s (x3 over 2m)');
  assert.equal(objectText(e.involvedObject), 'deployment/web');
  assert.deepEqual(involvedRef(e.involvedObject, 'default'), { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespace: 'default', name: 'web' });
  assert.equal(involvedRef({ kind: 'Node', name: 'node-1' }, 'default')?.namespace, undefined);
  assert.equal(involvedRef({ kind: 'Widget', name: 'w' }, 'default'), undefined);
});

test('exec frames: the channel byte, the resize message, and the outcome in kubectl exec\'s words', () => {
  assert.deepEqual([...frame(0, 'ls\r')], [0, 0x6c, 0x73, 0x0d]);
  assert.equal(new TextDecoder().decode(resizeFrame(80, 24).subarray(1)), '{"Width":80,"Height":24}');
  assert.equal(resizeFrame(80, 24)[0], 4);
  assert.equal(execOutcome('{"metadata":{},"status":"Success"}'), undefined);
  assert.equal(execOutcome(JSON.stringify({ status: 'Failure', reason: 'NonZeroExitCode', message: 'command terminated with non-zero exit code', details: { causes: [{ reason: 'ExitCode', message: '3' }] } })), 'command terminated with exit code 3');
  assert.equal(execOutcome(JSON.stringify({ status: 'Failure', message: 'container not found ("x")' })), 'container not found ("x")');
});
