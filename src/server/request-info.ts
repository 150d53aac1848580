// Parses a request path into what it addresses, as kube-apiserver's RequestInfoFactory does:
//   /api/v1/namespaces/{ns}/{resource}/{name}/{subresource}
//   /apis/{group}/{version}/{resource}/{name}
//   /api/v1/watch/namespaces/{ns}/{resource}   (legacy watch paths)
// Pure: no I/O, unit-tested.

export interface ResourceRequest {
  isResourceRequest: true;
  apiPrefix: 'api' | 'apis';
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  /** Path segments after the subresource (proxy paths). */
  rest: string[];
  /** get, list, watch, create, update, patch, delete, deletecollection. */
  verb: string;
}

export interface NonResourceRequest {
  isResourceRequest: false;
  path: string;
  verb: string;
  /** For /api, /apis, /api/v1, /apis/{g}, /apis/{g}/{v}: the discovery level asked for. */
  discovery?: { apiPrefix: 'api' | 'apis'; group?: string; version?: string };
}

export type RequestInfo = ResourceRequest | NonResourceRequest;

/** Subresources that connect to a pod or service (kube's CONNECT verb) rather than read or write an object. */
export const CONNECT_SUBRESOURCES: ReadonlySet<string> = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);

/** Query booleans as kube parses them: true, True, TRUE, 1, t, T. */
export function queryBool(v: string | null | undefined): boolean {
  if (v === null || v === undefined) return false;
  return ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v);
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** A path the WHATWG URL parser would give back as it is: no escapes, no dot segments, not `//`. */
const PLAIN_PATH = /^\/(?!\/)[A-Za-z0-9._~:@!$&'()*+,;=/-]*$/;
const DOT_SEGMENT = /\/\.{1,2}(?:\/|$)/;

/**
 * A request target's path and query, as `new URL(target, base)` gives them. Most targets are plain
 * (`/api/v1/namespaces/default/pods?limit=500`), and are split without the URL parser.
 */
export function splitTarget(target: string): { pathname: string; query: URLSearchParams } {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  if (PLAIN_PATH.test(path) && !DOT_SEGMENT.test(path) && !target.includes('#')) {
    return { pathname: path, query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)) };
  }
  const url = new URL(target, 'http://localhost');
  return { pathname: url.pathname, query: url.searchParams };
}

const VERBS: Readonly<Record<string, string>> = { GET: 'get', HEAD: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const baseVerb = VERBS[method] ?? method.toLowerCase();
  const parts = pathname.split('/').filter(Boolean).map(safeDecode);
  const nonResource = (discovery?: NonResourceRequest['discovery']): NonResourceRequest => ({ isResourceRequest: false, path: pathname, verb: baseVerb, ...(discovery ? { discovery } : {}) });
  if (parts[0] !== 'api' && parts[0] !== 'apis') return nonResource();
  const apiPrefix = parts[0];
  let i = 1;
  let group = '';
  if (apiPrefix === 'apis') {
    if (parts.length === 1) return nonResource({ apiPrefix });
    group = parts[i++];
    if (parts.length === 2) return nonResource({ apiPrefix, group });
  } else if (parts.length === 1) {
    return nonResource({ apiPrefix });
  }
  const version = parts[i++];
  if (i === parts.length) return nonResource({ apiPrefix, group, version });
  let rest = parts.slice(i);
  let watchPath = false;
  if (rest[0] === 'watch') { watchPath = true; rest = rest.slice(1); }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    // `/namespaces/{ns}/{resource}...` addresses a namespaced resource, except the namespace's own
    // subresources (`/namespaces/{name}/status`, `/finalize`).
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) { namespace = rest[1]; rest = rest.slice(2); }
    else return resource('namespaces', rest[1], rest[2], rest.slice(3));
  }
  const [res, name, subresource, ...tail] = rest;
  if (!res) return nonResource();
  return resource(res, name, subresource, tail);

  function resource(res: string, name: string | undefined, subresource: string | undefined, tail: string[]): ResourceRequest {
    let verb = baseVerb;
    if (verb === 'get' && !name) verb = 'list';
    if (verb === 'delete' && !name) verb = 'deletecollection';
    if ((verb === 'list' || verb === 'get') && !subresource && (watchPath || queryBool(query.get('watch')))) verb = 'watch';
    return {
      isResourceRequest: true, apiPrefix, group, version, resource: res, rest: tail, verb,
      ...(namespace !== undefined ? { namespace } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(subresource !== undefined ? { subresource } : {}),
    };
  }
}

function safeDecode(s: string): string {
  // Most segments have nothing escaped: no decoding (and no try) for them.
  if (!s.includes('%')) return s;
  try { return decodeURIComponent(s); } catch { return s; }
}
