// A controller as controller-runtime's: it owns a work queue, the watches that feed it and its
// lifecycle; its reconcile takes one typed request at a time and may ask to be called again
// after a while. Conflicts and NotFound are expected races: retried with backoff, quietly.
import type { KObject } from '../api/types.js';
import { QUIET, type Logger } from '../logging/log.js';
import type { Change } from './informer.js';
import { keyString, type ObjectKey } from './keys.js';
import { isRace } from './races.js';
import type { Stored, TypedResource } from './typed-resource.js';
import { WorkQueue } from './workqueue.js';

/** How long a worker reconciles before it lets the event loop turn (I/O, commits, other workers). */
const WORKER_SLICE_MS = 5;

/** What a reconcile asks for next (controller-runtime's reconcile.Result). */
export interface Result {
  /** Reconcile this request again after this long, even if nothing changes. */
  requeueAfterMs?: number;
}

export type Reconciler<R> = (request: R) => Promise<Result | void>;

export interface ControllerOptions<R> {
  /** Named in logs. */
  name: string;
  reconcile: Reconciler<R>;
  /** When two requests are the same work (default: the namespace/name of an ObjectKey). */
  identity: (request: R) => string;
  /** Optional: requests of a higher rank are reconciled first (default: in the order they became ready). */
  rank?: (request: R) => number;
  log?: Logger;
}

/** What watch handlers and others may do with a controller's queue. */
export interface Enqueue<R> {
  add(request: R): void;
  addAfter(request: R, ms: number): void;
}

export class Controller<R> implements Enqueue<R> {
  private readonly queue: WorkQueue<R>;
  private readonly sources: (() => () => void)[] = [];
  private readonly stops: (() => void)[] = [];
  private working = false;
  private started = false;
  private readonly log: Logger;

  constructor(private readonly options: ControllerOptions<R>) {
    this.log = options.log ?? QUIET;
    this.queue = new WorkQueue(options.identity, () => this.wake(), undefined, options.rank);
  }

  /** Calls `handler` on every change of `resource` once started, to enqueue what it concerns. */
  watch<T extends KObject>(resource: TypedResource<T>, handler: (change: Change<Stored<T>>, queue: Enqueue<R>) => void): this {
    this.sources.push(() => resource.informer.addHandler((change) => handler(change, this)));
    return this;
  }

  /** Enqueues `request` every `ms` once started: for controllers that poll (node lifecycle). */
  every(ms: number, request: R): this {
    this.sources.push(() => {
      const timer = setInterval(() => this.add(request), ms);
      timer.unref();
      return () => clearInterval(timer);
    });
    return this;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const source of this.sources) this.stops.push(source());
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
    this.queue.shutDown();
  }

  add(request: R): void { this.queue.add(request); }
  addAfter(request: R, ms: number): void { this.queue.addAfter(request, ms); }

  private wake(): void {
    if (!this.working) setImmediate(() => void this.work());
  }

  /**
   * One worker: requests are reconciled one at a time, in the order they became ready. A reconcile
   * that writes without waiting on I/O (the store answers in microtasks) would otherwise drain the
   * whole queue in one turn of the event loop, holding every HTTP request, commit and timer until
   * it is empty; the worker yields once it has run for a time slice, as a goroutine is preempted.
   */
  private async work(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      let sliceStarted = performance.now();
      for (let request = this.queue.take(); request !== undefined && !this.queue.isShuttingDown; request = this.queue.take()) {
        await this.process(request);
        if (performance.now() - sliceStarted >= WORKER_SLICE_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          sliceStarted = performance.now();
        }
      }
    } finally {
      this.working = false;
    }
  }

  private async process(request: R): Promise<void> {
    try {
      const result = await this.options.reconcile(request);
      this.queue.forget(request);
      if (result?.requeueAfterMs !== undefined) this.queue.addAfter(request, result.requeueAfterMs);
    } catch (e) {
      const delay = this.queue.addRateLimited(request);
      if (!isRace(e)) {
        this.log.error(e, 'Reconcile failed, will retry', { controller: this.options.name, key: this.options.identity(request), failures: this.queue.numRequeues(request), retryAfterMs: delay });
      }
    }
  }
}

/** A controller whose requests are object keys, de-duplicated by namespace/name. */
export function keyController(name: string, reconcile: Reconciler<ObjectKey>, log?: Logger): Controller<ObjectKey> {
  return new Controller({ name, reconcile, identity: keyString, log });
}
