// The SQLite engine's worker thread, which can be started before it is needed: a thread takes
// 30-70 ms to boot and load better-sqlite3, and `tinykube serve` starts it first thing (src/cli.ts)
// so that it boots while this thread loads the rest of tinykube, instead of after, when the store
// is opened and the registry waits for its first answer. Without the native driver: importing this
// module costs nothing.
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../worker-entry.js';

/**
 * A thread started ahead and not yet taken by a store. Kept on globalThis: dist/cli.js starts it
 * (src/cli-bundle.ts) before it compiles dist/cli.cjs, which holds its own copy of this module.
 */
const PRESTARTED = Symbol.for('tinykube.prestartedEngineThread');
const shared = globalThis as typeof globalThis & { [PRESTARTED]?: Worker };

/** Starts the engine's thread now, for the first store that opens a file to take. */
export function prestartEngineThread(): void {
  if (shared[PRESTARTED]) return;
  const worker = startEngineThread();
  // A thread that fails before a store takes it is dropped, and the store starts its own, whose
  // failure it reports; an 'error' without a listener would end this process.
  const drop = () => { if (shared[PRESTARTED] === worker) delete shared[PRESTARTED]; };
  worker.once('error', drop).once('exit', drop);
  shared[PRESTARTED] = worker;
}

/** The thread started ahead, if any (once), or a new one. */
export function takeEngineThread(): Worker {
  const worker = shared[PRESTARTED] ?? startEngineThread();
  delete shared[PRESTARTED];
  return worker;
}

/** Stops a thread started ahead that no store took (the command served from memory or etcd after all). */
export async function discardPrestartedEngineThread(): Promise<void> {
  const worker = shared[PRESTARTED];
  delete shared[PRESTARTED];
  await worker?.terminate();
}

function startEngineThread(): Worker {
  const { entry, eval: isScript } = workerEntry('sqlite-worker', './sqlite-worker.ts', import.meta.url);
  const worker = new Worker(entry, { eval: isScript });
  // Only outstanding requests keep the process alive, as an open database file does not.
  worker.unref();
  return worker;
}
