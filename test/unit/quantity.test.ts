// resource.Quantity parsing, canonical form and numeric values. The vectors are apimachinery's
// (pkg/api/resource quantity_test.go: TestQuantityParse, TestQuantityString, TestQuantityParseEmit,
// TestParseQuantity, TestJSONWhitespace, TestQuantityCmp, TestScaledValue), restated as facts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  canonicalQuantity, canonicalizeQuantities, parseQuantity, Quantity, QUANTITY_FORMAT_ERROR, QUANTITY_NUMERIC_ERROR, QUANTITY_SUFFIX_ERROR,
  type QuantityFormat,
} from '../../src/api/quantity.js';
import type { Schema } from '../../src/api/openapi.js';
import { SchemaNode } from '../../src/api/schema-navigator.js';

const parse = (s: string) => Quantity.parse(s);
const canonical = (s: string) => parse(s).toString();

describe('parse errors', () => {
  test('the three messages, word for word', () => {
    assert.equal(QUANTITY_FORMAT_ERROR, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    assert.equal(QUANTITY_SUFFIX_ERROR, "unable to parse quantity's suffix");
    assert.equal(QUANTITY_NUMERIC_ERROR, 'unable to parse numeric part of quantity');
  });

  const cases: [string, string][] = [
    ['', QUANTITY_FORMAT_ERROR],
    ['abc', QUANTITY_FORMAT_ERROR],
    ['aoeu', QUANTITY_FORMAT_ERROR],
    ['1.1.M', QUANTITY_FORMAT_ERROR],
    ['1+1.0M', QUANTITY_FORMAT_ERROR],
    ['0.1am', QUANTITY_FORMAT_ERROR],
    ['10KB', QUANTITY_FORMAT_ERROR],
    // Surrounding white space is the JSON decoder's to trim, not the parser's.
    [' 1', QUANTITY_FORMAT_ERROR],
    ['1 ', QUANTITY_FORMAT_ERROR],
    ['0.1mi', QUANTITY_SUFFIX_ERROR],
    ['.5i', QUANTITY_SUFFIX_ERROR],
    ['1i', QUANTITY_SUFFIX_ERROR],
    ['-3.01i', QUANTITY_SUFFIX_ERROR],
    ['-3.01e-', QUANTITY_SUFFIX_ERROR],
    ['5MM', QUANTITY_SUFFIX_ERROR],
    ['1K', QUANTITY_SUFFIX_ERROR],
    ['1e', QUANTITY_SUFFIX_ERROR],
    ['1e99999999999999999999', QUANTITY_SUFFIX_ERROR],
    ['-.e-10', QUANTITY_NUMERIC_ERROR],
  ];
  for (const [input, message] of cases) {
    test(JSON.stringify(input), () => assert.throws(() => parse(input), { message }));
  }

  test('from JSON: strings are trimmed, numbers read as written, other types never match', () => {
    for (const [input, expect] of [[' 1', '1'], ['1 ', '1'], [1, '1'], [10, '10'], [-1, '-1'], ['\t500m\n', '500m'], [0.5, '500m'], [1048576, '1048576']] as const) {
      assert.equal(Quantity.fromJSON(input).toString(), expect, JSON.stringify(input));
    }
    for (const input of [true, false, {}, [], ['1']]) assert.throws(() => Quantity.fromJSON(input), { message: QUANTITY_FORMAT_ERROR });
  });
});

describe('parsed values and formats', () => {
  // [input, unscaled, exponent, format]: the value is unscaled × 10^exponent.
  const table: [string, bigint, number, QuantityFormat][] = [
    ['0', 0n, 0, 'DecimalSI'], ['0n', 0n, 0, 'DecimalSI'], ['0Ki', 0n, 0, 'BinarySI'], ['0Ti', 0n, 0, 'BinarySI'],
    ['1', 1n, 0, 'DecimalSI'],
    ['1Ki', 1024n, 0, 'BinarySI'], ['8Ki', 8n * 1024n, 0, 'BinarySI'], ['7Mi', 7n * 2n ** 20n, 0, 'BinarySI'],
    ['6Gi', 6n * 2n ** 30n, 0, 'BinarySI'], ['5Ti', 5n * 2n ** 40n, 0, 'BinarySI'], ['4Pi', 4n * 2n ** 50n, 0, 'BinarySI'],
    ['3Ei', 3n * 2n ** 60n, 0, 'BinarySI'], ['100Ti', 100n * 2n ** 40n, 0, 'BinarySI'],
    ['5n', 5n, -9, 'DecimalSI'], ['4u', 4n, -6, 'DecimalSI'], ['3m', 3n, -3, 'DecimalSI'], ['8k', 8n, 3, 'DecimalSI'],
    ['50k', 5n, 4, 'DecimalSI'], ['7M', 7n, 6, 'DecimalSI'], ['6G', 6n, 9, 'DecimalSI'], ['40T', 4n, 13, 'DecimalSI'],
    ['2P', 2n, 15, 'DecimalSI'], ['1E', 1n, 18, 'DecimalSI'],
    ['1E-3', 1n, -3, 'DecimalExponent'], ['1e3', 1n, 3, 'DecimalExponent'], ['1E18', 1n, 18, 'DecimalExponent'], ['1e14', 1n, 14, 'DecimalExponent'],
    ['100.035k', 100035n, 0, 'DecimalSI'],
    ['0.001', 1n, -3, 'DecimalSI'], ['0.0005k', 5n, -1, 'DecimalSI'], ['0.50000', 5n, -1, 'DecimalSI'],
    ['0.5e-2', 5n, -3, 'DecimalExponent'], ['10.035M', 10035n, 3, 'DecimalSI'],
    ['1.2e3', 12n, 2, 'DecimalExponent'], ['1.3E+6', 13n, 5, 'DecimalExponent'], ['1.40e9', 14n, 8, 'DecimalExponent'], ['1.7E18', 17n, 17, 'DecimalExponent'],
    ['9.01', 901n, -2, 'DecimalSI'], ['6.987654321G', 6987654321n, 0, 'DecimalSI'], ['1.01E', 101n, 16, 'DecimalSI'],
    // Finer than a nano rounds up; binary caps at 2^63-1.
    ['3.001n', 4n, -9, 'DecimalSI'], ['1.1E-9', 2n, -9, 'DecimalExponent'], ['0.0000000001', 1n, -9, 'DecimalSI'],
    ['0.5e-9', 1n, -9, 'DecimalExponent'], ['0.9n', 1n, -9, 'DecimalSI'], ['0.00000012354', 124n, -9, 'DecimalSI'],
    ['9Ei', 2n ** 63n - 1n, 0, 'BinarySI'], ['9223372036854775807Ki', 2n ** 63n - 1n, 0, 'BinarySI'], ['12E', 12n, 18, 'DecimalSI'],
    ['100.035Ki', 10243584n, -2, 'BinarySI'], ['0.5Mi', 524288n, 0, 'BinarySI'], ['0.05Gi', 536870912n, -1, 'BinarySI'],
    // A binary value below one turns decimal.
    ['0.000000000001Ki', 2n, -9, 'DecimalSI'],
    ['.001', 1n, -3, 'DecimalSI'], ['.0001k', 100n, -3, 'DecimalSI'], ['1.', 1n, 0, 'DecimalSI'], ['1.G', 1n, 9, 'DecimalSI'],
    ['.', 0n, 0, 'DecimalSI'],
  ];
  for (const [input, unscaled, exponent, format] of table) {
    test(input, () => {
      const expect = Quantity.of(unscaled, exponent, format);
      for (const [text, sign] of [[input, 1], [`+${input}`, 1], [`-${input}`, -1]] as const) {
        const got = parse(text);
        assert.equal(got.cmp(sign > 0 ? expect : Quantity.of(-unscaled, exponent, format)), 0, `${text}: ${got}`);
        assert.equal(got.format, format, text);
      }
    });
  }
});

describe('canonical form', () => {
  test('the examples of the issue', () => {
    assert.deepEqual(['1000m', '0.5', '1024Mi', '1.5Gi', '1000', '0.5Ki', '1.5Ki', '2048Ki', '100m', '1Gi', '1e3', '1025Mi'].map(canonical),
      ['1', '500m', '1Gi', '1536Mi', '1k', '512', '1536', '2Mi', '100m', '1Gi', '1e3', '1025Mi']);
  });

  // [canonical, another text of the same quantity]
  const pairs: [string, string][] = [
    ['1Gi', '1024Mi'], ['300Mi', '307200Ki'], ['6Ki', ''], ['1001Gi', '1025024Mi'], ['1Ti', '1024Gi'], ['5', '5000m'],
    ['500m', '0.5'], ['1G', '1000M'], ['1G', '0.001T'], ['1m', '1000u'], ['80m', ''], ['1080m', '1.08'], ['1080m', '1080000000n'],
    ['300M', ''], ['1T', ''], ['1234567M', ''], ['1234567m', ''], ['3k', ''], ['1025', ''], ['0', '00'],
    ['1e9', '.001e12'], ['1e-3', '0.001e0'], ['1e-9', '1000e-12'], ['80e-3', ''], ['300e6', ''], ['1e12', ''], ['1e3', ''], ['3e3', ''],
    ['1n', ''], ['80n', ''], ['1080n', ''], ['1u', ''], ['80u', ''], ['1080u', ''],
  ];
  for (const [expect, alternate] of pairs) {
    test(`${expect}${alternate ? ` from ${alternate}` : ''}`, () => {
      assert.equal(canonical(expect), expect);
      if (alternate) assert.equal(canonical(alternate), expect);
      if (expect !== '0') assert.equal(canonical(`-${alternate || expect}`), `-${expect}`);
    });
  }

  test('parse and emit', () => {
    for (const [input, expect] of [['1Ki', '1Ki'], ['1Mi', '1Mi'], ['1Gi', '1Gi'], ['1024Mi', '1Gi'], ['1000M', '1G'], ['.001Ki', '1024m'],
      ['.000001Ki', '1024u'], ['.000000001Ki', '1024n'], ['.000000000001Ki', '2n']]) {
      assert.equal(canonical(input), expect, input);
      assert.equal(canonical(`-${input}`), `-${expect}`, `-${input}`);
    }
  });

  test('large values: kept exactly, past E in exponent-free digits', () => {
    // [input, canonical]; an empty canonical means the input is canonical as given.
    const table: [string, string][] = [
      ['-999999999999999999', ''], ['999999999999999999', ''],
      ['999999999999999999.0', '999999999999999999'], ['-999999999999999999.1', '-999999999999999999100m'],
      ['-9999999999999999999', ''], ['1E', ''], ['-1E', ''], ['1000000000000000000', '1E'], ['-1000000000000000000', '-1E'],
      ['9999999999999999999.0', '9999999999999999999'], ['1.0E', '1E'], ['1000000000000000000.0', '1E'],
      ['9999999999999999999000m', '9999999999999999999'], ['9999999999999999999.1', '9999999999999999999100m'],
      ['1.0000000000000000001E', '1000000000000000000100m'], ['1.000000000000000001E', '1000000000000000001'], ['1000000000000000001', ''],
      ['10E', ''], ['-10000000000000000000', '-10E'], ['10.0E', '10E'], ['10000000000000000000000m', '10E'],
      ['10.0000000000000000001E', '10000000000000000000100m'], ['-10.000000000000000001E', '-10000000000000000001'],
      ['-9223372036854775809', ''], ['9223372036854775806.0', '9223372036854775806'], ['9223372036854775806000m', '9223372036854775806'],
      ['-9223372036854775808', ''], ['9223372036854775807.1', '9223372036854775807100m'], ['9223372036854775808', ''],
      ['-9223372036854775807000m', '-9223372036854775807'], ['9223372036854775808.1', '9223372036854775808100m'],
    ];
    for (const [input, expect] of table) assert.equal(canonical(input), expect || input, input);
  });

  test('texts the parser finds canonical are kept as given', () => {
    for (const kept of ['100m', '+100m', '1Gi', '+1Gi', '1025Mi', '1e3', '1E-3', '15Gi']) assert.equal(canonical(kept), kept);
    for (const [input, expect] of [['+1000m', '1'], ['+0.5', '500m'], ['8Mi', '8Mi'], ['16Mi', '16Mi'], ['1e4', '10e3'], ['1.3E+6', '1300e3']]) {
      assert.equal(canonical(input), expect, input);
    }
  });

  test('canonicalQuantity answers a string it has seen from memory, alike; a bad one throws every time', () => {
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(['1500m', '0.5Gi', '1e3', ' 2 ', '100Mi'].map((q) => canonicalQuantity(q)), ['1500m', '512Mi', '1e3', '2', '100Mi']);
      assert.throws(() => canonicalQuantity('12 Mi'), { message: QUANTITY_FORMAT_ERROR });
    }
    // Past the memory's bound it starts again, and still answers each one right.
    for (let i = 0; i < 3000; i++) assert.equal(canonicalQuantity(`${i}000m`), Quantity.parse(String(i)).toString());
  });

  test('canonicalQuantity takes JSON values', () => {
    assert.deepEqual([canonicalQuantity(' 1000m '), canonicalQuantity(0.25), canonicalQuantity(2048)], ['1', '250m', '2048']);
    assert.throws(() => canonicalQuantity('abc'), { message: QUANTITY_FORMAT_ERROR });
  });
});

