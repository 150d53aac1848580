// The admin API under /tinykube/v1/ (served with --admin): the request recorder and fault rules
// over HTTP, for tests written in any language.
//   GET    /tinykube/v1/requests?verb=&resource=&namespace=&name=&user=&path=&since=&limit=
//   DELETE /tinykube/v1/requests
//   GET    /tinykube/v1/faults        POST /tinykube/v1/faults (a FaultSpec)
//   DELETE /tinykube/v1/faults        DELETE /tinykube/v1/faults/{id}
//   GET    /tinykube/v1/clock         POST /tinykube/v1/clock ({"advanceSeconds": N} or {"time": ...})
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../../api/errors.js';
import { isJsonObject } from '../../api/json.js';
import type { ManualClock } from '../../api/entropy.js';
import { readBody, sendError, sendObject } from '../http.js';
import { checkFaultSpec, FaultSpecError, type FaultInjector } from './faults.js';
import type { RequestFilter, RequestRecorder } from './recorder.js';

export const ADMIN_PREFIX = '/tinykube/v1/';
const API_VERSION = 'tinykube.io/v1';
const SUCCESS = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };

export class AdminHandler {
  constructor(private readonly faults: FaultInjector, private readonly recorder: RequestRecorder, private readonly clock?: ManualClock) {}

  async handle(path: string, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    try {
      const [collection, id, ...rest] = path.slice(ADMIN_PREFIX.length).split('/');
      if (rest.length) throw errors.pathNotFound();
      const method = req.method ?? 'GET';
      if (collection === 'requests' && id === undefined) {
        if (method === 'GET') return sendObject(res, 200, { kind: 'RequestList', apiVersion: API_VERSION, items: this.recorder.list(requestFilter(query)) });
        if (method === 'DELETE') { this.recorder.reset(); return sendObject(res, 200, SUCCESS); }
        throw errors.methodNotAllowed();
      }
      if (collection === 'faults' && id === undefined) {
        if (method === 'GET') return sendObject(res, 200, { kind: 'FaultList', apiVersion: API_VERSION, items: this.faults.list() });
        if (method === 'DELETE') { this.faults.clear(); return sendObject(res, 200, SUCCESS); }
        if (method === 'POST') {
          let spec: unknown;
          try {
            spec = JSON.parse((await readBody(req)).toString('utf8'));
          } catch (e) {
            throw errors.badRequest(`a fault must be JSON: ${e instanceof Error ? e.message : String(e)}`);
          }
          try {
            return sendObject(res, 201, { kind: 'Fault', apiVersion: API_VERSION, ...this.faults.add(checkFaultSpec(spec)) });
          } catch (e) {
            if (e instanceof FaultSpecError) throw errors.badRequest(`invalid fault: ${e.message}`);
            throw e;
          }
        }
        throw errors.methodNotAllowed();
      }
      if (collection === 'clock' && id === undefined) return await this.handleClock(method, req, res);
      if (collection === 'faults' && id) {
        if (method !== 'DELETE') throw errors.methodNotAllowed();
        if (!this.faults.remove(id)) throw errors.notFound({ group: 'tinykube.io', resource: 'faults' }, id);
        return sendObject(res, 200, SUCCESS);
      }
      throw errors.pathNotFound();
    } catch (e) {
      sendError(res, e);
    }
  }

  /** The fixed clock: GET reads it; POST {"advanceSeconds": N} or {"time": "RFC 3339"} moves it. */
  private async handleClock(method: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const clock = this.clock;
    if (!clock) throw errors.badRequest('the clock is real time: start tinykube with --clock to fix and move it');
    const show = (d: Date) => sendObject(res, 200, { kind: 'Clock', apiVersion: API_VERSION, time: d.toISOString() });
    if (method === 'GET') return show(clock.now());
    if (method !== 'POST') throw errors.methodNotAllowed();
    let parsed: unknown;
    try {
      parsed = JSON.parse((await readBody(req)).toString('utf8'));
    } catch (e) {
      throw errors.badRequest(`a clock change must be JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    const body = isJsonObject(parsed) ? parsed : {};
    if (typeof body.advanceSeconds === 'number' && Number.isFinite(body.advanceSeconds) && body.advanceSeconds >= 0) return show(clock.advance(body.advanceSeconds * 1000));
    if (typeof body.time === 'string' && !Number.isNaN(Date.parse(body.time))) return show(clock.set(new Date(body.time)));
    throw errors.badRequest('a clock change is {"advanceSeconds": N} (N >= 0) or {"time": "2026-01-01T00:00:00Z"}');
  }
}

function requestFilter(query: URLSearchParams): RequestFilter {
  const number = (k: string): number | undefined => {
    const v = query.get(k);
    if (v === null) return undefined;
    if (!/^\d+$/.test(v)) throw errors.badRequest(`${k} must be a whole number, not "${v}"`);
    return Number(v);
  };
  const text = (k: string) => query.get(k) ?? undefined;
  return { verb: text('verb'), resource: text('resource'), namespace: text('namespace'), name: text('name'), user: text('user'), path: text('path'), since: number('since'), limit: number('limit') };
}
