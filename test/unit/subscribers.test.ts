// The store's subscribers: an event reaches exactly those whose prefix its key starts with, in the
// order they subscribed, whether their prefix ends at a slash (looked up) or not (asked).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoreEvent } from '../../src/storage/store.js';
import { Subscribers } from '../../src/storage/subscribers.js';

const event = (key: string): StoreEvent => ({ type: 'put', key, value: '{}', createRevision: 2, revision: 2 });

test('an event reaches the subscribers of every prefix of its key, in the order they subscribed', () => {
  const subs = new Subscribers();
  const got: string[] = [];
  const on = (name: string) => (e: StoreEvent) => got.push(`${name} ${e.key}`);
  subs.add('/registry/pods/', on('pods'));
  subs.add('/registry/', on('all'));
  subs.add('/registry/po', on('po (no slash)'));
  subs.add('/registry/pods/default/', on('default pods'));
  subs.add('/registry/pods/', on('pods again'));
  subs.add('/registry/podtemplates/', on('templates'));
  subs.publish(event('/registry/pods/default/web'));
  assert.deepEqual(got, ['pods /registry/pods/default/web', 'all /registry/pods/default/web', 'po (no slash) /registry/pods/default/web', 'default pods /registry/pods/default/web', 'pods again /registry/pods/default/web']);
  got.length = 0;
  subs.publish(event('/registry/podtemplates/default/t'));
  assert.deepEqual(got, ['all /registry/podtemplates/default/t', 'po (no slash) /registry/podtemplates/default/t', 'templates /registry/podtemplates/default/t']);
  got.length = 0;
  subs.publish(event('/registry/services/specs/default/s'));
  assert.deepEqual(got, ['all /registry/services/specs/default/s']);
  got.length = 0;
  subs.publish(event('/other/pods/x'));
  assert.deepEqual(got, []);
});

test('a subscriber cancelled, even by another during a delivery, gets nothing more; clear cancels all', () => {
  const subs = new Subscribers();
  const got: string[] = [];
  let cancelSecond = () => {};
  subs.add('/registry/pods/', (e) => { got.push(`first ${e.revision}`); cancelSecond(); });
  cancelSecond = subs.add('/registry/pods/', (e) => got.push(`second ${e.revision}`));
  const cancelThird = subs.add('/registry/pods/', (e) => got.push(`third ${e.revision}`));
  subs.publish(event('/registry/pods/a/b'));
  assert.deepEqual(got, ['first 2', 'third 2']);
  cancelThird();
  cancelThird();
  subs.publish({ ...event('/registry/pods/a/b'), revision: 3 });
  assert.deepEqual(got, ['first 2', 'third 2', 'first 3']);
  subs.clear();
  subs.publish({ ...event('/registry/pods/a/b'), revision: 4 });
  assert.equal(got.length, 3);
});
