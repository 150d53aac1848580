// Fault rules as pure policy: matching, counting, seeded draws, and which action wins.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkFaultSpec, FaultInjector, FaultSpecError } from '../../src/server/admin/faults.js';

const get = { verb: 'get', resource: 'pods', namespace: 'default', name: 'a' };
const watch = (resumes: boolean) => ({ verb: 'watch', resource: 'pods', namespace: 'default', resumes });

describe('fault rules', () => {
  test('match by verb, resource (with subresource), namespace and name; act `times` times', () => {
    const f = new FaultInjector();
    f.add({ match: { verb: ['get', 'list'], resource: 'pods', namespace: 'default' }, error: { code: 503 }, times: 2 });
    f.add({ match: { resource: 'pods/status' }, latencyMs: 50 });
    assert.equal(f.actionsFor({ ...get, namespace: 'other' }), undefined);
    assert.equal(f.actionsFor({ ...get, verb: 'delete' }), undefined);
    assert.equal(f.actionsFor(get)?.error?.code, 503);
    assert.equal(f.actionsFor(get)?.error?.code, 503);
    assert.equal(f.actionsFor(get), undefined, 'retired after two');
    assert.equal(f.actionsFor({ verb: 'update', resource: 'pods', subresource: 'status', name: 'a' })?.latencyMs, 50);
    assert.equal(f.actionsFor({ verb: 'update', resource: 'pods', name: 'a' }), undefined);
    assert.deepEqual(f.list().map((x) => [x.id, x.hits]), [['2', 1]]);
  });

  test("error bodies are kube's", () => {
    const f = new FaultInjector();
    const status = (code: 429 | 500 | 503 | 504, retryAfterSeconds?: number) => {
      f.clear();
      f.add({ error: { code, retryAfterSeconds } });
      return f.actionsFor(get)!.error!.toStatus();
    };
    assert.deepEqual(status(429, 3), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Too many requests, please try again later.', reason: 'TooManyRequests', details: { retryAfterSeconds: 3 }, code: 429 });
    assert.deepEqual([status(500).reason, status(500).message], ['InternalError', 'Internal error occurred: injected by tinykube']);
    assert.deepEqual([status(503).reason, status(503).details], ['ServiceUnavailable', undefined]);
    assert.deepEqual([status(504).reason, status(504).message], ['Timeout', 'Timeout: request did not complete within the allotted timeout']);
  });

  test('conflicts only on updates and patches; an error preempts the rest, an expiry preempts drops', () => {
    const f = new FaultInjector();
    f.add({ conflict: true, times: 1 });
    assert.equal(f.actionsFor(get), undefined);
    assert.equal(f.actionsFor({ ...get, verb: 'patch' })?.error?.message, 'Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again');
    f.add({ dropWatchAfterEvents: 2, times: 1 });
    f.add({ expireWatch: true, times: 1 });
    assert.deepEqual(f.actionsFor(watch(false)), { latencyMs: 0, expireWatch: false, dropWatchAfterEvents: 2 }, 'only a resume can expire');
    f.add({ dropWatchAfterSeconds: 5 });
    assert.deepEqual(f.actionsFor(watch(true)), { latencyMs: 0, expireWatch: true }, 'the expiry wins, the drop waits');
    assert.deepEqual(f.actionsFor(watch(true)), { latencyMs: 0, expireWatch: false, dropWatchAfterSeconds: 5 });
  });

  test('probabilities draw from the seed: the same seed, the same requests fail', () => {
    const draws = (seed: number) => {
      const f = new FaultInjector(seed);
      f.add({ error: { code: 500 }, probability: 0.5 });
      return Array.from({ length: 32 }, () => (f.actionsFor(get) ? 'x' : '.')).join('');
    };
    assert.equal(draws(7), draws(7));
    assert.notEqual(draws(7), draws(8));
    const failed = draws(7).replaceAll('.', '').length;
    assert.ok(failed > 8 && failed < 24, `about half of 32 fail (${failed})`);
  });

  test('bad rules are refused with what is wrong', () => {
    const refused = (spec: unknown) => { try { checkFaultSpec(spec); return ''; } catch (e) { assert.ok(e instanceof FaultSpecError, 'a FaultSpecError'); return (e).message; } };
    assert.equal(refused({ error: { code: 418 } }), 'error.code must be 429, 500, 503 or 504');
    assert.equal(refused({ latency: 5 }), 'unknown field "latency"; a fault has match, latencyMs, error, dropWatchAfterEvents, dropWatchAfterSeconds, expireWatch, conflict, times, probability');
    assert.equal(refused({ match: { verb: 'fetch' }, conflict: true }), 'match.verb "fetch" is not one of get, list, watch, create, update, patch, delete, deletecollection');
    assert.equal(refused({ match: { resource: 'pods' } }), 'a fault needs something to do: latencyMs, error, dropWatchAfterEvents, dropWatchAfterSeconds, expireWatch or conflict');
    assert.equal(refused({ conflict: true, times: 0 }), 'times must be a whole number of at least 1');
    assert.equal(refused({ conflict: true, probability: 2 }), 'probability must be a number from 0 to 1');
    assert.equal(refused([]), 'a fault must be a JSON object');
  });
});
