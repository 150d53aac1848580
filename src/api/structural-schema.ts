// Structural schemas of custom resources (apiextensions.k8s.io/v1 JSONSchemaProps): checking a
// schema is structural with kube's texts, validating objects against it with the messages
// kube-openapi's validator gives and apiextensions-apiserver turns into field errors, and
// applying `default`s. Unknown fields are pruned where objects are decoded (schema.ts), which
// leaves alone what `x-kubernetes-preserve-unknown-fields` keeps.
import { FieldError, fieldErrors, type StatusCause } from './errors.js';
import { isJsonObject, jsonEqual } from './json.js';

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

/** A JSONSchemaProps node as CRDs write it (the subset tinykube interprets); a type, so that it is an OpenAPI Schema too. */
export type JSONSchemaProps = {
  type?: string;
  format?: string;
  description?: string;
  nullable?: boolean;
  /** Refused in CRDs; only the published copy has one (an embedded resource's ObjectMeta). */
  $ref?: string;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  default?: unknown;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-validations'?: ValidationRule[];
};

/** field.TooMany, which FieldError does not name: `Too many: 3: must have at most 2 items`. */
class TooManyError extends FieldError {
  constructor(field: string, readonly actual: number, readonly max: number) { super('FieldValueInvalid', field, actual); }
  override message(): string { return `Too many: ${this.actual}: must have at most ${this.max} items`; }
  override toCause(): StatusCause { return { reason: 'FieldValueTooMany', message: this.message(), field: this.field }; }
}

const JSON_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

/** The JSON type name of a value, as kube-openapi names it in its type errors. */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** `spec` + `replicas` → `spec.replicas`; indexes as `[0]`. */
function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/**
 * Checks that `schema` is structural, with kube's texts (apiextensions' structural schema
 * validation): every specified field has a type, unless it preserves unknown fields or is
 * int-or-string; arrays have items; properties and additionalProperties exclude each other.
 */
