// Service-account tokens as kube's TokenRequest issues them (pkg/serviceaccount/claims.go): the
// claims, a key kept in the data directory so tokens outlive restarts, and the user a valid
// token authenticates as (system:serviceaccount:NS:NAME in system:serviceaccounts[:NS]).
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signJWT, verifyJWT, type Claims } from './jwt.js';
import type { UserInfo } from './authn.js';

/** kube-apiserver's default --service-account-issuer and API audience. */
export const ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** The API server's audience (--api-audiences defaults to the service-account issuer). */
export const API_AUDIENCE = ISSUER;

export interface TokenSubject { namespace: string; name: string; uid: string }

/** The claims kube puts in a token for `sa`, valid from `nowSeconds` for `expirationSeconds`. */
export function serviceAccountClaims(sa: TokenSubject, audiences: string[], nowSeconds: number, expirationSeconds: number, jti: string): Claims {
  return {
    aud: audiences,
    exp: nowSeconds + expirationSeconds,
    iat: nowSeconds,
    iss: ISSUER,
    jti,
    'kubernetes.io': { namespace: sa.namespace, serviceaccount: { name: sa.name, uid: sa.uid } },
    nbf: nowSeconds,
    sub: `system:serviceaccount:${sa.namespace}:${sa.name}`,
  };
}

/** Who the claims of a verified token name, if they are a service account's. */
export function serviceAccountUser(claims: Claims): (UserInfo & { namespace: string; name: string }) | undefined {
  const k8s = claims['kubernetes.io'];
  if (typeof k8s !== 'object' || k8s === null || !('namespace' in k8s) || !('serviceaccount' in k8s)) return undefined;
  const { namespace, serviceaccount } = k8s;
  if (typeof namespace !== 'string' || typeof serviceaccount !== 'object' || serviceaccount === null || !('name' in serviceaccount) || typeof serviceaccount.name !== 'string') return undefined;
  const uid = 'uid' in serviceaccount && typeof serviceaccount.uid === 'string' ? serviceaccount.uid : undefined;
  const name = serviceaccount.name;
  return { username: `system:serviceaccount:${namespace}:${name}`, uid, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`], namespace, name };
}

export class ServiceAccountTokens {
  constructor(private readonly key: Buffer) {}

  /** The signing key in `<dir>/service-account.key`, made on first use; without a directory, one for this process. */
  static load(dir?: string): ServiceAccountTokens {
    if (!dir) return new ServiceAccountTokens(randomBytes(32));
    const file = join(dir, 'service-account.key');
    if (existsSync(file)) return new ServiceAccountTokens(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
    const key = randomBytes(32);
    writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600 });
    return new ServiceAccountTokens(key);
  }

  issue(sa: TokenSubject, audiences: string[], now: Date, expirationSeconds: number): string {
    return signJWT(serviceAccountClaims(sa, audiences, Math.floor(now.getTime() / 1000), expirationSeconds, randomUUID()), this.key);
  }

  /**
   * The service account a token names, when it is ours and unexpired, and the audiences asked
   * (the API's, unless a TokenReview names others) that it was issued for; undefined when none.
   */
  verify(token: string, now: Date, audiences: readonly string[] = [API_AUDIENCE]): { user: NonNullable<ReturnType<typeof serviceAccountUser>>; audiences: string[] } | undefined {
    const claims = verifyJWT(token, this.key, Math.floor(now.getTime() / 1000));
    if (!claims || claims.iss !== ISSUER) return undefined;
    const aud = claims.aud;
    const matched = Array.isArray(aud) ? audiences.filter((a) => aud.includes(a)) : [];
    const user = matched.length ? serviceAccountUser(claims) : undefined;
    return user && { user, audiences: matched };
  }
}
