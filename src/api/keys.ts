// Continue tokens and random names: small encodings kube clients see but treat as opaque.
import { isJsonObject } from './json.js';

export interface ContinueToken { rv: number; start: string }

/** base64url (no padding) of `{"v":"meta.k8s.io/v1","rv":N,"start":"<key>"}`, as kube's storage layer. */
export function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

export function decodeContinue(token: string): ContinueToken | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (!isJsonObject(parsed) || parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string') return undefined;
    return { rv: parsed.rv, start: parsed.start };
  } catch {
    return undefined;
  }
}