export function structuralErrors(schema: JSONSchemaProps, path: string, isRoot = true): FieldError[] {
  const errs: FieldError[] = [];
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  if (!schema.type && !preserve && !intOrString) {
    errs.push(fieldErrors.required(`${path}.type`, isRoot ? 'must not be empty at the root' : 'must not be empty for specified object fields'));
  } else if (schema.type && !JSON_TYPES.includes(schema.type)) {
    errs.push(fieldErrors.notSupported(`${path}.type`, schema.type, JSON_TYPES));
  }
  if (isRoot && schema.type && schema.type !== 'object') errs.push(fieldErrors.invalid(`${path}.type`, schema.type, 'must be object at the root'));
  if (schema.type === 'array' && !schema.items) errs.push(fieldErrors.required(`${path}.items`, 'must be specified'));
  if (schema.properties && Object.keys(schema.properties).length && schema.additionalProperties !== undefined && schema.additionalProperties !== true) {
    errs.push(fieldErrors.forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
  if (schema.$ref !== undefined) errs.push(fieldErrors.forbidden(`${path}.$ref`, '$ref is not supported'));
  if (schema.uniqueItems === true) errs.push(fieldErrors.forbidden(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  const listType = schema['x-kubernetes-list-type'];
  if (listType !== undefined) {
    if (!['atomic', 'set', 'map'].includes(listType)) errs.push(fieldErrors.notSupported(`${path}.x-kubernetes-list-type`, listType, ['atomic', 'set', 'map']));
    if (listType === 'map' && !schema['x-kubernetes-list-map-keys']?.length) errs.push(fieldErrors.required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
  }
  for (const [name, prop] of Object.entries(schema.properties ?? {})) errs.push(...structuralErrors(prop, `${path}.properties[${name}]`, false));
  const more = additional(schema);
  if (more) errs.push(...structuralErrors(more, `${path}.additionalProperties`, false));
  if (schema.items) {
    const items = structuralErrors(schema.items, `${path}.items`, false);
    // An item schema without a type is reported as kube words it for array items.
    errs.push(...items.map((e) => (e.field === `${path}.items.type` && e.type === 'FieldValueRequired' ? fieldErrors.required(e.field, 'must not be empty for specified array items') : e)));
  }
  return errs;
}

/** Validates `value` at `path` against `schema`: kube-openapi's checks, worded as apiextensions-apiserver reports them. */
export function validateValue(schema: JSONSchemaProps, value: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const at = path || '<root>';
  if (value === null) {
    if (schema.nullable) return errs;
    if (!schema['x-kubernetes-preserve-unknown-fields'] || schema.type) errs.push(typeError(schema.type ?? 'object', value, path));
    return errs;
  }
  const actual = typeName(value);
  if (schema['x-kubernetes-int-or-string']) {
    if (actual !== 'integer' && actual !== 'string') return [typeError('integer,string', value, path)];
  } else if (schema.type && !(schema.type === actual || (schema.type === 'number' && actual === 'integer'))) {
    return [typeError(schema.type, value, path)];
  }
  if (schema.enum && !schema.enum.some((e) => jsonEqual(e, value))) {
    errs.push(fieldErrors.notSupported(path, value, schema.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))));
  }
  if (typeof value === 'number') errs.push(...numberErrors(schema, value, path, at));
  if (typeof value === 'string') errs.push(...stringErrors(schema, value, path, at));
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errs.push(new TooManyError(path, value.length, schema.maxItems));
    if (schema.minItems !== undefined && value.length < schema.minItems) errs.push(fieldErrors.invalid(path, value, `${at} in body should have at least ${schema.minItems} items`));
    if (schema.uniqueItems && value.some((v, i) => value.findIndex((w) => jsonEqual(v, w)) !== i)) errs.push(fieldErrors.invalid(path, value, `${at} in body shouldn't contain duplicates`));
    if (schema.items) value.forEach((item, i) => errs.push(...validateValue(schema.items ?? {}, item, child(path, i))));
    errs.push(...listTypeErrors(schema, value, path));
  }
  if (isJsonObject(value)) {
    const keys = Object.keys(value);
    if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) errs.push(new TooManyError(path, keys.length, schema.maxProperties));
    if (schema.minProperties !== undefined && keys.length < schema.minProperties) errs.push(fieldErrors.invalid(path, value, `${at} in body should have at least ${schema.minProperties} properties`));
    for (const r of schema.required ?? []) if (value[r] === undefined) errs.push(fieldErrors.required(child(path, r), ''));
    for (const [k, v] of Object.entries(value)) {
      const prop = schema.properties?.[k] ?? additional(schema);
      if (prop && !(schema['x-kubernetes-embedded-resource'] && ['apiVersion', 'kind', 'metadata'].includes(k) && !schema.properties?.[k])) errs.push(...validateValue(prop, v, child(path, k)));
    }
    if (schema['x-kubernetes-embedded-resource']) errs.push(...embeddedErrors(value, path));
  }
  for (const sub of schema.allOf ?? []) errs.push(...validateValue(sub, value, path));
  return errs;
}

function typeError(expected: string, value: unknown, path: string): FieldError {
  const actual = typeName(value);
  return new FieldError('FieldValueTypeInvalid', path, actual, `${path || '<root>'} in body must be of type ${expected}: "${actual}"`);
}

function numberErrors(schema: JSONSchemaProps, value: number, path: string, at: string): FieldError[] {
  const errs: FieldError[] = [];
  if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)) {
    errs.push(fieldErrors.invalid(path, value, `${at} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}`));
  }
  if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)) {
    errs.push(fieldErrors.invalid(path, value, `${at} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}`));
  }
  if (schema.multipleOf !== undefined && schema.multipleOf > 0 && !Number.isInteger(value / schema.multipleOf)) {
    errs.push(fieldErrors.invalid(path, value, `${at} in body should be a multiple of ${schema.multipleOf}`));
  }
  if (schema.type === 'integer' && schema.format === 'int32' && (value < -2147483648 || value > 2147483647)) {
    errs.push(new FieldError('FieldValueTypeInvalid', path, value, `${at} in body must be of type int32: "${value}"`));
  }
  return errs;
}

