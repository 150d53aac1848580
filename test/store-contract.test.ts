// The Store contract, run unchanged against every backend: preconditions, guaranteed updates
// under contention, lists at a revision, watches from a revision (every change after it, in order,
// exactly once), compaction, and revisions that keep increasing across a restart. Keys live under
// /registry/, as every key tinykube stores does.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { EtcdStore } from '../src/storage/etcd.js';
import { startEtcd, type EtcdServer } from './etcd.js';
import { needs } from './peers.js';
import { SqliteStore } from '../src/storage/sqlite.js';
import { SqliteEngine } from '../src/storage/sqlite-engine.js';
import { ChannelStore, serveStore } from '../src/storage/store-channel.js';
import { CompactedError, guaranteedUpdate, KeyExistsError, KeyNotFoundError, RevisionConflictError, StoreClosedError, type Store, type StoreEvent } from '../src/storage/store.js';

interface Backend {
  open(): Promise<Store>;
  /** Opens the same data again after close, when the backend persists. */
  reopen?(): Promise<Store>;
}

/** A file-backed SQLite store; its engine in a worker thread unless `worker` is false. */
function sqliteBackend(worker?: boolean): Backend {
  let path = '';
  return {
    async open() { path = join(mkdtempSync(join(tmpdir(), 'tk-contract-')), 'db'); return new SqliteStore({ path, compactIntervalMs: 0, worker }); },
    async reopen() { return new SqliteStore({ path, compactIntervalMs: 0, worker }); },
  };
}

/** A store reached through a MessagePort (the control plane's thread reaches the API's so), closing the served store with it. */
class ThroughChannel extends ChannelStore {
  constructor(private readonly served: Store) {
    const { port1, port2 } = new MessageChannel();
    serveStore(served, port1);
    super(port2, served.backend);
  }

  override async close(): Promise<void> {
    await super.close();
    await this.served.close();
  }
}

function throughChannel(inner: Backend): Backend {
  return {
    open: async () => new ThroughChannel(await inner.open()),
    reopen: inner.reopen && (async () => new ThroughChannel(await inner.reopen!())),
  };
}

let etcd: EtcdServer | undefined;
let etcdPrefix = 0;
const BACKENDS: Record<string, () => Backend> = {
  memory: () => ({ open: async () => new SqliteStore({ path: ':memory:', compactIntervalMs: 0 }) }),
  sqlite: () => sqliteBackend(),
  // The other transport of each: the engine in a worker thread or in the caller's, alike to clients.
  'memory in a worker thread': () => ({ open: async () => new SqliteStore({ path: ':memory:', compactIntervalMs: 0, worker: true }) }),
  'sqlite in the caller\'s thread': () => sqliteBackend(false),
  // The API's store as the control plane's thread reaches it (src/storage/store-channel.ts).
  'sqlite through a MessagePort': () => throughChannel(sqliteBackend()),
  // Each etcd store gets a prefix of its own on one server, as separate clusters would.
  etcd: () => ({ open: async () => EtcdStore.open({ endpoints: [etcd!.endpoint], prefix: `/registry-${++etcdPrefix}` }) }),
};

/** Events arrive asynchronously from etcd: wait until `f` holds or a second passes. */
async function settle(f: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
}

