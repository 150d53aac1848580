// x-kubernetes-validations: CEL rules of a structural schema, evaluated as apiextensions-apiserver
// does: at each node that declares them, with `self` the value there and `oldSelf` its previous
// value on updates (transition rules run only when there is one, unless optionalOldSelf). A
// failed rule is a field error at the node (or at its fieldPath) whose value is the schema's type
// and whose text is the rule's message, its messageExpression's result, or `failed rule: RULE`.
// Evaluation is @marcbachmann/cel-js (pure JS, no dependencies); integers of the schema become
// CEL ints (BigInt), as kube's unstructured-to-CEL conversion types them.
import type { ParseResult } from '@marcbachmann/cel-js';
import { cel } from '../lazy-modules.js';
import { FieldError, fieldErrors } from './errors.js';
import { isJsonObject } from './json.js';
import { additional, type JSONSchemaProps, type ValidationRule } from './structural-schema.js';

const compiled = new Map<string, ParseResult | Error>();

/** A rule's program, parsed once per text; a parse error is returned, not thrown. */
export function compileRule(rule: string): ParseResult | Error {
  let program = compiled.get(rule);
  if (!program) {
    try { program = cel().parse(rule); } catch (e) { program = e instanceof Error ? e : new Error(String(e)); }
    compiled.set(rule, program);
  }
  return program;
}

/** The rules of a schema that do not compile, as kube refuses them in a CRD. */
export function ruleCompileErrors(schema: JSONSchemaProps, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (schema['x-kubernetes-validations'] ?? []).forEach((r, i) => {
    const p = compileRule(r.rule);
    if (p instanceof Error) errs.push(fieldErrors.invalid(`${path}.x-kubernetes-validations[${i}].rule`, r.rule, `compilation failed: ${p.message}`));
  });
  for (const [name, prop] of Object.entries(schema.properties ?? {})) errs.push(...ruleCompileErrors(prop, `${path}.properties[${name}]`));
  const more = additional(schema);
  if (more) errs.push(...ruleCompileErrors(more, `${path}.additionalProperties`));
  if (schema.items) errs.push(...ruleCompileErrors(schema.items, `${path}.items`));
  return errs;
}

/** Whether a rule reads oldSelf (a transition rule). */
function isTransition(rule: string): boolean {
  return /\boldSelf\b/.test(rule);
}

/** A JSON value as CEL sees it under its schema: integers as ints. */
export function toCEL(schema: JSONSchemaProps | undefined, value: unknown): unknown {
  if (typeof value === 'number') {
    const integral = schema?.type === 'integer' || (schema?.['x-kubernetes-int-or-string'] && Number.isInteger(value));
    return integral && Number.isSafeInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map((v) => toCEL(schema?.items, v));
  if (isJsonObject(value)) {
    const more = schema ? additional(schema) : undefined;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCEL(schema?.properties?.[k] ?? more, v)]));
  }
  return value;
}

/** Runs every rule of `schema` and its descendants on `value` (and `old`, for updates). */
export function validateRules(schema: JSONSchemaProps, value: unknown, old: unknown, path: string): FieldError[] {
  if (value === undefined) return [];
  const errs: FieldError[] = [];
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    const transition = isTransition(rule.rule);
    if (transition && old === undefined && !rule.optionalOldSelf) continue;
    const failure = evaluateRule(rule, schema, value, old, transition);
    if (failure !== undefined) errs.push(ruleError(rule, schema, path, failure));
  }
  if (isJsonObject(value)) {
    const oldMap = isJsonObject(old) ? old : undefined;
    for (const [k, v] of Object.entries(value)) {
      const prop = schema.properties?.[k] ?? additional(schema);
      if (prop) errs.push(...validateRules(prop, v, oldMap?.[k], path ? `${path}.${k}` : k));
    }
  } else if (Array.isArray(value) && schema.items) {
    const items = schema.items;
    const oldItems: unknown[] = Array.isArray(old) ? old : [];
    const keys = schema['x-kubernetes-list-map-keys'];
    value.forEach((v, i) => {
      // Items of map lists are paired with the old item of the same keys; others are not paired.
      const previous: unknown = schema['x-kubernetes-list-type'] === 'map' && keys
        ? oldItems.find((o) => isJsonObject(o) && isJsonObject(v) && keys.every((k) => o[k] === v[k]))
        : undefined;
      errs.push(...validateRules(items, v, previous, `${path}[${i}]`));
    });
  }
  return errs;
}

/** undefined when the rule holds; otherwise the message to report. */
function evaluateRule(rule: ValidationRule, schema: JSONSchemaProps, value: unknown, old: unknown, transition: boolean): string | undefined {
  const program = compileRule(rule.rule);
  if (program instanceof Error) return `compilation failed: ${program.message}`;
  const context: Record<string, unknown> = { self: toCEL(schema, value) };
  if (transition) context.oldSelf = toCEL(schema, old);
  let result: unknown;
  try {
    result = program(context);
  } catch (e) {
    return e instanceof Error && /no such key/i.test(e.message) ? `${rule.message ?? `failed rule: ${rule.rule.trim()}`}` : `rule evaluation error: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (result === true) return undefined;
  if (rule.message) return rule.message;
  if (rule.messageExpression) {
    try {
      const expr = compileRule(rule.messageExpression);
      const text: unknown = expr instanceof Error ? undefined : expr(context);
      if (typeof text === 'string' && text.trim()) return text;
    } catch { /* kube falls back to the rule when the message expression fails */ }
  }
  return `failed rule: ${rule.rule.trim()}`;
}

/** The field error of a failed rule: its reason picks the error type, fieldPath the field. */
function ruleError(rule: ValidationRule, schema: JSONSchemaProps, path: string, message: string): FieldError {
  const field = rule.fieldPath ? `${path}${rule.fieldPath.startsWith('.') || rule.fieldPath.startsWith('[') ? '' : '.'}${rule.fieldPath}`.replace(/^\./, '') : path;
  const type = schema.type ?? (schema['x-kubernetes-int-or-string'] ? 'integer-or-string' : 'object');
  switch (rule.reason) {
    case 'FieldValueForbidden': return fieldErrors.forbidden(field, message);
    case 'FieldValueRequired': return fieldErrors.required(field, message);
    case 'FieldValueDuplicate': return new FieldError('FieldValueDuplicate', field, type, message);
    default: return fieldErrors.invalid(field, type, message);
  }
}