describe('numeric values', () => {
  test('comparison', () => {
    for (const [x, y, expect] of [['0', '0', 0], ['100m', '50m', 1], ['50m', '100m', -1], ['10000T', '100Gi', 1], ['1', '1000m', 0], ['1Ki', '1024', 0], ['-1', '1m', -1], ['-2', '-1', -1], ['1e999999999', '1E', 1]] as const) {
      assert.equal(parse(x).cmp(parse(y)), expect, `${x} vs ${y}`);
    }
  });

  test('scaled values round up, away from zero', () => {
    // NewScaledQuantity(1, from).ScaledValue(to)
    for (const [from, to, expect] of [[-9, -9, 1], [-9, -6, 1], [-9, -3, 1], [-9, 0, 1], [-6, -9, 1000], [-6, -6, 1], [-6, -3, 1], [-6, 0, 1],
      [-3, -9, 1e6], [-3, -6, 1000], [-3, -3, 1], [-3, 0, 1], [0, -9, 1e9], [0, -6, 1e6], [0, -3, 1000], [0, 0, 1], [2, -2, 10000]]) {
      assert.equal(Quantity.of(1n, from).scaledValue(to), expect, `${from} → ${to}`);
    }
  });

  test('what the scheduler reads: millicores and bytes', () => {
    assert.deepEqual(['500m', '1', '0.1', '1n', '2.5', '-1m', '1e3'].map((s) => parse(s).milliValue()), [500, 1000, 100, 1, 2500, -1, 1e6]);
    assert.deepEqual(['128Mi', '1Gi', '1G', '1.5', '1m', '16Gi'].map((s) => parse(s).value()), [134217728, 2 ** 30, 1e9, 2, 1, 16 * 2 ** 30]);
    assert.deepEqual([parseQuantity('500m'), parseQuantity('128Mi'), parseQuantity(undefined), parseQuantity(2)], [0.5, 128 * 2 ** 20, 0, 2]);
    assert.ok(Number.isNaN(parseQuantity('lots')));
  });
});

