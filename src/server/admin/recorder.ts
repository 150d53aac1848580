// Request recording: the recent requests a server answered, so a test can assert exactly what its
// client sent (verb, path, query, content type, body) and what it got back. A bounded ring: the
// oldest records go first. A watch is recorded when it starts; its status fills in once answered.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Request headers worth asserting on; the rest (and credentials) are not kept. */
export const RECORDED_HEADERS = ['content-type', 'accept', 'user-agent', 'content-encoding'];

/** Bodies longer than this are cut (and say so). */
const MAX_BODY_CHARS = 64 * 1024;

export interface RecordedRequest {
  /** Increasing across the server's life; `since` filters by it. */
  seq: number;
  time: string;
  user: string;
  /** kube's verb (get, list, watch, create, update, patch, delete, deletecollection) or the HTTP method, lowercased. */
  verb: string;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** The body as text (JSON, YAML), base64 for binary ones (protobuf); absent when there was none. */
  body?: string;
  bodyEncoding?: 'base64';
  bodyTruncated?: boolean;
  /** The answer's HTTP status; absent until it is sent. */
  status?: number;
}

export interface RequestFilter {
  verb?: string;
  resource?: string;
  namespace?: string;
  name?: string;
  user?: string;
  path?: string;
  /** Only records after this sequence number. */
  since?: number;
  /** At most this many, the newest. */
  limit?: number;
}

interface Pending { record: RecordedRequest; res: ServerResponse }

export class RequestRecorder {
  private records: RecordedRequest[] = [];
  private nextSeq = 1;
  private readonly pending = new Map<RecordedRequest, Pending>();

  constructor(private readonly capacity = 1000) {}

  /** Starts a record for a request; the body and status are filled in as they arrive. */
  start(req: IncomingMessage, res: ServerResponse | undefined, fields: Pick<RecordedRequest, 'user' | 'verb' | 'resource' | 'subresource' | 'namespace' | 'name'>): RecordedRequest {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const had = query[k];
      query[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
    }
    const headers: Record<string, string> = {};
    for (const h of RECORDED_HEADERS) {
      const v = req.headers[h];
      if (v !== undefined) headers[h] = Array.isArray(v) ? v.join(', ') : v;
    }
    const record: RecordedRequest = {
      seq: this.nextSeq++, time: new Date().toISOString(), method: req.method ?? 'GET', path: url.pathname, query, headers,
      user: fields.user, verb: fields.verb,
    };
    for (const k of ['resource', 'subresource', 'namespace', 'name'] as const) {
      const v = fields[k];
      if (v !== undefined) record[k] = v;
    }
    this.records.push(record);
    if (this.records.length > this.capacity) this.records = this.records.slice(-this.capacity);
    if (res) {
      const p = { record, res };
      this.pending.set(record, p);
      // A watch answers with its headers long before it ends; record the status then.
      const settle = () => { this.settle(record); };
      res.once('close', settle);
      res.once('finish', settle);
    }
    return record;
  }

  /** Records the body a handler read. */
  body(record: RecordedRequest, body: Buffer): void {
    if (!body.length) return;
    const contentType = record.headers['content-type'] ?? '';
    if (contentType.includes('protobuf')) {
      record.body = body.toString('base64');
      record.bodyEncoding = 'base64';
      return;
    }
    const text = body.toString('utf8');
    record.body = text.length > MAX_BODY_CHARS ? text.slice(0, MAX_BODY_CHARS) : text;
    if (text.length > MAX_BODY_CHARS) record.bodyTruncated = true;
  }

  /** Sets the status of a request answered without a response object (websocket upgrades). */
  answered(record: RecordedRequest, status: number): void {
    record.status = status;
    this.pending.delete(record);
  }

  list(filter: RequestFilter = {}): RecordedRequest[] {
    for (const p of this.pending.values()) if (p.res.headersSent) p.record.status = p.res.statusCode;
    let out = this.records.filter((r) => (filter.since === undefined || r.seq > filter.since)
      && (filter.verb === undefined || r.verb === filter.verb)
      && (filter.resource === undefined || r.resource === filter.resource || `${r.resource}/${r.subresource}` === filter.resource)
      && (filter.namespace === undefined || r.namespace === filter.namespace)
      && (filter.name === undefined || r.name === filter.name)
      && (filter.user === undefined || r.user === filter.user)
      && (filter.path === undefined || r.path === filter.path));
    if (filter.limit !== undefined) out = out.slice(-filter.limit);
    return structuredClone(out);
  }

  reset(): void {
    this.records = [];
    this.pending.clear();
  }

  private settle(record: RecordedRequest): void {
    const p = this.pending.get(record);
    if (!p) return;
    if (p.res.headersSent) record.status = p.res.statusCode;
    this.pending.delete(record);
  }
}
