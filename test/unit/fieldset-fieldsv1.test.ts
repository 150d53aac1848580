// Reading FieldsV1 without parsing it (what an update asks of managers it may not touch) must say
// what the parsed set would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FieldSet, keyPE } from '../../src/api/fieldset.js';

const SAMPLES: unknown[] = [
  {},
  { '.': {} },
  { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } },
  { 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } },
  { 'f:status': { 'f:phase': {} }, 'f:metadata': { 'f:annotations': { 'f:a': {} } } },
];
const PROBES = [
  [['f:metadata', 'f:labels', 'f:app']],
  [['f:metadata', 'f:labels']],
  [['f:metadata', 'f:labels', 'f:tier']],
  [['f:spec', 'f:containers', 'k:{"name":"c"}']],
  [['f:spec', 'f:containers', 'k:{"name":"c"}', 'f:image']],
  [['f:spec', 'f:containers']],
  [['f:status', 'f:phase'], ['f:spec', 'f:nodeName']],
  [['f:metadata', 'f:annotations']],
  [['f:metadata', 'f:annotations', 'f:a']],
];

test('sharesMembersWithFieldsV1 and isEmptyFieldsV1 agree with the parsed set', () => {
  for (const v of SAMPLES) {
    const parsed = FieldSet.fromFieldsV1(v);
    assert.equal(FieldSet.isEmptyFieldsV1(v), parsed.empty, JSON.stringify(v));
    for (const paths of PROBES) {
      const probe = FieldSet.fromPaths(paths);
      assert.equal(probe.sharesMembersWithFieldsV1(v), !parsed.intersection(probe).empty, `${JSON.stringify(v)} / ${JSON.stringify(paths)}`);
    }
  }
});

test('cut is without made in the set itself: the same paths, and no empty subtree left', () => {
  const cuts = [
    [FieldSet.fromPaths([['f:metadata', 'f:labels'], ['f:metadata', 'f:name']]), FieldSet.fromPaths([['f:status']])],
    [FieldSet.fromPaths([['f:spec', 'f:containers', 'k:{"name":"c"}', 'f:image']]), undefined],
    [undefined, FieldSet.fromPaths([['f:metadata'], ['f:spec', 'f:containers']])],
    [FieldSet.fromPaths([['f:metadata', 'f:annotations', 'f:a']]), FieldSet.fromPaths([['f:status', 'f:phase']])],
  ] as const;
  for (const sample of SAMPLES) {
    for (const [exact, prefixes] of cuts) {
      const expected = FieldSet.fromFieldsV1(sample).without(exact, prefixes);
      const set = FieldSet.fromFieldsV1(sample);
      assert.equal(set.cut(exact, prefixes), set);
      assert.deepEqual(set.paths(), expected.paths());
      assert.deepEqual(set.toFieldsV1(), expected.toFieldsV1());
      const emptyBelow = (s: FieldSet): boolean => [...s.children.values()].some((c) => c.empty || emptyBelow(c));
      assert.equal(emptyBelow(set), false, JSON.stringify(sample));
    }
  }
});

test('keyPE: the key fields sorted by name, as structured-merge-diff writes them', () => {
  assert.equal(keyPE({ name: 'web' }), 'k:{"name":"web"}');
  assert.equal(keyPE({ name: 'quote " and \\ é' }), `k:${JSON.stringify({ name: 'quote " and \\ é' })}`);
  assert.equal(keyPE({ protocol: 'TCP', containerPort: 8080 }), 'k:{"containerPort":8080,"protocol":"TCP"}');
  assert.equal(keyPE({ port: 0 }), 'k:{"port":0}');
  assert.equal(keyPE({ ip: null }), 'k:{"ip":null}');
  assert.equal(keyPE({ a: undefined }), 'k:{}');
  assert.equal(keyPE({}), 'k:{}');
});
