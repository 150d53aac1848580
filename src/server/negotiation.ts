// Content negotiation: which representation a client asked for (Accept) and how its body is
// encoded (Content-Type). Pure functions over header values.

export interface MediaType { type: string; params: Record<string, string> }

export function parseMediaTypes(header: string | undefined): MediaType[] {
  if (!header) return [];
  return header.split(',').map((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    const p: Record<string, string> = {};
    for (const kv of params) {
      const eq = kv.indexOf('=');
      if (eq > 0) p[kv.slice(0, eq).trim().toLowerCase()] = kv.slice(eq + 1).trim().replace(/^"|"$/g, '');
    }
    return { type: type.toLowerCase(), params: p };
  }).filter((m) => m.type);
}

export type ResponseFormat =
  | { kind: 'json' }
  | { kind: 'yaml' }
  | { kind: 'table'; version: 'v1' | 'v1beta1' }
  | { kind: 'partialObjectMetadata'; version: 'v1' | 'v1beta1'; list: boolean }
  | { kind: 'discovery'; version: 'v2' | 'v2beta1' };

const JSON_TYPES = new Set(['application/json', 'application/*', '*/*', '*']);

/**
 * The first representation in the client's Accept list that we can produce. `allowDiscovery`
 * enables aggregated discovery answers (only /api and /apis). Undefined means 406.
 */
export function chooseResponseFormat(accept: string | undefined, opts: { allowTable?: boolean; allowDiscovery?: boolean } = {}): ResponseFormat | undefined {
  const types = parseMediaTypes(accept);
  if (types.length === 0) return { kind: 'json' };
  for (const m of types) {
    if (m.params.q === '0') continue;
    const { as, g, v } = m.params;
    if (as) {
      if (m.type !== 'application/json') continue;
      if (opts.allowTable && as === 'Table' && g === 'meta.k8s.io' && (v === 'v1' || v === 'v1beta1')) return { kind: 'table', version: v };
      if (opts.allowTable && (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && g === 'meta.k8s.io' && (v === 'v1' || v === 'v1beta1')) {
        return { kind: 'partialObjectMetadata', version: v, list: as === 'PartialObjectMetadataList' };
      }
      if (opts.allowDiscovery && as === 'APIGroupDiscoveryList' && g === 'apidiscovery.k8s.io' && (v === 'v2' || v === 'v2beta1')) return { kind: 'discovery', version: v };
      continue;
    }
    if (JSON_TYPES.has(m.type)) return { kind: 'json' };
    if (m.type === 'application/yaml') return { kind: 'yaml' };
  }
  return undefined;
}

export type BodyFormat = 'json' | 'yaml' | 'protobuf';
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

export function bodyFormat(contentType: string | undefined): BodyFormat | undefined {
  const type = parseMediaTypes(contentType)[0]?.type ?? 'application/json';
  if (type === 'application/json') return 'json';
  if (type === 'application/yaml') return 'yaml';
  if (type === 'application/vnd.kubernetes.protobuf') return 'protobuf';
  return undefined;
}

export function patchType(contentType: string | undefined): PatchType | undefined {
  const type = parseMediaTypes(contentType)[0]?.type;
  return type ? PATCH_TYPES[type] : undefined;
}
