// The cluster DNS a pod's nslookup asks: the search list, services by their names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Service } from '../../src/api/objects.js';
import { resolveName, searchNames } from '../../src/kubelet/cluster-dns.js';

const services: Record<string, Service> = {
  'default/kubia': { metadata: { name: 'kubia', namespace: 'default' }, spec: { clusterIP: '10.111.1.2' } },
  'shop/cart': { metadata: { name: 'cart', namespace: 'shop' }, spec: { clusterIP: '10.111.9.9' } },
  'default/headless': { metadata: { name: 'headless', namespace: 'default' }, spec: { clusterIP: 'None' } },
};
const lookup = (namespace: string, name: string) => services[`${namespace}/${name}`];

test('search names: the namespace, svc and cluster suffixes before the name itself; a trailing dot is absolute', () => {
  assert.deepEqual(searchNames('kubia', 'default'), ['kubia.default.svc.cluster.local', 'kubia.svc.cluster.local', 'kubia.cluster.local', 'kubia']);
  assert.deepEqual(searchNames('kubia.default.svc.cluster.local.', 'x'), ['kubia.default.svc.cluster.local']);
});

test('services resolve by short name, name.namespace and full name; others and headless ones do not', () => {
  assert.deepEqual(resolveName('kubia', 'default', lookup), { name: 'kubia.default.svc.cluster.local', address: '10.111.1.2' });
  assert.deepEqual(resolveName('cart.shop', 'default', lookup), { name: 'cart.shop.svc.cluster.local', address: '10.111.9.9' });
  assert.deepEqual(resolveName('cart.shop.svc.cluster.local', 'default', lookup), { name: 'cart.shop.svc.cluster.local', address: '10.111.9.9' });
  assert.equal(resolveName('cart', 'default', lookup), undefined);
  assert.equal(resolveName('headless', 'default', lookup), undefined);
});
