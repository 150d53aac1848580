// Decoding request bodies into objects as kube-apiserver does: JSON or YAML, the kind checked
// against the URL, unknown fields handled per fieldValidation, wrong JSON types rejected.
import { errors } from '../api/errors.js';
import { dropNulls, duplicateFields } from '../api/json.js';
import type { Registry } from '../api/registry.js';
import type { ResourceStore } from '../api/resource-store.js';
import { pruneFields, type SchemaValidator } from '../api/schema.js';
import type { KObject } from '../api/types.js';
import { canonicalizeQuantities, QuantityError } from '../api/quantity.js';
import type { SchemaNode } from '../api/schema-navigator.js';
import { bodyFormat } from './negotiation.js';
import { decodeProtobufBody } from './protobuf-decode.js';
import { yaml } from '../lazy-modules.js';

export const BODY_MEDIA_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

export function parseFieldValidation(v: string | null): FieldValidation {
  if (v === null || v === '') return 'Warn';
  if (v === 'Ignore' || v === 'Warn' || v === 'Strict') return v;
  throw errors.badRequest(`fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`);
}

/** Keys given twice in a JSON body (YAML bodies with duplicate keys fail to parse). */
export function bodyDuplicates(body: Buffer, contentType: string | undefined): string[] {
  return bodyFormat(contentType) === 'json' ? duplicateFields(body.toString('utf8')) : [];
}

/** Parses a JSON or YAML body into a plain value; syntax errors are 400s. */
export function parseBody(body: Buffer, contentType: string | undefined, what: string): unknown {
  const format = bodyFormat(contentType);
  if (format === undefined) throw errors.unsupportedMediaType(contentType ?? '', BODY_MEDIA_TYPES);
  if (format === 'protobuf') return decodeProtobufBody(body);
  const text = body.toString('utf8');
  if (text.trim() === '') throw errors.badRequest(`the object provided is unrecognized (must be of type ${what}): couldn't get version/kind; json parse error: unexpected end of JSON input`);
  try {
    return format === 'yaml' ? yaml().parse(text) : JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${what}): couldn't get version/kind; json parse error: ${why}`);
  }
}

export interface Decoded { object: KObject; warnings: string[] }

export interface DecodeOptions {
  validator: SchemaValidator;
  /** The OpenAPI document (`api/v1`) and schema the object must follow. */
  gvPath: string;
  schemaName: string;
  kind: string;
  apiVersion: string;
  validation: FieldValidation;
  /** Keys the body gave twice (see bodyDuplicates). */
  duplicates?: string[];
  /** The schema's node, to find the quantities by (none are checked without). */
  schema?: SchemaNode;
}

/** Decoding options for objects of `rs` itself, checked against the registry's schemas. */
export function decodeOptionsFor(registry: Registry, rs: ResourceStore, validation: FieldValidation): DecodeOptions {
  const gvPath = registry.documentFor(rs.shape.group, rs.shape.version)!.path;
  return { validator: registry.validator, gvPath, schemaName: rs.schemaName, kind: rs.kind, apiVersion: rs.apiVersion, validation, schema: rs.schema };
}

/**
 * Decodes an object for a write: checks apiVersion/kind against the URL, parses its quantities
 * into canonical form, checks the JSON types against the schema, and unknown or duplicate fields
 * per fieldValidation.
 */
export function decodeObject(raw: unknown, opts: DecodeOptions): Decoded {
  const { validator, gvPath, schemaName, kind, apiVersion, validation, duplicates = [] } = opts;
  const version = apiVersion.split('/').pop();
  const cannot = (why: string) => errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${why}`);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw cannot(`json: cannot unmarshal ${Array.isArray(raw) ? 'array' : typeof raw} into Go value of type struct`);
  const obj = dropNulls(raw) as KObject;
  if (obj.kind !== undefined && obj.kind !== kind) throw cannot(`the kind "${String(obj.kind)}" does not match the kind of the URL ("${kind}")`);
  if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) throw cannot(`the API version "${String(obj.apiVersion)}" does not match the expected API version "${apiVersion}"`);
  // Quantities parse as Go decodes them, which stops at the first bad one ahead of wrong types and
  // unknown fields; the good ones are stored in canonical form.
  if (opts.schema) {
    try {
      canonicalizeQuantities(obj, opts.schema);
    } catch (e) {
      if (e instanceof QuantityError) throw cannot(e.message);
      throw e;
    }
  }
  const problems = validator.check(gvPath, schemaName, obj);
  if (problems.typeErrors.length) throw cannot(problems.typeErrors.join(', '));
  const warnings: string[] = [];
  const strictErrors = [...problems.unknownFields.map((f) => `unknown field "${f}"`), ...duplicates.map((f) => `duplicate field "${f}"`)];
  if (strictErrors.length) {
    if (validation === 'Strict') throw cannot(`strict decoding error: ${strictErrors.join(', ')}`);
    if (validation === 'Warn') warnings.push(...strictErrors);
    pruneFields(obj, problems.unknownPaths);
  }
  obj.metadata ??= {};
  return { object: obj, warnings };
}

/** `Warning` header values: `299 - "text"`, with the text quoted as Go's strconv.Quote. */
export function warningHeaders(warnings: string[]): string[] {
  return warnings.map((w) => `299 - ${JSON.stringify(w)}`);
}
