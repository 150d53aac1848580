// Which backend of which Ingress a request goes to, pure, as the Ingress API defines matching:
// a rule's host exactly (case-insensitive), else a wildcard host (`*.foo.com` matches one label
// more), else the rules without a host; among their paths the longest match wins, Exact before
// Prefix on a tie; Prefix matches element by element (`/foo` matches `/foo`, `/foo/` and
// `/foo/bar`, not `/foobar`), a trailing slash ignored; ImplementationSpecific is matched as
// Prefix (an empty path as `/`). Nothing matched: a matching Ingress's defaultBackend, else any.
import type { HTTPIngressPath, Ingress, IngressBackend } from '../api/objects.js';

export interface IngressRoute { ingress: Ingress; backend: IngressBackend }

/** How well a rule's host matches the request's: 0 exactly, 1 by wildcard, 2 a rule for any host. */
function hostRank(ruleHost: string | undefined, host: string): number | undefined {
  if (!ruleHost) return 2;
  const wanted = ruleHost.toLowerCase();
  if (wanted === host) return 0;
  if (wanted.startsWith('*.')) {
    const dot = host.indexOf('.');
    if (dot > 0 && host.slice(dot) === wanted.slice(1)) return 1;
  }
  return undefined;
}

/** The path's elements, empty ones (a leading or trailing slash) dropped. */
const elements = (path: string): string[] => path.split('/').filter((e) => e !== '');

/** How long a match `p` is for `path` (longer is more specific), or undefined when it does not match. */
function pathMatch(p: HTTPIngressPath, path: string): number | undefined {
  const rule = p.path || '/';
  if (p.pathType === 'Exact') return rule === path ? rule.length : undefined;
  const want = elements(rule);
  const got = elements(path);
  if (want.length > got.length || want.some((e, i) => e !== got[i])) return undefined;
  return want.join('/').length + 1;
}

/** The request's host without its port, lowercased. */
export function requestHost(header: string | undefined): string {
  const host = (header ?? '').toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon >= 0 ? host.slice(0, colon) : host;
}

/** Where a request for `host` and `url` (path and query) goes among `ingresses` (oldest first), or undefined: 404. */
export function route(ingresses: Ingress[], host: string, url: string): IngressRoute | undefined {
  const path = url.split('?')[0] || '/';
  const candidates: { rank: number; ingress: Ingress; path: HTTPIngressPath }[] = [];
  const byHost = new Set<Ingress>();
  for (const ingress of ingresses) {
    for (const rule of ingress.spec?.rules ?? []) {
      const rank = hostRank(rule.host, host);
      if (rank === undefined) continue;
      byHost.add(ingress);
      for (const p of rule.http?.paths ?? []) candidates.push({ rank, ingress, path: p });
    }
  }
  const best = Math.min(...candidates.map((c) => c.rank));
  let chosen: { length: number; exact: boolean; route: IngressRoute } | undefined;
  for (const c of candidates) {
    if (c.rank !== best) continue;
    const length = pathMatch(c.path, path);
    if (length === undefined) continue;
    const exact = c.path.pathType === 'Exact';
    if (!chosen || length > chosen.length || (length === chosen.length && exact && !chosen.exact)) {
      chosen = { length, exact, route: { ingress: c.ingress, backend: c.path.backend } };
    }
  }
  if (chosen) return chosen.route;
  const fallback = [...ingresses].sort((a, b) => Number(byHost.has(b)) - Number(byHost.has(a))).find((i) => i.spec?.defaultBackend);
  return fallback?.spec?.defaultBackend ? { ingress: fallback, backend: fallback.spec.defaultBackend } : undefined;
}
