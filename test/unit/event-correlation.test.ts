// client-go's event policies as pure functions: the legacy correlator (aggregation, counting, the
// spam filter) and the events.k8s.io series.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  aggregate, aggregateKeys, COMBINED_PREFIX, EventCorrelator, eventKey, observe, spamKey, takeToken, type EventDraft,
} from '../../src/controllers/event-correlation.js';
import { Lru } from '../../src/controllers/event-lru.js';
import { finishSeries, FINISH_MS, isomorphicKey, observeSeries } from '../../src/controllers/event-series.js';

const rc = { kind: 'ReplicationController', namespace: 'default', name: 'web', uid: 'u1', apiVersion: 'v1', resourceVersion: '7' };
const draft = (message: string, over: Partial<EventDraft> = {}): EventDraft => ({
  metadata: { name: `web.${message.length}`, namespace: 'default' }, involvedObject: rc, source: { component: 'replication-controller' },
  type: 'Normal', reason: 'SuccessfulCreate', message, firstTimestamp: 't0', lastTimestamp: 't0', count: 1,
  reportingComponent: 'replication-controller', reportingInstance: '', ...over,
});

test('keys: the exact key has the message and fieldPath; the spam key only source and object; aggregation tells by message', () => {
  assert.notEqual(eventKey(draft('a')), eventKey(draft('b')));
  assert.notEqual(eventKey(draft('a')), eventKey(draft('a', { involvedObject: { ...rc, fieldPath: 'spec.containers{c}' } })));
  assert.equal(eventKey(draft('a')), eventKey(draft('a', { involvedObject: { ...rc, resourceVersion: '8' } })), 'resourceVersion is not part of it');
  assert.equal(spamKey(draft('a')), spamKey(draft('b', { reason: 'SuccessfulDelete', type: 'Warning' })));
  assert.notEqual(spamKey(draft('a')), spamKey(draft('a', { source: { component: 'kubelet', host: 'node-1' } })));
  assert.deepEqual([aggregateKeys(draft('a')).aggregateKey === aggregateKeys(draft('b')).aggregateKey, aggregateKeys(draft('b')).localKey], [true, 'b']);
  assert.notEqual(aggregateKeys(draft('a')).aggregateKey, aggregateKeys(draft('a', { reason: 'SuccessfulDelete' })).aggregateKey);
});

test('aggregate: the tenth distinct message within the interval combines, and the set stays below ten', () => {
  let record;
  const combined: boolean[] = [];
  for (let i = 1; i <= 12; i++) {
    const r = aggregate(record, i, 1000 * i);
    record = r.record;
    combined.push(r.combine);
  }
  assert.deepEqual(combined, [...Array(9).fill(false), true, true, true]);
  assert.equal(record?.localKeys.length, 9);
  // A repeat of a message still held adds nothing new: not combined.
  assert.equal(aggregate(record, 12, 13_000).combine, false);
  // Idle longer than 600 s: a fresh group.
  assert.deepEqual([aggregate(record, 99, 12_000 + 600_001).combine, aggregate(record, 99, 12_000 + 600_001).record.localKeys.length], [false, 1]);
  assert.equal(aggregate(record, 99, 12_000 + 600_000).combine, true, 'exactly the interval is still within it');
});

test('takeToken: a burst of 25, then one token per 300 s', () => {
  let bucket;
  const accepted: boolean[] = [];
  for (let i = 0; i < 26; i++) {
    const r = takeToken(bucket, 0);
    bucket = r.bucket;
    accepted.push(r.accepted);
  }
  assert.deepEqual([accepted.filter(Boolean).length, accepted[25]], [25, false]);
  assert.equal(takeToken(bucket, 299_000).accepted, false);
  const refilled = takeToken(bucket, 300_000);
  assert.equal(refilled.accepted, true);
  assert.equal(takeToken(refilled.bucket, 300_001).accepted, false);
  assert.equal(takeToken(bucket, 1e12).bucket.tokens, 24, 'never more than the burst');
});

test('observe: a repeat keeps the first name and firstTimestamp and counts on; the first is written as it comes', () => {
  const first = observe(undefined, draft('a'));
  assert.deepEqual([first.patch, first.log], [false, { count: 1, firstTimestamp: 't0', name: 'web.1' }]);
  const again = observe(first.log, draft('a', { metadata: { name: 'web.other', namespace: 'default' }, firstTimestamp: 't5', lastTimestamp: 't5' }));
  assert.equal(again.patch, true);
  assert.deepEqual([again.event.metadata.name, again.event.firstTimestamp, again.event.lastTimestamp, again.event.count], ['web.1', 't0', 't5', 2]);
});

