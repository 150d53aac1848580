// SQLite backend (better-sqlite3, WAL), like k3s's kine: the current state in `kv`, every write in
// the `log` table keyed by revision, compacted in the background. `--store memory` is the same code
// on an in-memory database, so both backends share one tested implementation.
//
// Durability: WAL with synchronous=FULL fsyncs the log on every commit, so a write is on disk
// before its response is sent (synchronous=NORMAL could lose the last commits on power loss).
// Group commit: the writes that arrive in one turn of the event loop share a transaction and its
// fsync, as etcd batches its raft entries; none is answered before that commit is on disk.
// locking_mode=EXCLUSIVE makes a second process on the same file fail at start instead of
// interleaving writes.
import Database from 'better-sqlite3';
import { activityOf } from '../observe/activity.js';
import {
  CompactedError, KeyExistsError, KeyNotFoundError, RevisionConflictError, StoreClosedError,
  type KeyValue, type ListResult, type Store, type StoreEvent, type WatchHandle,
} from './store.js';

interface Row { key: string; value: string; create_rev: number; mod_rev: number }
interface LogRow { rev: number; key: string; type: number; value: string; prev_value: string | null; prev_rev: number | null; create_rev: number }

const PUT = 0;
const COMPACT_BATCH = 5000;
const DELETE = 1;

interface Subscriber { prefix: string; onEvent: (e: StoreEvent) => void }

export interface SqliteStoreOptions {
  /** A file path, or ':memory:'. */
  path: string;
  /** How many revisions of history to keep for watches that resume (default 1,000; at least the number of live keys). */
  historyRevisions?: number;
  /** How often to compact, in ms (default 30 s); 0 turns background compaction off. */
  compactIntervalMs?: number;
}

