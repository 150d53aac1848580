// The SQLite Store: the revisioned key-value store the API runs on, its statements in
// sqlite-engine.ts. For a file the engine runs in a worker thread (sqlite-worker.ts), so its
// statements and each commit's fsync use the second core while this thread serves HTTP. For
// `--store memory` (':memory:') it stays in this thread by default: a worker measured 1.4x the
// creates a second but cost startup about 90 ms on a busy 2-core machine, and the memory store's
// startup meets its 300 ms target (bench/RESULTS.md). One engine either way.
//
// Group commit: the writes of one event-loop turn go to the engine as one request, and requests
// that queue while the engine commits share its next transaction; none is answered before that
// commit is on disk. Events are published in revision order once their batch has committed, and
// before its writers are answered, so a read of the watch cache after a write's answer sees it.
//
// Reads (get, list, a watch's replay) go to the engine too, behind the writes sent before them:
// the channel answers in order, so a watch subscribes when its replay arrives and no event falls
// between the two. These reads are rare: the watch caches' start, and guaranteedUpdate; everything
// else reads the caches. One read is synchronous: `log.valueAt`, a value read back from the log
// (by the engine itself in this thread, or a read-only connection of this thread's, LogReader), for
// caches that hold versions as their revisions; what they still read back they `log.retain`, and
// the engine's background compaction stays behind it (the `published` revision of each write batch).
//
// A file that does not exist yet holds nothing: until the first write, this side answers reads
// itself (empty, at etcd's first revision), so the watch caches start and the API builds its
// bootstrap objects while the engine's thread still boots (70-150 ms on two busy cores); the first
// write waits for it, and fails with the open's error if the file could not be made.
import { existsSync } from 'node:fs';
import { activityOf } from '../observe/activity.js';
import { InProcessChannel, WorkerChannel, type EngineChannel } from './sqlite-channel.js';
import { LogReader } from './log-reader.js';
import { FIRST_REVISION, fromWire, type Reply, type Request, type Unnumbered, type WireKeyValue, type WriteOp, type WriteOutcome } from './sqlite-protocol.js';
import { StoreClosedError, type KeyValue, type ListResult, type Store, type StoreEvent, type StoreLog, type StoreValue, type WatchHandle } from './store.js';
import { Subscribers } from './subscribers.js';

export { prefixEnd } from './sqlite-engine.js';

type Committed = Extract<WriteOutcome, { ok: true }>;
interface PendingWrite { op: WriteOp; resolve(outcome: Committed): void; reject(e: Error): void }
export interface SqliteStoreOptions {
  /** A file path, or ':memory:'. */
  path: string;
  /** How many revisions of history to keep for watches that resume (default 1,000; at least the number of live keys). */
  historyRevisions?: number;
  /** How often to compact, in ms (default 30 s); 0 turns background compaction off. */
  compactIntervalMs?: number;
  /** Run the engine in a worker thread (default: for a file, not for ':memory:'). */
  worker?: boolean;
  /** The error `opened` and every request reject with when the file cannot be opened (default: the driver's, with its code). */
  describeOpenError?: (e: Error) => Error;
}

export class SqliteStore implements Store {
  readonly backend: string;
  /** Store.takesBytes: the engine in a worker thread (a write waits there on its commit). */
  readonly takesBytes: boolean;
  /** Settles when the engine has opened the database (rejects with why it could not). */
  readonly opened: Promise<void>;
  private readonly channel: EngineChannel;
  /** What reads the log in this thread (see `log`): the engine itself, or a connection beside its worker's file. */
  private readonly reader?: { valueAt(revision: number): string | undefined; close(): void };
  /** Store.log, where this thread can read the log: not an in-memory engine in a worker thread. */
  readonly log?: StoreLog;
  /** What the log's readers still read back (StoreLog.retain). */
  private readonly retainers = new Set<(revision: number) => number | undefined>();
  private nextId = 1;
  private isOpen = false;
  private openError?: Error;
  private closing?: Promise<void>;
  /** Known to hold nothing: a file new at the start, until the first write is sent (reads answered here). */
  private empty: boolean;
  /** The revision of the last event published. */
  private revision = 0;
  private compacted = 0;
  /** Writes of this event-loop turn, sent together once it ends. */
  private pending: PendingWrite[] = [];
  /** Write requests sent and not yet answered. */
  private inFlight = 0;
  /** Callers waiting for a revision to be committed and published. */
  private revisionWaiters: { revision: number; resolve(): void }[] = [];
  private readonly subscribers = new Subscribers();
  /** Each committed write, for the activity feed (one comparison when nobody listens). */
  private readonly activity = activityOf(this);

