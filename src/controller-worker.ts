// The controllers' worker thread (src/controller-thread.ts starts it): a registry over the API's
// store, reached through the port it is given, serving the custom kinds as every kube-apiserver
// does, and the scheduler and controllers over it. It answers no HTTP: clients reach the API's
// thread, whose watch caches see every write made here as the store publishes it.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Writable } from 'node:stream';
import { builtinRegistry } from './builtin-kinds.js';
import { controllers, startControllers } from './control-plane.js';
import type { ControllerThreadData, ControllerThreadMessage } from './controller-thread.js';
import { CustomResourceDefinitionController } from './controllers/customresourcedefinition.js';
import { AppCatalog } from './kubelet/apps.js';
import { createLogger } from './logging/log.js';
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
  await startControllers(controllers(options, registry, parts, log), log);
  tell({ type: 'started' });
}

start().catch((e: unknown) => tell({ type: 'failed', message: e instanceof Error ? e.stack ?? e.message : String(e) }));
