// Fault injection: rules that make chosen requests misbehave as a struggling kube-apiserver does,
// so client libraries and controllers can be tested against it. A rule matches requests by verb,
// resource, namespace and name, and acts on them: latency, an error answer with kube's Status
// body, a watch stream that drops, a 410 on the next watch resume, or 409s on updates. Rules can
// apply to the next N matching requests only, or at random with a seeded generator, so a failing
// test reproduces with the same seed.
import { seededGenerator } from '../../api/entropy.js';
import { errors, StatusError, type GroupResource } from '../../api/errors.js';
import { isJsonObject } from '../../api/json.js';

export interface FaultMatch {
  /** kube verbs: get, list, watch, create, update, patch, delete, deletecollection. */
  verb?: string | string[];
  /** Plural resource name (`pods`), optionally with its subresource (`pods/status`). */
  resource?: string;
  group?: string;
  namespace?: string;
  name?: string;
}

export type FaultErrorCode = 429 | 500 | 503 | 504;

export interface FaultSpec {
  match?: FaultMatch;
  /** Delay before the request is handled, in ms. */
  latencyMs?: number;
  /** Answer with this error instead of handling the request. */
  error?: { code: FaultErrorCode; message?: string; retryAfterSeconds?: number };
  /** End matching watch streams after this many events, or after this many seconds. */
  dropWatchAfterEvents?: number;
  dropWatchAfterSeconds?: number;
  /** Answer the next matching watch that resumes from a resourceVersion with 410 Gone. */
  expireWatch?: boolean;
  /** Answer matching updates and patches with 409 Conflict, as when another writer won. */
  conflict?: boolean;
  /** Act on this many matching requests, then retire (default: every one, until removed). */
  times?: number;
  /** Act on each matching request with this probability (0 to 1; default 1), drawn from the seed. */
  probability?: number;
}

export interface Fault extends FaultSpec {
  id: string;
  /** Requests this rule has acted on so far. */
  hits: number;
}

/** What the faults that apply to one request do to it. */
export interface FaultActions {
  latencyMs: number;
  /** The answer instead of handling the request (sent with Retry-After when it says so). */
  error?: StatusError;
  dropWatchAfterEvents?: number;
  dropWatchAfterSeconds?: number;
  expireWatch: boolean;
}

export interface FaultRequest {
  verb: string;
  resource?: string;
  subresource?: string;
  group?: string;
  namespace?: string;
  name?: string;
  /** For watches: whether the client resumes from a resourceVersion (only those can expire). */
  resumes?: boolean;
}

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

export class FaultSpecError extends Error {}

/** Checks a rule as given over the admin API or the library; throws FaultSpecError saying what is wrong. */
export function checkFaultSpec(spec: unknown): FaultSpec {
  if (!isJsonObject(spec)) throw new FaultSpecError('a fault must be a JSON object');
  const s = spec;
  const known = ['match', 'latencyMs', 'error', 'dropWatchAfterEvents', 'dropWatchAfterSeconds', 'expireWatch', 'conflict', 'times', 'probability'];
  for (const k of Object.keys(s)) if (!known.includes(k)) throw new FaultSpecError(`unknown field "${k}"; a fault has ${known.join(', ')}`);
  const positive = (k: string): number | undefined => {
    const v = s[k];
    if (v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0)) return v;
    throw new FaultSpecError(`${k} must be a number of at least 0`);
  };
  const latencyMs = positive('latencyMs');
  const dropWatchAfterEvents = positive('dropWatchAfterEvents');
  const dropWatchAfterSeconds = positive('dropWatchAfterSeconds');
  const { times, probability } = s;
  if (times !== undefined && !(typeof times === 'number' && Number.isInteger(times) && times >= 1)) throw new FaultSpecError('times must be a whole number of at least 1');
  if (probability !== undefined && !(typeof probability === 'number' && probability >= 0 && probability <= 1)) throw new FaultSpecError('probability must be a number from 0 to 1');
  const flag = (k: string): boolean | undefined => {
    const v = s[k];
    if (v === undefined || typeof v === 'boolean') return v;
    throw new FaultSpecError(`${k} must be true or false`);
  };
  const expireWatch = flag('expireWatch');
  const conflict = flag('conflict');
  const error = s.error === undefined ? undefined : checkFaultError(s.error);
  const match = s.match === undefined ? undefined : checkFaultMatch(s.match);
  if (error === undefined && !latencyMs && dropWatchAfterEvents === undefined && dropWatchAfterSeconds === undefined && !expireWatch && !conflict) {
    throw new FaultSpecError('a fault needs something to do: latencyMs, error, dropWatchAfterEvents, dropWatchAfterSeconds, expireWatch or conflict');
  }
  // The checked values, in the order the rule gave its fields.
  const out: FaultSpec = {};
  for (const k of Object.keys(s)) {
    switch (k) {
      case 'match': out.match = match; break;
      case 'latencyMs': out.latencyMs = latencyMs; break;
      case 'error': out.error = error; break;
      case 'dropWatchAfterEvents': out.dropWatchAfterEvents = dropWatchAfterEvents; break;
      case 'dropWatchAfterSeconds': out.dropWatchAfterSeconds = dropWatchAfterSeconds; break;
      case 'expireWatch': out.expireWatch = expireWatch; break;
      case 'conflict': out.conflict = conflict; break;
      case 'times': out.times = times; break;
      case 'probability': out.probability = probability; break;
    }
  }
  return out;
}

