// The messages between SqliteStore (the API's side) and the SQLite engine (a worker thread, or the
// same thread for an in-memory store), and the store errors in a form that survives structured
// clone (class instances do not: they arrive as plain Errors).
import {
  CompactedError, KeyExistsError, KeyNotFoundError, RevisionConflictError, StoreClosedError, type StoreValue,
} from './store.js';

/** A new file's revision, and the revision compacted to: etcd's first revision (the first write is 2). */
export const FIRST_REVISION = 1;

export interface EngineOptions {
  /** A file path, or ':memory:'. */
  path: string;
  historyRevisions?: number;
  compactIntervalMs?: number;
}

export type WriteOp =
  | { op: 'create'; key: string; value: StoreValue }
  | { op: 'update'; key: string; value: StoreValue; expected?: number }
  | { op: 'delete'; key: string; expected?: number };

/** What one write did: its revision, and what the key held before (the value only for a delete, which answers with it). */
export type WriteOutcome =
  | { ok: true; rev: number; createRev: number; prevValue?: string; prevModRev?: number }
  | { ok: false; error: WireError };

/** A row of the current state. */
export interface WireKeyValue { key: string; value: string; createRevision: number; modRevision: number }

/** One change of the history, as a watch replays it. */
export interface WireEvent { type: 'put' | 'delete'; key: string; value: string; createRevision: number; revision: number }

export type Request =
  | { id: number; type: 'open'; options: EngineOptions }
  /** `published`: what the store's side has published and no longer reads back before (see SqliteEngine.published). */
  | { id: number; type: 'write'; ops: WriteOp[]; published?: number }
  | { id: number; type: 'get'; key: string }
  | { id: number; type: 'list'; prefix: string; revision?: number }
  | { id: number; type: 'since'; prefix: string; fromRevision: number }
  | { id: number; type: 'compact'; revision: number }
  | { id: number; type: 'close' };

/** A request without its id, which the sender assigns (R a union of requests). */
export type Unnumbered<R> = R extends unknown ? Omit<R, 'id'> : never;

/** The answer to a request of the same id: `error` when it failed as a whole. */
export interface Reply {
  id: number;
  error?: WireError;
  /** The committed revision and the compacted one, after the request. */
  revision: number;
  compacted: number;
  outcomes?: WriteOutcome[];
  row?: WireKeyValue;
  items?: WireKeyValue[];
  /** The revision a list was read at. */
  listRevision?: number;
  events?: WireEvent[];
}

export interface WireError {
  kind: 'exists' | 'notFound' | 'conflict' | 'compacted' | 'closed' | 'other';
  message: string;
  key?: string;
  actual?: number;
  requested?: number;
  compacted?: number;
  /** better-sqlite3's code (SQLITE_BUSY, ...), which startup turns into a reason. */
  code?: string;
}

export function toWire(e: unknown): WireError {
  if (e instanceof KeyExistsError) return { kind: 'exists', message: e.message, key: e.key };
  if (e instanceof KeyNotFoundError) return { kind: 'notFound', message: e.message, key: e.key };
  if (e instanceof RevisionConflictError) return { kind: 'conflict', message: e.message, key: e.key, actual: e.actual };
  if (e instanceof CompactedError) return { kind: 'compacted', message: e.message, requested: e.requested, compacted: e.compacted };
  if (e instanceof StoreClosedError) return { kind: 'closed', message: e.message };
  const code = e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
  return { kind: 'other', message: e instanceof Error ? e.message : String(e), code };
}

/** An error carrying better-sqlite3's code, as the driver's own SqliteError does. */
export class EngineError extends Error {
  constructor(message: string, readonly code?: string) { super(message); }
}

export function fromWire(w: WireError): Error {
  switch (w.kind) {
    case 'exists': return new KeyExistsError(w.key ?? '');
    case 'notFound': return new KeyNotFoundError(w.key ?? '');
    case 'conflict': return new RevisionConflictError(w.key ?? '', w.actual ?? 0);
    case 'compacted': return new CompactedError(w.requested ?? 0, w.compacted ?? 0);
    case 'closed': return new StoreClosedError();
    default: return new EngineError(w.message, w.code);
  }
}
