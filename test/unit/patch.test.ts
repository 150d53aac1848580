// The patch engines against cases whose results kube-apiserver gives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpenAPILibrary } from '../../src/api/openapi.js';
import { jsonPatch, mergePatch, PatchError, strategicMergePatch } from '../../src/api/patch.js';
import { SchemaNode } from '../../src/api/schema-navigator.js';

const core = new OpenAPILibrary().document('', 'v1');
if (!core) throw new Error('no OpenAPI document for api/v1');
const podSchema = SchemaNode.root(core.components.schemas, 'io.k8s.api.core.v1.Pod');

test('merge patch: objects merge, null deletes, lists replace', () => {
  const pod = { metadata: { labels: { a: '1', b: '2' } }, spec: { containers: [{ name: 'x' }] } };
  assert.deepEqual(mergePatch(pod, { metadata: { labels: { a: null, c: '3' } }, spec: { containers: [{ name: 'y' }] } }),
    { metadata: { labels: { b: '2', c: '3' } }, spec: { containers: [{ name: 'y' }] } });
});

test('json patch: all six operations; a failing test changes nothing', () => {
  const doc = { a: { b: [1, 2] }, c: 'x' };
  assert.deepEqual(jsonPatch(doc, [
    { op: 'add', path: '/a/b/-', value: 3 }, { op: 'remove', path: '/a/b/0' }, { op: 'replace', path: '/c', value: 'y' },
    { op: 'copy', from: '/c', path: '/d' }, { op: 'move', from: '/d', path: '/e' }, { op: 'test', path: '/e', value: 'y' },
  ]), { a: { b: [2, 3] }, c: 'y', e: 'y' });
  assert.throws(() => jsonPatch(doc, [{ op: 'replace', path: '/c', value: 'z' }, { op: 'test', path: '/c', value: 'nope' }]), PatchError);
  assert.deepEqual(doc, { a: { b: [1, 2] }, c: 'x' });
  assert.throws(() => jsonPatch(doc, [{ op: 'remove', path: '/missing' }]), PatchError);
});

test('strategic merge patch: containers merge by name, $setElementOrder orders, other lists replace', () => {
  const pod = { spec: { containers: [{ name: 'main', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }], tolerations: [{ key: 'a' }] } };
  const out = strategicMergePatch(pod, {
    spec: {
      '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'main' }],
      containers: [{ name: 'main', image: 'nginx:1.26' }, { name: 'sidecar', image: 'busybox' }],
      tolerations: [{ key: 'b' }],
    },
  }, podSchema) as any;
  assert.deepEqual(out.spec.containers, [{ name: 'sidecar', image: 'busybox' }, { name: 'main', image: 'nginx:1.26', ports: [{ containerPort: 80 }] }]);
  assert.deepEqual(out.spec.tolerations, [{ key: 'b' }]);
});

test('strategic merge patch: $patch delete and replace, null deletes, finalizers merge as a set', () => {
  const pod = { metadata: { finalizers: ['a'], labels: { x: '1' } }, spec: { containers: [{ name: 'a', image: 'i' }, { name: 'b', image: 'j' }] } };
  const out = strategicMergePatch(pod, { metadata: { finalizers: ['b'], labels: { x: null } }, spec: { containers: [{ name: 'b', $patch: 'delete' }] } }, podSchema) as any;
  assert.deepEqual(out.metadata, { finalizers: ['a', 'b'], labels: {} });
  assert.deepEqual(out.spec.containers, [{ name: 'a', image: 'i' }]);
  const replaced = strategicMergePatch(pod, { spec: { $patch: 'replace', containers: [{ name: 'z', image: 'k' }] } }, podSchema) as any;
  assert.deepEqual(replaced.spec, { containers: [{ name: 'z', image: 'k' }] });
});

test('strategic merge patch: $retainKeys and $deleteFromPrimitiveList', () => {
  const pod = { spec: { volumes: [{ name: 'v', hostPath: { path: '/x' } }], containers: [{ name: 'a', image: 'i', args: ['1', '2', '3'] }] } };
  const retained = strategicMergePatch(pod, { spec: { volumes: [{ name: 'v', emptyDir: {}, $retainKeys: ['emptyDir', 'name'] }] } }, podSchema) as any;
  assert.deepEqual(retained.spec.volumes, [{ name: 'v', emptyDir: {} }]);
  const meta = { metadata: { finalizers: ['a', 'b', 'c'] } };
  const removed = strategicMergePatch(meta, { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } }, podSchema) as any;
  assert.deepEqual(removed.metadata.finalizers, ['a', 'c']);
});

test('duplicate JSON keys are found with their paths', async () => {
  const { duplicateFields } = await import('../../src/api/json.js');
  assert.deepEqual(duplicateFields('{"metadata":{"name":"a","name":"b"},"spec":{"containers":[{"image":"x","image":"y"}]}}'), ['metadata.name', 'spec.containers[0].image']);
  assert.deepEqual(duplicateFields('{"a":"}\\"","b":[1,{"c":2}]}'), []);
  assert.deepEqual(duplicateFields('{broken'), []);
  assert.deepEqual(duplicateFields('{"a\\u0062":1, "ab" : 2, "c":[{"x":[true,{"k":null,"k":-1.5e3}]}]}'), ['ab', 'c[0].x[1].k']);
});

test('duplicateFields given the parsed value: the same answers, colons and quotes inside strings not taken for keys', async () => {
  const { duplicateFields } = await import('../../src/api/json.js');
  const check = (text: string, expected: string[]) => assert.deepEqual(duplicateFields(text, JSON.parse(text)), expected, text);
  check('{"metadata":{"name":"a","name":"b"},"spec":{"containers":[{"image":"x","image":"y"}]}}', ['metadata.name', 'spec.containers[0].image']);
  check('{"a\\u0062":1, "ab" : 2, "c":[{"x":[true,{"k":null,"k":-1.5e3}]}]}', ['ab', 'c[0].x[1].k']);
  check('{"a":"k: v","b":"\\":"}', []);
  check('{"a":"x\\\\","b":{":":":"},"c":[":",{}]}', []);
  check('{"a":"x\\\\","a":"y"}', ['a']);
  check('{"__proto__":{"x":1},"__proto__":{}}', ['__proto__']);
  check('[{"a":1},{"a":1,"a":2}]', ['[1].a']);
  check('"a:b"', []);
});