function checkFaultError(e: unknown): FaultSpec['error'] {
  const code = isJsonObject(e) ? e.code : undefined;
  if (!isJsonObject(e) || (code !== 429 && code !== 500 && code !== 503 && code !== 504)) throw new FaultSpecError('error.code must be 429, 500, 503 or 504');
  const { message, retryAfterSeconds } = e;
  if (message !== undefined && typeof message !== 'string') throw new FaultSpecError('error.message must be a string');
  if (retryAfterSeconds !== undefined && !(typeof retryAfterSeconds === 'number' && Number.isInteger(retryAfterSeconds) && retryAfterSeconds >= 0)) throw new FaultSpecError('error.retryAfterSeconds must be a whole number of at least 0');
  // Other fields are not checked, and kept as given.
  const out: NonNullable<FaultSpec['error']> & Record<string, unknown> = { code };
  for (const k of Object.keys(e)) {
    if (k === 'message') out.message = message;
    else if (k === 'retryAfterSeconds') out.retryAfterSeconds = retryAfterSeconds;
    else if (k !== 'code') out[k] = e[k];
  }
  return out;
}

function checkFaultMatch(m: unknown): FaultMatch {
  if (!isJsonObject(m)) throw new FaultSpecError('match must be an object');
  for (const k of Object.keys(m)) if (!['verb', 'resource', 'group', 'namespace', 'name'].includes(k)) throw new FaultSpecError(`unknown field "match.${k}"; match has verb, resource, group, namespace, name`);
  const verbs: string[] = [];
  for (const v of m.verb === undefined ? [] : Array.isArray(m.verb) ? m.verb : [m.verb]) {
    if (typeof v !== 'string' || !VERBS.includes(v)) throw new FaultSpecError(`match.verb "${String(v)}" is not one of ${VERBS.join(', ')}`);
    verbs.push(v);
  }
  const text = (k: string): string | undefined => {
    const v = m[k];
    if (v === undefined || typeof v === 'string') return v;
    throw new FaultSpecError(`match.${k} must be a string`);
  };
  const fields = { resource: text('resource'), group: text('group'), namespace: text('namespace'), name: text('name') };
  const out: FaultMatch = {};
  for (const k of Object.keys(m)) {
    if (k === 'verb') out.verb = Array.isArray(m.verb) ? verbs : verbs[0];
    else if (k === 'resource' || k === 'group' || k === 'namespace' || k === 'name') out[k] = fields[k];
  }
  return out;
}

function matches(m: FaultMatch | undefined, r: FaultRequest): boolean {
  if (!m) return true;
  if (m.verb !== undefined && !(Array.isArray(m.verb) ? m.verb : [m.verb]).includes(r.verb)) return false;
  if (m.resource !== undefined) {
    const [resource, sub] = m.resource.split('/');
    if (resource !== r.resource || (sub ?? undefined) !== r.subresource) return false;
  }
  if (m.group !== undefined && m.group !== (r.group ?? '')) return false;
  if (m.namespace !== undefined && m.namespace !== r.namespace) return false;
  if (m.name !== undefined && m.name !== r.name) return false;
  return true;
}

