// Tables written as bytes (src/api/table-encoding.ts) against the straightforward encoding:
// JSON.stringify of table() over tableRow(), byte for byte, for a mixed set of pods, every
// includeObject, cached and plain objects, and a clock that moves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { table, tableRow, type IncludeObject } from '../../src/api/table.js';
import { encodeTable, topLevelValue, type TableItem } from '../../src/api/table-encoding.js';
import type { KObject, TableConvertor } from '../../src/api/types.js';
import { podStrategy } from '../../src/resources/pods.js';
import { CachedObject } from '../../src/storage/watch-cache.js';

const convertor: TableConvertor = podStrategy.table!;
const CREATED = '2026-01-01T00:00:00Z';
const T0 = Date.parse(CREATED) + 5_000;
const V1 = 'meta.k8s.io/v1';

function pod(name: string, status: object = {}, metadata: object = {}): KObject {
  return {
    kind: 'Pod', apiVersion: 'v1',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '7', creationTimestamp: CREATED, labels: { app: 'web' }, ...metadata },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] },
    status,
  };
}

const running = pod('running', { phase: 'Running', podIP: '10.0.0.7', containerStatuses: [{ name: 'c', ready: true, restartCount: 2, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: '2026-01-01T00:00:02Z' } } }] });
const succeeded = pod('done', { phase: 'Succeeded', containerStatuses: [{ name: 'c', ready: false, state: { terminated: { reason: 'Completed', exitCode: 0 } } }] });
const failed = pod('failed', { phase: 'Failed', containerStatuses: [{ name: 'c', ready: false, state: { terminated: { exitCode: 3 } } }] });
const pending = { ...pod('pending', { phase: 'Pending' }), spec: { containers: [{ name: 'c' }], readinessGates: [{ conditionType: 'x/ready' }] } };
// Strings that look like JSON structure, escapes, and characters beyond ASCII.
const tricky = pod('tricky', { phase: 'Running' }, {
  annotations: { note: '{"metadata":{"name":"not-me"}}, \\"quoted\\" \\\\', 'ünïcode': 'žluťoučký kůň 🐎', 'a"b': '}]' },
  managedFields: [{ manager: 'kubectl', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': {} } } }],
});
// metadata neither third nor first among the object's keys.
const reordered: KObject = { spec: { containers: [{ name: 'c' }] }, kind: 'Pod', metadata: { name: 'reordered', creationTimestamp: CREATED }, apiVersion: 'v1' };
const PODS = [running, succeeded, failed, pending, tricky, reordered];

function straightforward(items: KObject[], include: IncludeObject, now: number, withColumns = true): Buffer {
  const rows = items.map((o) => tableRow(convertor, o, include, V1, now));
  return Buffer.from(JSON.stringify(table(convertor, rows, V1, { resourceVersion: '9', continue: 'c' }, withColumns)));
}

function encoded(items: TableItem[], include: IncludeObject, now: number, withColumns = true): Buffer {
  return encodeTable(convertor, items, { apiVersion: V1, include, listMeta: { resourceVersion: '9', continue: 'c' }, withColumns, now });
}

const cachedOf = (o: KObject, i: number) => new CachedObject(`/pods/default/${o.metadata.name}`, o, i + 1);
const compactOf = (o: KObject, i: number) => CachedObject.compact(`/pods/default/${o.metadata.name}`, o, i + 1);

for (const include of ['None', 'Metadata', 'Object'] as const) {
  test(`includeObject=${include}: byte-identical to JSON.stringify of the Table, cached, compact and plain objects`, () => {
    const cached = PODS.map(cachedOf);
    const compact = PODS.map(compactOf);
    for (const withColumns of [true, false]) {
      const want = straightforward(PODS, include, T0, withColumns);
      assert.equal(encoded(PODS, include, T0, withColumns).toString(), want.toString());
      assert.ok(encoded(cached, include, T0, withColumns).equals(want));
      assert.ok(encoded(compact, include, T0, withColumns).equals(want));
      // Again, from what the first encoding cached.
      assert.ok(encoded(cached, include, T0, withColumns).equals(want));
    }
  });
}

test('ages advance: cells cached for a version are recomputed against the clock', () => {
  const cached = PODS.map(cachedOf);
  const ages = (body: Buffer) => JSON.parse(body.toString()).rows.map((r: { cells: unknown[] }) => r.cells[4]);
  const first = encoded(cached, 'Metadata', T0);
  assert.deepEqual(ages(first), Array(PODS.length).fill('5s'));
  for (const later of [T0 + 400, T0 + 1_000, T0 + 65_000, T0 + 3 * 3600_000 + 61_000]) {
    const body = encoded(cached, 'Metadata', later);
    assert.ok(body.equals(straightforward(PODS, 'Metadata', later)), `at +${later - T0} ms`);
  }
  assert.deepEqual(ages(encoded(cached, 'None', T0 + 65_000)), Array(PODS.length).fill('70s'));
  // The running pod's restart cell carries an age too.
  assert.equal(JSON.parse(encoded(cached, 'None', T0 + 65_000).toString()).rows[0].cells[3], '2 (68s ago)');
});

test('a new version of an object gets its own cells and metadata', () => {
  const v1 = cachedOf(running, 0);
  encoded([v1], 'Metadata', T0);
  const changed = pod('running', { phase: 'Failed' }, { labels: { app: 'web', v: '2' } });
  const v2 = new CachedObject(v1.key, changed, 2);
  assert.ok(encoded([v2], 'Metadata', T0).equals(straightforward([changed], 'Metadata', T0)));
  assert.ok(encoded([v1], 'Metadata', T0).equals(straightforward([running], 'Metadata', T0)));
});

test('an empty list', () => {
  assert.ok(encoded([], 'Metadata', T0).equals(straightforward([], 'Metadata', T0)));
});

test('topLevelValue finds a top-level key only', () => {
  const json = Buffer.from(JSON.stringify({ a: '"metadata":{}', b: { metadata: 1 }, c: ['\\', 'x'], metadata: { n: 'é"}' }, d: true }));
  const r = topLevelValue(json, Buffer.from('metadata'));
  assert.ok(r);
  assert.equal(json.subarray(r.start, r.end).toString(), JSON.stringify({ n: 'é"}' }));
  assert.equal(topLevelValue(Buffer.from('{"a":1,"b":{"metadata":2}}'), Buffer.from('metadata')), null);
  assert.equal(topLevelValue(Buffer.from('[1]'), Buffer.from('metadata')), null);
  const last = Buffer.from('{"a":1,"metadata":null}');
  assert.deepEqual(topLevelValue(last, Buffer.from('metadata')), { start: 18, end: 22 });
});
