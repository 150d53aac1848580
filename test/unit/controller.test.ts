// The client runtime's Controller: one request at a time, requeueAfter, and errors retried with
// backoff, Conflict and NotFound quietly.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { errors } from '../../src/api/errors.js';
import { Controller } from '../../src/client/controller.js';
import { createLogger } from '../../src/logging/log.js';

function capture(): { log: ReturnType<typeof createLogger>; lines: () => string[] } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { log: createLogger({ stream }), lines: () => chunks.join('').split('\n').filter(Boolean) };
}

test('controller: failures retry with backoff; conflicts quietly, other errors logged; success forgets', async () => {
  const { log, lines } = capture();
  const calls: string[] = [];
  const failures = new Map([['conflict', 2], ['broken', 1]]);
  const controller = new Controller<string>({
    name: 'test controller', identity: (r) => r, log,
    reconcile: async (r) => {
      calls.push(r);
      const left = failures.get(r) ?? 0;
      if (!left) return;
      failures.set(r, left - 1);
      if (r === 'conflict') throw errors.conflict({ group: '', resource: 'pods' }, 'p', 'stale');
      throw new Error('disk on fire');
    },
  });
  controller.start();
  controller.add('conflict');
  controller.add('broken');
  controller.add('conflict');
  await sleep(100);
  controller.stop();
  assert.deepEqual(calls.filter((c) => c === 'conflict').length, 3, 'two conflicts, then success');
  assert.deepEqual(calls.filter((c) => c === 'broken').length, 2);
  assert.equal(lines().length, 1, lines().join('\n'));
  assert.match(lines()[0], /Reconcile failed, will retry.*disk on fire.*controller="test controller" key="broken" failures=1/);
});

test('controller: requeueAfter calls the reconcile again; stop ends it', async () => {
  const calls: number[] = [];
  const controller = new Controller<string>({ name: 'poller', identity: (r) => r, reconcile: async () => { calls.push(calls.length); return { requeueAfterMs: 10 }; } });
  controller.start();
  controller.add('x');
  // Three calls take 20 ms of requeue delays; a loaded machine may take longer, never forever.
  for (const deadline = Date.now() + 5000; calls.length < 3 && Date.now() < deadline;) await sleep(5);
  controller.stop();
  const n = calls.length;
  assert.ok(n >= 3, `requeued ${n} times`);
  await sleep(30);
  assert.equal(calls.length, n, 'nothing after stop');
});
