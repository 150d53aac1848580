import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequestInfo, queryBool, splitTarget } from '../../src/server/request-info.js';

const parse = (method: string, url: string) => {
  const u = new URL(url, 'http://x');
  return parseRequestInfo(method, u.pathname, u.searchParams);
};

test('resource paths', () => {
  assert.deepEqual(parse('GET', '/api/v1/namespaces/default/pods/web'), { isResourceRequest: true, apiPrefix: 'api', group: '', version: 'v1', namespace: 'default', resource: 'pods', name: 'web', rest: [], verb: 'get' });
  assert.deepEqual(parse('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases'), { isResourceRequest: true, apiPrefix: 'apis', group: 'coordination.k8s.io', version: 'v1', namespace: 'kube-node-lease', resource: 'leases', rest: [], verb: 'list' });
  const sub = parse('PUT', '/api/v1/namespaces/default/pods/web/status');
  assert.equal(sub.isResourceRequest && `${sub.resource}/${sub.subresource} ${sub.verb}`, 'pods/status update');
  const nsStatus = parse('PUT', '/api/v1/namespaces/foo/finalize');
  assert.equal(nsStatus.isResourceRequest && `${nsStatus.resource} ${nsStatus.name} ${nsStatus.subresource}`, 'namespaces foo finalize');
  const ns = parse('GET', '/api/v1/namespaces/foo');
  assert.equal(ns.isResourceRequest && `${ns.resource} ${ns.name} ${ns.verb}`, 'namespaces foo get');
  const nodes = parse('DELETE', '/api/v1/nodes');
  assert.equal(nodes.isResourceRequest && `${nodes.resource} ${nodes.verb}`, 'nodes deletecollection');
});

test('watch by query and by the legacy /watch/ paths', () => {
  const q = parse('GET', '/api/v1/namespaces/default/pods?watch=True');
  assert.equal(q.verb, 'watch');
  const legacy = parse('GET', '/api/v1/watch/namespaces/default/pods/web');
  assert.equal(legacy.isResourceRequest && `${legacy.namespace}/${legacy.resource}/${legacy.name} ${legacy.verb}`, 'default/pods/web watch');
  assert.equal(parse('GET', '/api/v1/pods?watch=false').verb, 'list');
});

test('discovery and other paths', () => {
  assert.deepEqual(parse('GET', '/api'), { isResourceRequest: false, path: '/api', verb: 'get', discovery: { apiPrefix: 'api' } });
  assert.deepEqual(parse('GET', '/apis/events.k8s.io/v1'), { isResourceRequest: false, path: '/apis/events.k8s.io/v1', verb: 'get', discovery: { apiPrefix: 'apis', group: 'events.k8s.io', version: 'v1' } });
  assert.deepEqual(parse('GET', '/healthz'), { isResourceRequest: false, path: '/healthz', verb: 'get' });
});

test('booleans are parsed leniently', () => {
  for (const t of ['true', 'True', 'TRUE', '1', 't', 'T']) assert.equal(queryBool(t), true, t);
  for (const f of ['false', '0', '', 'yes', null]) assert.equal(queryBool(f), false, String(f));
});

test('splitTarget gives what the URL parser gives, for plain targets and for those it leaves to it', () => {
  const targets = [
    '/', '/api/v1/namespaces/default/pods', '/api/v1/namespaces/default/pods?limit=500&labelSelector=app%3Dweb',
    '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:aggregate-to-admin', '/api/v1/pods/', '/api/v1/pods?watch=1&resourceVersion=10&x=a+b',
    '/api/v1/../v1/pods', '/api/./v1/pods', '/api/v1/namespaces/a%20b/pods', '//api/v1/pods', '/api/v1/pods#frag', '/api/v1/pods?a=1#frag',
    '/api/v1/na mespaces', '/api\\v1\\pods', '/api/v1/pods/..', '/api/v1/pods/.x', '/api/v1/pods/x..y', "/api/v1/pods/a'b(c)", '/api/v1/pods?q="x"&r=<y>',
    '/api/v1/pods/é', '/api/v1/pods?', '/api/v1/pods?&&a', '/api/v1/pods?a=%zz',
  ];
  for (const target of targets) {
    const url = new URL(target, 'http://localhost');
    const split = splitTarget(target);
    assert.equal(split.pathname, url.pathname, target);
    assert.deepEqual([...split.query], [...url.searchParams], target);
  }
});
