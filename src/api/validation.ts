// Validation rules shared by every resource: names, labels, annotations, metadata. Pure functions
// returning kube's field errors with its exact texts.
import { type FieldError, fieldErrors } from './errors.js';
import type { KObject } from './types.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export const messages = {
  dns1123Label: "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  dns1123Subdomain: "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  dns1035Label: "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
  labelValue: "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
  configMapKey: "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
  qualifiedName: "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
};

const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** Problems with a key of a ConfigMap or Secret, as kube's IsConfigMapKey lists them. */
export function configMapKey(v: string): string[] {
  const out: string[] = [];
  if (v.length > 253) out.push('must be no more than 253 characters');
  if (!CONFIG_MAP_KEY.test(v)) out.push(messages.configMapKey);
  if (v === '.') out.push("must not be '.'");
  else if (v === '..') out.push("must not be '..'");
  else if (v.startsWith('..')) out.push("must not start with '..'");
  return out;
}

/** Problems with a DNS-1123 label (max 63), as kube's IsDNS1123Label lists them. */
export function dns1123Label(v: string): string[] {
  const out: string[] = [];
  if (v.length > 63) out.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(v)) out.push(messages.dns1123Label);
  return out;
}

export function dns1123Subdomain(v: string): string[] {
  const out: string[] = [];
  if (v.length > 253) out.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(v)) out.push(messages.dns1123Subdomain);
  return out;
}

export function dns1035Label(v: string): string[] {
  const out: string[] = [];
  if (v.length > 63) out.push('must be no more than 63 characters');
  if (!DNS1035_LABEL.test(v)) out.push(messages.dns1035Label);
  return out;
}

/** Path-segment names (nodes may use any name that is safe in a URL path). */
export function pathSegmentName(v: string): string[] {
  if (v === '.' || v === '..') return [`may not be '${v}'`];
  for (const bad of ['/', '%']) if (v.includes(bad)) return [`may not contain '${bad}'`];
  return [];
}

export function qualifiedName(v: string): string[] {
  const slash = v.split('/');
  if (slash.length > 2) return [`a qualified name ${messages.qualifiedName} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  const [prefix, name] = slash.length === 2 ? slash : [undefined, slash[0]];
  const out: string[] = [];
  if (prefix !== undefined) {
    if (prefix.length === 0) out.push('prefix part must be non-empty');
    else for (const m of dns1123Subdomain(prefix)) out.push(`prefix part ${m}`);
  }
  if (name.length === 0) out.push('name part must be non-empty');
  else if (name.length > 63) out.push('name part must be no more than 63 characters');
  else if (!QUALIFIED_NAME_PART.test(name)) out.push(messages.qualifiedName);
  return out;
}

export function labelValue(v: string): string[] {
  const out: string[] = [];
  if (v.length > 63) out.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(v)) out.push(messages.labelValue);
  return out;
}

/** Validates the metadata every object shares. */
export function validateObjectMeta(obj: KObject, nameCheck: (v: string) => string[], namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const m = obj.metadata;
  if (!m.name && !m.generateName) errs.push(fieldErrors.required('metadata.name', 'name or generateName is required'));
  else if (m.name) for (const msg of nameCheck(m.name)) errs.push(fieldErrors.invalid('metadata.name', m.name, msg));
  if (namespaced && !m.namespace) errs.push(fieldErrors.required('metadata.namespace'));
  if (!namespaced && m.namespace) errs.push(fieldErrors.forbidden('metadata.namespace', 'not allowed on this type'));
  for (const [k, v] of Object.entries(m.labels ?? {})) {
    for (const msg of qualifiedName(k)) errs.push(fieldErrors.invalid('metadata.labels', k, msg));
    if (typeof v !== 'string') errs.push(fieldErrors.invalid(`metadata.labels`, v, 'must be a string'));
    else for (const msg of labelValue(v)) errs.push(fieldErrors.invalid('metadata.labels', v, msg));
  }
  let annotationBytes = 0;
  for (const [k, v] of Object.entries(m.annotations ?? {})) {
    for (const msg of qualifiedName(k.toLowerCase())) errs.push(fieldErrors.invalid('metadata.annotations', k, msg));
    annotationBytes += k.length + String(v).length;
  }
  if (annotationBytes > 256 * 1024) errs.push(fieldErrors.tooLong('metadata.annotations', '', 256 * 1024));
  for (const [i, f] of (m.finalizers ?? []).entries()) {
    for (const msg of qualifiedName(f)) errs.push(fieldErrors.invalid(`metadata.finalizers[${i}]`, f, msg));
  }
  return errs;
}

/** Immutable-field check used by update validation. */
export function immutable(field: string, now: unknown, before: unknown): FieldError[] {
  return JSON.stringify(now) === JSON.stringify(before) ? [] : [fieldErrors.invalid(field, now, 'field is immutable')];
}
