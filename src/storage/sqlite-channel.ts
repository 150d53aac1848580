// How SqliteStore reaches its engine: a worker thread (the statements and the fsync of every
// commit run on another core, off the event loop that serves HTTP), or the same thread (an
// in-memory store by default; one engine either way). Either way requests are answered in the order they were sent, which the store relies on: a read sent
// after a write batch sees it, and a watch's replay ends where the events that follow it begin.
import type { Worker } from 'node:worker_threads';
import { SqliteEngine } from './sqlite-engine.js';
import { toWire, type Reply, type Request } from './sqlite-protocol.js';
import { takeEngineThread } from './sqlite-thread.js';

export interface EngineChannel {
  /** Sends a request; `onReply` is called with its answer, in the order requests were sent. */
  send(request: Request, onReply: (reply: Reply) => void): void;
  /** Stops the channel after the answers to every request sent so far (the last is a close). */
  terminate(): Promise<void>;
}

/** The engine in this thread: each request is answered before send returns. */
export class InProcessChannel implements EngineChannel {
  /** The engine once opened (SqliteStore.log reads it directly: it is in this thread). */
  engine?: SqliteEngine;

  send(request: Request, onReply: (reply: Reply) => void): void {
    if (request.type === 'open') {
      try {
        this.engine = new SqliteEngine(request.options);
      } catch (e) {
        onReply({ id: request.id, revision: 0, compacted: 0, error: toWire(e) });
        return;
      }
    }
    if (!this.engine) throw new Error('the SQLite engine was not opened');
    if (request.type === 'write') this.engine.write([request], onReply);
    else this.engine.handle(request, onReply);
  }

  async terminate(): Promise<void> {}
}

/** The engine in a worker thread (sqlite-worker.ts), which commits the write requests queued while it was busy together. */
export class WorkerChannel implements EngineChannel {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  /** Why the worker stopped, once it has: every later request gets this. */
  private failure?: Error;

  constructor() {
    // Unreferenced: only outstanding requests keep the process alive, as an open file does not.
    this.worker = takeEngineThread();
    this.worker.on('message', (reply: Reply) => {
      const onReply = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (!this.waiting.size) this.worker.unref();
      onReply?.(reply);
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`the SQLite worker exited (code ${code})`)));
  }

  send(request: Request, onReply: (reply: Reply) => void): void {
    if (this.failure) {
      onReply({ id: request.id, revision: 0, compacted: 0, error: { kind: 'other', message: this.failure.message } });
      return;
    }
    if (!this.waiting.size) this.worker.ref();
    this.waiting.set(request.id, onReply);
    this.worker.postMessage(request);
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error('the SQLite worker was stopped');
    await this.worker.terminate();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const [id, onReply] of waiting) onReply({ id, revision: 0, compacted: 0, error: { kind: 'other', message: e.message } });
  }
}
