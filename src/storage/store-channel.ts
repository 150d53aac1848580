// A Store reached through a MessagePort: the API's store served to another thread (the control
// plane's, src/control-plane-thread.ts), which runs a registry of its own over it as a second
// kube-apiserver runs over the same etcd. Everything a Store promises holds across the port:
// one revision order, preconditions and their conflicts, watches that replay from a revision
// and then follow, compaction's errors. The contract suite runs over it (test/store-contract.test.ts).
//
// Ordering is what makes it work: the served store publishes a write's events before it answers
// the writer, and both go out on the one port in that order, so when a write is answered on the
// far side, the far side's watch caches have its events (read-your-writes, as in this thread).
// Messages of one event-loop turn go together, as one postMessage each way.
import type { MessagePort } from 'node:worker_threads';
import { fromWire, toWire, type Unnumbered, type WireError } from './sqlite-protocol.js';
import { StoreClosedError, type KeyValue, type ListResult, type Store, type StoreEvent, type StoreValue, type WatchHandle } from './store.js';

/** A request to the served store; `id` numbers it for its answer. */
export type StoreRequest =
  | { id: number; op: 'currentRevision' | 'compactedRevision' }
  | { id: number; op: 'get'; key: string }
  | { id: number; op: 'list'; prefix: string; revision?: number }
  | { id: number; op: 'create'; key: string; value: StoreValue }
  | { id: number; op: 'update'; key: string; value: StoreValue; expected?: number }
  | { id: number; op: 'delete'; key: string; expected?: number }
  | { id: number; op: 'compact'; revision: number }
  | { id: number; op: 'waitForRevision'; revision: number }
  /** Its events arrive as `{ watch: id }` messages, from before its answer on. */
  | { id: number; op: 'watch'; prefix: string; fromRevision: number }
  | { id: number; op: 'cancel'; watch: number };

export type StoreMessage =
  | { id: number; result: unknown }
  | { id: number; error: WireError }
  | { watch: number; event: StoreEvent };

/** Messages queued in one turn and posted together at its end. */
class Outbox<T> {
  private queued: T[] = [];
  constructor(private readonly port: MessagePort) {}

  push(message: T): void {
    if (!this.queued.length) setImmediate(() => this.flush());
    this.queued.push(message);
  }

  flush(): void {
    if (!this.queued.length) return;
    const batch = this.queued;
    this.queued = [];
    this.port.postMessage(batch);
  }
}

/** Serves `store` to the far end of `port` until the port closes; returns a stop function (cancels the far end's watches). */
export function serveStore(store: Store, port: MessagePort): () => void {
  const outbox = new Outbox<StoreMessage>(port);
  const watches = new Map<number, Promise<WatchHandle | undefined>>();
  const answer = (id: number, work: Promise<unknown>) => {
    work.then((result) => outbox.push({ id, result }), (e: unknown) => outbox.push({ id, error: toWire(e) }));
  };
  const serve = (r: StoreRequest) => {
    switch (r.op) {
      case 'currentRevision': return answer(r.id, store.currentRevision());
      case 'compactedRevision': return answer(r.id, store.compactedRevision());
      case 'get': return answer(r.id, store.get(r.key));
      case 'list': return answer(r.id, store.list(r.prefix, r.revision));
      case 'create': return answer(r.id, store.create(r.key, r.value));
      case 'update': return answer(r.id, store.update(r.key, r.value, r.expected));
      case 'delete': return answer(r.id, store.delete(r.key, r.expected));
      case 'compact': return answer(r.id, store.compact(r.revision));
      // A store that publishes as it commits has nothing to wait for.
      case 'waitForRevision': return answer(r.id, store.waitForRevision?.(r.revision) ?? Promise.resolve());
      case 'watch': {
        const handle = store.watch(r.prefix, r.fromRevision, (event) => outbox.push({ watch: r.id, event }));
        watches.set(r.id, handle.catch(() => undefined));
        return answer(r.id, handle.then(() => null));
      }
      case 'cancel': {
        const handle = watches.get(r.watch);
        watches.delete(r.watch);
        return answer(r.id, (handle ?? Promise.resolve(undefined)).then((h) => { h?.cancel(); return null; }));
      }
    }
  };
  port.on('message', (batch: StoreRequest[]) => { for (const r of batch) serve(r); });
  const stop = () => {
    for (const handle of watches.values()) void handle.then((h) => h?.cancel());
    watches.clear();
    port.close();
  };
  port.once('close', stop);
  return stop;
}

