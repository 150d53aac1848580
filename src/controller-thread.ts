// The scheduler and controllers in a worker thread of their own (`controllersInWorker`), so that
// their work (the scheduler's search, the informers, their writes' admission, validation and
// encoding) runs on the second core while this thread serves HTTP. The thread builds a registry of
// its own over this process's store, reached through a MessagePort (src/storage/store-channel.ts),
// as a second kube-apiserver with kube-controller-manager beside it runs over the same etcd: its
// writes are this store's writes, validated by the same code, seen by this thread's watch caches.
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { ClusterOptions } from './cluster.js';
import type { ControlPlaneParts } from './control-plane.js';
import type { Logger, LoggingOptions } from './logging/log.js';
import { activityOf, type ActivityEvent } from './observe/activity.js';
import { serveStore } from './storage/store-channel.js';
import type { Store } from './storage/store.js';
import { workerEntry } from './worker-entry.js';

/** What the thread is started with: plain data (structured clone), and the store's port. */
export interface ControllerThreadData {
  options: Pick<ClusterOptions, 'nodeLifecycle' | 'apps' | 'data'> & {
    /** This process's logging, but for its stream: the thread's lines come here (none without logging). */
    logging?: Omit<LoggingOptions, 'stream'>;
  };
  parts: { rootCA: string; signingCA?: { cert: string; key: string } };
  /** The served store's backend, as the thread's registry reports it. */
  backend: string;
  /** The far end of the store's channel (transferred). */
  port: MessagePort;
}

/** What the thread tells this one. */
export type ControllerThreadMessage =
  | { type: 'started' }
  | { type: 'failed'; message: string }
  /** Log lines, written to this process's log stream. */
  | { type: 'log'; text: string }
  /** Its components' actions, for this process's activity feed (sent only while it has listeners). */
  | { type: 'activity'; events: ActivityEvent[] };

/** What this thread tells the controllers' one: whether the activity feed has listeners. */
export interface ControllerThreadCommand { type: 'listening'; listening: boolean }

/** Starts the thread and waits for its controllers to start; returns a stop function. */
export async function startControllerThread(options: ClusterOptions, store: Store, parts: ControlPlaneParts, log: Logger): Promise<() => void> {
  const { port1, port2 } = new MessageChannel();
  const stopServing = serveStore(store, port1);
  const data: ControllerThreadData = {
    options: {
      nodeLifecycle: options.nodeLifecycle, apps: options.apps, data: options.data,
      logging: options.logging && { verbosity: options.logging.verbosity, format: options.logging.format },
    },
    parts: { rootCA: parts.rootCA, signingCA: parts.signingCA },
    backend: store.backend,
    port: port2,
  };
  const { entry, eval: isScript } = workerEntry('controller-worker', './controller-worker.ts', import.meta.url);
  const worker = new Worker(entry, { eval: isScript, workerData: data, transferList: [port2] });
  const stream = options.logging?.stream ?? process.stderr;
  const activity = activityOf(store);
  const tellListening = (listening: boolean) => worker.postMessage({ type: 'listening', listening } satisfies ControllerThreadCommand);
  const unwatchListening = activity.onListening(tellListening);
  if (activity.listening) tellListening(true);
  let stopped = false;
  const stop = () => {
    stopped = true;
    unwatchListening();
    stopServing();
    void worker.terminate();
  };
  let started = false;
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (m: ControllerThreadMessage) => {
      if (m.type === 'log') stream.write(m.text);
      else if (m.type === 'activity') { for (const e of m.events) activity.relay(e); }
      else if (m.type === 'started') { started = true; resolve(); }
      else reject(new Error(`the controllers' thread failed: ${m.message}`));
    });
    // Before the start, the start fails; after it, the API goes on without its controllers, as
    // kube-apiserver does when kube-controller-manager dies, and says so.
    worker.on('error', (e) => { if (started) log.error(e, 'The controllers\' thread failed'); else reject(e); });
    worker.once('exit', (code) => {
      if (!started) reject(new Error(`the controllers' thread exited (code ${code})`));
      else if (!stopped) log.error(undefined, 'The controllers\' thread exited', { code });
    });
  }).catch((e: unknown) => { stop(); throw e; });
  log.V(2).info('Controllers run in a worker thread', { threadId: worker.threadId });
  return stop;
}
