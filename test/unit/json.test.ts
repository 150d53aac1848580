// JSON helpers as pure functions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJSON, jsonEqual } from '../../src/api/json.js';

test('jsonEqual agrees with comparing canonical JSON', () => {
  const cases: [unknown, unknown][] = [
    [{ a: 1, b: { c: [1, { d: 'x' }] } }, { b: { c: [1, { d: 'x' }] }, a: 1 }],
    [{ a: 1, u: undefined }, { a: 1 }],
    [{ a: [1, 2] }, { a: [2, 1] }],
    [{ a: null }, { a: 0 }],
    [{ a: {} }, { a: [] }],
    [[{ k: 'v' }], [{ k: 'v', extra: 1 }]],
    ['s', 's'],
    [1, '1'],
    [{ a: 1 }, { a: 1, b: 2 }],
    [{ a: 1, b: 2 }, { a: 1 }],
    [{ a: 1 }, { a: 1, u: undefined }],
    [{ a: undefined, b: 1 }, { a: 1, b: 1 }],
    [{ a: 1, b: undefined }, { b: 1, c: undefined }],
  ];
  for (const [a, b] of cases) assert.equal(jsonEqual(a, b), canonicalJSON(a) === canonicalJSON(b), `${canonicalJSON(a)} vs ${canonicalJSON(b)}`);
});
