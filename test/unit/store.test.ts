// The watch cache above the store (the Store itself is covered by test/store-contract.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SqliteStore } from '../../src/storage/sqlite.js';
import { TooOldError, WatchCache } from '../../src/storage/watch-cache.js';

const memory = () => new SqliteStore({ path: ':memory:', compactIntervalMs: 0 });

test('watch cache: filtered watchers see ADDED/MODIFIED/DELETED transitions; old revisions give TooOldError', async () => {
  const s = memory();
  const cache = new WatchCache<{ v: string }>({ store: s, prefix: '/x/', capacity: 3, decode: (v) => ({ v }) });
  await cache.start();
  const r0 = cache.revision;
  const events: string[] = [];
  cache.watch({ matches: (o) => o.v.startsWith('yes'), deliver: (t, o) => events.push(`${t} ${o.key} ${o.object.v}`) });
  await s.create('/x/a', 'yes1');
  await s.update('/x/a', 'no');
  await s.update('/x/a', 'yes2');
  await s.delete('/x/a');
  assert.deepEqual(events, ['ADDED /x/a yes1', 'DELETED /x/a no', 'ADDED /x/a yes2', 'DELETED /x/a yes2']);
  assert.throws(() => cache.watch({ matches: () => true, deliver: () => {} }, r0), TooOldError);
  assert.deepEqual(cache.list('/x/', r0 + 3).map((o) => o.object.v), ['yes2']);
  await s.close();
});
