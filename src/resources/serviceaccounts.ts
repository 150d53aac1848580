// ServiceAccounts: `kubectl get sa` columns NAME SECRETS AGE, and the TokenRequest subresource
// (`serviceaccounts/token`, what `kubectl create token` posts) answering with a signed token.
import { errors, fieldErrors, type FieldError } from '../api/errors.js';
import { isJsonObject, objectAt } from '../api/json.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from '../api/table.js';
import type { CreateRequest, CreateResult, KObject, Strategy } from '../api/types.js';
import type { ResourceStore } from '../api/resource-store.js';
import { rfc3339 } from '../api/time.js';
import { ISSUER, type ServiceAccountTokens } from '../server/auth/service-account-tokens.js';

export interface ServiceAccount extends KObject {
  secrets?: { name?: string }[];
  imagePullSecrets?: { name?: string }[];
  automountServiceAccountToken?: boolean;
}

/** TokenRequestSpec's default and bounds (kube's SetDefaults_TokenRequestSpec, ValidateTokenRequest). */
const DEFAULT_EXPIRATION = 3600;
const MIN_EXPIRATION = 600;
const MAX_EXPIRATION = 2 ** 32;

interface TokenRequestSpec { audiences: string[]; expirationSeconds: number; boundObjectRef: unknown }

/** The request's spec with kube's defaults, or its field errors. */
export function tokenRequestSpec(body: unknown): TokenRequestSpec | FieldError[] {
  const spec = isJsonObject(body) ? objectAt(body, 'spec') ?? {} : {};
  const audiences = Array.isArray(spec.audiences) && spec.audiences.length ? spec.audiences.filter((a): a is string => typeof a === 'string') : [ISSUER];
  const expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : DEFAULT_EXPIRATION;
  if (expirationSeconds < MIN_EXPIRATION) return [fieldErrors.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes')];
  if (expirationSeconds > MAX_EXPIRATION) return [fieldErrors.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds')];
  return { audiences, expirationSeconds, boundObjectRef: spec.boundObjectRef ?? null };
}

function tokenHandler(tokens: ServiceAccountTokens) {
  return async (request: CreateRequest, serviceAccounts: ResourceStore): Promise<CreateResult> => {
    const name = request.name ?? '';
    const namespace = request.namespace ?? '';
    const sa = await serviceAccounts.get(namespace, name);
    const spec = tokenRequestSpec(request.body);
    if (Array.isArray(spec)) throw errors.invalid('TokenRequest', 'authentication.k8s.io', name, spec);
    const now = request.registry.now();
    const token = tokens.issue({ namespace, name, uid: sa.metadata.uid ?? '' }, spec.audiences, now, spec.expirationSeconds);
    // kube's answer: the request as sent (defaults filled in), with the token in its status.
    const expires = new Date(Math.floor(now.getTime() / 1000) * 1000 + spec.expirationSeconds * 1000);
    return {
      code: 201,
      body: {
        kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
        metadata: { name, namespace, creationTimestamp: null },
        spec,
        status: { token, expirationTimestamp: rfc3339(expires) },
      },
    };
  };
}

export function serviceAccountStrategy(tokens: ServiceAccountTokens): Strategy<ServiceAccount> {
  return {
    group: '', version: 'v1', resource: 'serviceaccounts',
    singularName: 'serviceaccount',
    shortNames: ['sa'],
    subresources: { token: { type: 'create', create: tokenHandler(tokens) } },
    table: {
      columns: [NAME_COLUMN, column('Secrets', 'The number of secrets the service account lists.', 0, 'integer'), AGE_COLUMN],
      cells: (sa, now) => [sa.metadata.name, (sa.secrets ?? []).length, age(sa.metadata.creationTimestamp, now)],
    },
  };
}