interface Waiting { resolve(result: unknown): void; reject(e: Error): void }

/** The far side of serveStore: a Store whose every call is a message to it. */
export class ChannelStore implements Store {
  private readonly outbox: Outbox<StoreRequest>;
  private readonly waiting = new Map<number, Waiting>();
  private readonly watchers = new Map<number, (e: StoreEvent) => void>();
  private nextId = 1;
  private closed = false;

  /** Store.takesBytes: a write crosses to another thread and waits there. */
  readonly takesBytes = true;

  /** `backend` names the served store's backend (sqlite, memory, etcd), as /version and metrics report it. */
  constructor(private readonly port: MessagePort, readonly backend: string) {
    this.outbox = new Outbox(port);
    port.on('message', (batch: StoreMessage[]) => { for (const m of batch) this.receive(m); });
    // The served side went away (its thread stopped): nothing will answer.
    port.once('close', () => this.fail(new StoreClosedError()));
  }

  currentRevision(): Promise<number> { return this.call({ op: 'currentRevision' }); }
  compactedRevision(): Promise<number> { return this.call({ op: 'compactedRevision' }); }
  get(key: string): Promise<KeyValue | undefined> { return this.call({ op: 'get', key }); }
  list(prefix: string, revision?: number): Promise<ListResult> { return this.call({ op: 'list', prefix, revision }); }
  create(key: string, value: StoreValue): Promise<KeyValue<StoreValue>> { return this.call({ op: 'create', key, value }); }
  update(key: string, value: StoreValue, expectedModRevision?: number): Promise<KeyValue<StoreValue>> { return this.call({ op: 'update', key, value, expected: expectedModRevision }); }
  delete(key: string, expectedModRevision?: number): Promise<{ prev: KeyValue; revision: number }> { return this.call({ op: 'delete', key, expected: expectedModRevision }); }
  compact(revision: number): Promise<void> { return this.call({ op: 'compact', revision }); }
  /** Answered after every event up to `revision` the served side has published, so the watches here have them. */
  waitForRevision(revision: number): Promise<void> { return this.call({ op: 'waitForRevision', revision }); }

  async watch(prefix: string, fromRevision: number, onEvent: (e: StoreEvent) => void): Promise<WatchHandle> {
    const id = this.nextId++;
    // Listening from the request on: the replay's events come before the answer.
    this.watchers.set(id, onEvent);
    try {
      await this.call({ op: 'watch', prefix, fromRevision }, id);
    } catch (e) {
      this.watchers.delete(id);
      throw e;
    }
    return {
      cancel: () => {
        if (!this.watchers.delete(id) || this.closed) return;
        this.call({ op: 'cancel', watch: id }).catch(() => {});
      },
    };
  }

  /** Stops talking to the served store (which stays open: it is the API's). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.outbox.flush();
    this.fail(new StoreClosedError());
    this.port.close();
  }

  /** Sends `request`; settles with its answer (typed by the caller, which knows what its op answers). */
  private call<T>(request: Unnumbered<StoreRequest>, id = this.nextId++): Promise<T> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: (result) => resolve(result as T), reject });
      this.outbox.push({ ...request, id });
    });
  }

  private receive(m: StoreMessage): void {
    if ('watch' in m) {
      this.watchers.get(m.watch)?.(m.event);
      return;
    }
    const waiting = this.waiting.get(m.id);
    this.waiting.delete(m.id);
    if (!waiting) return;
    if ('error' in m) waiting.reject(fromWire(m.error));
    else waiting.resolve(m.result ?? undefined);
  }

  private fail(e: Error): void {
    this.closed = true;
    this.watchers.clear();
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiting) w.reject(e);
  }
}