for (const [name, make] of Object.entries(BACKENDS)) {
  const skip = name === 'etcd' ? needs('etcd-server') : false;
  describe(`store contract: ${name}`, { skip }, () => {
    if (name === 'etcd') {
      before(async () => { etcd = await startEtcd(); });
      after(async () => { await etcd?.stop(); });
    }
    test('create, get, update and delete with preconditions; one global revision', async () => {
      const s = await make().open();
      const r0 = await s.currentRevision();
      const a = await s.create('/registry/c/a', '1');
      assert.deepEqual([a.createRevision, a.modRevision], [r0 + 1, r0 + 1]);
      await assert.rejects(s.create('/registry/c/a', '2'), KeyExistsError);
      const b = await s.create('/registry/c/b', '1');
      assert.equal(b.modRevision, r0 + 2);
      const a2 = await s.update('/registry/c/a', '2', a.modRevision);
      assert.deepEqual([a2.createRevision, a2.modRevision, a2.value], [a.createRevision, r0 + 3, '2']);
      await assert.rejects(s.update('/registry/c/a', 'x', a.modRevision), RevisionConflictError);
      await assert.rejects(s.delete('/registry/c/a', a.modRevision), RevisionConflictError);
      await assert.rejects(s.update('/registry/c/none', 'x'), KeyNotFoundError);
      await assert.rejects(s.delete('/registry/c/none'), KeyNotFoundError);
      const del = await s.delete('/registry/c/a', a2.modRevision);
      assert.deepEqual([del.prev.value, del.revision], ['2', r0 + 4]);
      assert.equal(await s.get('/registry/c/a'), undefined);
      assert.equal(await s.currentRevision(), r0 + 4);
      await s.close();
    });

    test('a value given as UTF-8 bytes is stored as its text: read, listed, replayed and deleted as the string would be', async () => {
      const s = await make().open();
      const from = await s.currentRevision();
      const text = '{"name":"café ✓","n":1}';
      const created = await s.create('/registry/bytes/a', Buffer.from(text));
      assert.equal(Buffer.from(created.value).toString(), text, 'the result gives the value as it was given');
      const updated = await s.update('/registry/bytes/a', new Uint8Array(Buffer.from(`${text} `)), created.modRevision);
      assert.equal((await s.get('/registry/bytes/a'))!.value, `${text} `);
      assert.deepEqual((await s.list('/registry/bytes/')).items.map((kv) => kv.value), [`${text} `]);
      assert.deepEqual((await s.list('/registry/bytes/', created.modRevision)).items.map((kv) => kv.value), [text]);
      if (s.log) assert.equal(s.log.valueAt(created.modRevision), text);
      const replayed: StoreEvent[] = [];
      const handle = await s.watch('/registry/bytes/', from, (e) => replayed.push(e));
      const del = await s.delete('/registry/bytes/a', updated.modRevision);
      assert.equal(del.prev.value, `${text} `);
      for (let i = 0; i < 100 && replayed.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
      handle.cancel();
      assert.deepEqual(replayed.map((e) => [e.type, typeof e.value === 'string' ? e.value : Buffer.from(e.value).toString()]), [['put', text], ['put', `${text} `], ['delete', `${text} `]]);
      await s.close();
    });

    test('guaranteed updates under contention lose no increment', async () => {
      const s = await make().open();
      await s.create('/registry/counter', '0');
      await Promise.all(Array.from({ length: 25 }, () => guaranteedUpdate(s, '/registry/counter', (v) => String(Number(v) + 1))));
      assert.equal((await s.get('/registry/counter'))!.value, '25');
      await s.close();
    });

    test('list at a revision gives the state as it was', async () => {
      const s = await make().open();
      const snapshots: { rev: number; state: Record<string, string> }[] = [];
      const state: Record<string, string> = {};
      const record = async (rev: number) => snapshots.push({ rev, state: { ...state } });
      await record(await s.currentRevision());
      for (let i = 0; i < 30; i++) {
        const key = `/registry/l/k${i % 7}`;
        let rev: number;
        if (!(key in state)) { rev = (await s.create(key, `v${i}`)).modRevision; state[key] = `v${i}`; }
        else if (i % 3 === 0) { rev = (await s.delete(key)).revision; delete state[key]; }
        else { rev = (await s.update(key, `v${i}`)).modRevision; state[key] = `v${i}`; }
        await record(rev);
      }
      for (const snap of snapshots) {
        const listed = await s.list('/registry/l/', snap.rev);
        assert.equal(listed.revision, snap.rev);
        assert.deepEqual(Object.fromEntries(listed.items.map((kv) => [kv.key, kv.value])), snap.state, `at ${snap.rev}`);
      }
      await s.close();
    });

    test('watch from a revision: every later change, in order, exactly once', async () => {
      const s = await make().open();
      await s.create('/registry/w/seed', 's');
      const from = await s.currentRevision();
      const writes: string[] = [];
      // Writes before and after the watch starts, concurrently: the watch must see each once.
      const work = (async () => {
        for (let i = 0; i < 40; i++) {
          const kv = i % 5 === 4 ? { modRevision: (await s.delete(`/registry/w/k${i - 1}`)).revision, key: `/registry/w/k${i - 1}` } : await s.create(`/registry/w/k${i}`, `v${i}`);
          writes.push(`${kv.modRevision} ${kv.key}`);
        }
      })();
      await new Promise((r) => setTimeout(r, 1));
      const seen: StoreEvent[] = [];
      const h = await s.watch('/registry/w/', from, (e) => seen.push(e));
      await work;
      await settle(() => seen.length >= writes.length);
      h.cancel();
      assert.deepEqual(seen.map((e) => `${e.revision} ${e.key}`), writes);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i].revision > seen[i - 1].revision);
      await s.close();
    });

    test('after compaction, older revisions are gone for watches and lists', async () => {
      const s = await make().open();
      for (let i = 0; i < 10; i++) await s.create(`/registry/x/${i}`, String(i));
      const mid = (await s.currentRevision()) - 5;
      await s.compact(mid);
      assert.equal(await s.compactedRevision(), mid);
      await assert.rejects(s.watch('/registry/x/', mid - 1, () => {}), CompactedError);
      await assert.rejects(s.list('/registry/x/', mid - 1), CompactedError);
      const seen: StoreEvent[] = [];
      const h = await s.watch('/registry/x/', mid, (e) => seen.push(e));
      await settle(() => seen.length >= 5);
      h.cancel();
      assert.equal(seen.length, 5);
      await s.close();
    });

    test('compaction keeps each key\'s newest value at the compacted revision: reads and watches from it see every key', async () => {
      const s = await make().open();
      await s.create('/registry/k/a', 'a1');
      await s.create('/registry/k/b', 'b1');
      await s.create('/registry/k/c', 'c1');
      await s.update('/registry/k/a', 'a2');
      await s.delete('/registry/k/b');
      const compacted = (await s.update('/registry/k/a', 'a3')).modRevision;
      const atCompaction = { '/registry/k/a': 'a3', '/registry/k/c': 'c1' };
      await s.compact(compacted);
      await s.update('/registry/k/c', 'c2');
      await s.delete('/registry/k/a');
      const values = (r: { items: { key: string; value: string }[] }) => Object.fromEntries(r.items.map((kv) => [kv.key, kv.value]));
      assert.deepEqual(values(await s.list('/registry/k/', compacted)), atCompaction);
      const seen: StoreEvent[] = [];
      const h = await s.watch('/registry/k/', compacted, (e) => seen.push(e));
      await settle(() => seen.length >= 2);
      h.cancel();
      // A delete's event carries the value it removed, written before the compaction.
      assert.deepEqual(seen.map((e) => [e.type, e.key, e.value]), [['put', '/registry/k/c', 'c2'], ['delete', '/registry/k/a', 'a3']]);
      await s.compact(await s.currentRevision());
      assert.deepEqual(values(await s.list('/registry/k/')), { '/registry/k/c': 'c2' });
      assert.equal((await s.get('/registry/k/c'))!.value, 'c2');
      await s.close();
    });

    test('log.valueAt, where offered, reads back at once what each put wrote at its revision, nothing for a delete\'s; a compacted value is gone, a live key\'s newest stays', async (t) => {
      const s = await make().open();
      const log = s.log;
      if (!log) { await s.close(); t.skip(`${name} reads no values back synchronously (its caches keep the bytes)`); return; }
      const a1 = await s.create('/registry/v/a', 'a1');
      const a2 = await s.update('/registry/v/a', 'a2');
      const b1 = await s.create('/registry/v/b', 'b1');
      const gone = await s.delete('/registry/v/b');
      assert.deepEqual([a1, a2, b1].map((kv) => log.valueAt(kv.modRevision)), ['a1', 'a2', 'b1']);
      assert.equal(log.valueAt(gone.revision), undefined);
      assert.equal(log.valueAt(gone.revision + 1), undefined, 'a revision not yet written');
      await s.compact(gone.revision);
      assert.deepEqual([a1, a2, b1].map((kv) => log.valueAt(kv.modRevision)), [undefined, 'a2', undefined]);
      await s.close();
      assert.equal(log.valueAt(a2.modRevision), undefined, 'a closed store');
    });

    if (make().reopen) {
      test('revisions keep increasing across a restart', async () => {
        const backend = make();
        const s = await backend.open();
        await s.create('/registry/r/a', '1');
        const last = (await s.update('/registry/r/a', '2')).modRevision;
        await s.close();
        const again = await backend.reopen!();
        assert.equal(await again.currentRevision(), last);
        assert.equal((await again.create('/registry/r/b', '1')).modRevision, last + 1);
        assert.equal((await again.get('/registry/r/a'))!.value, '2');
        await again.close();
      });
    }
  });
}