/** Whether a fault's action is one that can apply to this request at all. */
function applicable(f: FaultSpec, r: FaultRequest): boolean {
  if (f.latencyMs || f.error) return true;
  if ((f.dropWatchAfterEvents !== undefined || f.dropWatchAfterSeconds !== undefined) && r.verb === 'watch') return true;
  if (f.expireWatch && r.verb === 'watch' && r.resumes) return true;
  if (f.conflict && (r.verb === 'update' || r.verb === 'patch')) return true;
  return false;
}

export function faultError(spec: NonNullable<FaultSpec['error']>): StatusError {
  switch (spec.code) {
    // As kube-apiserver's max-in-flight and priority-and-fairness filters answer (with Retry-After).
    case 429: return new StatusError(429, 'TooManyRequests', spec.message ?? 'Too many requests, please try again later.', { retryAfterSeconds: spec.retryAfterSeconds ?? 1 });
    case 500: return errors.internal(spec.message ?? 'injected by tinykube');
    case 503: return new StatusError(503, 'ServiceUnavailable', spec.message ?? 'the server is currently unable to handle the request', spec.retryAfterSeconds ? { retryAfterSeconds: spec.retryAfterSeconds } : undefined);
    case 504: return errors.timeout(spec.message ?? 'Timeout: request did not complete within the allotted timeout', spec.retryAfterSeconds ?? 0);
  }
}

export class FaultInjector {
  private readonly faults: (Fault & { random: () => number })[] = [];
  private nextId = 1;

  /** `seed` fixes every rule's random draws (each rule draws from its own sequence). */
  constructor(private readonly seed = 1) {}

  add(spec: FaultSpec): Fault {
    const checked = checkFaultSpec(spec);
    const id = String(this.nextId++);
    const fault = { ...structuredClone(checked), id, hits: 0, random: seededGenerator(this.seed * 1_000_003 + Number(id)) };
    this.faults.push(fault);
    return this.view(fault);
  }

  list(): Fault[] { return this.faults.map((f) => this.view(f)); }

  remove(id: string): boolean {
    const i = this.faults.findIndex((f) => f.id === id);
    if (i < 0) return false;
    this.faults.splice(i, 1);
    return true;
  }

  clear(): void { this.faults.length = 0; }

  get empty(): boolean { return this.faults.length === 0; }

  /**
   * The actions for one request. An error answer preempts the other actions, and an expired
   * watch preempts drops; a rule counts (towards `times`) only when its action takes effect.
   */
  actionsFor(r: FaultRequest, gr?: GroupResource): FaultActions | undefined {
    if (!this.faults.length) return undefined;
    const acting = this.faults.filter((f) => matches(f.match, r) && applicable(f, r) && (f.probability === undefined || f.random() < f.probability));
    if (!acting.length) return undefined;
    const out: FaultActions = { latencyMs: 0, expireWatch: false };
    const effective = new Set<Fault>();
    for (const f of acting) if (f.latencyMs) { out.latencyMs += f.latencyMs; effective.add(f); }
    const updates = r.verb === 'update' || r.verb === 'patch';
    const failing = acting.find((f) => f.error || (f.conflict && updates));
    if (failing) {
      out.error = failing.error ? faultError(failing.error) : errors.staleUpdate(gr ?? { group: r.group ?? '', resource: r.resource ?? '' }, r.name ?? '');
      effective.add(failing);
    } else if (r.verb === 'watch') {
      const expiring = acting.find((f) => f.expireWatch);
      if (expiring) {
        out.expireWatch = true;
        effective.add(expiring);
      } else {
        for (const f of acting) {
          if (f.dropWatchAfterEvents === undefined && f.dropWatchAfterSeconds === undefined) continue;
          if (f.dropWatchAfterEvents !== undefined) out.dropWatchAfterEvents = Math.min(out.dropWatchAfterEvents ?? Infinity, f.dropWatchAfterEvents);
          if (f.dropWatchAfterSeconds !== undefined) out.dropWatchAfterSeconds = Math.min(out.dropWatchAfterSeconds ?? Infinity, f.dropWatchAfterSeconds);
          effective.add(f);
        }
      }
    }
    for (const f of effective) {
      f.hits++;
      if (f.times !== undefined && f.hits >= f.times) this.remove(f.id);
    }
    return effective.size ? out : undefined;
  }

  private view(f: Fault & { random: () => number }): Fault {
    const { random, ...rest } = f;
    void random;
    return structuredClone(rest);
  }
}
