// Reading FieldsV1 without parsing it (what an update asks of managers it may not touch) must say
// what the parsed set would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FieldSet } from '../../src/api/fieldset.js';

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
