// Small helpers over node:http for the handlers: reading bodies with a size limit, writing JSON,
// YAML and Status answers.
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Readable, pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import { errors, StatusError, type Status } from '../api/errors.js';
import type { ResponseFormat } from './negotiation.js';
import { yaml } from '../lazy-modules.js';

/** kube-apiserver's limit for request bodies (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

const bodyObservers = new WeakMap<IncomingMessage, (body: Buffer) => void>();

/** Calls `observe` with the request's body once a handler has read it (for the request recorder). */
export function observeBody(req: IncomingMessage, observe: (body: Buffer) => void): void {
  bodyObservers.set(req, observe);
}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const body = await readWhole(req, limit);
  bodyObservers.get(req)?.(body);
  return body;
}

/** What a stream's iterator throws when the request closes before its body ended. */
const prematureClose = () => Object.assign(new Error('the request closed before its body ended'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });

/**
 * The request's body, read with 'data' and 'end' listeners: a stream's async iterator costs a
 * promise and an iterator state per chunk, paid on every write. A client that goes away before
 * the end rejects (the connection's error, or a premature close).
 */
function readWhole(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(errors.tooLarge());
  }
  // Read already (the listeners below would wait for an 'end' that has been): nothing is left.
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  if (req.destroyed) return Promise.reject(prematureClose());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (data: unknown) => {
      // A request without an encoding set reads as Buffers.
      const chunk = Buffer.isBuffer(data) ? data : Buffer.from(String(data));
      size += chunk.length;
      if (size > limit) {
        done();
        req.resume();
        reject(errors.tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    };
    const onError = (e: Error) => { done(); reject(e); };
    const onClose = () => { done(); reject(prematureClose()); };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

export function sendBody(res: ServerResponse, code: number, contentType: string, body: string | Buffer | Buffer[], headers: Record<string, string | string[]> = {}): void {
  sendSized(res, code, contentType, body, byteLength(body), headers);
}

/** Every answer's type and caching headers, then the handler's own. */
function answerHeaders(contentType: string, headers: Record<string, string | string[]>): Record<string, string | string[]> {
  return { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private', ...headers };
}

function byteLength(body: string | Buffer | Buffer[]): number {
  return Array.isArray(body) ? body.reduce((n, b) => n + b.length, 0) : Buffer.byteLength(body);
}

/** sendBody with the body's length in bytes counted already. */
function sendSized(res: ServerResponse, code: number, contentType: string, body: string | Buffer | Buffer[], length: number, headers: Record<string, string | string[]>): void {
  if (res.headersSent) { res.end(); return; }
  // An answer sent before the request's body was read (413, an early error) ends the connection,
  // as Go's net/http does: what is left of the body would otherwise be read as the next request,
  // or waited for from a client that stopped sending it.
  const close = res.req && !res.req.complete ? { Connection: 'close' } : {};
  res.writeHead(code, { ...answerHeaders(contentType, headers), ...close, 'Content-Length': length });
  if (!Array.isArray(body)) { res.end(body); return; }
  for (let i = 0; i < body.length - 1; i++) res.write(body[i]);
  res.end(body[body.length - 1]);
}

/**
 * kube-apiserver compresses an answer of its object encoder (objects, lists, Tables, Status,
 * discovery; not watches, OpenAPI or /version) when the request's Accept-Encoding names gzip and
 * the answer is longer than 128 KiB (APIResponseCompression, on by default since 1.16), at gzip's
 * fastest level, whose ratio on API objects is close to the best at a fraction of the CPU.
 */
const GZIP_THRESHOLD_BYTES = 128 * 1024;
const GZIP_LEVEL = 1;
/** The gzip stream is fed in chunks of about this size: one per pass of zlib on libuv's pool rather than one per list item. */
const GZIP_CHUNK_BYTES = 1024 * 1024;
/** zlib's output buffer: the default 16 KiB makes a socket write of each 16 KiB compressed. */
const GZIP_OUTPUT_CHUNK_BYTES = 256 * 1024;

/** Whether an Accept-Encoding value names gzip: kube takes a comma-separated token equal to "gzip" once trimmed (so not "gzip;q=0.5"). */
function acceptsGzip(acceptEncoding: string | undefined): boolean {
  return !!acceptEncoding && acceptEncoding.split(',').some((token) => token.trim() === 'gzip');
}

/** An API object answer: gzipped as kube-apiserver does (see GZIP_THRESHOLD_BYTES), otherwise as it is. */
function sendEncoded(res: ServerResponse, code: number, contentType: string, body: string | Buffer[], headers: Record<string, string | string[]>): void {
  const length = byteLength(body);
  if (length <= GZIP_THRESHOLD_BYTES || res.headersSent || !acceptsGzip(res.req?.headers['accept-encoding'])) {
    sendSized(res, code, contentType, body, length, headers);
    return;
  }
  res.writeHead(code, { ...answerHeaders(contentType, headers), 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' });
  // Compressed on libuv's threads as the socket takes it; a client gone mid-answer ends the stream.
  pipeline(Readable.from(gzipChunks(body)), createGzip({ level: GZIP_LEVEL, chunkSize: GZIP_OUTPUT_CHUNK_BYTES }), res, () => undefined);
}

/** The body in chunks of at least GZIP_CHUNK_BYTES (list items are a few KB each). */
function* gzipChunks(body: string | Buffer[]): Generator<Buffer> {
  if (typeof body === 'string') {
    yield Buffer.from(body);
    return;
  }
  let batch: Buffer[] = [];
  let size = 0;
  for (const part of body) {
    batch.push(part);
    size += part.length;
    if (size >= GZIP_CHUNK_BYTES) {
      yield batch.length === 1 ? batch[0] : Buffer.concat(batch, size);
      batch = [];
      size = 0;
    }
  }
  if (size) yield Buffer.concat(batch, size);
}

const NEWLINE = Buffer.from('\n');

/**
 * A JSON answer as kube-apiserver's encoder writes one: the document followed by a newline.
 * `body` is already-encoded JSON (a string, cached bytes, or the parts of one document).
 */
export function sendJSON(res: ServerResponse, code: number, body: string | Buffer | Buffer[], headers: Record<string, string | string[]> = {}, contentType = 'application/json'): void {
  const parts = Array.isArray(body) ? [...body, NEWLINE] : typeof body === 'string' ? body + '\n' : [body, NEWLINE];
  sendEncoded(res, code, contentType, parts, headers);
}

export function sendObject(res: ServerResponse, code: number, obj: unknown, format: ResponseFormat = { kind: 'json' }, headers: Record<string, string | string[]> = {}): void {
  if (format.kind === 'yaml') sendEncoded(res, code, 'application/yaml', yaml().stringify(obj), headers);
  else sendJSON(res, code, JSON.stringify(obj), headers);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  sendBody(res, code, 'text/plain; charset=utf-8', text);
}

export function sendStatus(res: ServerResponse, status: Status, headers: Record<string, string> = {}): void {
  sendObject(res, status.code, status, { kind: 'json' }, headers);
}

/** Any thrown value as a Status answer; unexpected errors are logged and become a 500. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof StatusError) {
    const headers: Record<string, string> = {};
    if (err.details?.retryAfterSeconds) headers['Retry-After'] = String(err.details.retryAfterSeconds);
    sendStatus(res, err.toStatus(), headers);
    return;
  }
  console.error('tinykube: internal error:', err);
  sendStatus(res, errors.internal(err instanceof Error ? err.message : String(err)).toStatus());
}

/** Answers an upgrade request with a plain HTTP response instead (the upgrade is refused). */
export function refuseUpgrade(req: IncomingMessage, socket: Socket, err: unknown): void {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.on('finish', () => { res.detachSocket(socket); socket.end(); });
  sendError(res, err);
}