function stringErrors(schema: JSONSchemaProps, value: string, path: string, at: string): FieldError[] {
  const errs: FieldError[] = [];
  const length = [...value].length;
  if (schema.maxLength !== undefined && length > schema.maxLength) errs.push(new FieldError('FieldValueTooLong', path, value, `may not be longer than ${schema.maxLength}`));
  if (schema.minLength !== undefined && length < schema.minLength) errs.push(fieldErrors.invalid(path, value, `${at} in body should be at least ${schema.minLength} chars long`));
  if (schema.pattern !== undefined && !safeRegExp(schema.pattern)?.test(value)) errs.push(fieldErrors.invalid(path, value, `${at} in body should match '${schema.pattern}'`));
  const format = schema.format;
  if (format && !schema['x-kubernetes-int-or-string'] && FORMATS[format] && !FORMATS[format](value)) {
    errs.push(new FieldError('FieldValueTypeInvalid', path, value, `${at} in body must be of type ${format}: "${value}"`));
  }
  return errs;
}

/** Duplicate items of `set` lists and duplicate keys of `map` lists, as structured-merge-diff refuses them. */
function listTypeErrors(schema: JSONSchemaProps, value: unknown[], path: string): FieldError[] {
  const type = schema['x-kubernetes-list-type'];
  const errs: FieldError[] = [];
  if (type === 'set') {
    value.forEach((v, i) => { if (value.findIndex((w) => jsonEqual(v, w)) !== i) errs.push(fieldErrors.duplicate(child(path, i), v)); });
  } else if (type === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    const seen = value.map((v) => JSON.stringify(keys.map((k) => (isJsonObject(v) ? v[k] : undefined))));
    seen.forEach((k, i) => { if (seen.indexOf(k) !== i) errs.push(fieldErrors.duplicate(child(path, i), value[i])); });
  }
  return errs;
}

/** An embedded resource has apiVersion, kind and metadata of its own. */
function embeddedErrors(value: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof value.kind !== 'string' || !value.kind) errs.push(fieldErrors.required(child(path, 'kind'), 'must not be empty'));
  if (typeof value.apiVersion !== 'string' || !value.apiVersion) errs.push(fieldErrors.required(child(path, 'apiVersion'), 'must not be empty'));
  return errs;
}

const regexps = new Map<string, RegExp | undefined>();
function safeRegExp(pattern: string): RegExp | undefined {
  if (!regexps.has(pattern)) {
    try { regexps.set(pattern, new RegExp(pattern, 'u')); } catch { regexps.set(pattern, undefined); }
  }
  return regexps.get(pattern);
}

/** The formats kube's validator checks (others are accepted, as kube strips unsupported formats). */
const FORMATS: Record<string, (v: string) => boolean> = {
  'date-time': (v) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v.replace(' ', 'T'))),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)),
  uuid: (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(v),
  ipv4: (v) => /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(v),
  hostname: (v) => v.length <= 253 && /^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/.test(v),
  byte: (v) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v),
  email: (v) => /^[^@\s]+@[^@\s]+$/.test(v),
};

/**
 * Applies the schema's `default`s to `value` in place (structural defaulting): a missing field
 * whose schema has a default gets a copy of it, then defaults apply inside what is there.
 */
export function applyDefaults(schema: JSONSchemaProps, value: unknown): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applyDefaults(schema.items, item);
    return;
  }
  if (!isJsonObject(value)) return;
  for (const [k, prop] of Object.entries(schema.properties ?? {})) {
    if (value[k] === undefined && prop.default !== undefined) value[k] = structuredClone(prop.default);
    if (value[k] !== undefined) applyDefaults(prop, value[k]);
  }
  const more = additional(schema);
  if (more) for (const v of Object.values(value)) applyDefaults(more, v);
}

/** The schema at a dotted path of properties (`spec.replicas`), if the schema declares it. */
export function schemaAt(schema: JSONSchemaProps, path: string[]): JSONSchemaProps | undefined {
  let cur: JSONSchemaProps | undefined = schema;
  for (const seg of path) cur = cur && (cur.properties?.[seg] ?? additional(cur));
  return cur;
}

/** The schema of a map's values, when additionalProperties gives one. */
export function additional(schema: JSONSchemaProps): JSONSchemaProps | undefined {
  const more = schema.additionalProperties;
  return typeof more === 'object' ? more : undefined;
}
