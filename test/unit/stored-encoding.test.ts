// A stored value encoded in parts (metadata apart from the rest) is JSON.stringify's text, and the
// resourceVersion spliced in as metadata's last field gives the text of the object the watch cache
// holds: compact caches keep those bytes instead of encoding the object a second time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { internTree, internValues, isHeld } from '../../src/api/fields-interning.js';
import type { KObject } from '../../src/api/types.js';
import { encode, encodeStored, metadataEndOf, sameStored, withResourceVersion } from '../../src/api/resource-store.js';

const shapes: Record<string, unknown>[] = [
  { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'a', namespace: 'default', uid: 'u', managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} } }] }, spec: { containers: [{ name: 'c', image: 'nginx' }] }, status: { phase: 'Pending' } },
  { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'b' } },
  { kind: undefined, apiVersion: 'v1', metadata: {}, data: { 'x"y': 'quote " and \\ and \u2028' } },
  { apiVersion: 'example.com/v1', metadata: { name: 'c', labels: { 'a/b': 'é' } }, spec: null, items: [1, 2, { three: 3 }] },
  { kind: 'Odd', metadata: { name: 'd' }, '1': 'an index key', spec: {} },
  // Held FieldsV1 trees are written from the text remembered for each (twice: the second is that text).
  ...[1, 2].map(() => ({
    kind: 'Pod', apiVersion: 'v1',
    metadata: {
      name: 'e', labels: { a: '1' }, unset: undefined,
      managedFields: [
        { manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2026-12-06T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: internTree({ 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {} } } } }) },
        { manager: 'kubelet', operation: 'Update', subresource: 'status', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:phase': {} } }, extra: undefined },
        'not an entry',
      ],
      annotations: { 'x"y': '\u2028' },
    },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  })),
  // Held nodes anywhere (a cached object's, interned: held the second time they are seen) are
  // written from their remembered text, the second time of each of these two from that text.
  ...[1, 2].map(() => heldPod()),
  { kind: 'Dated', metadata: { name: 'f' }, spec: { at: new Date(0), '2': 'two', '10': 'ten', a: undefined, nested: { skip: undefined, n: -0, nan: Number.NaN } }, status: [1, 'x'] },
];

/** A pod whose spec and status hold held nodes beside nodes of its own, and a spec field undefined. */
function heldPod(): Record<string, unknown> {
  const make = () => ({
    kind: 'Pod', apiVersion: 'v1', metadata: { name: 'g', labels: { app: 'web' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'rs', uid: 'u1' }] },
    spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }], tolerations: [{ key: 'k', operator: 'Exists' }], nodeName: 'n1', dnsPolicy: 'ClusterFirst' },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], hostIP: '10.0.0.1' },
  });
  internValues(make() as unknown as KObject);
  const pod = make() as unknown as KObject;
  internValues(pod);
  assert.ok(isHeld((pod.spec as Record<string, unknown>).containers), 'the containers are held');
  // Changed as a binding changes a cached pod: top levels copied, a field added and one undefined.
  const spec = { ...(pod.spec as Record<string, unknown>), nodeName: 'n2', schedulerName: undefined };
  return { ...pod, spec };
}

test('encodeStored is JSON.stringify, and gives where the metadata ends', () => {
  for (const stored of shapes) {
    const { value, metadataEnd } = encodeStored(stored);
    assert.equal(value, JSON.stringify(stored));
    if (metadataEnd === undefined) {
      assert.ok(Object.keys(stored).includes('1'), 'only an index key at the top is encoded whole');
      continue;
    }
    assert.equal(value[metadataEnd], '}');
    assert.equal(value.slice(value.indexOf('"metadata":') + '"metadata":'.length, metadataEnd + 1), JSON.stringify(stored.metadata));
  }
});

test('the stored form: metadata in its order without resourceVersion, the rest as the object has it, a __proto__ key kept as a field', () => {
  const obj = JSON.parse('{"spec":{"a":1},"metadata":{"x-extra":"e","resourceVersion":"7","labels":{"l":"1"},"name":"n","__proto__":{"p":1}},"kind":"Thing","__proto__":{"q":2},"apiVersion":"example.com/v1","status":{}}') as KObject;
  assert.equal(encode(obj), '{"kind":"Thing","apiVersion":"example.com/v1","metadata":{"name":"n","labels":{"l":"1"},"x-extra":"e","__proto__":{"p":1}},"spec":{"a":1},"__proto__":{"q":2},"status":{}}');
});

test('metadataEndOf finds in the text where encodeStored says the metadata ends', () => {
  for (const stored of shapes) {
    const { value, metadataEnd } = encodeStored(stored);
    if (metadataEnd !== undefined) assert.equal(metadataEndOf(value), metadataEnd);
  }
  // Not a metadata key nested deeper, nor "metadata" inside a string; an empty one; none.
  assert.equal(metadataEndOf('{"spec":{"metadata":{"a":1}},"metadata":{}}'), 41);
  assert.equal(metadataEndOf(String.raw`{"kind":"x\\","note":"\"metadata\":{","metadata":{"name":"}"}}`), 60);
  assert.equal(metadataEndOf('{"kind":"x","spec":{}}'), undefined);
});

test('withResourceVersion gives the text of the object with its resourceVersion added last to its metadata', () => {
  for (const stored of shapes) {
    const { value, metadataEnd } = encodeStored(stored);
    if (metadataEnd === undefined) continue;
    const object = JSON.parse(value) as { metadata: Record<string, unknown> };
    object.metadata.resourceVersion = '1234';
    assert.equal(withResourceVersion(value, metadataEnd, 1234), JSON.stringify(object));
  }
});

test('sameStored: what a no-op write compares (the stored form: resourceVersion, key order and undefined fields aside)', () => {
  const pod = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', resourceVersion: '5', labels: { a: '1' } }, spec: { nodeName: 'n' } };
  assert.ok(sameStored(pod, { apiVersion: 'v1', kind: 'Pod', spec: { nodeName: 'n' }, metadata: { labels: { a: '1' }, name: 'p', resourceVersion: '9', annotations: undefined } }));
  assert.ok(!sameStored(pod, { ...pod, metadata: { ...pod.metadata, labels: { a: '2' } } }));
  assert.ok(!sameStored(pod, { ...pod, spec: { nodeName: 'm' } }));
  assert.ok(!sameStored(pod, { ...pod, status: { phase: 'Running' } }));
  assert.ok(!sameStored({ ...pod, status: { phase: 'Running' } }, pod));
});
