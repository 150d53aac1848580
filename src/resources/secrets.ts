// Secrets: kube's ValidateSecret per type (service-account tokens, docker configs, TLS, basic and
// SSH auth), the 1 MiB limit, `immutable`, and `stringData` written into `data` (never stored,
// as kube's conversion does it); `kubectl get secret` columns NAME TYPE DATA AGE.
import { fieldErrors, type FieldError } from '../api/errors.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from '../api/table.js';
import type { KObject, Strategy } from '../api/types.js';
import { configMapKey } from '../api/validation.js';

export interface Secret extends KObject {
  /** Base64 in JSON, as Go's []byte. */
  data?: Record<string, string>;
  /** Write-only: merged into data on every write. */
  stringData?: Record<string, string>;
  type?: string;
  immutable?: boolean;
}

/** kube's MaxSecretSize. */
const MAX_SIZE = 1024 * 1024;
const IMMUTABLE = 'field is immutable when `immutable` is set';
export const SERVICE_ACCOUNT_NAME_KEY = 'kubernetes.io/service-account.name';

/** `stringData` written over `data` as base64, and dropped; `type` defaulted to Opaque. */
export function mergeStringData(secret: Secret): void {
  if (secret.stringData) {
    const data = (secret.data ??= {});
    for (const [key, value] of Object.entries(secret.stringData)) data[key] = Buffer.from(value, 'utf8').toString('base64');
    delete secret.stringData;
  }
  secret.type ||= 'Opaque';
}

/** What Go's json.Unmarshal into a map[string]interface{} says of `bytes`, or undefined when it parses. */
export function goJSONMapError(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // V8 names the end of input or the offending character; Go says the same in its words.
    const message = e instanceof Error ? e.message : '';
    const bad = /^Unexpected token '(.)'/.exec(message)?.[1];
    return bad === undefined ? 'unexpected end of JSON input' : `invalid character '${bad}' looking for beginning of value`;
  }
  if (value === null || (typeof value === 'object' && !Array.isArray(value))) return undefined;
  const goType = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
  return `json: cannot unmarshal ${goType} into Go value of type map[string]interface {}`;
}

const REDACTED = '<secret contents redacted>';

/** kube's ValidateSecret: keys, total size, and what each well-known type requires. */
export function validateSecret(secret: Secret): FieldError[] {
  const errs: FieldError[] = [];
  const data = secret.data ?? {};
  let size = 0;
  for (const key of Object.keys(data).sort()) {
    for (const msg of configMapKey(key)) errs.push(fieldErrors.invalid(`data[${key}]`, key, msg));
    size += Buffer.from(data[key], 'base64').length;
  }
  if (size > MAX_SIZE) errs.push(fieldErrors.tooLong('data', '', MAX_SIZE));
  const has = (key: string) => key in data;
  const bytes = (key: string) => Buffer.from(data[key] ?? '', 'base64');
  const dockerConfig = (key: string) => {
    if (!has(key)) { errs.push(fieldErrors.required(`data[${key}]`)); return; }
    const problem = goJSONMapError(bytes(key));
    if (problem) errs.push(fieldErrors.invalid(`data[${key}]`, REDACTED, problem));
  };
  switch (secret.type) {
    case 'kubernetes.io/service-account-token':
      // The token and uid may come later from a controller; only the name is required.
      if (!secret.metadata.annotations?.[SERVICE_ACCOUNT_NAME_KEY]) errs.push(fieldErrors.required(`metadata.annotations[${SERVICE_ACCOUNT_NAME_KEY}]`));
      break;
    case 'kubernetes.io/dockercfg': dockerConfig('.dockercfg'); break;
    case 'kubernetes.io/dockerconfigjson': dockerConfig('.dockerconfigjson'); break;
    case 'kubernetes.io/basic-auth':
      // Either may be empty, but one must be there.
      if (!has('username') && !has('password')) errs.push(fieldErrors.required('data[username]'), fieldErrors.required('data[password]'));
      break;
    case 'kubernetes.io/ssh-auth':
      if (bytes('ssh-privatekey').length === 0) errs.push(fieldErrors.required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(fieldErrors.required('data[tls.crt]'));
      if (!has('tls.key')) errs.push(fieldErrors.required('data[tls.key]'));
      break;
    default: // Opaque and any other type: no requirements
  }
  return errs;
}

/** kube's ValidateSecretUpdate: the type never changes, and an immutable secret keeps its data. */
export function validateSecretUpdate(secret: Secret, old: Secret): FieldError[] {
  const errs: FieldError[] = [];
  if ((secret.type ?? '') !== (old.type ?? '')) errs.push(fieldErrors.invalid('type', secret.type ?? '', 'field is immutable'));
  if (old.immutable) {
    if (!secret.immutable) errs.push(fieldErrors.forbidden('immutable', IMMUTABLE));
    if (!sameMap(secret.data, old.data)) errs.push(fieldErrors.forbidden('data', IMMUTABLE));
  }
  return errs;
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => a?.[k] === b?.[k]);
}

export const secretStrategy: Strategy<Secret> = {
  group: '', version: 'v1', resource: 'secrets',
  singularName: 'secret',
  defaults: mergeStringData,
  validate(obj, old) {
    return [...(old ? validateSecretUpdate(obj, old) : []), ...validateSecret(obj)];
  },
  table: {
    columns: [NAME_COLUMN, column('Type', 'The type of the secret.'), column('Data', 'The number of keys in data.', 0, 'integer'), AGE_COLUMN],
    cells: (s, now) => [s.metadata.name, s.type ?? '', Object.keys(s.data ?? {}).length, age(s.metadata.creationTimestamp, now)],
  },
};
