// The controllers' worker thread (src/controller-thread.ts starts it): a registry over the API's
// store, reached through the port it is given, serving the custom kinds as every kube-apiserver
// does, and the scheduler and controllers over it. It answers no HTTP: clients reach the API's
// thread, whose watch caches see every write made here as the store publishes it.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Writable } from 'node:stream';
import { builtinRegistry } from './builtin-kinds.js';
import { controllers, startControllers } from './control-plane.js';
import type { ControllerThreadCommand, ControllerThreadData, ControllerThreadMessage } from './controller-thread.js';
import { CustomResourceDefinitionController } from './controllers/customresourcedefinition.js';
import { AppCatalog } from './kubelet/apps.js';
import { createLogger } from './logging/log.js';
import { activityOf, type ActivityBus, type ActivityEvent } from './observe/activity.js';
import { ServiceAccountTokens } from './server/auth/service-account-tokens.js';
import { ChannelStore } from './storage/store-channel.js';

function threadPort(): MessagePort {
  if (!parentPort) throw new Error('controller-worker.ts runs as a worker thread');
  return parentPort;
}

const parent = threadPort();
const tell = (m: ControllerThreadMessage) => parent.postMessage(m);
const { options, parts, backend, port } = workerData as ControllerThreadData;

async function start(): Promise<void> {
  const stream = new Writable({ write(chunk: Buffer | string, _encoding, done) { tell({ type: 'log', text: chunk.toString() }); done(); } });
  const log = createLogger(options.logging && { ...options.logging, stream });
  const store = new ChannelStore(port, backend);
  const { registry } = await builtinRegistry(store, {
    apps: AppCatalog.load(options.apps),
    tokens: ServiceAccountTokens.load(options.data),
    // Its caches serve only the informers here, which watch from the current state.
    watchHistory: { history: 'none' },
  });
  await registry.start();
  new CustomResourceDefinitionController(registry, log.named('controllers/customresourcedefinition.ts')).start();
  forwardActivity(activityOf(store));
  await startControllers(controllers(options, registry, parts, log), log);
  tell({ type: 'started' });
}

/**
 * Sends this thread's activity (the scheduler's bindings, the controllers' events) to the API's
 * thread while its feed has listeners, a turn's events together; publishers here check
 * `listening` as ever, so with no listener there it costs nothing.
 */
function forwardActivity(bus: ActivityBus): void {
  let unsubscribe: (() => void) | undefined;
  let queued: ActivityEvent[] = [];
  const forward = (e: ActivityEvent) => {
    if (!queued.length) setImmediate(() => { tell({ type: 'activity', events: queued }); queued = []; });
    queued.push(e);
  };
  parent.on('message', (m: ControllerThreadCommand) => {
    if (m.type !== 'listening') return;
    if (m.listening) unsubscribe ??= bus.subscribe(forward);
    else { unsubscribe?.(); unsubscribe = undefined; }
  });
}

start().catch((e: unknown) => tell({ type: 'failed', message: e instanceof Error ? e.stack ?? e.message : String(e) }));
