// The pure parts of custom resources: structural validation in kube-openapi's words, CEL rules
// (transition rules only with an old value), defaulting, printer-column cells, and the naming
// controller's conflicts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateRules } from '../../src/api/cel-rules.js';
import { cell, findResults, parseJSONPath } from '../../src/api/printer-columns.js';
import { applyDefaults, structuralErrors, validateValue, type JSONSchemaProps } from '../../src/api/structural-schema.js';
import type { CustomResourceDefinition } from '../../src/api/apiextensions-objects.js';
import { acceptNames } from '../../src/controllers/crd-policy.js';

const text = (errs: { toString(): string }[]) => errs.map(String);

test('values are checked with kube-openapi\'s messages', () => {
  const schema: JSONSchemaProps = {
    type: 'object', required: ['name'],
    properties: {
      name: { type: 'string', pattern: '^[a-z]+$', maxLength: 5 },
      n: { type: 'integer', minimum: 1, maximum: 3, exclusiveMaximum: true },
      tags: { type: 'array', maxItems: 1, items: { type: 'string' } },
      when: { type: 'string', format: 'date-time' },
      port: { 'x-kubernetes-int-or-string': true },
    },
  };
  assert.deepEqual(text(validateValue(schema, { n: 3, tags: ['a', 'b'], when: 'soon', port: true }, 'spec')), [
    'spec.name: Required value',
    'spec.n: Invalid value: 3: spec.n in body should be less than 3',
    'spec.tags: Too many: 2: must have at most 1 items',
    'spec.when: Invalid value: "soon": spec.when in body must be of type date-time: "soon"',
    'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
  ]);
  assert.deepEqual(text(validateValue(schema, { name: 'ABCDEF' }, 'spec')), [
    'spec.name: Too long: may not be longer than 5',
    'spec.name: Invalid value: "ABCDEF": spec.name in body should match \'^[a-z]+$\'',
  ]);
});

test('a schema must be structural', () => {
  assert.deepEqual(text(structuralErrors({ type: 'object', properties: { spec: { properties: {} }, list: { type: 'array', items: {} } } }, 'schema')), [
    'schema.properties[spec].type: Required value: must not be empty for specified object fields',
    'schema.properties[list].items.type: Required value: must not be empty for specified array items',
  ]);
});

test('CEL rules: messages, fieldPath, transition rules', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    'x-kubernetes-validations': [
      { rule: 'self.min <= self.max', message: 'min must be <= max' },
      { rule: 'self.name == oldSelf.name', message: 'name is immutable', fieldPath: '.name' },
      { rule: 'self.all(k, k.size() < 5)' },
    ],
    properties: { min: { type: 'integer' }, max: { type: 'integer' }, name: { type: 'string' } },
  };
  assert.deepEqual(text(validateRules(schema, { min: 3, max: 2, name: 'a' }, undefined, 'spec')), ['spec: Invalid value: "object": min must be <= max']);
  assert.deepEqual(text(validateRules(schema, { min: 1, max: 2, name: 'b' }, { min: 1, max: 2, name: 'a' }, 'spec')), ['spec.name: Invalid value: "object": name is immutable']);
  assert.deepEqual(text(validateRules(schema, { min: 1, max: 2, name: 'a', longer: 1 }, undefined, 'spec')), ['spec: Invalid value: "object": failed rule: self.all(k, k.size() < 5)']);
});

test('defaults fill what is missing, inside what is there', () => {
  const obj: Record<string, unknown> = { spec: { items: [{}] } };
  applyDefaults({ type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'integer', default: 1 }, items: { type: 'array', items: { type: 'object', properties: { on: { type: 'boolean', default: true } } } } } } } }, obj);
  assert.deepEqual(obj, { spec: { items: [{ on: true }], replicas: 1 } });
});

test('printer columns: simple JSONPaths and kube\'s cell types', () => {
  const obj = { status: { conditions: [{ type: 'Ready', status: 'True' }] }, spec: { n: 2, tags: ['a'] } };
  const at = (path: string) => findResults(obj, parseJSONPath(path) ?? []);
  assert.equal(cell({ name: 'R', type: 'string', jsonPath: '' }, at('.status.conditions[?(@.type=="Ready")].status'), 0), 'True');
  assert.equal(cell({ name: 'N', type: 'integer', jsonPath: '' }, at('.spec.n'), 0), 2);
  assert.equal(cell({ name: 'T', type: 'string', jsonPath: '' }, at('.spec.tags'), 0), '["a"]');
  assert.equal(cell({ name: 'M', type: 'string', jsonPath: '' }, at('.spec.missing'), 0), null);
  assert.equal(cell({ name: 'A', type: 'date', jsonPath: '' }, ['2024-01-01T00:00:00Z'], Date.parse('2024-01-01T00:00:30Z')), '30s');
});

test('names another CRD of the group holds are not accepted', () => {
  const crd = (name: string, plural: string, kind: string): CustomResourceDefinition => ({
    metadata: { name: `${name}.example.com` },
    spec: { group: 'example.com', scope: 'Namespaced', names: { plural, kind, singular: plural.replace(/s$/, ''), listKind: `${kind}List` }, versions: [] },
  });
  const a = crd('widgets', 'widgets', 'Widget');
  assert.deepEqual(acceptNames(a, [a]).condition, { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' });
  assert.deepEqual(acceptNames(crd('gadgets', 'gadgets', 'Widget'), [a]).condition, { type: 'NamesAccepted', status: 'False', reason: 'KindConflict', message: '"Widget" is already in use' });
});
