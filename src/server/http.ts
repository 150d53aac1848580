// Small helpers over node:http for the handlers: reading bodies with a size limit, writing JSON,
// YAML and Status answers.
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
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

async function readWhole(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw errors.tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw errors.tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function sendBody(res: ServerResponse, code: number, contentType: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  if (res.headersSent) { res.end(); return; }
  res.writeHead(code, { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private', ...headers, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendObject(res: ServerResponse, code: number, obj: unknown, format: ResponseFormat = { kind: 'json' }, headers: Record<string, string> = {}): void {
  if (format.kind === 'yaml') sendBody(res, code, 'application/yaml', yaml().stringify(obj), headers);
  else sendBody(res, code, 'application/json', JSON.stringify(obj), headers);
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
