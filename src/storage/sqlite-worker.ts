// The worker thread that runs the SQLite engine for a file-backed SqliteStore (sqlite-channel.ts).
// Write requests that queued while a commit was on its way to disk are taken off the port together
// and share the next transaction (group commit across event-loop turns of the API's thread);
// other requests are answered in their place in the queue, after the writes before them commit.
import { parentPort, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { SqliteEngine, type WriteRequest } from './sqlite-engine.js';
import { toWire, type Reply, type Request } from './sqlite-protocol.js';

function workerPort(): MessagePort {
  if (!parentPort) throw new Error('sqlite-worker.ts runs as a worker thread');
  return parentPort;
}

const port = workerPort();
let engine: SqliteEngine | undefined;
const reply = (r: Reply) => port.postMessage(r);

function next(): Request | undefined {
  const received: { message: Request } | undefined = receiveMessageOnPort(port);
  return received?.message;
}

function serve(request: Request): void {
  if (request.type === 'open') {
    try {
      engine = new SqliteEngine(request.options);
    } catch (e) {
      reply({ id: request.id, revision: 0, compacted: 0, error: toWire(e) });
      return;
    }
  }
  if (!engine) {
    reply({ id: request.id, revision: 0, compacted: 0, error: { kind: 'other', message: 'the SQLite engine is not open' } });
    return;
  }
  if (request.type === 'write') engine.write([request], reply);
  else engine.handle(request, reply);
}

port.on('message', (first: Request) => {
  let request: Request | undefined = first;
  while (request) {
    if (request.type !== 'write' || !engine) {
      serve(request);
      request = next();
      continue;
    }
    const writes: WriteRequest[] = [request];
    for (request = next(); request?.type === 'write'; request = next()) writes.push(request);
    engine.write(writes, reply);
  }
});
