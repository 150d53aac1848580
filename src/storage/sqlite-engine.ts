// The SQLite engine behind SqliteStore (better-sqlite3, WAL), like k3s's kine: the current state in
// `kv`, every write in the `log` table keyed by revision, compacted in the background. Synchronous:
// it runs in a worker thread for a file (sqlite-worker.ts) and in the caller's thread for
// ':memory:' (sqlite-channel.ts), the same code either way.
//
// Durability: WAL with synchronous=FULL fsyncs the log on every commit, so a write is on disk
// before its answer leaves here (synchronous=NORMAL could lose the last commits on power loss).
// Group commit: every write request handed to `write` together shares one transaction and its
// fsync, as etcd batches its raft entries; each write runs in a savepoint, so one that fails
// leaves the others. locking_mode=EXCLUSIVE makes a second process on the same file fail at open
// instead of interleaving writes.
import Database from 'better-sqlite3';
import {
  toWire, type EngineOptions, type Reply, type Request, type WireEvent, type WireKeyValue, type WriteOp, type WriteOutcome,
} from './sqlite-protocol.js';
import { CompactedError, KeyExistsError, KeyNotFoundError, RevisionConflictError, StoreClosedError } from './store.js';

interface Row { key: string; value: string; create_rev: number; mod_rev: number }
interface LogRow { rev: number; key: string; type: number; value: string; prev_value: string | null; prev_rev: number | null; create_rev: number }

const PUT = 0;
const DELETE = 1;
const COMPACT_BATCH = 5000;

export type WriteRequest = Extract<Request, { type: 'write' }>;

export class SqliteEngine {
  private readonly db: Database.Database;
  private readonly stmt;
  /** The last committed revision. */
  private revision: number;
  private compacted: number;
  private readonly timer?: NodeJS.Timeout;

  constructor(private readonly options: EngineOptions) {
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
      begin: this.db.prepare('BEGIN IMMEDIATE'),
      commit: this.db.prepare('COMMIT'),
      savepoint: this.db.prepare('SAVEPOINT write'),
      release: this.db.prepare('RELEASE write'),
      rollbackTo: this.db.prepare('ROLLBACK TO write'),
      compactBatch: this.db.prepare('DELETE FROM log WHERE rev IN (SELECT rev FROM log WHERE rev <= ? ORDER BY rev LIMIT ?)'),
    };
    this.revision = this.meta('revision');
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
   * Applies the writes of all `requests` in one transaction (one fsync), each in a savepoint, and
   * answers each request with its writes' outcomes once the commit is on disk; if the commit
   * fails, every request gets its error and nothing of them is kept.
   */
  write(requests: WriteRequest[], reply: (r: Reply) => void): void {
    if (!this.db.open) {
      for (const r of requests) reply({ id: r.id, revision: this.revision, compacted: this.compacted, error: toWire(new StoreClosedError()) });
      return;
    }
    let next = this.revision;
    const outcomes: WriteOutcome[][] = [];
    try {
      this.stmt.begin.run();
      for (const r of requests) {
        outcomes.push(r.ops.map((op) => {
          this.stmt.savepoint.run();
          try {
            const outcome = this.apply(op, next + 1);
            this.stmt.release.run();
            next++;
            return outcome;
          } catch (e) {
            this.stmt.rollbackTo.run();
            this.stmt.release.run();
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

  /** One write at revision `rev`, inside the open savepoint. */
  private apply(op: WriteOp, rev: number): WriteOutcome {
    const row = this.stmt.get.get(op.key);
    if (op.op === 'create') {
      if (row) throw new KeyExistsError(op.key);
      this.stmt.insert.run(op.key, op.value, rev, rev);
      this.stmt.log.run(rev, op.key, PUT, op.value, null, null, rev);
      return { ok: true, rev, createRev: rev };
    }
    if (!row) throw new KeyNotFoundError(op.key);
    if (op.expected !== undefined && row.mod_rev !== op.expected) throw new RevisionConflictError(op.key, row.mod_rev);
    if (op.op === 'update') {
      this.stmt.update.run(op.value, rev, op.key);
      this.stmt.log.run(rev, op.key, PUT, op.value, row.value, row.mod_rev, row.create_rev);
    } else {
      this.stmt.remove.run(op.key);
      this.stmt.log.run(rev, op.key, DELETE, row.value, row.value, row.mod_rev, row.create_rev);
    }
    return { ok: true, rev, createRev: row.create_rev, prevValue: row.value, prevModRev: row.mod_rev };
  }

  private get(key: string): WireKeyValue | undefined {
    const row = this.stmt.get.get(key);
    return row && toKeyValue(row);
  }

  private list(prefix: string, revision?: number): { items: WireKeyValue[]; revision: number } {
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

  /** Every change under prefix after fromRevision, in order. */
  private since(prefix: string, fromRevision: number): WireEvent[] {
    if (fromRevision < this.compacted) throw new CompactedError(fromRevision, this.compacted);
    return this.stmt.since.all(fromRevision, prefix, prefixEnd(prefix)).map((row) => ({
      type: row.type === DELETE ? 'delete' : 'put', key: row.key, value: row.value,
      prevValue: row.prev_value ?? undefined, createRevision: row.create_rev, revision: row.rev,
    }));
  }

  /**
   * Drops history at and before `revision`, in batches of a few thousand rows so writes are never
   * held up for long; the compacted revision moves only when all of it is gone.
   */
  private async compact(revision: number): Promise<void> {
    if (revision <= this.compacted) return;
    const target = Math.min(revision, this.revision);
    for (;;) {
      if (!this.db.open) return;
      const removed = this.stmt.compactBatch.run(target, COMPACT_BATCH).changes;
      if (removed < COMPACT_BATCH) break;
      await new Promise((r) => setImmediate(r));
    }
    if (!this.db.open) return;
    this.stmt.setMeta.run(target, 'compacted');
    this.compacted = Math.max(this.compacted, target);
    this.db.pragma('incremental_vacuum');
  }

  /**
   * History is kept for the last `historyRevisions` revisions, or as many revisions as there are
   * live keys when that is more: enough for watches to resume after a restart, while a churned
   * file stays a few times its live data.
   */
  private compactHistory(): void {
    if (!this.db.open) return;
    const keep = Math.max(this.options.historyRevisions ?? 1_000, this.stmt.count.get()?.n ?? 0); // COUNT(*) always has its row
    if (this.revision - this.compacted > keep) void this.compact(this.revision - keep);
  }

  private close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.db.open) this.db.close();
  }

  /** A counter of the meta table (revision, compacted), which the schema creates with the file. */
  private meta(name: string): number {
    const row = this.stmt.getMeta.get(name);
    if (!row) throw new Error(`${this.options.path}: the meta table has no ${name} row`);
    return row.value;
  }
}

function toKeyValue(row: Row): WireKeyValue {
  return { key: row.key, value: row.value, createRevision: row.create_rev, modRevision: row.mod_rev };
}

/** The smallest string greater than every string with this prefix. */
export function prefixEnd(prefix: string): string {
  return prefix + '\uffff';
}
