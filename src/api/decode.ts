// Decoding request bodies into objects as kube-apiserver does: the kind checked against the
// URL, quantities in canonical form, unknown fields handled per fieldValidation, wrong JSON types
// rejected in Go's words.
import { errors } from './errors.js';
import { dropNulls, isJsonObject } from './json.js';
import { canonicalizeQuantities, QuantityError } from './quantity.js';
import type { FieldValidation } from './request-options.js';
import type { ResourceStore } from './resource-store.js';
import { pruneFields, type SchemaSet, type SchemaValidator } from './schema.js';
import type { SchemaNode } from './schema-navigator.js';
import type { KObject } from './types.js';

export interface Decoded { object: KObject; warnings: string[] }

export interface DecodeOptions {
  validator: SchemaValidator;
  /** The schemas the object must follow, and its own among them. */
  schemas: SchemaSet;
  schemaName: string;
  kind: string;
  apiVersion: string;
  validation: FieldValidation;
  /** Keys the body gave twice (see bodyDuplicates). */
  duplicates?: string[];
  /** The schema's node, to find the quantities by (none are checked without). */
  schema?: SchemaNode;
}

/** Decoding options for objects of `rs` itself. */
export function decodeOptionsFor(validator: SchemaValidator, rs: ResourceStore, validation: FieldValidation): DecodeOptions {
  return { validator, schemas: rs.schemas, schemaName: rs.schemaName, kind: rs.kind, apiVersion: rs.apiVersion, validation, schema: rs.schema };
}

/** A string as it is; another JSON value as its JSON text (what a client sent as kind or apiVersion). */
const goText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * Decodes an object for a write: checks apiVersion/kind against the URL, parses its quantities
 * into canonical form, checks the JSON types against the schema, and unknown or duplicate fields
 * per fieldValidation.
 */
export function decodeObject(raw: unknown, opts: DecodeOptions): Decoded {
  const { validator, schemas, schemaName, kind, apiVersion, validation, duplicates = [] } = opts;
  const version = apiVersion.split('/').pop();
  const cannot = (why: string) => errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${why}`);
  if (!isJsonObject(raw)) throw cannot(`json: cannot unmarshal ${Array.isArray(raw) ? 'array' : typeof raw} into Go value of type struct`);
  const body = dropNulls(raw);
  if (body.kind !== undefined && body.kind !== kind) throw cannot(`the kind "${goText(body.kind)}" does not match the kind of the URL ("${kind}")`);
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersion) throw cannot(`the API version "${goText(body.apiVersion)}" does not match the expected API version "${apiVersion}"`);
  // Quantities parse as Go decodes them, which stops at the first bad one ahead of wrong types and
  // unknown fields; the good ones are stored in canonical form.
  if (opts.schema) {
    try {
      canonicalizeQuantities(body, opts.schema);
    } catch (e) {
      if (e instanceof QuantityError) throw cannot(e.message);
      throw e;
    }
  }
  const problems = validator.check(schemas, schemaName, body);
  if (problems.typeErrors.length) throw cannot(problems.typeErrors.join(', '));
  const warnings: string[] = [];
  const strictErrors = [...problems.unknownFields.map((f) => `unknown field "${f}"`), ...duplicates.map((f) => `duplicate field "${f}"`)];
  if (strictErrors.length) {
    if (validation === 'Strict') throw cannot(`strict decoding error: ${strictErrors.join(', ')}`);
    if (validation === 'Warn') warnings.push(...strictErrors);
    pruneFields(body, problems.unknownPaths);
  }
  // The schema check passed: metadata, if given, is an object.
  const metadata = isJsonObject(body.metadata) ? body.metadata : {};
  return { object: { ...body, metadata }, warnings };
}
