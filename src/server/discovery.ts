// Discovery documents, legacy (APIVersions, APIGroupList, APIGroup, APIResourceList) and
// aggregated (apidiscovery.k8s.io v2 / v2beta1), all derived from the served kinds: their route
// table from OpenAPI and their strategies. A Discovery is a snapshot of the kinds served when it
// was made; the server makes a new one when a kind is registered or unregistered.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../api/errors.js';
import type { Registry, ServedKind } from '../api/registry.js';
import type { GroupVersionDocument, ResourceShape } from '../api/openapi.js';
import { sendError, sendJSON, sendObject } from './http.js';
import { chooseResponseFormat } from './negotiation.js';
import type { NonResourceRequest } from './request-info.js';

interface GroupInfo { name: string; versions: string[] }

/** Kube's version priority (CompareKubeAwareVersionStrings): GA, then beta, then alpha, higher first. */
function byVersionPriority(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [-1, 0, 0];
    return [m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [x, y] = [rank(a), rank(b)];
  return y[0] - x[0] || y[1] - x[1] || y[2] - x[2] || a.localeCompare(b);
}

/** The kinds of one group-version. */
interface GroupVersionKinds { group: string; version: string; kinds: ServedKind[] }

/** kube's storageVersionHash: an opaque digest of the storage group/version/kind. */
function storageVersionHash(shape: ResourceShape): string {
  return createHash('sha256').update(`${shape.group}/${shape.version}/${shape.kind}`).digest('base64').slice(0, 12);
}

export class Discovery {
  private readonly docs: GroupVersionKinds[];
  readonly groups: GroupInfo[];

  /** `documents` give the order: group-versions as /openapi/v3 lists them, resources as their paths sort. */
  constructor(served: ServedKind[], documents: GroupVersionDocument[]) {
    const byResource = new Map(served.map((k) => [`${k.shape.group}/${k.shape.version}/${k.shape.resource}`, k]));
    this.docs = documents.map((d) => ({
      group: d.group,
      version: d.version,
      kinds: d.resources.flatMap((shape) => byResource.get(`${shape.group}/${shape.version}/${shape.resource}`) ?? []),
    }));
    const groups = new Map<string, GroupInfo>();
    for (const d of this.docs) {
      if (!d.group) continue;
      const g = groups.get(d.group) ?? { name: d.group, versions: [] };
      g.versions.push(d.version);
      groups.set(d.group, g);
    }
    for (const g of groups.values()) g.versions.sort(byVersionPriority);
    this.groups = [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  apiVersions(serverAddress: string): unknown {
    return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
  }

  apiGroupList(): unknown {
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: this.groups.map((g) => this.groupBody(g)) };
  }

  apiGroup(name: string): unknown | undefined {
    const g = this.groups.find((x) => x.name === name);
    return g && { kind: 'APIGroup', apiVersion: 'v1', ...this.groupBody(g) };
  }

  private groupBody(g: GroupInfo): Record<string, unknown> {
    const versions = g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v }));
    return { name: g.name, versions, preferredVersion: versions[0] };
  }

  /** The legacy APIResourceList of one group-version, subresources as `pods/status` entries. */
  resourceList(group: string, version: string): unknown | undefined {
    const doc = this.docs.find((d) => d.group === group && d.version === version);
    if (!doc) return undefined;
    const resources: Record<string, unknown>[] = [];
    for (const { shape, strategy: s } of doc.kinds) {
      resources.push({
        name: shape.resource,
        singularName: s.singularName,
        namespaced: shape.namespaced,
        kind: shape.kind,
        verbs: shape.verbs,
        ...(s.shortNames ? { shortNames: s.shortNames } : {}),
        ...(s.categories ? { categories: s.categories } : {}),
        storageVersionHash: storageVersionHash(shape),
      });
      for (const sub of shape.subresources) {
        const cross = sub.kind.group !== group || sub.kind.version !== version;
        resources.push({
          name: `${shape.resource}/${sub.name}`,
          singularName: '',
          namespaced: shape.namespaced,
          ...(cross ? { group: sub.kind.group, version: sub.kind.version } : {}),
          kind: sub.kind.kind,
          verbs: sub.verbs,
        });
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
  }

  /** Aggregated discovery for /api (core) or /apis (every group). */
  aggregated(apiPrefix: 'api' | 'apis', version: 'v2' | 'v2beta1'): unknown {
    const docs = this.docs.filter((d) => (apiPrefix === 'api' ? !d.group : !!d.group));
    const byGroup = new Map<string, GroupVersionKinds[]>();
    for (const d of docs) byGroup.set(d.group, [...(byGroup.get(d.group) ?? []), d]);
    const items = [...byGroup.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([group, gds]) => ({
      metadata: group ? { name: group, creationTimestamp: null } : { creationTimestamp: null },
      versions: [...gds].sort((a, b) => byVersionPriority(a.version, b.version)).map((d) => ({
        version: d.version,
        freshness: 'Current',
        resources: d.kinds.map(({ shape, strategy: s }) => {
          return {
            resource: shape.resource,
            responseKind: { group: shape.group, version: shape.version, kind: shape.kind },
            scope: shape.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: s.singularName,
            verbs: shape.verbs,
            ...(s.shortNames ? { shortNames: s.shortNames } : {}),
            ...(s.categories ? { categories: s.categories } : {}),
            ...(shape.subresources.length ? {
              subresources: shape.subresources.map((sub) => ({
                subresource: sub.name,
                responseKind: { group: sub.kind.group, version: sub.kind.version, kind: sub.kind.kind },
                verbs: sub.verbs,
              })),
            } : {}),
          };
        }),
      })),
    }));
    return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
  }
}

/** A strong ETag for a response body, as kube sets on discovery documents. */
export function etagOf(body: string): string {
  return `"${createHash('sha512').update(body).digest('hex')}"`;
}

/**
 * Serves discovery for a registry: a Discovery of the kinds served now, made on the first request
 * after a kind is registered or unregistered, with each aggregated document encoded once and its ETag.
 */
export class DiscoveryHandler {
  private current?: Discovery;
  private readonly aggregatedBodies = new Map<string, { body: string; etag: string }>();

  constructor(private readonly registry: Registry, private readonly serverAddress: () => string) {
    registry.onChange(() => {
      this.current = undefined;
      this.aggregatedBodies.clear();
    });
  }

  private get discovery(): Discovery {
    this.current ??= new Discovery(this.registry.served(), this.registry.documents());
    return this.current;
  }

  /** The discovery paths of the index kube-apiserver serves at `/` (its RootPaths): /api, /apis/ and each group and group-version. */
  rootPaths(): string[] {
    const paths = ['/api', '/api/v1', '/apis', '/apis/'];
    for (const g of this.discovery.groups) paths.push(`/apis/${g.name}`, ...g.versions.map((v) => `/apis/${g.name}/${v}`));
    return paths;
  }

  /** Answers GET /api, /apis, /apis/{group} and /api(s)/.../{version}. */
  handle(d: NonNullable<NonResourceRequest['discovery']>, req: IncomingMessage, res: ServerResponse): void {
    const discovery = this.discovery;
    if (!d.version && !d.group) {
      const format = chooseResponseFormat(req.headers.accept, { allowDiscovery: true });
      if (format?.kind === 'discovery') {
        const { body, etag } = this.aggregated(d.apiPrefix, format.version);
        const headers = { ETag: etag, Vary: 'Accept', 'Cache-Control': 'public' };
        if (req.headers['if-none-match'] === etag) { res.writeHead(304, headers); res.end(); return; }
        return sendJSON(res, 200, body, headers, `application/json;g=apidiscovery.k8s.io;v=${format.version};as=APIGroupDiscoveryList`);
      }
      return sendObject(res, 200, d.apiPrefix === 'api' ? discovery.apiVersions(this.serverAddress()) : discovery.apiGroupList());
    }
    if (d.apiPrefix === 'apis' && d.group && !d.version) {
      const group = discovery.apiGroup(d.group);
      return group ? sendObject(res, 200, group) : sendError(res, errors.pathNotFound());
    }
    const group = d.group ?? '';
    const list = d.version && (d.apiPrefix === 'apis') === (group !== '') ? discovery.resourceList(group, d.version) : undefined;
    return list ? sendObject(res, 200, list) : sendError(res, errors.pathNotFound());
  }

  private aggregated(prefix: 'api' | 'apis', version: 'v2' | 'v2beta1'): { body: string; etag: string } {
    const key = `${prefix}/${version}`;
    let cached = this.aggregatedBodies.get(key);
    if (!cached) {
      const body = JSON.stringify(this.discovery.aggregated(prefix, version));
      cached = { body, etag: etagOf(body) };
      this.aggregatedBodies.set(key, cached);
    }
    return cached;
  }
}
