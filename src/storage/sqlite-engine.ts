// The SQLite engine behind SqliteStore (better-sqlite3, WAL), like k3s's kine and etcd's MVCC:
// every write is a row of the `log` table keyed by its revision, and that row is the only copy of
// its value; `kv` maps each live key to the revision holding its current value. Compaction keeps,
// for each key, its newest revision at or before the compacted one (as etcd does), so every read at
// a revision not compacted away still finds its values. Synchronous: it runs in a worker thread
// for a file (sqlite-worker.ts) and in the caller's thread for ':memory:' (sqlite-channel.ts), the
// same code either way.
//
// Durability: WAL with synchronous=FULL fsyncs the log on every commit, so a write is on disk
// before its answer leaves here (synchronous=NORMAL could lose the last commits on power loss).
// Group commit: every write request handed to `write` together shares one transaction and its
// fsync, as etcd batches its raft entries. A write that fails as writes do (the key exists, is
// gone, or moved on) fails before it changes anything, so the others stand without a savepoint
// each; any other error (the disk full, the file unreadable) fails the whole batch.
//
// One process at a time: the engine holds an exclusive lock on a small file beside the database
// (`<file>.lock`, SQLite's locking_mode=EXCLUSIVE), so a second process on the same file fails at
// open instead of interleaving writes. The database itself keeps SQLite's normal locking, so that
// the API's thread can read values back from the log through a connection of its own (LogReader).
import Database from 'better-sqlite3';
import {
  FIRST_REVISION, toWire, type EngineOptions, type Reply, type Request, type WireEvent, type WireKeyValue, type WriteOp, type WriteOutcome,
} from './sqlite-protocol.js';
import { CompactedError, KeyExistsError, KeyNotFoundError, RevisionConflictError, StoreClosedError } from './store.js';

/** A live key: where its current value is. */
interface KeyRow { create_rev: number; mod_rev: number }
interface Row { key: string; value: string; create_rev: number; mod_rev: number }
interface LogRow { rev: number; key: string; type: number; value: string; create_rev: number }

/** The value a write left at a revision (null for a delete's row); LogReader reads it too. */
export const VALUE_AT = 'SELECT value FROM log WHERE rev = ?';

const PUT = 0;
const DELETE = 1;
/**
 * Revisions per compaction step, and file pages given back per vacuum step, so writes are never
 * held up for long: measured 20-30 ms a step with 100,000 keys of 2.8 KB (one vacuum of the
 * 280 MB their first compaction frees took 1.9 s).
 */
const COMPACT_BATCH = 1000;
const VACUUM_PAGES = 1024;
/**
 * The layout of the file, in PRAGMA user_version. 2: each value once, in `log` (a delete's row
 * holds none: its value is the row it replaced). Files written before have version 0 and a value
 * in `kv` and a `prev_value` in `log` as well; opening one rewrites it to version 2.
 */
const SCHEMA_VERSION = 2;

export type WriteRequest = Extract<Request, { type: 'write' }>;

export class SqliteEngine {
  private readonly db: Database.Database;
  private readonly stmt;
  /** The last committed revision. */
  private revision: number;
  private compacted: number;
  private readonly timer?: NodeJS.Timeout;
  /** Held open for the engine's life: what refuses a second process (see the header). */
  private readonly lock?: Database.Database;
  /**
   * What the store's side says it has published and no longer reads back before (sent with its
   * writes): background compaction stays `keep` revisions behind it, so a version the API's thread
   * holds as its revision (StoreLog) is not compacted while it may still read it.
   */
  private published: number;
  /** The compaction under way, if any. */
  private compaction: Promise<void> = Promise.resolve();

