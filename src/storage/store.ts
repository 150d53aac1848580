// The Store: a revisioned key-value store with watch, shaped like etcd's API.
//
// One global revision counter: every write takes the next revision; a key's modRevision is the
// revision of its last write. Values are opaque JSON text (the API layer stores JSON without
// metadata.resourceVersion, which it derives from modRevision on every read, as kube does), given
// as a string or as its UTF-8 bytes.

/**
 * A value as written: a string, or its UTF-8 bytes, which a writer that has them gives so that the
 * text waiting on its write's commit is held off the JS heap. Reads give strings; a write's result
 * and its event give the value as it was given.
 */
export type StoreValue = string | Uint8Array;

/** A value's text. */
export function valueText(value: StoreValue): string {
  return typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
}

/** A key's value at a revision: read back, a string; a write's result, the value as it was given. */
export interface KeyValue<V extends StoreValue = string> {
  key: string;
  value: V;
  createRevision: number;
  modRevision: number;
}

export type StoreEventType = 'put' | 'delete';

export interface StoreEvent {
  type: StoreEventType;
  key: string;
  /** The new value for a put (as its writer gave it); the last value for a delete. */
  value: StoreValue;
  createRevision: number;
  /** The revision of this event. */
  revision: number;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
}

export interface WatchHandle {
  cancel(): void;
}

export interface Store {
  readonly backend: string;
  /**
   * Whether writers should give values as bytes: where a write's value waits across event-loop
   * turns (for a worker thread, another thread through a channel, the network) held as a string it
   * outlives the young generation; a store that writes in this thread at once takes the string.
   */
  readonly takesBytes: boolean;
  /** The revision of the last write. */
  currentRevision(): Promise<number>;
  /** The oldest revision a watch can resume after. */
  compactedRevision(): Promise<number>;
  get(key: string): Promise<KeyValue | undefined>;
  /** Keys under prefix at `revision` (current when undefined); CompactedError when that history is gone. */
  list(prefix: string, revision?: number): Promise<ListResult>;
  /** Creates key; throws KeyExistsError if it is there. */
  create(key: string, value: StoreValue): Promise<KeyValue<StoreValue>>;
  /** Replaces key's value when its modRevision is still expectedModRevision (any when undefined). */
  update(key: string, value: StoreValue, expectedModRevision?: number): Promise<KeyValue<StoreValue>>;
  /** Deletes key when its modRevision is still expectedModRevision; returns the last value and the delete's revision. */
  delete(key: string, expectedModRevision?: number): Promise<{ prev: KeyValue; revision: number }>;
  /** Delivers every event under prefix after fromRevision, in order; throws CompactedError when that history is gone. */
  watch(prefix: string, fromRevision: number, onEvent: (e: StoreEvent) => void): Promise<WatchHandle>;
  /**
   * Resolves once this process has delivered every event up to `revision` to its watchers, so a
   * read from the watch caches sees it. Absent where events are delivered as writes commit.
   */
  waitForRevision?(revision: number): Promise<void>;
  /**
   * The log read back at once, where this process has a copy it can read synchronously (SQLite,
   * memory). Absent where it cannot (etcd, a store reached over a channel): there the watch caches
   * keep each version's bytes themselves.
   */
  readonly log?: StoreLog;
  /** Drops history at and before revision. */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

/** A store's log, read back synchronously by the watch caches that hold versions as their revisions. */
export interface StoreLog {
  /**
   * The value the put at `revision` wrote, while the log still has it (undefined when compacted
   * away, a delete's, or not yet published). A live key's current value is always there.
   */
  valueAt(revision: number): string | undefined;
  /**
   * Keeps the history a reader still reads back: `oldest(revision)`, given the store's current
   * revision, is the oldest revision at which the reader holds a version replaced since (undefined:
   * none), and background compaction keeps every value replaced after it. Returns the release.
   */
  retain(oldest: (revision: number) => number | undefined): () => void;
}

/**
 * Reads the key and writes `update(current)` with the read revision as precondition, retrying when
 * another writer got in between: kube's GuaranteedUpdate.
 */
export async function guaranteedUpdate(store: Store, key: string, update: (current: string) => string, attempts = 100): Promise<KeyValue<StoreValue>> {
  for (let i = 0; ; i++) {
    const current = await store.get(key);
    if (!current) throw new KeyNotFoundError(key);
    try {
      return await store.update(key, update(current.value), current.modRevision);
    } catch (e) {
      if (!(e instanceof RevisionConflictError) || i >= attempts) throw e;
    }
  }
}

export class KeyExistsError extends Error {
  constructor(readonly key: string) { super(`key exists: ${key}`); }
}
export class KeyNotFoundError extends Error {
  constructor(readonly key: string) { super(`key not found: ${key}`); }
}
export class RevisionConflictError extends Error {
  constructor(readonly key: string, readonly actual: number) { super(`revision conflict on ${key}: now at ${actual}`); }
}
/** A write to a store that has been closed (the process is shutting down). */
export class StoreClosedError extends Error {
  constructor() { super('the store is closed'); }
}
export class CompactedError extends Error {
  constructor(readonly requested: number, readonly compacted: number) {
    super(`revision ${requested} has been compacted (oldest available after ${compacted})`);
  }
}