test('the correlator: 30 pods of one RC make 9 Events, a combined one counted up to the spam burst, then nothing until a token is back', () => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const c = new EventCorrelator(() => new Date(now));
  const decided = Array.from({ length: 30 }, (_, i) => c.correlate(draft(`Created pod: web-${i}`, { metadata: { name: `web.${i}`, namespace: 'default' } })));
  const writes = decided.map((d) => d.write);
  assert.deepEqual(writes, [...Array(10).fill('create'), ...Array(15).fill('patch'), ...Array(5).fill('none')]);
  const combined = decided[9].write === 'create' ? decided[9].event : undefined;
  assert.equal(combined?.message, `${COMBINED_PREFIX}Created pod: web-9`);
  assert.deepEqual([combined?.reportingComponent, combined?.reportingInstance, combined?.count], ['', '', 1]);
  const last = decided[24];
  assert.ok(last.write === 'patch');
  assert.deepEqual([last.event.metadata.name, last.event.count, last.event.message], [combined?.metadata.name, 16, `${COMBINED_PREFIX}Created pod: web-24`]);
  // Dropped events were still counted: the next one let through after 300 s carries them.
  now += 300_000;
  const next = c.correlate(draft('Created pod: web-30'));
  assert.ok(next.write === 'patch');
  assert.equal(next.event.count, 22);
});

test('the correlator: exact repeats count on one Event; another source has its own bucket', () => {
  const c = new EventCorrelator(() => new Date(0));
  const backOff = (over: Partial<EventDraft> = {}) => draft('Back-off restarting failed container app', { reason: 'BackOff', type: 'Warning', source: { component: 'kubelet', host: 'node-1' }, ...over });
  const d = [1, 2, 3, 4, 5].map(() => c.correlate(backOff()));
  assert.deepEqual(d.map((x) => x.write), ['create', 'patch', 'patch', 'patch', 'patch']);
  const firstName = d[0].write === 'create' ? d[0].event.metadata.name : undefined;
  assert.ok(d[4].write === 'patch');
  assert.deepEqual([d[4].event.count, d[4].event.metadata.name], [5, firstName]);
  assert.equal(c.correlate(backOff({ source: { component: 'kubelet', host: 'node-2' } })).write, 'create');
});

test('the series: the first is created, the second patches count 2, later ones only count; idle 6 minutes ends it', () => {
  const e = { type: 'Warning', action: 'Scheduling', reason: 'FailedScheduling', reportingComponent: 'default-scheduler', reportingInstance: 'default-scheduler-h', involvedObject: { kind: 'Pod', name: 'p', namespace: 'default', uid: 'u', apiVersion: 'v1', resourceVersion: '5' } };
  assert.equal(isomorphicKey(e), isomorphicKey({ ...e }));
  assert.notEqual(isomorphicKey(e), isomorphicKey({ ...e, involvedObject: { ...e.involvedObject, resourceVersion: '6' } }), 'the whole reference');
  assert.notEqual(isomorphicKey(e), isomorphicKey({ ...e, related: { kind: 'Pod', name: 'q' } }));
  const a = observeSeries(undefined, 'first', 0);
  const b = observeSeries(a.entry, 'second', 1000);
  const c = observeSeries(b.entry, 'third', 2000);
  assert.deepEqual([a.write, b.write, c.write], ['create', 'patch', 'none']);
  assert.deepEqual([c.entry.event, c.entry.series], ['first', { count: 3, lastObservedMs: 2000 }]);
  assert.deepEqual(finishSeries(c.entry, 2000 + FINISH_MS), { write: false, forget: false });
  assert.deepEqual(finishSeries(c.entry, 2001 + FINISH_MS), { write: true, forget: true });
  assert.deepEqual(finishSeries(a.entry, 1 + FINISH_MS), { write: false, forget: true }, 'a single event is forgotten unwritten');
});

test('Lru: reads and writes make an entry recent; the least recent goes', () => {
  const l = new Lru<string>(2, 1, 1);
  const set = (key: number, n: number, text: string) => { const slot = l.slotFor(key); l.setNumber(slot, 0, n); l.setValue(slot, 0, text); };
  const get = (key: number) => { const slot = l.find(key); return slot < 0 ? undefined : [l.number(slot, 0), l.value(slot, 0)]; };
  set(1, 10, 'a'); set(2, 20, 'b');
  assert.deepEqual(get(1), [10, 'a']);
  set(3, 30, 'c');
  assert.deepEqual([get(1), get(2), get(3), l.size], [[10, 'a'], undefined, [30, 'c'], 2]);
  const fresh = l.slotFor(4);
  assert.deepEqual([l.number(fresh, 0), l.value(fresh, 0)], [NaN, undefined], 'a new entry starts unset, not with the forgotten one\'s fields');
});

test('Lru: behaves as a Map kept in recency order, through growth, eviction and reindexing', () => {
  // A model: a Map re-inserted on every use, its first key the least recent.
  let seed = 7;
  const random = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
  for (const max of [1, 3, 16, 100]) {
    const l = new Lru<string>(max, 1, 1, 1);
    const model = new Map<number, number>();
    for (let step = 0; step < 20_000; step++) {
      // Keys as the correlator's: 53-bit hashes, some sharing their low 32 bits (the index's start).
      const key = (random(4) * 2 ** 32) + random(max * 3);
      if (random(2)) {
        const slot = l.find(key);
        const want = model.get(key);
        assert.equal(slot < 0 ? undefined : l.number(slot, 0), want, `find ${key} at step ${step}`);
        if (want !== undefined) { model.delete(key); model.set(key, want); }
      } else {
        l.setNumber(l.slotFor(key), 0, step);
        model.delete(key);
        model.set(key, step);
        if (model.size > max) model.delete(model.keys().next().value!);
      }
      assert.equal(l.size, model.size);
    }
  }
});
