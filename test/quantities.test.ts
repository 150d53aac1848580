// resource.Quantity values through the API, as kube-apiserver treats them: a value that does not
// parse fails decoding of the whole body (400), negative requests and limits and requests above
// limits are pod validation errors (422), and every quantity is stored and returned in canonical
// form whichever way it arrived (create, update, merge/strategic/JSON patch, server-side apply),
// for every kind whose schema has quantities.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { parse as parseYAML, stringify as toYAML } from 'yaml';
import type { Cluster } from '../src/index.js';
import { http, kubectl, scratchFile, withCluster } from './helpers.js';

const REGEX_ERROR = `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`;
const cannot = (why: string) => `Pod in version "v1" cannot be handled as a Pod: ${why}`;

type Resources = { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
const pod = (name: string, resources: Resources) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: { containers: [{ name: 'c', image: 'nginx:1.25', resources }] },
});
const rc = (name: string, resources: Resources) => ({
  apiVersion: 'v1', kind: 'ReplicationController', metadata: { name },
  spec: { replicas: 0, selector: { app: name }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25', resources }] } } },
});
const podResources = (o: any) => o.spec.containers[0].resources;
const rcResources = (o: any) => o.spec.template.spec.containers[0].resources;

describe('quantities', () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster(); });
  after(async () => { await cluster.close(); });

  for (const version of ['1.27', '1.33']) {
    const v = version.replace('.', '');
    test(`kubectl ${version}: a quantity that does not parse fails the create with kube's 400`, async () => {
      const file = scratchFile(`abc-${v}.yaml`, JSON.stringify(pod(`abc-${v}`, { requests: { cpu: 'abc' } })));
      const r = await kubectl(version, cluster, ['create', '-f', file]);
      assert.deepEqual([r.code, r.stderr], [1, `Error from server (BadRequest): error when creating "${file}": ${cannot(REGEX_ERROR)}\n`]);
      assert.equal((await http(cluster, 'GET', `/api/v1/namespaces/default/pods/abc-${v}`)).status, 404);
    });

    test(`kubectl ${version}: pods and RC templates read back in canonical form`, async () => {
      const resources = {
        requests: { cpu: '0.5', memory: '1024Mi', 'ephemeral-storage': '1000' },
        limits: { cpu: '1000m', memory: '1.5Gi', 'ephemeral-storage': '2000000' },
      };
      const canonical = {
        requests: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '1k' },
        limits: { cpu: '1', memory: '1536Mi', 'ephemeral-storage': '2M' },
      };
      const file = scratchFile(`canon-${v}.yaml`, [pod(`canon-${v}`, resources), rc(`canon-${v}`, resources)].map((o) => toYAML(o)).join('---\n'));
      const created = await kubectl(version, cluster, ['create', '-f', file]);
      assert.equal(created.code, 0, created.stderr);
      const got = await kubectl(version, cluster, ['get', '-o', 'yaml', `pod/canon-${v}`]);
      assert.deepEqual(podResources(parseYAML(got.stdout)), canonical);
      const gotRC = await kubectl(version, cluster, ['get', '-o', 'yaml', `rc/canon-${v}`]);
      assert.deepEqual(rcResources(parseYAML(gotRC.stdout)), canonical);
    });

    test(`kubectl ${version}: negative requests and requests above limits are kube's 422`, async () => {
      const negative = scratchFile(`neg-${v}.yaml`, JSON.stringify(pod(`neg-${v}`, { requests: { cpu: '-1' } })));
      const neg = await kubectl(version, cluster, ['create', '-f', negative]);
      assert.deepEqual([neg.code, neg.stderr], [1, `The Pod "neg-${v}" is invalid: spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0\n`]);
      const above = scratchFile(`above-${v}.yaml`, JSON.stringify(pod(`above-${v}`, { requests: { cpu: '2000m' }, limits: { cpu: '1.5' } })));
      const over = await kubectl(version, cluster, ['create', '-f', above]);
      assert.deepEqual([over.code, over.stderr], [1, `The Pod "above-${v}" is invalid: spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1500m\n`]);
    });
  }

  test('the other parse errors, JSON numbers, whitespace, and errors before type and strict checks', async () => {
    const create = (resources: Resources, query = '') => http(cluster, 'POST', `/api/v1/namespaces/default/pods${query}`, pod('p', resources));
    for (const [cpu, why] of [
      ['1mi', "unable to parse quantity's suffix"],
      ['5MM', "unable to parse quantity's suffix"],
      ['-.e-10', 'unable to parse numeric part of quantity'],
      ['', REGEX_ERROR],
      [true, REGEX_ERROR],
      [{ n: 1 }, REGEX_ERROR],
    ] as const) {
      const r = await create({ requests: { cpu } });
      assert.deepEqual([r.status, r.json().reason, r.json().message], [400, 'BadRequest', cannot(why)], JSON.stringify(cpu));
    }
    // The first bad quantity in the body is the one reported, ahead of wrong types and unknown fields.
    const mixed = pod('p', { limits: { memory: '1mi' }, requests: { cpu: 'x' } });
    const body = { ...mixed, spec: { restartPolicy: 7, ...mixed.spec }, bogus: 1 };
    const r = await http(cluster, 'POST', '/api/v1/namespaces/default/pods?fieldValidation=Strict', body);
    assert.deepEqual([r.status, r.json().message], [400, cannot("unable to parse quantity's suffix")]);
    const numbers = await create({ requests: { cpu: 0.25, memory: 1048576 }, limits: { cpu: ' 1 ', memory: '\t2Mi\n' } });
    assert.equal(numbers.status, 201, numbers.text);
    assert.deepEqual(podResources(numbers.json()), { requests: { cpu: '250m', memory: '1048576' }, limits: { cpu: '1', memory: '2Mi' } });
  });

  test('validation: negative limits and requests, and resources that may not be overcommitted', async () => {
    const invalid = async (name: string, resources: Resources, causes: string) => {
      const r = await http(cluster, 'POST', '/api/v1/namespaces/default/pods', pod(name, resources));
      assert.deepEqual([r.status, r.json().reason, r.json().message], [422, 'Invalid', `Pod "${name}" is invalid: ${causes}`]);
    };
    await invalid('negative', { limits: { memory: '-1Mi' }, requests: { cpu: '-100m' } },
      '[spec.containers[0].resources.limits[memory]: Invalid value: "-1Mi": must be greater than or equal to 0, spec.containers[0].resources.requests[memory]: Invalid value: "-1Mi": must be greater than or equal to 0, spec.containers[0].resources.requests[cpu]: Invalid value: "-100m": must be greater than or equal to 0]');
    await invalid('gpu-unequal', { limits: { 'example.com/gpu': '2' }, requests: { 'example.com/gpu': '1' } },
      'spec.containers[0].resources.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2');
    await invalid('gpu-no-limit', { requests: { 'example.com/gpu': '1' } },
      'spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources');
    const equal = await http(cluster, 'POST', '/api/v1/namespaces/default/pods', pod('gpu-equal', { limits: { 'example.com/gpu': '1000m', cpu: '1' }, requests: { 'example.com/gpu': '1', cpu: '1000m' } }));
    assert.deepEqual([equal.status, podResources(equal.json())], [201, { limits: { 'example.com/gpu': '1', cpu: '1' }, requests: { 'example.com/gpu': '1', cpu: '1' } }]);
  });

  test('merge, strategic and JSON patches and server-side apply store canonical quantities', async () => {
    const path = '/api/v1/namespaces/default/replicationcontrollers/patched';
    assert.equal((await http(cluster, 'POST', '/api/v1/namespaces/default/replicationcontrollers', rc('patched', { requests: { cpu: '100m' } }))).status, 201);
    const merge = await http(cluster, 'PATCH', path, { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:1.25', resources: { requests: { cpu: '0.1' }, limits: { memory: '2048Mi' } } }] } } } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.deepEqual([merge.status, rcResources(merge.json())], [200, { requests: { cpu: '100m' }, limits: { memory: '2Gi' } }]);
    const strategic = await http(cluster, 'PATCH', path, { spec: { template: { spec: { containers: [{ name: 'c', resources: { limits: { cpu: '2000m' } } }] } } } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    assert.deepEqual([strategic.status, rcResources(strategic.json())], [200, { requests: { cpu: '100m' }, limits: { memory: '2Gi', cpu: '2' } }]);
    const json = await http(cluster, 'PATCH', path, [{ op: 'replace', path: '/spec/template/spec/containers/0/resources/requests/cpu', value: '1.5' }], { 'Content-Type': 'application/json-patch+json' });
    assert.deepEqual([json.status, rcResources(json.json()).requests], [200, { cpu: '1500m' }]);
    const badPatch = await http(cluster, 'PATCH', path, { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:1.25', resources: { requests: { cpu: 'lots' } } }] } } } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.deepEqual([badPatch.status, badPatch.json().message], [400, `ReplicationController in version "v1" cannot be handled as a ReplicationController: ${REGEX_ERROR}`]);

    const applied = rc('applied', { requests: { cpu: '0.25', memory: '0.5Gi' } });
    const apply = await kubectl('1.33', cluster, ['apply', '--server-side', '-f', '-', '-o', 'yaml'], { stdin: JSON.stringify(applied) });
    assert.equal(apply.code, 0, apply.stderr);
    assert.deepEqual(rcResources(parseYAML(apply.stdout)), { requests: { cpu: '250m', memory: '512Mi' } });
    const ssa = await http(cluster, 'PATCH', '/api/v1/namespaces/default/replicationcontrollers/applied?fieldManager=m2&force=true', JSON.stringify(rc('applied', { limits: { cpu: '1000m' } })), { 'Content-Type': 'application/apply-patch+yaml' });
    assert.deepEqual([ssa.status, rcResources(ssa.json()).limits], [200, { cpu: '1' }]);
  });

  test('quantities of other kinds are canonical too: node capacity', async () => {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'q-node' }, status: { capacity: { cpu: '4000m', memory: '16384Mi', pods: '110' } } };
    const made = await http(cluster, 'POST', '/api/v1/nodes', node);
    assert.equal(made.status, 201, made.text);
    const status = await http(cluster, 'PATCH', '/api/v1/nodes/q-node/status', { status: { allocatable: { cpu: '3.5', memory: '15Gi', 'ephemeral-storage': '1e3' } } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.deepEqual([status.status, status.json().status.allocatable], [200, { cpu: '3500m', memory: '15Gi', 'ephemeral-storage': '1e3' }]);
    assert.deepEqual((await http(cluster, 'GET', '/api/v1/nodes/q-node')).json().status.capacity, { cpu: '4', memory: '16Gi', pods: '110' });
  });

  test('@kubernetes/client-node sees canonical quantities and the 400', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const created = await core.createNamespacedPod({ namespace: 'default', body: pod('client', { requests: { cpu: '1.5', memory: '1000Ki' } }) as k8s.V1Pod });
    assert.deepEqual(created.spec?.containers[0].resources?.requests, { cpu: '1500m', memory: '1000Ki' });
    const read = await core.readNamespacedPod({ namespace: 'default', name: 'client' });
    assert.deepEqual(read.spec?.containers[0].resources?.requests, { cpu: '1500m', memory: '1000Ki' });
    await assert.rejects(core.createNamespacedPod({ namespace: 'default', body: pod('client-bad', { limits: { memory: '12XB' } }) as k8s.V1Pod }), (e: any) => {
      assert.equal(e.code, 400);
      assert.equal(JSON.parse(e.body).message, cannot(REGEX_ERROR));
      return true;
    });
  });
});
