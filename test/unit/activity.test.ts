// The activity bus: publish/subscribe, nothing built when nobody listens, one bus per store.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { activityOf, ActivityBus, type ActivityEvent } from '../../src/observe/activity.js';

describe('activity bus', () => {
  test('subscribers get each event with an RFC 3339 time in milliseconds; unsubscribing stops them', () => {
    const bus = new ActivityBus();
    const seen: ActivityEvent[] = [];
    const stop = bus.subscribe((e) => seen.push(e));
    bus.publish('scheduler', 'bind', { kind: 'Pod', namespace: 'default', name: 'kubia-x' }, 'node-1');
    bus.publish('apiserver', 'list');
    stop();
    bus.publish('apiserver', 'get');
    assert.equal(seen.length, 2);
    assert.deepEqual({ ...seen[0], time: '' }, { component: 'scheduler', action: 'bind', node: 'node-1', object: { kind: 'Pod', namespace: 'default', name: 'kubia-x' }, time: '' });
    assert.match(seen[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(Object.keys(seen[1]).sort(), ['action', 'component', 'time']);
    assert.equal(bus.listening, false);
  });

  test('onListening tells when the first listener comes and the last goes; relay passes an event made elsewhere as it was', () => {
    const bus = new ActivityBus();
    const changes: boolean[] = [];
    const unwatch = bus.onListening((listening) => changes.push(listening));
    const seen: ActivityEvent[] = [];
    const first = bus.subscribe((e) => seen.push(e));
    const second = bus.subscribe(() => {});
    second();
    second();
    first();
    unwatch();
    bus.subscribe(() => {})();
    assert.deepEqual(changes, [true, false]);
    const elsewhere: ActivityEvent = { component: 'scheduler', action: 'bind', node: 'node-2', object: { kind: 'Pod', name: 'p' }, time: '2026-12-07T03:00:00.000Z' };
    const again = bus.subscribe((e) => seen.push(e));
    bus.relay(elsewhere);
    again();
    assert.deepEqual(seen, [elsewhere]);
  });

  test('with nobody listening, store writes do not even resolve their key', () => {
    const bus = new ActivityBus();
    let resolved = 0;
    bus.resolveKeysWith((key) => { resolved++; return { kind: 'Pod', name: key }; });
    bus.storeWrite('/registry/pods/default/a');
    assert.equal(resolved, 0);
    const seen: ActivityEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    bus.storeWrite('/registry/pods/default/a');
    assert.equal(resolved, 1);
    assert.deepEqual(seen.map((e) => [e.component, e.action, e.object?.name]), [['store', 'write', '/registry/pods/default/a']]);
  });

  test('a listener that throws neither stops the publisher nor the other listeners', () => {
    const bus = new ActivityBus();
    let got = 0;
    bus.subscribe(() => { throw new Error('broken listener'); });
    bus.subscribe(() => { got++; });
    bus.publish('kubelet', 'running', undefined, 'node-2');
    assert.equal(got, 1);
  });

  test('one bus per store object, so clusters in one process stay apart', () => {
    const a = {}, b = {};
    assert.equal(activityOf(a), activityOf(a));
    assert.notEqual(activityOf(a), activityOf(b));
  });
});