  constructor(private readonly options: EngineOptions) {
    if (options.path !== ':memory:') this.lock = lockFile(options.path);
    try {
      this.db = new Database(options.path);
    } catch (e) {
      this.lock?.close();
      throw e;
    }
    // Set before the first table exists: 8 KiB pages pack the log's rows densely, and free pages go
    // back to the file system after compaction.
    this.db.pragma('page_size = 8192');
    this.db.pragma('auto_vacuum = INCREMENTAL');
    if (options.path !== ':memory:') {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      // Checkpoint every 2 MiB of WAL, and truncate it back to 1 MiB after, rather than letting it
      // stay at its peak size.
      this.db.pragma('wal_autocheckpoint = 256');
      this.db.pragma('journal_size_limit = 1048576');
    }
    createSchema(this.db);
    // A delete's row has no value of its own: it is the value of the row it replaced (prev_rev),
    // which compaction keeps while the delete is in the history.
    const event = 'l.rev, l.key, l.type, coalesce(l.value, p.value) AS value, l.create_rev FROM log l LEFT JOIN log p ON p.rev = l.prev_rev';
    // A live key and its current value, the row of the log its kv entry points at.
    const current = 'SELECT kv.key, log.value, kv.create_rev, kv.mod_rev FROM kv JOIN log ON log.rev = kv.mod_rev';
    this.stmt = {
      key: this.db.prepare<[string], KeyRow>('SELECT create_rev, mod_rev FROM kv WHERE key = ?'),
      get: this.db.prepare<[string], Row>(`${current} WHERE kv.key = ?`),
      list: this.db.prepare<[string, string], Row>(`${current} WHERE kv.key >= ? AND kv.key < ? ORDER BY kv.key`),
      // The state at a past revision: each key's newest row at or before it, when that is a put.
      listAt: this.db.prepare<[number, string, string], Row>(`SELECT l.key, l.value, l.create_rev, l.rev AS mod_rev FROM log l
        JOIN (SELECT key, max(rev) AS rev FROM log WHERE rev <= ? AND key >= ? AND key < ? GROUP BY key) newest ON l.rev = newest.rev
        WHERE l.type = ${PUT} ORDER BY l.key`),
      valueAt: this.db.prepare<[number], { value: string | null }>(VALUE_AT),
      oldest: this.db.prepare<[], { rev: number | null }>('SELECT min(rev) AS rev FROM log'),
      insert: this.db.prepare('INSERT INTO kv (key, create_rev, mod_rev) VALUES (?, ?, ?)'),
      update: this.db.prepare('UPDATE kv SET mod_rev = ? WHERE key = ?'),
      remove: this.db.prepare('DELETE FROM kv WHERE key = ?'),
      // A value given as bytes is its UTF-8 text: stored as TEXT, as a string would be.
      log: this.db.prepare('INSERT INTO log (rev, key, type, value, prev_rev, create_rev) VALUES (?, ?, ?, CAST(? AS TEXT), ?, ?)'),
      since: this.db.prepare<[number, string, string], LogRow>(`SELECT ${event} WHERE l.rev > ? AND l.key >= ? AND l.key < ? ORDER BY l.rev`),
      count: this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM kv'),
      setMeta: this.db.prepare('UPDATE meta SET value = ? WHERE name = ?'),
      getMeta: this.db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE name = ?'),
      begin: this.db.prepare('BEGIN IMMEDIATE'),
      commit: this.db.prepare('COMMIT'),
      // One window of revisions (lo, hi] of a compaction to `target`: a row goes when a newer row
      // of its key is also at or before the target, and a delete goes too (the key is gone).
      compactWindow: this.db.prepare<[number, number, number]>(`DELETE FROM log WHERE rev > ? AND rev <= ? AND (type = ${DELETE}
        OR EXISTS (SELECT 1 FROM log newer WHERE newer.key = log.key AND newer.rev > log.rev AND newer.rev <= ?))`),
    };
    this.revision = this.meta('revision');
    this.published = this.revision;
    this.compacted = this.meta('compacted');
    const interval = options.compactIntervalMs ?? 30_000;
    if (interval > 0) {
      this.timer = setInterval(() => this.compactHistory(), interval);
      this.timer.unref();
    }
  }

  /** Answers one request other than a write; `reply` is called once (later for a compaction). */
  handle(request: Exclude<Request, WriteRequest>, reply: (r: Reply) => void): void {
    const answer = (fields: Partial<Reply>) => reply({ id: request.id, revision: this.revision, compacted: this.compacted, ...fields });
    try {
      switch (request.type) {
        case 'open': answer({}); return;
        case 'get': { const row = this.get(request.key); answer(row ? { row } : {}); return; }
        case 'list': { const { items, revision } = this.list(request.prefix, request.revision); answer({ items, listRevision: revision }); return; }
        case 'since': answer({ events: this.since(request.prefix, request.fromRevision) }); return;
        case 'compact': this.compact(request.revision).then(() => answer({}), (e: unknown) => answer({ error: toWire(e) })); return;
        case 'close': this.close(); answer({}); return;
      }
    } catch (e) {
      answer({ error: toWire(e) });
    }
  }

  /**
   * Applies the writes of all `requests` in one transaction (one fsync) and answers each request
   * with its writes' outcomes once the commit is on disk; if the commit (or a write, other than
   * by a refusal) fails, every request gets its error and nothing of them is kept.
   */
  write(requests: WriteRequest[], reply: (r: Reply) => void): void {
    if (!this.db.open) {
      for (const r of requests) reply({ id: r.id, revision: this.revision, compacted: this.compacted, error: toWire(new StoreClosedError()) });
      return;
    }
    // The latest batch's word stands: a reader may hold older versions than it did.
    for (const r of requests) if (r.published !== undefined) this.published = r.published;
    let next = this.revision;
    const outcomes: WriteOutcome[][] = [];
    try {
      this.stmt.begin.run();
      for (const r of requests) {
        outcomes.push(r.ops.map((op) => {
          try {
            const outcome = this.apply(op, next + 1);
            next++;
            return outcome;
          } catch (e) {
            if (!isRefusal(e)) throw e;
            return { ok: false, error: toWire(e) };
          }
        }));
      }
      if (next !== this.revision) this.stmt.setMeta.run(next, 'revision');
      this.stmt.commit.run();
    } catch (e) {
      if (this.db.open && this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const r of requests) reply({ id: r.id, revision: this.revision, compacted: this.compacted, error: toWire(e) });
      return;
    }
    this.revision = next;
    requests.forEach((r, i) => reply({ id: r.id, revision: this.revision, compacted: this.compacted, outcomes: outcomes[i] }));
  }

