// The API over plain HTTP, as any client sees it: health, version, discovery, OpenAPI, Status
// errors, content negotiation, limits, Tables and list/watch semantics.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, readWatch, sleep, withCluster } from './helpers.js';

const podBody = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, ...extra }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } });
const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const AGGREGATED_V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

describe('HTTP API', () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster({ watchCacheCapacity: 50, bookmarkIntervalMs: 300 }); });
  after(async () => { await cluster.close(); });

  test('health endpoints and version', async () => {
    for (const p of ['/healthz', '/livez', '/readyz']) {
      const r = await http(cluster, 'GET', p);
      assert.deepEqual([r.status, r.text], [200, 'ok'], p);
    }
    const v = (await http(cluster, 'GET', '/version')).json();
    assert.deepEqual([v.major, v.minor, v.gitVersion], ['1', '33', 'v1.33.1+tinykube']);
  });

  test("/ lists the server's paths as kube-apiserver's index does (a JSON client; a browser is sent to the dashboard)", async () => {
    const r = await http(cluster, 'GET', '/');
    assert.equal(r.status, 200);
    assert.ok(r.text.startsWith('{\n  "paths": [\n    "/api",\n    "/api/v1",\n    "/apis",\n    "/apis/",\n    "/apis/admissionregistration.k8s.io",\n'), r.text.slice(0, 200));
    assert.ok(!r.text.endsWith('\n'), 'indented, without the encoder newline, as /version');
    const { paths } = r.json();
    assert.deepEqual(paths, [...paths].sort());
    for (const p of ['/apis/apps', '/apis/apps/v1', '/apis/autoscaling/v1', '/apis/autoscaling/v2', '/healthz', '/healthz/ping', '/livez', '/openapi/v2', '/openapi/v3', '/readyz', '/version']) assert.ok(paths.includes(p), p);
    const raw = await kubectl('1.33', cluster, ['get', '--raw', '/']);
    assert.deepEqual(JSON.parse(raw.stdout).paths, paths);
  });

  test('legacy discovery', async () => {
    const api = (await http(cluster, 'GET', '/api')).json();
    assert.deepEqual([api.kind, api.versions], ['APIVersions', ['v1']]);
    const apis = (await http(cluster, 'GET', '/apis')).json();
    assert.deepEqual(apis.groups.map((g: any) => g.preferredVersion.groupVersion), ['admissionregistration.k8s.io/v1', 'apiextensions.k8s.io/v1', 'apps/v1', 'authentication.k8s.io/v1', 'authorization.k8s.io/v1', 'autoscaling/v2', 'batch/v1', 'certificates.k8s.io/v1', 'coordination.k8s.io/v1', 'discovery.k8s.io/v1', 'events.k8s.io/v1', 'metrics.k8s.io/v1beta1', 'networking.k8s.io/v1', 'node.k8s.io/v1', 'policy/v1', 'rbac.authorization.k8s.io/v1', 'scheduling.k8s.io/v1', 'storage.k8s.io/v1']);
    const v1 = (await http(cluster, 'GET', '/api/v1')).json();
    const byName = Object.fromEntries(v1.resources.map((r: any) => [r.name, r]));
    assert.deepEqual(byName['pods/eviction'], { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
    assert.deepEqual(byName['replicationcontrollers/scale'], { name: 'replicationcontrollers/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
    assert.deepEqual(byName.pods.verbs, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    assert.deepEqual([byName.pods.shortNames, byName.pods.categories, byName.pods.singularName], [['po'], ['all'], 'pod']);
    assert.deepEqual(byName.namespaces.verbs, ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
    assert.deepEqual(byName['namespaces/finalize'].verbs, ['update']);
    for (const short of ['svc', 'rc', 'no', 'ns', 'ep', 'ev']) assert.ok(v1.resources.some((r: any) => r.shortNames?.includes(short)), short);
    const group = (await http(cluster, 'GET', '/apis/coordination.k8s.io')).json();
    assert.deepEqual([group.kind, group.name, group.preferredVersion.version], ['APIGroup', 'coordination.k8s.io', 'v1']);
    const leases = (await http(cluster, 'GET', '/apis/coordination.k8s.io/v1')).json();
    assert.deepEqual(leases.resources.map((r: any) => r.name), ['leases']);
    assert.equal((await http(cluster, 'GET', '/apis/nope.k8s.io/v1')).status, 404);
  });

  test('aggregated discovery v2 and v2beta1, chosen by Accept, with ETag', async () => {
    for (const [accept, version] of [[AGGREGATED_V2, 'v2'], [AGGREGATED_V2BETA1 + ',application/json', 'v2beta1']] as const) {
      const r = await http(cluster, 'GET', '/api', undefined, { Accept: accept });
      assert.equal(r.headers.get('content-type'), `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`);
      const body = r.json();
      assert.equal(body.apiVersion, `apidiscovery.k8s.io/${version}`);
      const pods = body.items[0].versions[0].resources.find((x: any) => x.resource === 'pods');
      assert.deepEqual(pods.responseKind, { group: '', version: 'v1', kind: 'Pod' });
      assert.equal(pods.scope, 'Namespaced');
      assert.deepEqual(pods.subresources.find((s: any) => s.subresource === 'eviction').responseKind, { group: 'policy', version: 'v1', kind: 'Eviction' });
      const etag = r.headers.get('etag')!;
      assert.equal((await http(cluster, 'GET', '/api', undefined, { Accept: accept, 'If-None-Match': etag })).status, 304);
    }
    const apis = (await http(cluster, 'GET', '/apis', undefined, { Accept: AGGREGATED_V2 })).json();
    assert.deepEqual(apis.items.map((i: any) => i.metadata.name), ['admissionregistration.k8s.io', 'apiextensions.k8s.io', 'apps', 'authentication.k8s.io', 'authorization.k8s.io', 'autoscaling', 'batch', 'certificates.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'events.k8s.io', 'metrics.k8s.io', 'networking.k8s.io', 'node.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'scheduling.k8s.io', 'storage.k8s.io']);
  });

  test('OpenAPI v3 by hash and v2 as gnostic protobuf', async () => {
    const index = (await http(cluster, 'GET', '/openapi/v3')).json();
    const url: string = index.paths['api/v1'].serverRelativeURL;
    assert.match(url, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
    const doc = (await http(cluster, 'GET', url)).json();
    const patch = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch;
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: '', kind: 'Pod', version: 'v1' });
    assert.ok(patch.parameters.some((p: any) => p.name === 'fieldValidation'));
    const containers = doc.components.schemas['io.k8s.api.core.v1.PodSpec'].properties.containers;
    assert.deepEqual([containers['x-kubernetes-patch-merge-key'], containers['x-kubernetes-patch-strategy']], ['name', 'merge']);
    const proto = await http(cluster, 'GET', '/openapi/v2', undefined, { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
    assert.equal(proto.headers.get('content-type'), 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    const json = (await http(cluster, 'GET', '/openapi/v2', undefined, { Accept: 'application/json' })).json();
    assert.equal(json.swagger, '2.0');
    assert.equal(json.definitions['io.k8s.api.core.v1.Pod'].properties.spec.$ref, '#/definitions/io.k8s.api.core.v1.PodSpec');
  });

  test('errors are Status objects with kube\'s reasons and texts', async () => {
    const notFound = await http(cluster, 'GET', '/api/v1/namespaces/default/pods/nope');
    assert.equal(notFound.status, 404);
    assert.deepEqual(notFound.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "nope" not found', reason: 'NotFound', details: { name: 'nope', kind: 'pods' }, code: 404 });
    const lease = await http(cluster, 'GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases/x');
    assert.deepEqual(lease.json().details, { name: 'x', group: 'coordination.k8s.io', kind: 'leases' });
    assert.equal(lease.json().message, 'leases.coordination.k8s.io "x" not found');
    const noPath = await http(cluster, 'GET', '/api/v1/widgets');
    assert.deepEqual([noPath.status, noPath.json().message], [404, 'the server could not find the requested resource']);
    const invalidName = await http(cluster, 'POST', '/api/v1/namespaces/default/pods', podBody('Bad_Name'));
    assert.equal(invalidName.status, 422);
    assert.equal(invalidName.json().message, 'Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')');
    const two = await http(cluster, 'POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'x' }, spec: { containers: [{}] } });
    assert.equal(two.json().message, 'Pod "x" is invalid: [spec.containers[0].name: Required value, spec.containers[0].image: Required value]');
    assert.deepEqual(two.json().details.causes, [
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].name' },
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' },
    ]);
    const noNs = await http(cluster, 'POST', '/api/v1/namespaces/nowhere/pods', podBody('x'));
    assert.deepEqual([noNs.status, noNs.json().message], [404, 'namespaces "nowhere" not found']);
    const method = await http(cluster, 'PUT', '/api/v1/namespaces/default/pods', podBody('x'));
    assert.deepEqual([method.status, method.json().reason], [405, 'MethodNotAllowed']);
  });

  test('bodies: JSON and YAML in, bad input is a 4xx, unknown query parameters ignored', async () => {
    const yaml = await http(cluster, 'POST', '/api/v1/namespaces/default/pods?timeout=32s', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-yaml\nspec:\n  containers:\n  - name: c\n    image: nginx\n', { 'Content-Type': 'application/yaml' });
    assert.equal(yaml.status, 201);
    assert.equal(yaml.json().metadata.name, 'from-yaml');
    const broken = await http(cluster, 'POST', '/api/v1/namespaces/default/pods', '{"metadata": ', { 'Content-Type': 'application/json' });
    assert.deepEqual([broken.status, broken.json().reason], [400, 'BadRequest']);
    const array = await http(cluster, 'POST', '/api/v1/namespaces/default/pods', '[1,2]');
    assert.equal(array.status, 400);
    const wrongType = await http(cluster, 'POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'wt' }, spec: { containers: 'nginx' } });
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.json().message, 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container');
    const wrongKind = await http(cluster, 'POST', '/api/v1/namespaces/default/pods', { kind: 'Service', apiVersion: 'v1', metadata: { name: 'k' } });
    assert.equal(wrongKind.status, 400);
    const media = await http(cluster, 'POST', '/api/v1/namespaces/default/pods', 'x', { 'Content-Type': 'text/plain' });
    assert.deepEqual(media.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf', reason: 'UnsupportedMediaType', details: {}, code: 415 });
    const big = await http(cluster, 'POST', '/api/v1/namespaces/default/pods', JSON.stringify({ ...podBody('big'), pad: 'x'.repeat(4 * 1024 * 1024) }));
    assert.deepEqual([big.status, big.json().reason], [413, 'RequestEntityTooLarge']);
    const accept = await http(cluster, 'GET', '/api/v1/namespaces', undefined, { Accept: 'application/xml' });
    assert.deepEqual([accept.status, accept.json().reason], [406, 'NotAcceptable']);
  });

  test('fieldValidation: Strict fails, Warn warns and drops, Ignore drops', async () => {
    const body = { ...podBody('fv'), spec: { containers: [{ name: 'c', image: 'nginx', bogus: 1 }] } };
    const strict = await http(cluster, 'POST', '/api/v1/namespaces/default/pods?fieldValidation=Strict', body);
    assert.equal(strict.status, 400);
    assert.equal(strict.json().message, 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].bogus"');
    const warn = await http(cluster, 'POST', '/api/v1/namespaces/default/pods', body);
    assert.equal(warn.status, 201);
    assert.equal(warn.headers.get('warning'), '299 - "unknown field \\"spec.containers[0].bogus\\""');
    assert.equal(warn.json().spec.containers[0].bogus, undefined);
    const dupText = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"dup1","name":"dup2"},"spec":{"containers":[{"name":"c","image":"nginx"}]}}';
    const dup = await http(cluster, 'POST', '/api/v1/namespaces/default/pods?fieldValidation=Strict', dupText);
    assert.equal(dup.json().message, 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: duplicate field "metadata.name"');
    const dupWarn = await http(cluster, 'POST', '/api/v1/namespaces/default/pods', dupText);
    assert.deepEqual([dupWarn.status, dupWarn.json().metadata.name, dupWarn.headers.get('warning')], [201, 'dup2', '299 - "duplicate field \\"metadata.name\\""']);
  });

  test('create: generateName, uid, creationTimestamp, defaults; ClusterIP and NodePort allocation', async () => {
    const r = await http(cluster, 'POST', '/api/v1/namespaces/default/pods', { metadata: { generateName: 'gen-' }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } });
    const obj = r.json();
    assert.match(obj.metadata.name, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.match(obj.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(obj.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(obj.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    const dup = await http(cluster, 'POST', '/api/v1/namespaces/default/services', { metadata: { name: 'dup' }, spec: { clusterIP: '10.96.0.1', ports: [{ port: 80 }] } });
    assert.equal(dup.status, 422);
    assert.equal(dup.json().message, 'Service "dup" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.1"}: failed to allocate IP 10.96.0.1: provided IP is already allocated');
    const ips = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const svc = (await http(cluster, 'POST', '/api/v1/namespaces/default/services', { metadata: { name: `np${i}` }, spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 'http' }] } })).json();
      ips.add(svc.spec.clusterIP);
      const port = svc.spec.ports[0];
      assert.ok(port.nodePort >= 30000 && port.nodePort <= 32767);
      assert.deepEqual([port.protocol, port.targetPort, svc.spec.externalTrafficPolicy], ['TCP', 'http', 'Cluster']);
    }
    assert.equal(ips.size, 5);
    const table = (await http(cluster, 'GET', '/api/v1/namespaces/default/services/np0', undefined, { Accept: TABLE })).json();
    assert.match(table.rows[0].cells[4], /^80:3\d{4}\/TCP$/);
  });

  test('update: stale resourceVersion is a 409; a no-op write keeps the resourceVersion; status is separate', async () => {
    const created = (await http(cluster, 'POST', '/api/v1/namespaces/default/pods', podBody('upd'))).json();
    const noop = (await http(cluster, 'PUT', '/api/v1/namespaces/default/pods/upd', created)).json();
    assert.equal(noop.metadata.resourceVersion, created.metadata.resourceVersion);
    const changed = (await http(cluster, 'PUT', '/api/v1/namespaces/default/pods/upd', { ...created, metadata: { ...created.metadata, labels: { a: '1' } }, status: { phase: 'Running' } })).json();
    assert.ok(Number(changed.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
    assert.equal(changed.status.phase, 'Pending', 'status changes only through /status');
    const stale = await http(cluster, 'PUT', '/api/v1/namespaces/default/pods/upd', created);
    assert.deepEqual([stale.status, stale.json().reason], [409, 'Conflict']);
    const status = await http(cluster, 'PUT', '/api/v1/namespaces/default/pods/upd/status', { ...changed, status: { phase: 'Running' }, metadata: { ...changed.metadata, labels: { ignored: 'yes' } } });
    assert.deepEqual([status.json().status.phase, status.json().metadata.labels], ['Running', { a: '1' }]);
  });

  test('delete: finalizers hold the object with a deletionTimestamp; RCs answer a Status', async () => {
    await http(cluster, 'POST', '/api/v1/namespaces/default/pods', podBody('fin', { finalizers: ['example.com/hold'] }));
    // Held by a finalizer the answer is still 200 (202 only with orphanDependents=false, as kube's delete handler).
    await http(cluster, 'POST', '/api/v1/namespaces/default/pods', podBody('fin2', { finalizers: ['example.com/hold'] }));
    const accepted = await http(cluster, 'DELETE', '/api/v1/namespaces/default/pods/fin2', { orphanDependents: false });
    assert.equal(accepted.status, 202);
    await http(cluster, 'PATCH', '/api/v1/namespaces/default/pods/fin2', { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
    const del = await http(cluster, 'DELETE', '/api/v1/namespaces/default/pods/fin');
    assert.equal(del.status, 200);
    assert.match(del.json().metadata.deletionTimestamp, /Z$/);
    const held = (await http(cluster, 'GET', '/api/v1/namespaces/default/pods/fin')).json();
    assert.deepEqual(held.metadata.finalizers, ['example.com/hold']);
    const cleared = await http(cluster, 'PATCH', '/api/v1/namespaces/default/pods/fin', { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(cleared.status, 200);
    assert.equal((await http(cluster, 'GET', '/api/v1/namespaces/default/pods/fin')).status, 404);
    const rc = { metadata: { name: 'rc1' }, spec: { selector: { a: 'b' }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } };
    const made = (await http(cluster, 'POST', '/api/v1/namespaces/default/replicationcontrollers', rc)).json();
    const gone = await http(cluster, 'DELETE', '/api/v1/namespaces/default/replicationcontrollers/rc1');
    assert.deepEqual(gone.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'rc1', kind: 'replicationcontrollers', uid: made.metadata.uid } });
  });

  test('core/v1 and events.k8s.io/v1 Events are the same objects', async () => {
    const v1 = await http(cluster, 'POST', '/apis/events.k8s.io/v1/namespaces/default/events', {
      metadata: { name: 'ev1' }, eventTime: '2026-11-28T00:00:00.000000Z', reportingController: 'tinykube.io/test', reportingInstance: 'i1',
      action: 'Testing', reason: 'Tested', type: 'Normal', note: 'it works', regarding: { kind: 'Pod', namespace: 'default', name: 'p' },
    });
    assert.equal(v1.status, 201);
    const core = (await http(cluster, 'GET', '/api/v1/namespaces/default/events/ev1')).json();
    assert.deepEqual([core.apiVersion, core.message, core.reportingComponent, core.involvedObject.name], ['v1', 'it works', 'tinykube.io/test', 'p']);
    assert.equal(core.metadata.resourceVersion, v1.json().metadata.resourceVersion);
    await http(cluster, 'POST', '/api/v1/namespaces/default/events', { metadata: { name: 'ev2' }, involvedObject: { kind: 'Pod', name: 'q', namespace: 'default' }, reason: 'Old', message: 'core event', type: 'Warning', count: 2 });
    const fromV1 = (await http(cluster, 'GET', '/apis/events.k8s.io/v1/namespaces/default/events/ev2')).json();
    assert.deepEqual([fromV1.apiVersion, fromV1.note, fromV1.regarding.name, fromV1.deprecatedCount, fromV1.message], ['events.k8s.io/v1', 'core event', 'q', 2, undefined]);
    const filtered = (await http(cluster, 'GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=q,type=Warning')).json();
    assert.deepEqual(filtered.items.map((e: any) => e.metadata.name), ['ev2']);
    const invalid = await http(cluster, 'POST', '/apis/events.k8s.io/v1/namespaces/default/events', { metadata: { name: 'ev3' }, reason: 'x' });
    assert.equal(invalid.status, 422);
    assert.match(invalid.json().message, /^Event\.events\.k8s\.io "ev3" is invalid: \[eventTime: Required value/);
  });

  test('watches of both Event versions resumed from one resourceVersion see the same writes, each in its own form', async () => {
    const from = (await http(cluster, 'GET', '/api/v1/namespaces/default/events')).json().metadata.resourceVersion;
    await http(cluster, 'POST', '/api/v1/namespaces/default/events', { metadata: { name: 'evw' }, involvedObject: { kind: 'Pod', name: 'w', namespace: 'default' }, reason: 'First', message: 'one', type: 'Normal', count: 1 });
    await http(cluster, 'PATCH', '/api/v1/namespaces/default/events/evw', { count: 2, message: 'two' }, { 'Content-Type': 'application/merge-patch+json' });
    await http(cluster, 'DELETE', '/api/v1/namespaces/default/events/evw');
    const query = `watch=1&resourceVersion=${from}&fieldSelector=metadata.name=evw`;
    const core = await readWatch(cluster, `/api/v1/namespaces/default/events?${query}`, 3, 5000);
    const v1 = await readWatch(cluster, `/apis/events.k8s.io/v1/namespaces/default/events?${query}`, 3, 5000);
    assert.deepEqual(core.map((e) => [e.type, e.object.count, e.object.message]), [['ADDED', 1, 'one'], ['MODIFIED', 2, 'two'], ['DELETED', 2, 'two']]);
    assert.deepEqual(v1.map((e) => [e.type, e.object.apiVersion, e.object.deprecatedCount, e.object.note]), [['ADDED', 'events.k8s.io/v1', 1, 'one'], ['MODIFIED', 'events.k8s.io/v1', 2, 'two'], ['DELETED', 'events.k8s.io/v1', 2, 'two']]);
    assert.deepEqual(v1.map((e) => e.object.metadata.resourceVersion), core.map((e) => e.object.metadata.resourceVersion));
    const listed = (await http(cluster, 'GET', `/apis/events.k8s.io/v1/namespaces/default/events?resourceVersion=${from}&resourceVersionMatch=Exact`)).json();
    assert.equal(listed.metadata.resourceVersion, from);
    assert.ok(!listed.items.some((e: any) => e.metadata.name === 'evw'));
  });

  test('deletecollection deletes what the selectors match and answers the deleted list', async () => {
    for (const [name, tier] of [['dc1', 'a'], ['dc2', 'a'], ['dc3', 'b']]) {
      await http(cluster, 'POST', '/api/v1/namespaces/default/pods', podBody(name, { labels: { dc: 'yes', tier } }));
    }
    const r = await http(cluster, 'DELETE', '/api/v1/namespaces/default/pods?labelSelector=dc=yes,tier=a');
    assert.equal(r.status, 200);
    assert.equal(r.json().kind, 'PodList');
    assert.deepEqual(r.json().items.map((p: any) => p.metadata.name), ['dc1', 'dc2']);
    const left = (await http(cluster, 'GET', '/api/v1/namespaces/default/pods?labelSelector=dc=yes')).json();
    assert.deepEqual(left.items.map((p: any) => p.metadata.name), ['dc3']);
  });

  test('delete preconditions on uid and resourceVersion', async () => {
    const made = (await http(cluster, 'POST', '/api/v1/namespaces/default/pods', podBody('pre'))).json();
    const wrongUid = await http(cluster, 'DELETE', '/api/v1/namespaces/default/pods/pre', { preconditions: { uid: 'nope' } });
    assert.equal(wrongUid.status, 409);
    assert.equal(wrongUid.json().message, `Operation cannot be fulfilled on pods "pre": Precondition failed: UID in precondition: nope, UID in object meta: ${made.metadata.uid}`);
    const wrongRv = await http(cluster, 'DELETE', '/api/v1/namespaces/default/pods/pre', { preconditions: { resourceVersion: '1' } });
    assert.equal(wrongRv.status, 409);
    const right = await http(cluster, 'DELETE', '/api/v1/namespaces/default/pods/pre', { preconditions: { uid: made.metadata.uid, resourceVersion: made.metadata.resourceVersion } });
    assert.equal(right.status, 200);
  });

  test('apply through /status changes only status and records subresource status', async () => {
    await http(cluster, 'POST', '/api/v1/namespaces/default/pods', podBody('st'));
    const r = await http(cluster, 'PATCH', '/api/v1/namespaces/default/pods/st/status?fieldManager=kubelet&force=true',
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'st', labels: { ignored: 'yes' } }, spec: { containers: [{ name: 'c', image: 'changed' }] }, status: { phase: 'Running', podIP: '10.244.0.9' } },
      { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(r.status, 200);
    const pod = r.json();
    assert.deepEqual([pod.status.phase, pod.status.podIP, pod.spec.containers[0].image, pod.metadata.labels], ['Running', '10.244.0.9', 'nginx:1.25', undefined]);
    const entry = pod.metadata.managedFields.find((m: any) => m.manager === 'kubelet');
    assert.deepEqual([entry.operation, entry.subresource, entry.fieldsV1], ['Apply', 'status', { 'f:status': { 'f:phase': {}, 'f:podIP': {} } }]);
  });

  test('apply creates a missing object with 201, and rejects a missing fieldManager', async () => {
    const created = await http(cluster, 'PATCH', '/api/v1/namespaces/default/pods/fresh?fieldManager=t', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fresh' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(created.status, 201);
    const missing = await http(cluster, 'PATCH', '/api/v1/namespaces/default/pods/fresh', 'apiVersion: v1\nkind: Pod\n', { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(missing.status, 422);
    assert.equal(missing.json().message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  });

  test('scale subresource reads and writes an RC as autoscaling/v1 Scale', async () => {
    const rc = { metadata: { name: 'sc' }, spec: { replicas: 2, template: { metadata: { labels: { app: 'sc' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } };
    await http(cluster, 'POST', '/api/v1/namespaces/default/replicationcontrollers', rc);
    const scale = (await http(cluster, 'GET', '/api/v1/namespaces/default/replicationcontrollers/sc/scale')).json();
    assert.deepEqual([scale.kind, scale.apiVersion, scale.spec, scale.status], ['Scale', 'autoscaling/v1', { replicas: 2 }, { replicas: 0, selector: 'app=sc' }]);
    const patched = (await http(cluster, 'PATCH', '/api/v1/namespaces/default/replicationcontrollers/sc/scale', { spec: { replicas: 5 } }, { 'Content-Type': 'application/merge-patch+json' })).json();
    assert.equal(patched.spec.replicas, 5);
    const stored = (await http(cluster, 'GET', '/api/v1/namespaces/default/replicationcontrollers/sc')).json();
    assert.deepEqual([stored.spec.replicas, stored.metadata.generation], [5, 2]);
  });

  test('lists: pagination with continue, expired continue is 410, resourceVersionMatch rules', async () => {
    for (let i = 0; i < 5; i++) await http(cluster, 'POST', '/api/v1/namespaces/default/endpoints', { metadata: { name: `page-${i}` } });
    const names: string[] = [];
    let cont = '';
    let pages = 0;
    do {
      const page = (await http(cluster, 'GET', `/api/v1/namespaces/default/endpoints?limit=2${cont ? `&continue=${cont}` : ''}`)).json();
      names.push(...page.items.map((e: any) => e.metadata.name));
      cont = page.metadata.continue ?? '';
      pages++;
      if (cont) assert.equal(typeof page.metadata.remainingItemCount, 'number');
    } while (cont);
    assert.deepEqual(names, ['kubernetes', 'page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    assert.equal(pages, 3);
    const first = (await http(cluster, 'GET', '/api/v1/namespaces/default/endpoints?limit=1')).json();
    for (let i = 0; i < 60; i++) await http(cluster, 'PUT', '/api/v1/namespaces/default/endpoints/page-0', { metadata: { name: 'page-0', labels: { i: String(i) } } });
    const expired = await http(cluster, 'GET', `/api/v1/namespaces/default/endpoints?limit=1&continue=${first.metadata.continue}`);
    assert.equal(expired.status, 410);
    assert.equal(expired.json().message, 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
    const match = await http(cluster, 'GET', '/api/v1/pods?resourceVersionMatch=NotOlderThan');
    assert.equal(match.status, 422);
    assert.equal(match.json().message, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
  });

  test('Tables for every printed resource, wide cells included, includeObject honoured', async () => {
    await http(cluster, 'POST', '/api/v1/nodes', { metadata: { name: 'node-1', labels: { 'node-role.kubernetes.io/control-plane': '' } }, status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.33.1', osImage: 'Debian', kernelVersion: '6.1', containerRuntimeVersion: 'containerd://1.7' }, addresses: [{ type: 'InternalIP', address: '192.168.0.10' }] } });
    const nodes = (await http(cluster, 'GET', '/api/v1/nodes', undefined, { Accept: TABLE })).json();
    assert.deepEqual(nodes.columnDefinitions.map((c: any) => `${c.name}:${c.priority}`), ['Name:0', 'Status:0', 'Roles:0', 'Age:0', 'Version:0', 'Internal-IP:1', 'External-IP:1', 'OS-Image:1', 'Kernel-Version:1', 'Container-Runtime:1']);
    const cells = nodes.rows[0].cells;
    assert.deepEqual([...cells.slice(0, 3), ...cells.slice(4)], ['node-1', 'Ready', 'control-plane', 'v1.33.1', '192.168.0.10', '<none>', 'Debian', '6.1', 'containerd://1.7']);
    assert.equal(nodes.rows[0].object.kind, 'PartialObjectMetadata');
    const ns = (await http(cluster, 'GET', '/api/v1/namespaces?includeObject=Object', undefined, { Accept: TABLE })).json();
    assert.deepEqual(ns.columnDefinitions.map((c: any) => c.name), ['Name', 'Status', 'Age']);
    assert.equal(ns.rows[0].object.kind, 'Namespace');
    const none = (await http(cluster, 'GET', '/api/v1/namespaces?includeObject=None', undefined, { Accept: TABLE })).json();
    assert.equal(none.rows[0].object, undefined);
    const ev = (await http(cluster, 'GET', '/api/v1/events', undefined, { Accept: TABLE })).json();
    assert.deepEqual(ev.columnDefinitions.map((c: any) => c.name), ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject', 'Source', 'Message', 'First Seen', 'Count', 'Name']);
    const ep = (await http(cluster, 'GET', '/api/v1/namespaces/default/endpoints/kubernetes', undefined, { Accept: TABLE })).json();
    assert.match(ep.rows[0].cells[1], /^127\.0\.0\.1:\d+$/);
  });

  test('watch: resume from a resourceVersion, bookmarks, timeoutSeconds, 410 ERROR event', async () => {
    const list = (await http(cluster, 'GET', '/api/v1/namespaces/default/pods')).json();
    const events = await readWatch(cluster, `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${list.metadata.resourceVersion}&allowWatchBookmarks=true`, 3, 5000, {}, async () => {
      await sleep(100);
      await http(cluster, 'POST', '/api/v1/namespaces/default/pods', podBody('w1'));
      await http(cluster, 'DELETE', '/api/v1/namespaces/default/pods/w1');
    });
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name ?? ''}`), ['ADDED w1', 'DELETED w1', 'BOOKMARK ']);
    assert.deepEqual(events[2].object, { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: events[2].object.metadata.resourceVersion } });
    assert.ok(Number(events[2].object.metadata.resourceVersion) >= Number(events[1].object.metadata.resourceVersion));
    const started = Date.now();
    const ended = await readWatch(cluster, '/api/v1/namespaces?watch=true&timeoutSeconds=1', 100, 5000);
    assert.ok(Date.now() - started < 3000, 'timeoutSeconds ends the stream');
    assert.deepEqual(ended.map((e) => e.type), ['ADDED', 'ADDED', 'ADDED', 'ADDED']);
    // The pagination test churned endpoints past the cache's 50-event window.
    const old = await readWatch(cluster, '/api/v1/namespaces/default/endpoints?watch=true&resourceVersion=1', 1, 3000);
    assert.equal(old[0].type, 'ERROR');
    assert.deepEqual([old[0].object.code, old[0].object.reason], [410, 'Expired']);
    assert.match(old[0].object.message, /^too old resource version: 1 \(\d+\)$/);
  });

  test('watch: sendInitialEvents ends the initial state with the annotated bookmark; Table watches', async () => {
    const events = await readWatch(cluster, '/api/v1/namespaces?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true', 5, 3000);
    assert.deepEqual(events.map((e) => e.type), ['ADDED', 'ADDED', 'ADDED', 'ADDED', 'BOOKMARK']);
    assert.deepEqual(events[4].object.metadata.annotations, { 'k8s.io/initial-events-end': 'true' });
    const bad = await http(cluster, 'GET', '/api/v1/namespaces?watch=1&sendInitialEvents=true');
    assert.equal(bad.status, 422);
    const tables = await readWatch(cluster, '/api/v1/namespaces?watch=1', 2, 3000, { Accept: TABLE });
    assert.equal(tables[0].object.kind, 'Table');
    assert.equal(tables[0].object.columnDefinitions.length, 3);
    assert.equal(tables[1].object.columnDefinitions, null);
    assert.equal(tables[1].object.rows.length, 1);
  });

  test('a watcher that does not read is dropped without stalling the others', async () => {
    // A raw socket that never reads its watch, while another watcher and writers carry on.
    const net = await import('node:net');
    const url = new URL(cluster.url);
    const stuck = net.connect(Number(url.port), url.hostname);
    stuck.pause();
    stuck.write(`GET /api/v1/namespaces/default/endpoints?watch=1 HTTP/1.1\r\nHost: x\r\n\r\n`);
    const big = { metadata: { name: 'bulk', annotations: { pad: 'x'.repeat(200_000) } } };
    await http(cluster, 'POST', '/api/v1/namespaces/default/endpoints', big);
    const endpoints = cluster.registry.resource('endpoints')!.cache;
    // The raw request may be read after the POST's: wait for its watch rather than race it.
    await eventually(() => endpoints.watcherCount === 1, 5000, 'the unread watch registered');
    const live = readWatch(cluster, '/api/v1/namespaces/default/endpoints?watch=1&resourceVersion=' + (await http(cluster, 'GET', '/api/v1/namespaces/default/endpoints')).json().metadata.resourceVersion, 120, 60000);
    // 120 events of 200 KB: more than the 16 MiB a watcher may leave unread.
    for (let i = 0; i < 120; i++) {
      big.metadata.annotations.pad = String(i % 10).repeat(200_000);
      assert.equal((await http(cluster, 'PUT', '/api/v1/namespaces/default/endpoints/bulk', big)).status, 200);
    }
    assert.equal((await live).length, 120, 'the reading watcher got every event');
    for (let i = 0; i < 50 && endpoints.watcherCount > 0; i++) await sleep(100);
    assert.equal(endpoints.watcherCount, 0, 'the stuck watcher was closed');
    stuck.destroy();
  });
});
