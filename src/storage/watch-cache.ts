// The watch cache: one per resource, as kube-apiserver's cacher. It holds the current objects of
// one key prefix in memory (decoded once) and an ordered window of recent events. Every watcher of
// the resource reads from it, lists are served from it, and an event is encoded once per encoding
// however many watchers receive it.
import { valueText, type Store, type StoreEvent, type StoreValue, type WatchHandle } from './store.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * An object as the cache holds it: decoded once, its JSON encoded at most once, lazily, as bytes
 * (off the JS heap, written to every response and watcher as they are). A compact one keeps only
 * the bytes and decodes on use, for resources written often and read rarely, as Events: the object
 * it was written from is kept until that turn ends (its answer and watchers' filters read it),
 * and a later decoding is held weakly so that reads close together share it. A logged one keeps
 * not even the bytes: its value is read back from the store's log by its revision when it is used
 * (the log is then the only copy, as etcd's MVCC keeps one per revision), and its bytes and later
 * decodings are held weakly.
 */
export class CachedObject<T = unknown> {
  private decoded?: T;
  private weak?: WeakRef<T & object>;
  private bytes?: Buffer;
  /** A derived one (see derived()): the object it is converted from, and how. */
  private source?: CachedObject<unknown>;
  private convert?: Converter<T>;
  private weakBytes?: WeakRef<Buffer>;
  /** The JSON of a version just written, given by the writer (as text or bytes), until its turn ends (see WatchCache.cached). */
  private json?: JsonText;
  /** A logged one's way back to its value (see logged()). */
  private log?: LoggedValues;

  constructor(readonly key: string, object: T | undefined, readonly revision: number) {
    this.decoded = object;
  }

  /** A decoded version whose JSON the writer gave: its answer and watchers take that text rather than encode it. */
  static written<T>(key: string, object: T, revision: number, json: JsonText): CachedObject<T> {
    const c = new CachedObject<T>(key, object, revision);
    c.json = json;
    return c;
  }

  /** Drops the writer's JSON (held only while the write is answered: it is the size of the bytes). */
  forgetJson(): void {
    this.json = undefined;
  }

  /** `json`: the object's JSON when the caller has it already (else it is encoded here). */
  static compact<T>(key: string, object: T, revision: number, json?: JsonText): CachedObject<T> {
    const c = new CachedObject<T>(key, object, revision);
    c.bytes = bytesOf(json ?? JSON.stringify(object));
    // Reads right after the write (its answer, watchers' filters) share the object it was made
    // from, until the turn ends (its cache then calls forgetDecoded): no WeakRef is left behind.
    return c;
  }

  /**
   * One held as its revision: its JSON is read back from the store's log when asked (`log`), or is
   * `json` while the writer's text is held (until its turn ends, as for written()). The log keeps
   * a live key's value; once replaced, the cache that holds it retains the log's history for it
   * (StoreLog.retain) or has it take its bytes (takeBytes).
   */
  static logged<T>(key: string, object: T, revision: number, log: LoggedValues, json?: JsonText): CachedObject<T> {
    const c = new CachedObject<T>(key, object, revision);
    c.log = log;
    c.json = json;
    // Reads right after the write share the object it was made from, until the turn ends (as compact()).
    return c;
  }

  /**
   * One held as another cache's object converted on use: it keeps neither bytes nor a decoding of
   * its own (both are made when read and held weakly), so a value served in two versions is held
   * once. `convert` is given the source's JSON as if it were the stored value.
   */
  static derived<T>(key: string, source: CachedObject<unknown>, convert: Converter<T>): CachedObject<T> {
    const c = new CachedObject<T>(key, undefined, source.revision);
    c.source = source;
    c.convert = convert;
    return c;
  }

  /**
   * Called on versions that are no longer current: the event window keeps them for watches that
   * resume, which are rare, so they need not stay decoded. With `log` (the store's, whose history
   * the cache retains for them) they keep nothing and are read back from it; else only their bytes.
   * Answers whether it still holds its decoding, for its cache to let go of when the turn ends
   * (forgetDecoded): readers in this turn, as informers reading the state before a change, share it.
   */
  retire(log?: LoggedValues): boolean {
    if (this.source) return false;
    if (!log) {
      this.takeBytes();
    } else if (!this.log) {
      this.log = log;
      this.bytes = undefined;
    }
    return this.decoded !== undefined;
  }

  /**
   * Lets go of the decoding a compact or logged version was made with, or a retired one had, once
   * the turn that made or retired it ends: decoded again if read later (rare: a watch resuming, a
   * list of Events), and no WeakRef is left behind for each (they were half a KB of a running pod).
   */
  forgetDecoded(): void {
    this.decoded = undefined;
  }

  /**
   * Holds the bytes from now on (a logged one reads them back now: the log is about to let go of
   * its value); a derived one has the object it is converted from hold them.
   */
  takeBytes(): void {
    if (this.source) {
      this.source.takeBytes();
    } else if (this.log) {
      this.bytes = ownBytes(this.logText());
      this.log = undefined;
      this.weakBytes = undefined;
    } else {
      this.jsonBytes();
    }
  }

  get object(): T {
    if (this.decoded !== undefined) return this.decoded;
    let o = this.weak?.deref();
    if (!o) {
      const { source, convert } = this;
      o = (source && convert ? convert(source.jsonBytes().toString(), this.revision, this.key)
        : JSON.parse(this.log ? this.logText() : this.bytes!.toString())) as T & object;
      this.weak = new WeakRef(o);
    }
    return o;
  }

  /** A logged one's JSON: the writer's text while held, else its value read back from the log. */
  private logText(): string {
    if (this.json !== undefined) return typeof this.json === 'string' ? this.json : bytesOf(this.json).toString();
    const value = this.log!.read(this.revision);
    if (value === undefined) throw new Error(`the store's log no longer has ${this.key} at revision ${this.revision}`);
    return this.log!.json(value, this.revision, this.key);
  }

  /** The JSON encoding, shared by every response and watch event that sends this object. */
  jsonBytes(): Buffer {
    if (this.source || this.log) {
      let b = this.weakBytes?.deref();
      if (!b) this.weakBytes = new WeakRef(b = this.log ? bytesOf(this.json ?? this.logText()) : ownBytes(JSON.stringify(this.object)));
      return b;
    }
    if (!this.bytes) {
      this.bytes = bytesOf(this.json ?? JSON.stringify(this.decoded));
      this.json = undefined;
    }
    return this.bytes;
  }
}

/**
 * An object's JSON as a writer gives it: its text, its UTF-8 bytes (in memory of their own, see
 * ownBytes), or what makes those bytes when they are first wanted (many versions are never sent).
 */
export type JsonText = string | Buffer | (() => Buffer);

function bytesOf(json: JsonText): Buffer {
  if (typeof json === 'string') return ownBytes(json);
  return typeof json === 'function' ? json() : json;
}

/**
 * UTF-8 bytes in memory of their own. Buffer.from would cut small ones from a shared 8 KiB slab,
 * which one long-lived cache entry would then keep alive whole.
 */
function ownBytes(text: string): Buffer {
  const b = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  b.write(text);
  return b;
}

/** Decodes a stored value into the object clients see at that revision. */
export type Converter<T> = (value: string, modRevision: number, key: string) => T;

/** How a logged object gets its JSON: the value read back from the log, made into what clients see. */
export interface LoggedValues {
  read(revision: number): string | undefined;
  json(value: string, revision: number, key: string): string;
}

/** What a cache can follow instead of the store: another cache over the same keys (see WatchCacheOptions.source). */
export interface CacheSource {
  readonly revision: number;
  list(keyPrefix: string): CachedObject<unknown>[];
  watch(watcher: CacheWatcher<unknown>): () => void;
}

export interface CacheEvent<T> {
  type: WatchEventType;
  /** The new state; for DELETED the last state, stamped with the deletion's revision. */
  object: CachedObject<T>;
  /** The state before this event (undefined for ADDED). */
  prev?: CachedObject<T>;
  revision: number;
  /** When the cache recorded it (monotonic ms), for the window's freshness. */
  recordedAt: number;
}

export interface CacheWatcher<T> {
  /**
   * Whether an object is visible to this watcher (selectors, namespace, name). Absent: all are,
   * and events are delivered without touching their objects (compact ones stay undecoded).
   */
  matches?(o: T): boolean;
  /**
   * Receives one event already translated for this watcher's filter. `prev` is the state the
   * cache held before it, for MODIFIED and DELETED (informers hand it to update and delete
   * handlers); watchers that do not need it ignore it, and it is passed undecoded.
   */
  deliver(type: WatchEventType, object: CachedObject<T>, revision: number, prev?: CachedObject<T>): void;
  /**
   * The trigger value (WatchCacheOptions.trigger) this watcher's filter requires, when it requires
   * one exactly (a kubelet's `spec.nodeName=<node>`): the cache then hands it only the events whose
   * object had or has that value, as kube's cacher files such watchers by the value, so an event is
   * matched against its node's watchers rather than every node's. `matches` still decides.
   */
  triggerValue?: string;
}

export class TooOldError extends Error {
  constructor(readonly requested: number, readonly oldest: number) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

/** How a cache keeps history for watches that resume (see WatchHistory). */
export interface WatchHistoryOptions {
  history?: WatchHistory;
  capacity?: number;
}

export interface WatchCacheOptions<T> extends WatchHistoryOptions {
  store: Store;
  prefix: string;
  /** Decodes a stored value into the object clients see at that revision. */
  decode: Converter<T>;
  /**
   * Another compact cache over the same keys, started before this one: one storage served in two
   * versions (as kube keeps one watch cache per storage). This cache then follows it rather than
   * the store and holds its objects as derived ones (CachedObject.derived), so each value is held
   * once. Not with the 'store' history (the source's events are this cache's).
   */
  source?: CacheSource;
  /**
   * The most events kept for watches that resume: the window's upper bound (default 102,400, as
   * kube's), or the fixed size of the 'store' history (default 10,000).
   */
  capacity?: number;
  /** The window keeps every event younger than this while it can grow (default 75 s, as kube's). */
  freshMs?: number;
  /** Monotonic milliseconds (tests move it). */
  now?: () => number;
  /**
   * Keep objects as JSON bytes only (see CachedObject.compact); or, where the store reads its log
   * back (Store.log) and `valueJson` is given, as their revisions (CachedObject.logged).
   */
  compact?: boolean;
  /**
   * A stored value as the JSON clients see at its revision. Given, and where the store reads its
   * log back (Store.log), replaced versions in the history are held as their revisions and read
   * back from the log (CachedObject.retire), and so are current ones of a compact cache.
   */
  valueJson?: (value: string, revision: number, key: string) => string;
  /** How far back replaced versions are read back from the log (default LOG_RETAIN_REVISIONS; tests shorten it). */
  logRetainRevisions?: number;
  /** How long, at least, replaced versions are read back from the log (default LOG_RETAIN_MS; tests shorten it). */
  logRetainMs?: number;
  /**
   * Decodes as `decode` does (and is used instead of it), also giving the object's JSON when the
   * caller has it for less than encoding the object again (no `json`: it is encoded when asked).
   * A compact cache keeps it as the bytes; others use it for the write's answer and its watch
   * events, in the same turn, and then let it go.
   */
  decodeWithJson?: (value: StoreValue, modRevision: number, key: string) => { object: T; json?: JsonText };
  /** Secondary indexes (as client-go's Indexers): name to the value an object is filed under. */
  indexes?: Record<string, (o: T) => string | undefined>;
  /**
   * The value of the one field watchers may be filed under (CacheWatcher.triggerValue; kube's
   * cacher's indexed trigger, spec.nodeName for pods). Absent: every watcher sees every event.
   */
  trigger?: (o: T) => string;
}

/**
 * Where watches can resume from:
 * - 'window': as kube-apiserver's watch cache. The cache starts at the store's current revision
 *   (nothing older can be resumed: 410) and keeps a window of recent events sized like kube's: at
 *   least 100, doubling while the oldest event is younger than `freshMs`, halving when most of
 *   it is stale, never more than `capacity`. Informers handed an old resourceVersion relist.
 * - 'store': the cache starts at the oldest revision the store still has history for and keeps
 *   `capacity` events, so watches resume across restarts as far back as the store allows.
 * - 'none': as 'window' with no events kept, for a registry that serves no watches, only its own
 *   informers, which watch from the current state (the controllers' thread): a replaced version
 *   is let go at once rather than kept as bytes, and a watch resumes only from the current revision.
 */
export type WatchHistory = 'window' | 'store' | 'none';

/** kube's watch cache bounds (staging/src/k8s.io/apiserver/pkg/storage/cacher: 100 to 100*1024, fresh for 75 s). */
export const WINDOW_MIN_CAPACITY = 100;
export const WINDOW_MAX_CAPACITY = 100 * 1024;
export const WINDOW_FRESH_MS = 75_000;
const STORE_HISTORY_CAPACITY = 10_000;
/**
 * How far back (in the store's revisions) a cache reads replaced versions back from the store's
 * log rather than holding their bytes: twice the largest window, which a busy resource's fills.
 */
export const LOG_RETAIN_REVISIONS = 2 * WINDOW_MAX_CAPACITY;
/**
 * And for at least this long: five minutes, as kube-apiserver has etcd keep (it compacts etcd's
 * history every 5 minutes by default, --etcd-compaction-interval). A busy window spans less, and
 * drops its events before they would take their bytes (in the scale case, 5,000 nodes, reading
 * each back from the log and holding its bytes until then grew with the pod count: the API's
 * thread's time and the process's RSS).
 */
export const LOG_RETAIN_MS = 5 * 60_000;

export class WatchCache<T> {
  private readonly objects = new Map<string, CachedObject<T>>();
  private readonly sortedKeys = new SortedKeys();
  private history: CacheEvent<T>[] = [];
  private historyStart = 0;
  /** Every event after this revision is in history. */
  private oldest = 0;
  private rev = 0;
  /** Watchers not filed under a trigger value: each sees every event. */
  private readonly watchers = new Set<CacheWatcher<T>>();
  /** Watchers filed under a trigger value (CacheWatcher.triggerValue), by that value. */
  private readonly triggered = new Filed<CacheWatcher<T>>();
  private handle?: WatchHandle;
  private unfollow?: () => void;
  /** How many events the history holds before it drops (or, in a window, first tries to grow). */
  private capacity: number;
  private readonly maxCapacity: number;
  private readonly minCapacity: number;
  private readonly now: () => number;
  /**
   * The last list rebuilt at a past revision: the next page of a paginated list asks for the same
   * one (a continue token keeps the first page's revision), and the past does not change, so it is
   * built once rather than once a page. Dropped once its revision leaves the history.
   */
  private pastList?: { keyPrefix: string; revision: number; objects: CachedObject<T>[] };
  /** Index name to (value to keys), kept in step with `objects`. */
  private readonly indexed = new Map<string, Filed<string>>();

  /** Where versions held as their revisions are read back from (see WatchCacheOptions.valueJson). */
  private readonly log?: LoggedValues;
  /** Gives back the store's history this cache retains (StoreLog.retain). */
  private releaseLog?: () => void;
  /** History events at or before this revision have had their replaced versions take their bytes (see logFloor). */
  private bytesTakenThrough = 0;

  constructor(private readonly options: WatchCacheOptions<T>) {
    for (const name of Object.keys(options.indexes ?? {})) this.indexed.set(name, new Filed());
    const { store: { log }, valueJson } = options;
    // Without history nothing replaced is kept, so only a compact cache's current objects are logged.
    if (log && valueJson && (this.keepsHistory || options.compact)) this.log = { read: (revision) => log.valueAt(revision), json: valueJson };
    this.now = options.now ?? (() => performance.now());
    if (this.windowed) {
      this.maxCapacity = Math.max(1, options.capacity ?? WINDOW_MAX_CAPACITY);
      this.minCapacity = Math.min(WINDOW_MIN_CAPACITY, this.maxCapacity);
    } else {
      this.maxCapacity = this.minCapacity = Math.max(1, options.capacity ?? STORE_HISTORY_CAPACITY);
    }
    this.capacity = this.minCapacity;
  }

  /** Starts from the current state (and may follow a source): every history but 'store'. */
  private get windowed(): boolean { return this.options.history !== 'store'; }

  private get keepsHistory(): boolean { return this.options.history !== 'none'; }

  /** Whether this cache starts from another cache's objects (which must be started first). */
  get followsSource(): boolean { return this.followed !== undefined; }

  /** The cache this one follows: a source is followed unless with the 'store' history. */
  private get followed(): CacheSource | undefined { return this.windowed ? this.options.source : undefined; }

  /**
   * Loads the current state ('window') or the state at the oldest revision the store still has
   * history for, replaying the history from there ('store'), and follows the store from then on.
   */
  async start(): Promise<void> {
    const { store, prefix } = this.options;
    if (this.log && this.keepsHistory) this.releaseLog = store.log?.retain((revision) => this.logFloor(revision));
    const source = this.followed;
    if (source) return this.follow(source);
    const listed = this.windowed
      ? await store.list(prefix)
      : await store.list(prefix, await store.compactedRevision()).catch(() => store.list(prefix));
    for (const kv of listed.items) {
      const object = this.cached(kv.key, kv.value, kv.modRevision);
      this.objects.set(kv.key, object);
      this.reindex(kv.key, undefined, object);
    }
    this.oldest = listed.revision;
    this.rev = listed.revision;
    this.handle = await store.watch(prefix, listed.revision, (e) => this.apply(e));
  }

  /** Starts from a source cache's current objects and applies its events as they happen. */
  private follow(source: CacheSource): void {
    const derive = (o: CachedObject<unknown>) => CachedObject.derived(o.key, o, this.options.decode);
    for (const o of source.list(this.options.prefix)) {
      const object = derive(o);
      this.objects.set(o.key, object);
      this.reindex(o.key, undefined, object);
    }
    this.oldest = this.rev = source.revision;
    this.unfollow = source.watch({ deliver: (type, o, revision) => this.applyChange(o.key, type === 'DELETED', revision, derive(o)) });
  }

  stop(): void {
    this.handle?.cancel();
    this.unfollow?.();
    this.releaseLog?.();
  }

  /**
   * The oldest revision whose replaced versions this cache may still read back from the store's
   * log, for StoreLog.retain: its first history event's (each replaced version in the history was
   * replaced at or after it). Events more than LOG_RETAIN_REVISIONS older than the store's
   * `revision` have their replaced versions take their bytes first, so that an idle resource's
   * window does not hold back the compaction of the whole store's history; not before they are
   * LOG_RETAIN_MS old.
   */
  private logFloor(revision: number): number | undefined {
    const limit = revision - (this.options.logRetainRevisions ?? LOG_RETAIN_REVISIONS);
    const recordedBy = this.now() - (this.options.logRetainMs ?? LOG_RETAIN_MS);
    let i = this.firstIndexAfter(this.bytesTakenThrough);
    for (; i < this.history.length && this.history[i].revision <= limit && this.history[i].recordedAt <= recordedBy; i++) {
      const { object, prev } = this.history[i];
      prev?.takeBytes();
      // A version still current stays in the log as its key's newest value.
      if (this.objects.get(object.key) !== object) object.takeBytes();
      this.bytesTakenThrough = this.history[i].revision;
    }
    return this.history[i]?.revision;
  }

  /** The revision every event up to which this cache has applied. */
  get revision(): number { return this.rev; }
  get oldestRevision(): number { return this.oldest; }
  get size(): number { return this.objects.size; }
  get watcherCount(): number { return this.watchers.size + this.triggered.count; }

  get(key: string): CachedObject<T> | undefined { return this.objects.get(key); }

  /** The current objects filed under `value` in the index `name` (declared in the options). */
  byIndex(name: string, value: string): CachedObject<T>[] {
    return [...(this.index(name).get(value) ?? [])].map((k) => this.objects.get(k)!);
  }

  /** The values some current object is filed under in the index `name`. */
  indexValues(name: string): string[] {
    return this.index(name).values();
  }

  private index(name: string): Filed<string> {
    const index = this.indexed.get(name);
    if (!index) throw new Error(`no index ${name}`);
    return index;
  }

  private reindex(key: string, prev: CachedObject<T> | undefined, next: CachedObject<T> | undefined): void {
    for (const [name, index] of this.indexed) {
      const of = this.options.indexes![name];
      const was = prev && of(prev.object);
      const is = next && of(next.object);
      if (was === is) continue;
      if (was !== undefined) index.delete(was, key);
      if (is !== undefined) index.add(is, key);
    }
  }

  /**
   * Objects under keyPrefix in key order, at `atRevision` (current when undefined), starting after
   * `startKey`. Past revisions inside the event window are rebuilt by undoing later events.
   */
  list(keyPrefix: string, atRevision?: number): CachedObject<T>[] {
    if (atRevision === undefined || atRevision >= this.rev) return this.currentList(keyPrefix);
    if (atRevision < this.oldest) throw new TooOldError(atRevision, this.oldest);
    const memo = this.pastList;
    if (memo && memo.keyPrefix === keyPrefix && memo.revision === atRevision) return memo.objects;
    // The objects under the prefix now, with every later event under it undone.
    const state = new Map<string, CachedObject<T>>();
    for (const o of this.currentList(keyPrefix)) state.set(o.key, o);
    for (let i = this.history.length - 1; i >= this.historyStart; i--) {
      const e = this.history[i];
      if (e.revision <= atRevision) break;
      if (!e.object.key.startsWith(keyPrefix)) continue;
      if (e.prev) state.set(e.object.key, e.prev); else state.delete(e.object.key);
    }
    const objects = [...state.keys()].sort().map((k) => state.get(k)!);
    this.pastList = { keyPrefix, revision: atRevision, objects };
    return objects;
  }

  /**
   * Adds a watcher. Events after `fromRevision` are replayed first; undefined means "from now".
   * Throws TooOldError when that history is gone.
   */
  watch(watcher: CacheWatcher<T>, fromRevision?: number): () => void {
    if (fromRevision !== undefined) {
      if (fromRevision < this.oldest) throw new TooOldError(fromRevision, this.oldest);
      for (let i = this.firstIndexAfter(fromRevision); i < this.history.length; i++) this.dispatch(watcher, this.history[i]);
    }
    const value = this.options.trigger ? watcher.triggerValue : undefined;
    if (value === undefined) {
      this.watchers.add(watcher);
      return () => { this.watchers.delete(watcher); };
    }
    this.triggered.add(value, watcher);
    return () => { this.triggered.delete(value, watcher); };
  }

  private currentList(keyPrefix: string): CachedObject<T>[] {
    const keys = this.sortedKeys.read(this.objects);
    const out: CachedObject<T>[] = [];
    for (let i = lowerBound(keys, keyPrefix); i < keys.length && keys[i].startsWith(keyPrefix); i++) {
      out.push(this.objects.get(keys[i])!);
    }
    return out;
  }

  private firstIndexAfter(revision: number): number {
    let lo = this.historyStart, hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.history[mid].revision <= revision) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  private apply(e: StoreEvent): void {
    const deleted = e.type === 'delete';
    this.applyChange(e.key, deleted, e.revision, this.cached(e.key, e.value, e.revision, deleted));
  }

  /** One write to `key` at `revision`: `object` is its new state, or its last one when deleted. */
  private applyChange(key: string, deleted: boolean, revision: number, object: CachedObject<T>): void {
    const prev = this.objects.get(key);
    let event: CacheEvent<T>;
    if (deleted) {
      if (this.objects.delete(key)) this.sortedKeys.deleted();
      event = { type: 'DELETED', object, prev, revision, recordedAt: this.now() };
    } else {
      if (!prev) this.sortedKeys.added(key);
      this.objects.set(key, object);
      event = { type: prev ? 'MODIFIED' : 'ADDED', object, prev, revision, recordedAt: this.now() };
    }
    if (this.indexed.size) this.reindex(key, prev, deleted ? undefined : object);
    this.rev = revision;
    this.record(event);
    for (const w of this.watchers) this.dispatch(w, event);
    if (this.triggered.count) this.dispatchTriggered(event);
    if (!this.keepsHistory) return;
    if (prev?.retire(this.log)) this.holdForTurn(prev, 'decoded');
    // The log holds no value at a delete's revision: the deleted version keeps its bytes.
    if (deleted && object.retire()) this.holdForTurn(object, 'decoded');
  }

  /**
   * A stored value as the cache holds it. `deleted`: the last value of a key deleted at `revision`,
   * which the log holds at an earlier one (so it keeps its bytes).
   */
  private cached(key: string, value: StoreValue, revision: number, deleted = false): CachedObject<T> {
    const { decode, compact, decodeWithJson } = this.options;
    const { object, json } = decodeWithJson ? decodeWithJson(value, revision, key) : { object: decode(valueText(value), revision, key), json: undefined };
    if (compact && this.log && !deleted) {
      const logged = this.holdForTurn(CachedObject.logged(key, object, revision, this.log, json), 'decoded');
      if (json !== undefined) this.holdForTurn(logged, 'json');
      return logged;
    }
    if (compact) return this.holdForTurn(CachedObject.compact(key, object, revision, json), 'decoded');
    if (json === undefined) return new CachedObject(key, object, revision);
    return this.holdForTurn(CachedObject.written(key, object, revision, json), 'json');
  }

  /** Keeps a version's writer JSON, or the decoding of a compact, logged or retired one, until this turn ends. */
  private holdForTurn(c: CachedObject<T>, what: 'json' | 'decoded'): CachedObject<T> {
    if (!this.heldJson.length && !this.heldDecoded.length) setImmediate(() => this.endTurn());
    (what === 'json' ? this.heldJson : this.heldDecoded).push(c);
    return c;
  }

  /** Versions holding their writer's JSON, and versions holding a decoding they keep no longer, let go once the turn that applied them ends. */
  private heldJson: CachedObject<T>[] = [];
  private heldDecoded: CachedObject<T>[] = [];

  private endTurn(): void {
    for (const c of this.heldJson) c.forgetJson();
    for (const c of this.heldDecoded) c.forgetDecoded();
    this.heldJson = [];
    this.heldDecoded = [];
  }

  private record(event: CacheEvent<T>): void {
    if (!this.keepsHistory) {
      this.oldest = event.revision;
      return;
    }
    if (this.historySize >= this.capacity) this.resize(event.recordedAt);
    if (this.historySize >= this.capacity) this.dropOldest(this.historySize - this.capacity + 1);
    this.history.push(event);
  }

  private get historySize(): number { return this.history.length - this.historyStart; }

  /**
   * A full window grows while its oldest event is still fresh (watchers that fell a little behind
   * can resume), and shrinks when even its newest quarter is stale (memory for idle resources).
   */
  private resize(now: number): void {
    const fresh = this.options.freshMs ?? WINDOW_FRESH_MS;
    const oldest = this.history[this.historyStart];
    if (now - oldest.recordedAt < fresh) {
      this.capacity = Math.min(this.capacity * 2, this.maxCapacity);
      return;
    }
    const quarter = this.history[this.history.length - Math.max(1, Math.floor(this.capacity / 4))];
    if (now - quarter.recordedAt > fresh) this.capacity = Math.max(Math.floor(this.capacity / 2), this.minCapacity);
  }

  private dropOldest(count: number): void {
    this.historyStart += count;
    // As kube's cache counts it: resumable from just before the first event still held (the
    // event about to be recorded when the history is now empty).
    this.oldest = (this.history[this.historyStart]?.revision ?? this.rev) - 1;
    if (this.pastList && this.pastList.revision < this.oldest) this.pastList = undefined;
    // Reclaim the dropped prefix now and then rather than shifting on every event.
    if (this.historyStart > this.capacity) {
      this.history = this.history.slice(this.historyStart);
      this.historyStart = 0;
    }
  }

  /** An event to the watchers filed under its object's trigger value before it and after it. */
  private dispatchTriggered(e: CacheEvent<T>): void {
    const trigger = this.options.trigger!;
    const after = trigger(e.object.object);
    const before = e.prev === undefined ? after : trigger(e.prev.object);
    const filed = this.triggered.get(after);
    if (filed) for (const w of filed) this.dispatch(w, e);
    if (before === after) return;
    const filedBefore = this.triggered.get(before);
    if (filedBefore) for (const w of filedBefore) this.dispatch(w, e);
  }

  /** Translates one event through a watcher's filter, as kube does for selector watches. */
  private dispatch(w: CacheWatcher<T>, e: CacheEvent<T>): void {
    const matches = w.matches;
    const now = e.type !== 'DELETED' && (!matches || matches(e.object.object));
    const before = e.prev !== undefined && (!matches || matches(e.prev.object));
    if (e.type === 'DELETED') { if (before) w.deliver('DELETED', e.object, e.revision, e.prev); return; }
    if (now && before) w.deliver('MODIFIED', e.object, e.revision, e.prev);
    else if (now) w.deliver('ADDED', e.object, e.revision);
    else if (before) w.deliver('DELETED', e.object, e.revision, e.prev);
  }
}

/** Items filed under string values, each under one (an index's keys, watchers by trigger value). */
class Filed<I> {
  private readonly byValue = new Map<string, Set<I>>();
  /** How many items are filed. */
  count = 0;

  add(value: string, item: I): void {
    let items = this.byValue.get(value);
    if (!items) this.byValue.set(value, (items = new Set()));
    if (!items.has(item)) { items.add(item); this.count++; }
  }

  delete(value: string, item: I): void {
    const items = this.byValue.get(value);
    if (!items?.delete(item)) return;
    this.count--;
    if (!items.size) this.byValue.delete(value);
  }

  get(value: string): ReadonlySet<I> | undefined { return this.byValue.get(value); }
  values(): string[] { return [...this.byValue.keys()]; }
}

/**
 * A map's keys in order, kept across its changes: the keys added since the last read are sorted
 * alone and merged in, and deleted ones dropped in the same pass, so a cache that gains keys all
 * the time is not sorted whole for each list (a sort of 87,000 pods' keys took tens of ms, and
 * controllers list every few seconds). Until the first read, every key is sorted (a cache's start
 * fills its map directly).
 */
class SortedKeys {
  private sorted?: string[];
  /** Keys added since the last read (each once: a key is added again only after a delete). */
  private fresh: string[] = [];
  private deletes = 0;

  added(key: string): void { if (this.sorted) this.fresh.push(key); }
  deleted(): void { this.deletes++; }

  read(map: ReadonlyMap<string, unknown>): string[] {
    if (!this.sorted) {
      this.sorted = [...map.keys()].sort();
    } else if (this.fresh.length || this.deletes) {
      this.sorted = mergeSorted(this.sorted, this.fresh.sort(), this.deletes ? map : undefined);
    }
    this.fresh = [];
    this.deletes = 0;
    return this.sorted;
  }
}

/**
 * Two sorted key lists as one; with `present`, keys no longer in it are dropped and a key in both
 * lists (deleted, then added again) is kept once.
 */
function mergeSorted(a: string[], b: string[], present?: ReadonlyMap<string, unknown>): string[] {
  const out: string[] = [];
  let i = 0, j = 0;
  let last: string | undefined;
  while (i < a.length || j < b.length) {
    const key = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
    if (present && (key === last || !present.has(key))) continue;
    out.push(key);
    last = key;
  }
  return out;
}

function lowerBound(keys: string[], target: string): number {
  let lo = 0, hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < target) lo = mid + 1; else hi = mid;
  }
  return lo;
}