  /**
   * One write at revision `rev`, in the open transaction. A refusal (isRefusal) is thrown before
   * any statement changes the database: no savepoint is needed to undo it.
   */
  private apply(op: WriteOp, rev: number): WriteOutcome {
    const row = this.stmt.key.get(op.key);
    if (op.op === 'create') {
      if (row) throw new KeyExistsError(op.key);
      this.stmt.insert.run(op.key, rev, rev);
      this.stmt.log.run(rev, op.key, PUT, op.value, null, rev);
      return { ok: true, rev, createRev: rev };
    }
    if (!row) throw new KeyNotFoundError(op.key);
    if (op.expected !== undefined && row.mod_rev !== op.expected) throw new RevisionConflictError(op.key, row.mod_rev);
    if (op.op === 'update') {
      this.stmt.update.run(rev, op.key);
      this.stmt.log.run(rev, op.key, PUT, op.value, row.mod_rev, row.create_rev);
      return { ok: true, rev, createRev: row.create_rev, prevModRev: row.mod_rev };
    }
    this.stmt.remove.run(op.key);
    this.stmt.log.run(rev, op.key, DELETE, null, row.mod_rev, row.create_rev);
    return { ok: true, rev, createRev: row.create_rev, prevValue: this.valueAt(row.mod_rev), prevModRev: row.mod_rev };
  }

  private get(key: string): WireKeyValue | undefined {
    const row = this.stmt.get.get(key);
    return row && toKeyValue(row);
  }

  private list(prefix: string, revision?: number): { items: WireKeyValue[]; revision: number } {
    const end = prefixEnd(prefix);
    if (revision === undefined || revision >= this.revision) return { items: this.stmt.list.all(prefix, end).map(toKeyValue), revision: this.revision };
    if (revision < this.compacted) throw new CompactedError(revision, this.compacted);
    return { items: this.stmt.listAt.all(revision, prefix, end).map(toKeyValue), revision };
  }

  /** Every change under prefix after fromRevision, in order. */
  private since(prefix: string, fromRevision: number): WireEvent[] {
    if (fromRevision < this.compacted) throw new CompactedError(fromRevision, this.compacted);
    return this.stmt.since.all(fromRevision, prefix, prefixEnd(prefix)).map((row) => ({
      type: row.type === DELETE ? 'delete' : 'put', key: row.key, value: row.value, createRevision: row.create_rev, revision: row.rev,
    }));
  }

  /** The value a put wrote at `rev`, while the log has it (see StoreLog.valueAt); in this thread only. */
  valueAtRevision(rev: number): string | undefined {
    return this.db.open ? this.stmt.valueAt.get(rev)?.value ?? undefined : undefined;
  }

  /** The value written at `rev`, which a live key's row or a kept history row always has. */
  private valueAt(rev: number): string {
    const value = this.valueAtRevision(rev);
    if (value === undefined) throw new Error(`${this.options.path}: the log has no value at revision ${rev}`);
    return value;
  }

  /**
   * Drops history at and before `revision`, a window of revisions at a time, then gives the freed
   * pages back to the file system a step at a time; the compacted revision moves only when all of
   * the history is gone.
   */
  private compact(revision: number): Promise<void> {
    // One at a time: a compaction yields between its steps, and the timer can fire meanwhile.
    const run = this.compaction.then(() => this.compactTo(revision));
    this.compaction = run.catch(() => undefined);
    return run;
  }

