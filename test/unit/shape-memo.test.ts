import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ShapeMemo } from '../../src/api/shape-memo.js';

describe('ShapeMemo', () => {
  const memo = (capacity = 16) => new ShapeMemo<string>({ capacity, ignored: { metadata: ['managedFields', 'resourceVersion'] } });
  const pod = (spec: unknown, meta: object = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', labels: { app: 'x' }, ...meta }, spec });

  test('scalars outside lists count by their kind alone', () => {
    const m = memo();
    m.set(pod({ replicas: 1, paused: false, host: 'h' }), 'tree');
    assert.equal(m.get(pod({ replicas: 7, paused: true, host: 'other' }, { name: 'b', labels: { app: 'y' } })), 'tree');
    assert.equal(m.get(pod({ replicas: '7', paused: true, host: 'other' })), undefined);
  });

  test('lists count whole, objects inside them too', () => {
    const m = memo();
    const spec = { containers: [{ name: 'web', image: 'i', ports: [{ containerPort: 80 }] }], finalizers: ['a', 'b'] };
    m.set(pod(spec), 'tree');
    assert.equal(m.get(pod(structuredClone(spec))), 'tree');
    for (const other of [
      { ...spec, containers: [{ name: 'api', image: 'i', ports: [{ containerPort: 80 }] }] },
      { ...spec, containers: [{ name: 'web', image: 'i', ports: [{ containerPort: 81 }] }] },
      { ...spec, finalizers: ['b', 'a'] },
      { ...spec, finalizers: ['a'] },
      { ...spec, finalizers: ['a', 'b', 'c'] },
      { ...spec, finalizers: ['a', 1] },
    ]) assert.equal(m.get(pod(other)), undefined, JSON.stringify(other));
  });

  test('null, undefined, absent, objects, lists and each scalar kind are apart; keys count in their order', () => {
    const m = memo();
    const specs = [{ a: null }, { a: undefined }, {}, { a: 's' }, { a: 1 }, { a: 2 ** 40 }, { a: 2 ** 64 }, { a: 1.5 }, { a: false }, { a: {} }, { a: [] }];
    specs.forEach((spec, i) => m.set(pod(spec), `shape ${i}`));
    specs.forEach((spec, i) => assert.equal(m.get(pod(spec)), `shape ${i}`));
    const n = memo();
    n.set(pod({ a: 1, b: 2 }), 'ab');
    assert.equal(n.get(pod({ b: 2, a: 1 })), undefined);
    assert.equal(n.get(pod({ a: 1, b: 2, c: 3 })), undefined);
    assert.equal(n.get(pod({ a: 1 })), undefined);
  });

  test('the ignored keys of metadata do not count; elsewhere they do', () => {
    const m = memo();
    m.set(pod({}), 'tree');
    assert.equal(m.get(pod({}, { managedFields: [{ manager: 'm' }], resourceVersion: '5' })), 'tree');
    assert.equal(m.get(pod({ managedFields: [] })), undefined);
  });

  test('the shape is copied: changing the object after does not change what it is remembered as', () => {
    const m = memo();
    const containers = [{ name: 'web' }];
    const first = pod({ containers });
    m.set(first, 'web');
    containers[0].name = 'api';
    (first.metadata as Record<string, unknown>).extra = 'x';
    assert.equal(m.get(pod({ containers: [{ name: 'api' }] })), undefined);
    assert.equal(m.get(pod({ containers: [{ name: 'web' }] })), 'web');
  });

  test("numbers count as integers in int32's range, in int64's, or others", () => {
    const m = memo();
    m.set(pod({ a: 1, b: 2 ** 40, c: 0.5, d: 2 ** 64 }), 'kinds');
    assert.equal(m.get(pod({ a: -2147483648, b: -(2 ** 63), c: -3.25, d: -(2 ** 70) })), 'kinds');
    assert.equal(m.get(pod({ a: 1, b: 2 ** 40, c: 0.5, d: 0.5 })), undefined);
    assert.equal(m.get(pod({ a: 2147483648, b: 2 ** 40, c: 0.5 })), undefined);
    assert.equal(m.get(pod({ a: 1, b: 2 ** 40, c: 3, d: 2 ** 64 })), undefined);
  });

  test('values JSON has no form for are not remembered; a full memo starts afresh', () => {
    const m = memo(8);
    m.set({ ...pod({}), at: new Date(0) }, 'date');
    assert.equal(m.get({ ...pod({}), at: new Date(0) }), undefined);
    m.set({ ...pod({}), f: () => 1 }, 'function');
    assert.equal(m.get({ ...pod({}), f: () => 1 }), undefined);
    for (let i = 0; i < 8; i++) m.set(pod({ [`k${i}`]: 1 }), `k${i}`);
    assert.equal(m.get(pod({ k0: 1 })), 'k0');
    m.set(pod({ k8: 1 }), 'k8');
    assert.equal(m.get(pod({ k0: 1 })), undefined);
    assert.equal(m.get(pod({ k8: 1 })), 'k8');
  });
});
