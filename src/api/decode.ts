// Decoding request bodies into objects as kube-apiserver does: the kind checked against the
// URL, quantities in canonical form, unknown fields handled per fieldValidation, wrong JSON types
// rejected in Go's words.
import { errors } from './errors.js';
import { dropNullsInPlace, isJsonObject } from './json.js';
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
  /** Keys the body gave twice (see parseBodyWithDuplicates). */
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
 * per fieldValidation. `raw` is taken over (just parsed, or a patch's result): it is changed in
 * place, not copied.
 */
export function decodeObject(raw: unknown, opts: DecodeOptions): Decoded {
  const { validator, schemas, schemaName, kind, apiVersion, validation, duplicates = [] } = opts;
  const version = apiVersion.split('/').pop();
  const cannot = (why: string) => errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${why}`);
  if (!isJsonObject(raw)) throw cannot(`json: cannot unmarshal ${Array.isArray(raw) ? 'array' : typeof raw} into Go value of type struct`);
  // Go's decoder turns a typed object's nulls into zero values; a custom resource keeps the ones
  // its schema allows.
  const body = schemas.unstructured && opts.schema ? dropNonNullableNulls(raw, opts.schema) : dropNullsInPlace(raw);
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

/**
 * A custom resource's nulls as apiextensions-apiserver leaves them before defaulting: a declared
 * field (or map value) that is null goes unless its schema is `nullable`, so that its default, if
 * it has one, applies; nulls in list items and in fields the schema does not declare (kept unknown
 * fields) stay, for validation and pruning to judge.
 */
function dropNonNullableNulls(value: Record<string, unknown>, node: SchemaNode): Record<string, unknown> {
  const visit = (v: unknown, n: SchemaNode): unknown => {
    if (Array.isArray(v)) return v.map((item) => visit(item, n.items()));
    if (!isJsonObject(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(v)) {
      const field = n.field(k);
      if (child === null && field.schema && field.schema.nullable !== true) continue;
      out[k] = visit(child, field);
    }
    return out;
  };
  const out = visit(value, node);
  return isJsonObject(out) ? out : value;
}