  private async compactTo(revision: number): Promise<void> {
    if (revision <= this.compacted) return;
    const target = Math.min(revision, this.revision);
    // Rows kept by an earlier compaction can be superseded now: start at the oldest row.
    for (let lo = (this.stmt.oldest.get()?.rev ?? target) - 1; lo < target; lo += COMPACT_BATCH) {
      if (!this.db.open) return;
      this.stmt.compactWindow.run(lo, Math.min(lo + COMPACT_BATCH, target), target);
      await new Promise((r) => setImmediate(r));
    }
    if (!this.db.open) return;
    this.stmt.setMeta.run(target, 'compacted');
    this.compacted = Math.max(this.compacted, target);
    while (this.db.open && Number(this.db.pragma('freelist_count', { simple: true })) > 0) {
      this.db.pragma(`incremental_vacuum(${VACUUM_PAGES})`);
      await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * History is kept for the last `historyRevisions` revisions, or as many revisions as there are
   * live keys when that is more: enough for watches to resume after a restart, while a churned
   * file stays a few times its live data.
   */
  private compactHistory(): void {
    if (!this.db.open) return;
    const keep = Math.max(this.options.historyRevisions ?? 1_000, this.stmt.count.get()?.n ?? 0); // COUNT(*) always has its row
    const newest = Math.min(this.revision, this.published);
    if (newest - this.compacted > keep) void this.compact(newest - keep);
  }

  private close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.db.open) this.db.close();
    if (this.lock?.open) this.lock.close();
  }

  /** A counter of the meta table (revision, compacted), which the schema creates with the file. */
  private meta(name: string): number {
    const row = this.stmt.getMeta.get(name);
    if (!row) throw new Error(`${this.options.path}: the meta table has no ${name} row`);
    return row.value;
  }
}

/**
 * Takes the exclusive lock of `<path>.lock` and keeps it while the connection is open: a second
 * process's attempt fails with SQLITE_BUSY, which startup words as the file being in use.
 */
function lockFile(path: string): Database.Database {
  const lock = new Database(`${path}.lock`);
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    // Nothing is ever written to it: its journal (none is needed) in memory, not a file beside it.
    lock.pragma('journal_mode = MEMORY');
    // A write transaction takes the exclusive lock, and the mode keeps it after the commit.
    lock.exec('BEGIN EXCLUSIVE; COMMIT');
    return lock;
  } catch (e) {
    lock.close();
    throw e;
  }
}

/** Creates the tables of a new file, or brings a file written by an earlier version to this layout. */
function createSchema(db: Database.Database): void {
  const version = Number(db.pragma('user_version', { simple: true }));
  if (version > SCHEMA_VERSION) throw new Error(`the file's layout (version ${version}) is newer than this tinykube's (${SCHEMA_VERSION})`);
  const earlier = version < SCHEMA_VERSION && db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kv'").get() !== undefined;
  db.transaction(() => {
    if (earlier) db.exec('ALTER TABLE kv RENAME TO kv_v0; ALTER TABLE log RENAME TO log_v0; DROP INDEX IF EXISTS log_key;');
    // kv is WITHOUT ROWID: its rows are a key and two numbers, stored in the key's b-tree itself.
    db.exec(`
      CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS log (rev INTEGER PRIMARY KEY, key TEXT NOT NULL, type INTEGER NOT NULL, value TEXT, prev_rev INTEGER, create_rev INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS log_key ON log (key, rev);
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT OR IGNORE INTO meta VALUES ('revision', ${FIRST_REVISION}), ('compacted', ${FIRST_REVISION});
    `);
    if (earlier) {
      // The history as it was; then the rows the old compaction dropped that reads at a revision
      // still need: the value each key's first kept change replaced (its prev_value), and each
      // live key's current value; then a delete keeps no value of its own (it is the row it replaced).
      db.exec(`
        INSERT INTO log (rev, key, type, value, prev_rev, create_rev) SELECT rev, key, type, value, prev_rev, create_rev FROM log_v0;
        INSERT OR IGNORE INTO log (rev, key, type, value, prev_rev, create_rev)
          SELECT prev_rev, key, ${PUT}, prev_value, NULL, create_rev FROM log_v0 WHERE prev_rev IS NOT NULL AND prev_value IS NOT NULL;
        INSERT OR IGNORE INTO log (rev, key, type, value, prev_rev, create_rev) SELECT mod_rev, key, ${PUT}, value, NULL, create_rev FROM kv_v0;
        UPDATE log SET value = NULL WHERE type = ${DELETE} AND EXISTS (SELECT 1 FROM log p WHERE p.rev = log.prev_rev);
        INSERT INTO kv (key, create_rev, mod_rev) SELECT key, create_rev, mod_rev FROM kv_v0;
        DROP TABLE kv_v0; DROP TABLE log_v0;
      `);
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
  if (earlier) db.pragma('incremental_vacuum');
}

function toKeyValue(row: Row): WireKeyValue {
  return { key: row.key, value: row.value, createRevision: row.create_rev, modRevision: row.mod_rev };
}

/** The smallest string greater than every string with this prefix. */
export function prefixEnd(prefix: string): string {
  return prefix + '\uffff';
}

/** A write the store refuses (the key exists, is gone, or is not at the expected revision): the batch's other writes stand. */
function isRefusal(e: unknown): boolean {
  return e instanceof KeyExistsError || e instanceof KeyNotFoundError || e instanceof RevisionConflictError;
}
