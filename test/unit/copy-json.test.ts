// copyJSON replaces structuredClone on the write path: it must copy what structuredClone copies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyJSON } from '../../src/api/json.js';

test('copyJSON copies JSON data deeply, keeps an own __proto__ key a key, and hands other objects to structuredClone', () => {
  const parsed: unknown = JSON.parse('{"a":[1,{"b":null,"__proto__":{"x":1}}],"c":{"d":"s","e":true},"f":[]}');
  const copy = copyJSON(parsed);
  assert.deepStrictEqual(copy, structuredClone(parsed));
  assert.equal(JSON.stringify(copy), JSON.stringify(parsed));
  assert.notEqual(copy, parsed);
  const withDate = { at: new Date(0), gone: undefined, nested: { list: [new Map([[1, 2]])] } };
  assert.deepStrictEqual(copyJSON(withDate), structuredClone(withDate));
  assert.notEqual(copyJSON(withDate).nested, withDate.nested);
});
