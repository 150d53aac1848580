// The client runtime's work queue: de-duplication, delayed adds, per-item exponential backoff
// (client-go's default controller rate limiter: 5 ms doubling up to 1000 s) and forget.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ItemExponentialRateLimiter } from '../../src/client/rate-limiter.js';
import { WorkQueue } from '../../src/client/workqueue.js';
import { keyString, type ObjectKey } from '../../src/client/keys.js';

const drain = <T>(q: WorkQueue<T>): T[] => {
  const out: T[] = [];
  for (let item = q.take(); item !== undefined; item = q.take()) out.push(item);
  return out;
};

test('work queue: an item added while it waits is queued once, in the order items first came', () => {
  let woken = 0;
  const q = new WorkQueue<ObjectKey>(keyString, () => { woken++; });
  q.add({ namespace: 'a', name: 'x' });
  q.add({ namespace: 'b', name: 'y' });
  q.add({ namespace: 'a', name: 'x' });
  assert.equal(q.length, 2);
  assert.equal(woken, 2, 'only new items wake the worker');
  assert.deepEqual(drain(q), [{ namespace: 'a', name: 'x' }, { namespace: 'b', name: 'y' }]);
  // Taken items can be added again (they changed while being worked on).
  q.add({ namespace: 'a', name: 'x' });
  assert.deepEqual(drain(q), [{ namespace: 'a', name: 'x' }]);
});

test('rate limiter: 5 ms doubling per failure up to 1000 s, per item; forget starts over', () => {
  const r = new ItemExponentialRateLimiter();
  assert.deepEqual([1, 2, 3, 4, 5].map(() => r.when('a')), [5, 10, 20, 40, 80]);
  assert.equal(r.when('b'), 5, 'items back off independently');
  assert.equal(r.retries('a'), 5);
  for (let i = 0; i < 30; i++) r.when('a');
  assert.equal(r.when('a'), 1_000_000, 'capped at 1000 s');
  r.forget('a');
  assert.equal(r.retries('a'), 0);
  assert.equal(r.when('a'), 5);
});

test('work queue: addRateLimited backs off per failure, forget on success resets it', async () => {
  const q = new WorkQueue<string>((s) => s);
  assert.equal(q.addRateLimited('k'), 5);
  assert.equal(q.addRateLimited('k'), 10);
  assert.equal(q.numRequeues('k'), 2);
  assert.equal(q.length, 0, 'nothing ready before the delay');
  await sleep(30);
  assert.deepEqual(drain(q), ['k'], 'both retries land as one item');
  q.forget('k');
  assert.equal(q.numRequeues('k'), 0);
  assert.equal(q.addRateLimited('k'), 5);
  q.shutDown();
});

test('work queue: addAfter keeps the earliest time asked for; shutDown drops waiting items', async () => {
  const q = new WorkQueue<string>((s) => s);
  q.addAfter('late', 10_000);
  q.addAfter('late', 5);
  q.addAfter('soon', 5);
  q.addAfter('soon', 10_000);
  q.addAfter('now', 0);
  assert.deepEqual(drain(q), ['now'], 'a zero delay adds at once');
  await sleep(30);
  assert.deepEqual(drain(q).sort(), ['late', 'soon']);
  q.addAfter('gone', 5);
  q.shutDown();
  q.add('ignored');
  await sleep(20);
  assert.deepEqual(drain(q), []);
});