// What the SQLite store adds to the contract, over both transports: writes sent while a commit is
// under way share the next one, each answered only after its event is published; close() commits
// what is pending; a second store on the same file fails at open.
for (const worker of [true, false]) {
  describe(`sqlite store, engine ${worker ? 'in a worker thread' : 'in the caller\'s thread'}`, () => {
    const open = () => new SqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'tk-sqlite-')), 'db'), compactIntervalMs: 0, worker });

    test('concurrent writes: events in revision order, each published before its write is answered; a failing write leaves the others', async () => {
      const s = open();
      const published = new Map<string, number>();
      const h = await s.watch('/registry/g/', await s.currentRevision(), (e) => published.set(e.key, e.revision));
      const writes = Array.from({ length: 200 }, (_, i) => s.create(`/registry/g/${i % 150}`, String(i)).then(
        (kv) => { assert.equal(published.get(kv.key), kv.modRevision, `${kv.key} answered before its event`); return kv.modRevision; },
        (e: unknown) => { assert.ok(e instanceof KeyExistsError); return 0; }));
      const revisions = (await Promise.all(writes)).filter((r) => r > 0);
      assert.equal(revisions.length, 150);
      assert.deepEqual([...revisions].sort((a, b) => a - b), [...published.values()].sort((a, b) => a - b));
      assert.equal(new Set(revisions).size, 150);
      h.cancel();
      await s.close();
    });

    test('refused writes in one batch (a stale update, a delete of a missing key, a create of an existing one) change nothing; the batch\'s others stand', async () => {
      const s = open();
      const a = await s.create('/registry/r/a', 'a1');
      await s.create('/registry/r/b', 'b1');
      const results = await Promise.allSettled([
        s.update('/registry/r/a', 'a2', a.modRevision),
        s.update('/registry/r/b', 'stale', a.modRevision),
        s.delete('/registry/r/missing'),
        s.create('/registry/r/a', 'again'),
        s.create('/registry/r/c', 'c1'),
      ]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled']);
      assert.ok(results[1].status === 'rejected' && results[1].reason instanceof RevisionConflictError);
      assert.ok(results[2].status === 'rejected' && results[2].reason instanceof KeyNotFoundError);
      assert.ok(results[3].status === 'rejected' && results[3].reason instanceof KeyExistsError);
      const listed = await s.list('/registry/r/');
      assert.deepEqual(listed.items.map((kv) => [kv.key, kv.value]), [['/registry/r/a', 'a2'], ['/registry/r/b', 'b1'], ['/registry/r/c', 'c1']]);
      // Two revisions for the two writes that stood, none for the refused ones.
      assert.equal(listed.revision, a.modRevision + 3);
      await s.close();
    });

    test('close commits the pending writes; later writes fail with StoreClosedError', async () => {
      const path = join(mkdtempSync(join(tmpdir(), 'tk-sqlite-')), 'db');
      const s = new SqliteStore({ path, compactIntervalMs: 0, worker });
      const pending = Array.from({ length: 20 }, (_, i) => s.create(`/registry/p/${i}`, String(i)));
      await s.close();
      assert.equal((await Promise.all(pending)).length, 20);
      await assert.rejects(s.create('/registry/p/late', 'x'), StoreClosedError);
      const again = await SqliteStore.open({ path, compactIntervalMs: 0, worker });
      assert.equal((await again.list('/registry/p/')).items.length, 20);
      await again.close();
    });

    test('a new file: reads are answered before the engine opens it (empty, at revision 1, as in etcd); writes and the reads after them wait for it', async () => {
      const s = open();
      let opened = false;
      void s.opened.then(() => { opened = true; });
      const events: string[] = [];
      const [listed, missing, current, watch] = await Promise.all([
        s.list('/registry/n/'), s.get('/registry/n/a'), s.currentRevision(), s.watch('/registry/n/', 1, (e) => events.push(`${e.type} ${e.key} ${e.revision}`)),
      ]);
      // The engine in this thread has opened before the constructor returns.
      assert.equal(opened, !worker, 'answered without waiting for the worker thread');
      assert.deepEqual([listed, missing, current], [{ items: [], revision: 1 }, undefined, 1]);
      // What the engine answers: a revision before its first was never there to read.
      await assert.rejects(s.list('/registry/n/', 0), CompactedError);
      const created = await s.create('/registry/n/a', 'a1');
      assert.equal(opened, true);
      assert.deepEqual(events, ['put /registry/n/a 2']);
      assert.deepEqual([(await s.list('/registry/n/')).items, await s.get('/registry/n/a')], [[created], created]);
      watch.cancel();
      await s.close();
    });

    test('a new file that cannot be made: reads answer empty, the first write fails with the open\'s error', async () => {
      const path = join(mkdtempSync(join(tmpdir(), 'tk-sqlite-')), 'missing-directory', 'db');
      const s = new SqliteStore({ path, compactIntervalMs: 0, worker, describeOpenError: (e) => new Error(`cannot open the store: ${e.message}`) });
      if (worker) assert.deepEqual(await s.list('/registry/n/'), { items: [], revision: 1 });
      const refused = await s.create('/registry/n/a', 'a1').then(() => undefined, (e: unknown) => e);
      assert.match(String(refused), /^Error: cannot open the store: .*directory does not exist/);
      assert.equal(await s.opened.catch((e: unknown) => e), refused);
      assert.equal(await s.list('/registry/n/').catch((e: unknown) => e), refused);
      await s.close();
    });

    test('background compaction stays its history behind the revision the store\'s side has published (what it may still read back)', async () => {
      const path = join(mkdtempSync(join(tmpdir(), 'tk-sqlite-')), 'db');
      const engine = new SqliteEngine({ path, historyRevisions: 2, compactIntervalMs: 10 });
      const compacted = () => new Promise<number>((resolve) => engine.handle({ id: 0, type: 'get', key: '/x' }, (r) => resolve(r.compacted)));
      let id = 1;
      // One key written again and again: the history kept is then `historyRevisions`, not the live keys' count.
      const write = (published: number) => new Promise<void>((resolve) => engine.write([{ id: id++, type: 'write', ops: [id === 2 ? { op: 'create', key: '/registry/p/a', value: 'v' } : { op: 'update', key: '/registry/p/a', value: `v${id}` }], published }], () => resolve()));
      for (let i = 0; i < 10; i++) await write(4);
      await new Promise((r) => setTimeout(r, 60));
      // 11 revisions written; published 4: kept from 2 (4 - 2), not from 9.
      assert.equal(await compacted(), 2);
      await write(11);
      await new Promise((r) => setTimeout(r, 60));
      assert.equal(await compacted(), 9);
      engine.handle({ id: 0, type: 'close' }, () => {});
    });

    test('log.retain: background compaction keeps every value replaced after what a reader retains; released, they go', async () => {
      const path = join(mkdtempSync(join(tmpdir(), 'tk-sqlite-')), 'db');
      const s = await SqliteStore.open({ path, historyRevisions: 2, compactIntervalMs: 20, worker });
      const log = s.log!;
      const start = await s.currentRevision();
      const release = log.retain(() => start + 4);
      await s.create('/registry/r/a', 'v0');
      for (let i = 1; i < 10; i++) await s.update('/registry/r/a', `v${i}`);
      await new Promise((r) => setTimeout(r, 150));
      // Kept from 2 (historyRevisions) before the retained revision: v0 replaced at or before that.
      const values = () => Array.from({ length: 10 }, (_, i) => log.valueAt(start + 1 + i) ?? '-').join(' ');
      assert.equal(values(), '- v1 v2 v3 v4 v5 v6 v7 v8 v9');
      release();
      await s.update('/registry/r/a', 'v10');
      await new Promise((r) => setTimeout(r, 150));
      // The write carried the revision before it: kept from 2 before that (v7, the newest then).
      assert.equal(values(), '- - - - - - - v7 v8 v9');
      await s.close();
    });

    test('a second store on the same file fails at open with SQLITE_BUSY', async () => {
      const path = join(mkdtempSync(join(tmpdir(), 'tk-sqlite-')), 'db');
      const first = await SqliteStore.open({ path, compactIntervalMs: 0, worker });
      await assert.rejects(SqliteStore.open({ path, compactIntervalMs: 0, worker }), (e: unknown) => e instanceof Error && 'code' in e && e.code === 'SQLITE_BUSY');
      await first.close();
    });

    test('each value is stored once: a row of the log, none for a delete; compaction leaves each live key\'s newest row', async () => {
      const path = join(mkdtempSync(join(tmpdir(), 'tk-sqlite-')), 'db');
      const s = await SqliteStore.open({ path, compactIntervalMs: 0, worker });
      for (const key of ['a', 'b', 'c']) await s.create(`/registry/o/${key}`, `${key}1`);
      await s.update('/registry/o/a', 'a2');
      await s.update('/registry/o/a', 'a3');
      await s.delete('/registry/o/b');
      await s.close();
      const rows = () => {
        const db = new Database(path, { readonly: true });
        try {
          return {
            kvColumns: db.prepare('SELECT name FROM pragma_table_info(\'kv\')').pluck().all(),
            log: db.prepare('SELECT key, value FROM log ORDER BY rev').raw().all(),
          };
        } finally { db.close(); }
      };
      assert.deepEqual(rows(), {
        kvColumns: ['key', 'create_rev', 'mod_rev'],
        log: [['/registry/o/a', 'a1'], ['/registry/o/b', 'b1'], ['/registry/o/c', 'c1'], ['/registry/o/a', 'a2'], ['/registry/o/a', 'a3'], ['/registry/o/b', null]],
      });
      const again = await SqliteStore.open({ path, compactIntervalMs: 0, worker });
      await again.compact(await again.currentRevision());
      await again.close();
      assert.deepEqual(rows().log, [['/registry/o/c', 'c1'], ['/registry/o/a', 'a3']]);
    });

    test('a file of the earlier layout (a value in kv and in log with the one it replaced) is rewritten at open, its history kept', async () => {
      const path = join(mkdtempSync(join(tmpdir(), 'tk-sqlite-')), 'db');
      // Written as tinykube before the layout change left it: revisions 1-3 compacted away (rows
      // and all), a updated twice, b created and deleted, d last written at 3.
      const old = new Database(path);
      old.exec(`
        CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL);
        CREATE TABLE log (rev INTEGER PRIMARY KEY, key TEXT NOT NULL, type INTEGER NOT NULL, value TEXT NOT NULL, prev_value TEXT, prev_rev INTEGER, create_rev INTEGER NOT NULL);
        CREATE INDEX log_key ON log (key, rev);
        CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO meta VALUES ('revision', 8), ('compacted', 3);
        INSERT INTO kv VALUES ('/registry/m/a', 'a6', 2, 6), ('/registry/m/c', 'c4', 4, 4), ('/registry/m/d', 'd3', 3, 3);
        INSERT INTO log VALUES (4, '/registry/m/c', 0, 'c4', NULL, NULL, 4), (5, '/registry/m/a', 0, 'a5', 'a2', 2, 2), (6, '/registry/m/a', 0, 'a6', 'a5', 5, 2),
          (7, '/registry/m/b', 0, 'b7', NULL, NULL, 7), (8, '/registry/m/b', 1, 'b7', 'b7', 7, 7);
      `);
      old.close();
      const s = await SqliteStore.open({ path, compactIntervalMs: 0, worker });
      const values = async (revision?: number) => Object.fromEntries((await s.list('/registry/m/', revision)).items.map((kv) => [kv.key, `${kv.value}@${kv.modRevision}`]));
      assert.deepEqual(await values(), { '/registry/m/a': 'a6@6', '/registry/m/c': 'c4@4', '/registry/m/d': 'd3@3' });
      assert.deepEqual(await values(3), { '/registry/m/a': 'a2@2', '/registry/m/d': 'd3@3' });
      assert.deepEqual(await values(7), { '/registry/m/a': 'a6@6', '/registry/m/b': 'b7@7', '/registry/m/c': 'c4@4', '/registry/m/d': 'd3@3' });
      const seen: string[] = [];
      const h = await s.watch('/registry/m/', 3, (e) => seen.push(`${e.revision} ${e.type} ${e.key} ${e.value}`));
      h.cancel();
      assert.deepEqual(seen, ['4 put /registry/m/c c4', '5 put /registry/m/a a5', '6 put /registry/m/a a6', '7 put /registry/m/b b7', '8 delete /registry/m/b b7']);
      await assert.rejects(s.list('/registry/m/', 2), CompactedError);
      assert.equal((await s.create('/registry/m/e', 'e9')).modRevision, 9);
      assert.equal((await s.delete('/registry/m/a')).prev.value, 'a6');
      await s.close();
      const db = new Database(path, { readonly: true });
      assert.equal(db.pragma('user_version', { simple: true }), 2);
      assert.deepEqual(db.prepare('SELECT name FROM sqlite_master WHERE type = \'table\' ORDER BY name').pluck().all(), ['kv', 'log', 'meta']);
      db.close();
    });
  });
}