  /** Opens the store and waits for the engine; throws the driver's error (with its code, e.g. SQLITE_BUSY) when it cannot. */
  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    const store = new SqliteStore(options);
    await store.opened;
    return store;
  }

  /** Starts opening; requests made meanwhile wait for the engine (see `opened`). */
  constructor(options: SqliteStoreOptions) {
    const memory = options.path === ':memory:';
    this.backend = memory ? 'memory' : 'sqlite';
    this.takesBytes = options.worker ?? !memory;
    if (this.takesBytes) {
      this.channel = new WorkerChannel();
      if (!memory) this.reader = new LogReader(options.path);
    } else {
      const local = new InProcessChannel();
      this.channel = local;
      this.reader = { valueAt: (revision) => local.engine?.valueAtRevision(revision), close: () => {} };
    }
    // The in-process engine answers at once anyway.
    this.empty = this.channel instanceof WorkerChannel && !existsSync(options.path);
    const reader = this.reader;
    if (reader) {
      this.log = {
        // Before the first write committed nothing is in the log (and a new file has no table yet).
        valueAt: (revision) => this.isOpen && !this.closing && revision <= this.revision ? reader.valueAt(revision) : undefined,
        retain: (oldest) => {
          this.retainers.add(oldest);
          return () => { this.retainers.delete(oldest); };
        },
      };
    }
    const { path, historyRevisions, compactIntervalMs } = options;
    this.opened = new Promise<void>((resolve, reject) => {
      this.request({ type: 'open', options: { path, historyRevisions, compactIntervalMs } }, (reply) => {
        if (reply.error) {
          const error = fromWire(reply.error);
          this.openError = options.describeOpenError?.(error) ?? error;
          void this.channel.terminate();
          reject(this.openError);
          return;
        }
        this.isOpen = true;
        this.revision = reply.revision;
        resolve();
      });
    });
    // A failed open is reported by `opened` and by every request after it.
    this.opened.catch(() => {});
  }

  async currentRevision(): Promise<number> {
    if (this.empty) return this.unwritten(FIRST_REVISION);
    if (!this.isOpen) await this.opened;
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    if (this.empty) return this.unwritten(FIRST_REVISION);
    if (!this.isOpen) await this.opened;
    return this.compacted;
  }

  /** Resolves once `revision` is committed and its event published (or its batch failed). */
  waitForRevision(revision: number): Promise<void> {
    if (revision <= this.revision || this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.revisionWaiters.push({ revision, resolve }));
  }

  // Reads send the writes of this turn first: they see every write made before them, committed.

  get(key: string): Promise<KeyValue | undefined> {
    if (this.empty) return this.unwritten(undefined);
    return this.read({ type: 'get', key }, (reply) => reply.row && toKeyValue(reply.row));
  }

  list(prefix: string, revision?: number): Promise<ListResult> {
    // Any revision of a store never written to reads as its first (as the engine answers; one
    // before it is the engine's CompactedError).
    if (this.empty && (revision ?? FIRST_REVISION) >= FIRST_REVISION) return this.unwritten({ items: [], revision: FIRST_REVISION });
    return this.read({ type: 'list', prefix, revision }, (reply) => ({ items: (reply.items ?? []).map(toKeyValue), revision: reply.listRevision ?? this.revision }));
  }

  watch(prefix: string, fromRevision: number, onEvent: (e: StoreEvent) => void): Promise<WatchHandle> {
    const subscribe = (): WatchHandle => ({ cancel: this.subscribers.add(prefix, onEvent) });
    // Nothing to replay, and every event comes from a write not yet sent.
    if (this.empty && fromRevision >= FIRST_REVISION) return this.unwritten(undefined).then(subscribe);
    // The replay and the subscription happen in one step when the answer arrives: every event
    // after it comes from a later answer, so none is missed or repeated.
    return this.read({ type: 'since', prefix, fromRevision }, (reply) => {
      for (const e of reply.events ?? []) onEvent(e);
      return subscribe();
    });
  }

  create(key: string, value: StoreValue): Promise<KeyValue<StoreValue>> {
    return this.write({ op: 'create', key, value }, (o) => ({ key, value, createRevision: o.rev, modRevision: o.rev }));
  }

  update(key: string, value: StoreValue, expectedModRevision?: number): Promise<KeyValue<StoreValue>> {
    return this.write({ op: 'update', key, value, expected: expectedModRevision }, (o) => ({ key, value, createRevision: o.createRev, modRevision: o.rev }));
  }

  delete(key: string, expectedModRevision?: number): Promise<{ prev: KeyValue; revision: number }> {
    return this.write({ op: 'delete', key, expected: expectedModRevision }, (o) => ({
      prev: { key, value: o.prevValue ?? '', createRevision: o.createRev, modRevision: o.prevModRev ?? o.createRev },
      revision: o.rev,
    }));
  }

  /** Drops history at and before `revision` (in the engine, in slices, between writes). */
  compact(revision: number): Promise<void> {
    return this.read({ type: 'compact', revision }, () => undefined);
  }

  /** Commits what is pending, then closes the database; later requests fail with StoreClosedError. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.opened.catch(() => {});
      if (this.openError) return;
      this.flush();
      this.reader?.close();
      await new Promise<void>((resolve) => this.request({ type: 'close' }, () => resolve()));
      await this.channel.terminate();
      this.subscribers.clear();
      this.releaseWaiters(true);
    })();
    return this.closing;
  }

  private write<T>(op: WriteOp, result: (o: Committed) => T): Promise<T> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    // Reads from now on go to the engine, behind this write.
    this.empty = false;
    return new Promise<T>((resolve, reject) => {
      // While a batch is being committed, writes wait for its answer and go as the next batch (one
      // message and one fsync for all of them), as the worker would commit them together anyway.
      if (!this.pending.length && !this.inFlight) setImmediate(() => this.flush());
      this.pending.push({ op, resolve: (o) => resolve(result(o)), reject });
    });
  }

  /** Why no request can be made now: the store is closing, or its file could not be opened. */
  private refusal(): Error | undefined {
    return this.closing ? new StoreClosedError() : this.openError;
  }

  /** A read of the store known to be empty, answered here as the engine would (failing as it would once closed or failed). */
  private unwritten<T>(answer: T): Promise<T> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return Promise.resolve(answer);
  }

  /** A request other than a write, sent after this turn's writes; `answer` runs as its reply arrives. */
  private read<T>(request: Unnumbered<Exclude<Request, { type: 'write' | 'open' }>>, answer: (reply: Reply) => T): Promise<T> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    this.flush();
    return new Promise<T>((resolve, reject) => {
      this.request(request, (reply) => {
        if (reply.error) reject(this.openError ?? fromWire(reply.error));
        else resolve(answer(reply));
      });
    });
  }

  /** Sends this turn's writes as one request. */
  private flush(): void {
    const batch = this.pending;
    if (!batch.length) return;
    this.pending = [];
    this.inFlight++;
    this.request({ type: 'write', ops: batch.map((w) => w.op), published: this.retainedFrom() }, (reply) => {
      this.inFlight--;
      this.committed(batch, reply);
      if (!this.inFlight) this.flush();
    });
  }

  /** Publishes a committed batch's events in revision order, then answers its writers. */
  private committed(batch: PendingWrite[], reply: Reply): void {
    const outcomes = reply.outcomes;
    if (reply.error || !outcomes) {
      const error = this.openError ?? fromWire(reply.error ?? { kind: 'other', message: 'no outcomes' });
      for (const w of batch) w.reject(error);
    } else {
      batch.forEach((w, i) => {
        const o = outcomes[i];
        if (o.ok) this.emit(eventOf(w.op, o));
      });
      batch.forEach((w, i) => {
        const o = outcomes[i];
        if (o.ok) w.resolve(o);
        else w.reject(fromWire(o.error));
      });
    }
    this.releaseWaiters(false);
  }

  private request(request: Unnumbered<Request>, onReply: (reply: Reply) => void): void {
    this.channel.send({ ...request, id: this.nextId++ }, (reply) => {
      if (reply.compacted > this.compacted) this.compacted = reply.compacted;
      onReply(reply);
    });
  }

  /** The revision background compaction stays behind: the last published, or what a reader still reads back. */
  private retainedFrom(): number {
    let from = this.revision;
    for (const oldest of this.retainers) from = Math.min(from, oldest(this.revision) ?? from);
    return from;
  }

  private idle(): boolean {
    return !this.pending.length && !this.inFlight;
  }

  private releaseWaiters(all: boolean): void {
    const waiting = this.revisionWaiters;
    this.revisionWaiters = [];
    const idle = all || this.idle();
    for (const w of waiting) {
      if (idle || w.revision <= this.revision) w.resolve();
      else this.revisionWaiters.push(w);
    }
  }

  private emit(event: StoreEvent): void {
    this.revision = event.revision;
    this.activity.storeWrite(event.key);
    this.subscribers.publish(event);
  }
}

/** The event of a committed write, shaped as the Store interface gives it. */
function eventOf(op: WriteOp, o: Committed): StoreEvent {
  if (op.op === 'create') return { type: 'put', key: op.key, value: op.value, createRevision: o.rev, revision: o.rev };
  if (op.op === 'update') return { type: 'put', key: op.key, value: op.value, createRevision: o.createRev, revision: o.rev };
  return { type: 'delete', key: op.key, value: o.prevValue ?? '', createRevision: o.createRev, revision: o.rev };
}

function toKeyValue(row: WireKeyValue): KeyValue {
  return { key: row.key, value: row.value, createRevision: row.createRevision, modRevision: row.modRevision };
}
