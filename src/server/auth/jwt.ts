// Compact JWS with HS256 (RFC 7515/7519): what service-account tokens are signed and checked
// with. kube signs with RS256, but clients never check the signature, only the apiserver does.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Claims = Record<string, unknown>;

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function signJWT(claims: Claims, key: Buffer, keyId?: string): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', ...(keyId ? { kid: keyId } : {}) }));
  const payload = b64url(JSON.stringify(claims));
  const signature = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** The claims of a token signed with `key` that has not expired at `nowSeconds`; undefined otherwise. */
export function verifyJWT(token: string, key: Buffer, nowSeconds: number): Claims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts;
  const expected = createHmac('sha256', key).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let claims: unknown;
  try {
    const head: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    if (!isClaims(head) || head.alg !== 'HS256') return undefined;
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isClaims(claims)) return undefined;
  if (typeof claims.exp === 'number' && claims.exp <= nowSeconds) return undefined;
  if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds) return undefined;
  return claims;
}

function isClaims(v: unknown): v is Claims {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
