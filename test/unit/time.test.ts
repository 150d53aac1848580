// Times as kube's API types write them: metav1.Time at second precision (its text kept per second,
// so every instant of a second gives that second's text) and metav1.MicroTime.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { microTime, rfc3339 } from '../../src/api/time.js';

test('rfc3339: second precision, the same text within a second, the next second anew', () => {
  assert.equal(rfc3339(new Date('2026-12-06T08:30:00.000Z')), '2026-12-06T08:30:00Z');
  assert.equal(rfc3339(new Date('2026-12-06T08:30:00.999Z')), '2026-12-06T08:30:00Z');
  assert.equal(rfc3339(new Date('2026-12-06T08:30:01.000Z')), '2026-12-06T08:30:01Z');
  assert.equal(rfc3339(new Date('1969-12-31T23:59:59.500Z')), '1969-12-31T23:59:59Z', 'before the epoch');
  assert.equal(rfc3339(new Date('1970-01-01T00:00:00.500Z')), '1970-01-01T00:00:00Z');
  assert.throws(() => rfc3339(new Date(NaN)), RangeError);
  assert.throws(() => rfc3339(new Date(NaN)), RangeError, 'an invalid date throws every time');
});

test('microTime: microseconds, each millisecond of a second written with its leading zeros', () => {
  assert.equal(microTime(new Date('2026-12-06T08:30:00.123Z')), '2026-12-06T08:30:00.123000Z');
  assert.equal(microTime(new Date('2026-12-06T08:30:00.007Z')), '2026-12-06T08:30:00.007000Z');
  assert.equal(microTime(new Date('2026-12-06T08:30:00.070Z')), '2026-12-06T08:30:00.070000Z');
  assert.equal(microTime(new Date('2026-12-06T08:30:00.000Z')), '2026-12-06T08:30:00.000000Z');
  assert.equal(microTime(new Date('2026-12-06T08:30:01.999Z')), '2026-12-06T08:30:01.999000Z', 'the next second anew');
  assert.equal(microTime(new Date('1969-12-31T23:59:59.500Z')), '1969-12-31T23:59:59.500000Z', 'before the epoch');
  assert.equal(microTime(new Date(Date.UTC(10000, 0, 1, 0, 0, 0, 5))), '+010000-01-01T00:00:00.005000Z', 'a six-digit year');
  assert.throws(() => microTime(new Date(NaN)), RangeError);
});
