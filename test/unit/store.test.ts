// The Store contract on the SQLite backend (file and in-memory) and the watch cache above it.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SqliteStore } from '../../src/storage/sqlite.js';
import { CompactedError, KeyExistsError, KeyNotFoundError, RevisionConflictError, type StoreEvent } from '../../src/storage/store.js';
import { TooOldError, WatchCache } from '../../src/storage/watch-cache.js';

const backends = {
  memory: () => new SqliteStore({ path: ':memory:', compactIntervalMs: 0 }),
  sqlite: () => new SqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'tk-store-')), 'db'), compactIntervalMs: 0 }),
};

for (const [name, open] of Object.entries(backends)) {
  describe(`store: ${name}`, () => {
    test('create, get, update with preconditions, delete; one global revision', async () => {
      const s = open();
      const start = await s.currentRevision();
      const a = await s.create('/a', '1');
      assert.equal(a.modRevision, start + 1);
      await assert.rejects(s.create('/a', 'x'), KeyExistsError);
      const b = await s.create('/b', '2');
      assert.equal(b.modRevision, start + 2);
      const a2 = await s.update('/a', '3', a.modRevision);
      assert.deepEqual([a2.createRevision, a2.modRevision], [a.modRevision, start + 3]);
      await assert.rejects(s.update('/a', '4', a.modRevision), RevisionConflictError);
      await assert.rejects(s.update('/zz', '4'), KeyNotFoundError);
      const del = await s.delete('/b');
      assert.equal(del.revision, start + 4);
      assert.equal(await s.get('/b'), undefined);
      assert.equal((await s.get('/a'))?.value, '3');
      assert.deepEqual((await s.list('/')).items.map((kv) => kv.key), ['/a']);
      await s.close();
    });

    test('watch from a revision replays history in order, then follows; compaction gives CompactedError', async () => {
      const s = open();
      const r0 = await s.currentRevision();
      await s.create('/p/a', 'a1');
      await s.create('/q/x', 'x1');
      await s.update('/p/a', 'a2');
      const seen: StoreEvent[] = [];
      const h = await s.watch('/p/', r0, (e) => seen.push(e));
      await s.delete('/p/a');
      await s.create('/p/b', 'b1');
      h.cancel();
      await s.create('/p/c', 'c1');
      assert.deepEqual(seen.map((e) => `${e.type} ${e.key} ${e.value} ${e.revision - r0}`), ['put /p/a a1 1', 'put /p/a a2 3', 'delete /p/a a2 4', 'put /p/b b1 5']);
      await s.compact(r0 + 3);
      await assert.rejects(s.watch('/p/', r0 + 1, () => {}), CompactedError);
      await s.close();
    });
  });
}

test('revisions keep increasing across a reopen of the same file', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tk-store-')), 'db');
  const s1 = new SqliteStore({ path, compactIntervalMs: 0 });
  await s1.create('/a', '1');
  const kv = await s1.update('/a', '2');
  await s1.close();
  const s2 = new SqliteStore({ path, compactIntervalMs: 0 });
  assert.equal(await s2.currentRevision(), kv.modRevision);
  assert.equal((await s2.create('/b', '1')).modRevision, kv.modRevision + 1);
  await s2.close();
});

test('watch cache: filtered watchers see ADDED/MODIFIED/DELETED transitions; old revisions give TooOldError', async () => {
  const s = backends.memory();
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
