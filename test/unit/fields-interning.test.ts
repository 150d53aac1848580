// FieldsV1 interning: equal trees become one object, and nothing a client sees changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyCached, heldNode, internManagedFields, internTree } from '../../src/api/fields-interning.js';
import { FieldSet } from '../../src/api/fieldset.js';
import type { KObject } from '../../src/api/types.js';

const tree = (ip: string) => ({ 'f:status': { 'f:phase': {}, 'f:podIPs': { '.': {}, [`k:{"ip":"${ip}"}`]: { '.': {}, 'f:ip': {} } }, 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {} } } } });

test('equal trees are held once; different ones share their equal subtrees', () => {
  const a = internTree(tree('10.0.0.1'));
  assert.equal(internTree(tree('10.0.0.1')), a);
  const b = internTree(tree('10.0.0.2'));
  assert.notEqual(b, a);
  assert.deepEqual(b, tree('10.0.0.2'));
  const status = (t: Record<string, unknown>) => t['f:status'] as Record<string, unknown>;
  assert.equal(status(b)['f:conditions'], status(a)['f:conditions']);
  assert.notEqual(status(b)['f:podIPs'], status(a)['f:podIPs']);
});

test('trees with the same keys in another order stay apart (their JSON differs)', () => {
  const x = internTree({ 'f:a': {}, 'f:b': { 'f:c': {} } });
  const y = internTree({ 'f:b': { 'f:c': {} }, 'f:a': {} });
  assert.notEqual(x, y);
  assert.equal(JSON.stringify(y), '{"f:b":{"f:c":{}},"f:a":{}}');
  assert.equal(x['f:b'], y['f:b']);
  assert.equal(internTree({ 'f:a': {}, 'f:b': { 'f:c': {} } }), x);
});

test('many distinct trees stay distinct, and each is found again', () => {
  const make = (i: number) => ({ [`f:k${i}`]: { '.': {}, [`k:{"i":${i * 7}}`]: {} }, 'f:same': {} });
  const held = Array.from({ length: 5000 }, (_, i) => internTree(make(i)));
  assert.equal(new Set(held).size, 5000);
  for (let i = 0; i < 5000; i += 37) assert.equal(internTree(make(i)), held[i]);
  for (let i = 0; i < 5000; i += 371) assert.deepEqual(held[i], make(i));
});

test('values that are not FieldsV1 trees are never merged', () => {
  const x = internTree({ 'f:a': { v: 1 } });
  const y = internTree({ 'f:a': { v: 2 } });
  assert.deepEqual([x, y], [{ 'f:a': { v: 1 } }, { 'f:a': { v: 2 } }]);
});

test('an object keeps its JSON when its managedFields are interned', () => {
  const entry = (ip: string) => ({ manager: 'kubelet', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: tree(ip) });
  const firstEntry = entry('10.0.0.9'), secondEntry = entry('10.0.0.9');
  const first: KObject = { metadata: { name: 'p', managedFields: [firstEntry] } };
  const second: KObject = { metadata: { name: 'p', managedFields: [secondEntry] } };
  const json = JSON.stringify(second);
  internManagedFields(first);
  internManagedFields(second);
  assert.equal(JSON.stringify(second), json);
  assert.equal(secondEntry.fieldsV1, firstEntry.fieldsV1);
});

test('copyCached: a deep copy in the same key order, sharing only held FieldsV1 trees', () => {
  const cached: KObject = {
    kind: 'Pod', apiVersion: 'v1',
    metadata: { name: 'p', labels: { a: '1' }, managedFields: [
      { manager: 'kubelet', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:phase': {} } }, subresource: 'status' },
      { manager: 'never-interned', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } },
    ] },
    spec: { containers: [{ name: 'c' }] }, status: { phase: 'Running' },
  };
  const held = { ...cached, metadata: { ...cached.metadata, managedFields: [cached.metadata.managedFields![0]] } };
  internManagedFields(held);
  const copy = copyCached(cached);
  assert.equal(JSON.stringify(copy), JSON.stringify(cached));
  const [kubelet, other] = copy.metadata.managedFields as { fieldsV1: unknown }[];
  const [heldKubelet, notHeld] = cached.metadata.managedFields as { fieldsV1: unknown }[];
  assert.equal(kubelet.fieldsV1, heldKubelet.fieldsV1, 'a held tree is shared');
  assert.notEqual(kubelet, heldKubelet, 'its entry is a copy');
  assert.notEqual(other.fieldsV1, notHeld.fieldsV1, 'a tree not held is copied');
  assert.notEqual(copy.spec, cached.spec);
  assert.notEqual((copy.spec as { containers: unknown[] }).containers[0], (cached.spec as { containers: unknown[] }).containers[0]);
  assert.notEqual(copy.metadata.labels, cached.metadata.labels);
});

test('a set emitted through heldNode is the held tree: the same JSON as a plain emit, and the same object as interning it', () => {
  const set = FieldSet.fromPaths([
    ['f:spec', 'f:containers', 'k:{"name":"web"}'], ['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'],
    ['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:ports', 'k:{"containerPort":8080,"protocol":"TCP"}'],
    ['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:ports', 'k:{"containerPort":8080,"protocol":"TCP"}', 'f:containerPort'],
    ['f:metadata', 'f:labels', 'f:app'], ['f:spec', 'f:restartPolicy'], ['f:spec', 'f:finalizers', 'v:"a"'], ['f:spec', 'f:args', 'i:10'], ['f:spec', 'f:args', 'i:9'],
  ]);
  const plain = set.toFieldsV1();
  const held = set.toFieldsV1(heldNode);
  assert.equal(JSON.stringify(held), JSON.stringify(plain));
  assert.equal(JSON.stringify(plain), '{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:args":{"i:9":{},"i:10":{}},"f:containers":{"k:{\\"name\\":\\"web\\"}":{".":{},"f:image":{},"f:ports":{"k:{\\"containerPort\\":8080,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{}}}}},"f:finalizers":{"v:\\"a\\"":{}},"f:restartPolicy":{}}}');
  assert.equal(set.toFieldsV1(heldNode), held, 'emitted again: the held tree, no new node');
  assert.equal(internTree(plain), held, 'interning the plain tree finds the one heldNode made');
  const spec = (t: Record<string, unknown>) => t['f:spec'] as Record<string, unknown>;
  const other = FieldSet.fromPaths([['f:spec', 'f:restartPolicy'], ['f:spec', 'f:args', 'i:10'], ['f:spec', 'f:args', 'i:9']]).toFieldsV1(heldNode);
  assert.equal(spec(other)['f:args'], spec(held)['f:args'], 'equal subtrees of different trees are one object');
  assert.equal(heldNode([], []), heldNode([], []), 'leaves are one object');
  assert.throws(() => heldNode(['f:a'], [{ 'f:b': {} }]), /not a held tree/);
});
