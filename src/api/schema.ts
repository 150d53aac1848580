// Decoding checks driven by the OpenAPI schemas, compiled once per kind with ajv: unknown fields
// (reported per fieldValidation: Strict fails, Warn warns, Ignore drops) and values of the wrong
// JSON type (always a 400, as Go's decoder rejects them).
import AjvModule, { type ValidateFunction } from 'ajv';
import { typeMismatchText } from './go-json-errors.js';
import { SchemaNode } from './schema-navigator.js';
import type { Schema } from './openapi.js';
import { isJsonObject } from './json.js';
import { ShapeMemo } from './shape-memo.js';

const Ajv = AjvModule.default ?? AjvModule;

export interface DecodeProblems {
  /** Unknown fields as kube prints them: `spec.containers[0].foo`. */
  unknownFields: string[];
  /** The same fields as path segments, for pruning. */
  unknownPaths: string[][];
  typeErrors: string[];
}

/** The schemas a kind's objects are checked against; `id` names this set among all others. */
export interface SchemaSet {
  id: string;
  schemas: Record<string, Schema>;
  /** Custom resources: wrong JSON types are the kind's validation errors (422s), not Go decoding's 400s. */
  unstructured?: boolean;
}

/** The ranges of Go's integer types: a number outside its field's is a decode error, as a wrong type is. */
const GO_INT_RANGE: Record<string, [number, number]> = {
  int32: [-2147483648, 2147483647],
  // A double cannot hold 2^63 - 1: numbers that parse to 2^63 itself pass (Go would refuse 2^63).
  int64: [-(2 ** 63), 2 ** 63],
};
const GO_INT = 'x-go-int';

export class SchemaValidator {
  private readonly ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, logger: false });

  constructor() {
    this.ajv.addKeyword({
      keyword: GO_INT, type: 'number', schemaType: 'string', errors: false,
      validate: (format: string, value: number) => {
        const range = GO_INT_RANGE[format];
        return !range || (value >= range[0] && value <= range[1]);
      },
    });
  }
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly added = new Set<string>();

  /** Checks `obj` against the schema `schemaName` of `set`. */
  check(set: SchemaSet, schemaName: string, obj: unknown): DecodeProblems {
    const validate = this.validator(set, schemaName);
    // A built-in kind's closed schema asks of a value only its keys and JSON types (and Go's
    // integer ranges): a shape found clean once is clean again. Custom resources' schemas ask more
    // (patterns, bounds), and an object with problems is checked in full for their texts.
    const object = isJsonObject(obj) ? obj : undefined;
    const clean = set.unstructured || !object ? undefined : this.clean.get(validate);
    if (object && clean?.get(object)) return { unknownFields: [], unknownPaths: [], typeErrors: [] };
    validate(obj);
    if (object && clean && !validate.errors?.length) clean.set(object, true);
    const unknownFields: string[] = [];
    const unknownPaths: string[][] = [];
    const mistyped: string[] = [];
    for (const e of validate.errors ?? []) {
      if (e.keyword === 'additionalProperties') {
        const leaf = String(e.params.additionalProperty);
        unknownFields.push(joinPath(e.instancePath, leaf));
        unknownPaths.push([...pointerSegments(e.instancePath), leaf]);
      } else if ((e.keyword === 'type' && !e.schemaPath.includes('/oneOf/')) || e.keyword === 'oneOf' || e.keyword === GO_INT) {
        mistyped.push(e.instancePath);
      }
    }
    // Go's decoder reports the first wrong type it meets, in the body's order.
    const first = set.unstructured ? undefined : firstInDocumentOrder(obj, new Set(mistyped));
    const typeErrors = first === undefined ? [] : [typeMismatchText(SchemaNode.root(set.schemas, schemaName), obj, pointerSegments(first))];
    return { unknownFields: dedupe(unknownFields), unknownPaths, typeErrors };
  }

  /** Drops what was compiled for `set` (its kind is no longer served). */
  forget(set: SchemaSet): void {
    if (!this.added.delete(set.id)) return;
    this.ajv.removeSchema(set.id);
    for (const [id, v] of [...this.compiled]) if (id.startsWith(`${set.id}#`)) { this.compiled.delete(id); this.clean.delete(v); }
  }

  /** The object shapes each compiled validator of a built-in kind found clean. */
  private readonly clean = new Map<ValidateFunction, ShapeMemo<true>>();

  private validator(set: SchemaSet, schemaName: string): ValidateFunction {
    const id = `${set.id}#/components/schemas/${schemaName}`;
    let v = this.compiled.get(id);
    if (v) return v;
    if (!this.added.has(set.id)) {
      this.ajv.addSchema({ $id: set.id, components: { schemas: closeSchemas(set.schemas) } });
      this.added.add(set.id);
    }
    v = this.ajv.compile({ $ref: id });
    this.compiled.set(id, v);
    if (!set.unstructured) this.clean.set(v, new ShapeMemo<true>({ capacity: 256 }));
    return v;
  }
}

/** Every object schema with declared properties gets additionalProperties:false, so ajv reports unknown fields. */
function closeSchemas(schemas: Record<string, Schema>): Record<string, Record<string, unknown>> {
  const closeObject = (s: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      if (k === 'description' || k === 'default' || k === 'required' || k === 'enum') continue;
      out[k] = k === 'properties' && isJsonObject(v) ? Object.fromEntries(Object.entries(v).map(([p, ps]) => [p, close(ps)])) : close(v);
    }
    // x-kubernetes-preserve-unknown-fields keeps what the schema does not name (custom resources).
    if (out.properties && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
    if (out.type === 'integer' && typeof out.format === 'string' && GO_INT_RANGE[out.format]) out[GO_INT] = out.format;
    return out;
  };
  const close = (s: unknown): unknown => (Array.isArray(s) ? s.map(close) : isJsonObject(s) ? closeObject(s) : s);
  return Object.fromEntries(Object.entries(schemas).map(([n, s]) => [n, closeObject(s)]));
}

/** `/spec/containers/0` + `foo` → `spec.containers[0].foo`, the path form kube prints. */
export function joinPath(instancePath: string, leaf?: string): string {
  const parts = pointerSegments(instancePath);
  if (leaf !== undefined) parts.push(leaf);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

function pointerSegments(pointer: string): string[] {
  return pointer.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Removes the fields at `paths`, as Go's decoder drops unknown fields. */
export function pruneFields(obj: unknown, paths: string[][]): void {
  for (const path of paths) {
    // Segments name an object's fields or an array's indexes.
    let cur: unknown = obj;
    for (const seg of path.slice(0, -1)) cur = cur !== null && cur !== undefined ? Reflect.get(Object(cur), seg) : undefined;
    if (cur && typeof cur === 'object') Reflect.deleteProperty(cur, path[path.length - 1]);
  }
}

/** Of the JSON pointers in `wanted`, the one a depth-first walk of `value` in key order meets first. */
function firstInDocumentOrder(value: unknown, wanted: Set<string>, pointer = ''): string | undefined {
  if (!wanted.size) return undefined;
  if (wanted.has(pointer)) return pointer;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    const found = firstInDocumentOrder(v, wanted, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

function dedupe(a: string[]): string[] { return [...new Set(a)]; }