describe('quantities in objects, found through the schemas', () => {
  const Q = { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' };
  const schemas: Record<string, Schema> = {
    'io.k8s.apimachinery.pkg.api.resource.Quantity': { oneOf: [{ type: 'string' }, { type: 'number' }] },
    Thing: { properties: { name: { type: 'string' }, size: { allOf: [Q] }, limits: { type: 'object', additionalProperties: Q }, parts: { type: 'array', items: { $ref: '#/components/schemas/Thing' } } } },
  };

  test('every Quantity node, at any depth, through recursion, maps and lists', () => {
    const obj = { name: '1000m', size: '1000m', limits: { cpu: '0.5', memory: 1024 }, parts: [{ size: ' 2048Mi ', parts: [{ limits: { x: '1e3' } }] }], other: '1000' };
    canonicalizeQuantities(obj, SchemaNode.root(schemas, 'Thing'));
    assert.deepEqual(obj, { name: '1000m', size: '1', limits: { cpu: '500m', memory: '1024' }, parts: [{ size: '2Gi', parts: [{ limits: { x: '1e3' } }] }], other: '1000' });
  });

  test('the first bad quantity in key order is the error', () => {
    assert.throws(() => canonicalizeQuantities({ limits: { a: '1mi', b: 'x' } }, SchemaNode.root(schemas, 'Thing')), { message: QUANTITY_SUFFIX_ERROR });
    assert.throws(() => canonicalizeQuantities({ parts: [{ size: true }], size: '1mi' }, SchemaNode.root(schemas, 'Thing')), { message: QUANTITY_FORMAT_ERROR });
  });

  test('values of the wrong shape elsewhere are left for the type checks', () => {
    const obj = { limits: 'no', parts: { not: 'a list' }, size: '2000m' };
    canonicalizeQuantities(obj, SchemaNode.root(schemas, 'Thing'));
    assert.deepEqual(obj, { limits: 'no', parts: { not: 'a list' }, size: '2' });
  });
});