export class SqliteStore implements Store {
  readonly backend: string;
  private readonly db: Database.Database;
  private revision: number;
  /** The revision the open write batch has reached; `revision` until the batch commits. */
  private pendingRevision: number;
  private compacted: number;
  /** The open write batch: one transaction, committed once the event loop turns. */
  private batch?: { events: StoreEvent[]; settle: { resolve(): void; reject(e: unknown): void }[] };
  /** Callers waiting for a revision of the open batch to be committed and published. */
  private revisionWaiters: { revision: number; resolve(): void }[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private readonly timer?: NodeJS.Timeout;
  private readonly stmt;
  /** Each committed write, for the activity feed (one comparison when nobody listens). */
  private readonly activity = activityOf(this);

  constructor(private readonly options: SqliteStoreOptions) {
    this.backend = options.path === ':memory:' ? 'memory' : 'sqlite';
    this.db = new Database(options.path);
    // Set before the first table exists: 8 KiB pages pack the log's rows (an object and the value it
    // replaced) densely, and free pages go back to the file system after compaction.
    this.db.pragma('page_size = 8192');
    this.db.pragma('auto_vacuum = INCREMENTAL');
    if (options.path !== ':memory:') {
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      // Checkpoint every 2 MiB of WAL, and truncate it back to 1 MiB after, rather than letting it
      // stay at its peak size.
      this.db.pragma('wal_autocheckpoint = 256');
      this.db.pragma('journal_size_limit = 1048576');
    }
    // kv is a rowid table so values of a few KB stay inline instead of spilling to overflow pages.
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS log (rev INTEGER PRIMARY KEY, key TEXT NOT NULL, type INTEGER NOT NULL, value TEXT NOT NULL, prev_value TEXT, prev_rev INTEGER, create_rev INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS log_key ON log (key, rev);
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT OR IGNORE INTO meta VALUES ('revision', 1), ('compacted', 1);
    `);
    this.stmt = {
      get: this.db.prepare<[string], Row>('SELECT key, value, create_rev, mod_rev FROM kv WHERE key = ?'),
      list: this.db.prepare<[string, string], Row>('SELECT key, value, create_rev, mod_rev FROM kv WHERE key >= ? AND key < ? ORDER BY key'),
      insert: this.db.prepare('INSERT INTO kv (key, value, create_rev, mod_rev) VALUES (?, ?, ?, ?)'),
      update: this.db.prepare('UPDATE kv SET value = ?, mod_rev = ? WHERE key = ?'),
      remove: this.db.prepare('DELETE FROM kv WHERE key = ?'),
      log: this.db.prepare('INSERT INTO log (rev, key, type, value, prev_value, prev_rev, create_rev) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      since: this.db.prepare<[number, string, string], LogRow>('SELECT rev, key, type, value, prev_value, prev_rev, create_rev FROM log WHERE rev > ? AND key >= ? AND key < ? ORDER BY rev'),
      // The first change after a revision, per key: what the key held at that revision.
      firstAfter: this.db.prepare<[number, string, string], LogRow>('SELECT l.rev, l.key, l.type, l.value, l.prev_value, l.prev_rev, l.create_rev FROM log l JOIN (SELECT key, MIN(rev) AS rev FROM log WHERE rev > ? AND key >= ? AND key < ? GROUP BY key) f ON l.rev = f.rev'),
      count: this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM kv'),
      setMeta: this.db.prepare('UPDATE meta SET value = ? WHERE name = ?'),
      getMeta: this.db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE name = ?'),
      savepoint: this.db.prepare('SAVEPOINT write'),
      release: this.db.prepare('RELEASE write'),
      rollbackTo: this.db.prepare('ROLLBACK TO write'),
      compactBatch: this.db.prepare('DELETE FROM log WHERE rev IN (SELECT rev FROM log WHERE rev <= ? ORDER BY rev LIMIT ?)'),
    };
    this.revision = this.meta('revision');
    this.pendingRevision = this.revision;
    this.compacted = this.meta('compacted');
    const interval = options.compactIntervalMs ?? 30_000;
    if (interval > 0) {
      this.timer = setInterval(() => this.compactHistory(), interval);
      this.timer.unref();
    }
  }

  async currentRevision(): Promise<number> { return this.revision; }

  /** Resolves once `revision` is committed and its event published (or its batch failed). */
  waitForRevision(revision: number): Promise<void> {
    if (revision <= this.revision || !this.batch) return Promise.resolve();
    return new Promise((resolve) => this.revisionWaiters.push({ revision, resolve }));
  }
  async compactedRevision(): Promise<number> { return this.compacted; }

  // Reads commit the open batch first: they see committed writes only, as etcd's reads do.

  async get(key: string): Promise<KeyValue | undefined> {
    this.commit();
    const row = this.stmt.get.get(key);
    return row && toKeyValue(row);
  }

  async list(prefix: string, revision?: number): Promise<ListResult> {
    this.commit();
    const end = prefixEnd(prefix);
    const rows = this.stmt.list.all(prefix, end);
    if (revision === undefined || revision >= this.revision) return { items: rows.map(toKeyValue), revision: this.revision };
    if (revision < this.compacted) throw new CompactedError(revision, this.compacted);
    // The state at `revision`: keys changed since then take the value their first later change replaced.
    const state = new Map(rows.map((r) => [r.key, toKeyValue(r)]));
    for (const change of this.stmt.firstAfter.all(revision, prefix, end)) {
      if (change.prev_value === null) state.delete(change.key);
      else state.set(change.key, { key: change.key, value: change.prev_value, createRevision: change.create_rev, modRevision: change.prev_rev ?? change.create_rev });
    }
    const items = [...state.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { items, revision };
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.write(() => {
      if (this.stmt.get.get(key)) throw new KeyExistsError(key);
      const rev = this.nextRevision();
      this.stmt.insert.run(key, value, rev, rev);
      this.stmt.log.run(rev, key, PUT, value, null, null, rev);
      const event: StoreEvent = { type: 'put', key, value, createRevision: rev, revision: rev };
      return { event, result: { key, value, createRevision: rev, modRevision: rev } };
    });
  }

  update(key: string, value: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.write(() => {
      const row = this.stmt.get.get(key);
      if (!row) throw new KeyNotFoundError(key);
      if (expectedModRevision !== undefined && row.mod_rev !== expectedModRevision) throw new RevisionConflictError(key, row.mod_rev);
      const rev = this.nextRevision();
      this.stmt.update.run(value, rev, key);
      this.stmt.log.run(rev, key, PUT, value, row.value, row.mod_rev, row.create_rev);
      const event: StoreEvent = { type: 'put', key, value, prevValue: row.value, createRevision: row.create_rev, revision: rev };
      return { event, result: { key, value, createRevision: row.create_rev, modRevision: rev } };
    });
  }

  delete(key: string, expectedModRevision?: number): Promise<{ prev: KeyValue; revision: number }> {
    return this.write(() => {
      const row = this.stmt.get.get(key);
      if (!row) throw new KeyNotFoundError(key);
      if (expectedModRevision !== undefined && row.mod_rev !== expectedModRevision) throw new RevisionConflictError(key, row.mod_rev);
      const rev = this.nextRevision();
      this.stmt.remove.run(key);
      this.stmt.log.run(rev, key, DELETE, row.value, row.value, row.mod_rev, row.create_rev);
      const event: StoreEvent = { type: 'delete', key, value: row.value, prevValue: row.value, createRevision: row.create_rev, revision: rev };
      return { event, result: { prev: toKeyValue(row), revision: rev } };
    });
  }

  /**
   * Runs one write in the open batch (opening one if needed), inside a savepoint so that a write
   * that fails leaves the others of its batch; resolves once the batch's commit is on disk.
   */
  private write<T>(op: () => { event: StoreEvent; result: T }): Promise<T> {
    if (!this.db.open) return Promise.reject(new StoreClosedError());
    if (!this.batch) {
      this.db.exec('BEGIN IMMEDIATE');
      this.batch = { events: [], settle: [] };
      setImmediate(() => this.commit());
    }
    const batch = this.batch;
    const revisionBefore = this.pendingRevision;
    this.stmt.savepoint.run();
    let done: { event: StoreEvent; result: T };
    try {
      done = op();
      this.stmt.release.run();
    } catch (e) {
      this.stmt.rollbackTo.run();
      this.stmt.release.run();
      this.pendingRevision = revisionBefore;
      return Promise.reject(e);
    }
    batch.events.push(done.event);
    return new Promise<T>((resolve, reject) => batch.settle.push({ resolve: () => resolve(done.result), reject }));
  }

  /** Commits the open batch (one fsync), then publishes its events and answers its writers. */
  private commit(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    try {
      if (!this.db.open) throw new StoreClosedError();
      if (batch.events.length) this.stmt.setMeta.run(this.pendingRevision, 'revision');
      this.db.exec('COMMIT');
    } catch (e) {
      if (this.db.open && this.db.inTransaction) this.db.exec('ROLLBACK');
      this.pendingRevision = this.revision;
      for (const s of batch.settle) s.reject(e);
      this.releaseWaiters(true);
      return;
    }
    for (const event of batch.events) this.emit(event);
    for (const s of batch.settle) s.resolve();
    this.releaseWaiters(false);
  }

  private releaseWaiters(all: boolean): void {
    const waiting = this.revisionWaiters;
    this.revisionWaiters = [];
    for (const w of waiting) {
      if (all || w.revision <= this.revision) w.resolve();
      else this.revisionWaiters.push(w);
    }
  }

  async watch(prefix: string, fromRevision: number, onEvent: (e: StoreEvent) => void): Promise<WatchHandle> {
    this.commit();
    if (fromRevision < this.compacted) throw new CompactedError(fromRevision, this.compacted);
    // Replay and subscribe in one synchronous step, so no write can fall between them.
    for (const row of this.stmt.since.all(fromRevision, prefix, prefixEnd(prefix))) {
      onEvent({
        type: row.type === DELETE ? 'delete' : 'put', key: row.key, value: row.value,
        prevValue: row.prev_value ?? undefined, createRevision: row.create_rev, revision: row.rev,
      });
    }
    const sub: Subscriber = { prefix, onEvent };
    this.subscribers.add(sub);
    return { cancel: () => { this.subscribers.delete(sub); } };
  }

  /**
   * Drops history at and before `revision`, in batches of a few thousand rows so requests are
   * never held up for long; the compacted revision moves only when all of it is gone.
   */
  async compact(revision: number): Promise<void> {
    if (revision <= this.compacted) return;
    const target = Math.min(revision, this.revision);
    for (;;) {
      const removed = this.stmt.compactBatch.run(target, COMPACT_BATCH).changes;
      if (removed < COMPACT_BATCH) break;
      await new Promise((r) => setImmediate(r));
    }
    this.stmt.setMeta.run(target, 'compacted');
    this.compacted = Math.max(this.compacted, target);
    if (this.db.open) this.db.pragma('incremental_vacuum');
  }

  async close(): Promise<void> {
    this.commit();
    if (this.timer) clearInterval(this.timer);
    this.subscribers.clear();
    if (this.db.open) this.db.close();
  }

  /**
   * History is kept for the last `historyRevisions` revisions, or as many revisions as there are
   * live keys when that is more: enough for watches to resume after a restart, while a churned
   * file stays a few times its live data.
   */
  private compactHistory(): void {
    const keep = Math.max(this.options.historyRevisions ?? 1_000, this.stmt.count.get()?.n ?? 0); // COUNT(*) always has its row
    if (this.revision - this.compacted > keep) void this.compact(this.revision - keep);
  }

  /** A counter of the meta table (revision, compacted), which the schema creates with the file. */
  private meta(name: string): number {
    const row = this.stmt.getMeta.get(name);
    if (!row) throw new Error(`${this.options.path}: the meta table has no ${name} row`);
    return row.value;
  }

  /** Takes the next revision inside the write batch (stored at commit); `emit` publishes it once committed. */
  private nextRevision(): number {
    return ++this.pendingRevision;
  }

  private emit(event: StoreEvent): void {
    this.revision = event.revision;
    this.activity.storeWrite(event.key);
    for (const sub of this.subscribers) {
      if (event.key.startsWith(sub.prefix)) sub.onEvent(event);
    }
  }
}

function toKeyValue(row: Row): KeyValue {
  return { key: row.key, value: row.value, createRevision: row.create_rev, modRevision: row.mod_rev };
}

/** The smallest string greater than every string with this prefix. */
export function prefixEnd(prefix: string): string {
  return prefix + '\uffff';
}
