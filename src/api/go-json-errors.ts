// The texts of Go's encoding/json type errors, as kube-apiserver's decoder reports a body whose
// values have the wrong JSON type: `json: cannot unmarshal string into Go struct field
// ObjectMeta.metadata.labels of type map[string]string`. The Go types are derived from the OpenAPI
// schema the value is checked against (named types such as v1.Protocol are not in the schema, so
// their underlying type is named instead).
import type { SchemaNode } from './schema-navigator.js';

/** The Go spelling of a schema's type: `int32`, `[]v1.Container`, `map[string]string`, `v1.PodSpec`. */
export function goTypeName(node: SchemaNode): string {
  const s = node.schema;
  if (node.refName && (s?.type === 'object' || s?.properties || isCustomType(node.refName))) return qualifiedGoName(node.refName);
  switch (s?.type) {
    case 'string': return s.format === 'byte' ? '[]uint8' : 'string';
    case 'integer': return s.format === 'int32' ? 'int32' : s.format === 'int64' ? 'int64' : 'int';
    case 'number': return s.format === 'float' ? 'float32' : 'float64';
    case 'boolean': return 'bool';
    case 'array': return `[]${goTypeName(node.items())}`;
    case 'object': return s.additionalProperties ? `map[string]${goTypeName(node.values())}` : 'map[string]interface {}';
  }
  return 'interface {}';
}

/** Types with their own JSON decoding (strings on the wire, structs in Go). */
function isCustomType(refName: string): boolean {
  return /\.(Quantity|IntOrString|Time|MicroTime)$/.test(refName);
}

/** `io.k8s.api.core.v1.Container` → `v1.Container`: Go prints a named type as package.Name. */
function qualifiedGoName(refName: string): string {
  const parts = refName.split('.');
  return parts.slice(-2).join('.');
}

/** The JSON type name Go's decoder reports for a value (`number 1.5` when it does not fit an integer). */
function goValueName(value: unknown, target: SchemaNode): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'object';
  if (typeof value === 'number') return target.schema?.type === 'integer' ? `number ${value}` : 'number';
  if (typeof value === 'boolean') return 'bool';
  return 'string';
}

/**
 * The error Go's decoder gives for the value at `path` (JSON keys and array indexes from the
 * root object of schema `root`). Go names the struct that holds the field and the field's path
 * from the root through struct fields (map keys and indexes are not part of it).
 */
export function typeMismatchText(root: SchemaNode, obj: unknown, path: string[]): string {
  let node = root;
  let value = obj;
  let struct: string | undefined;
  const fields: string[] = [];
  for (const seg of path) {
    const s = node.schema;
    if (s?.type === 'array' || Array.isArray(value)) {
      node = node.items();
    } else if (s?.properties?.[seg] !== undefined) {
      struct = node.refName ? qualifiedGoName(node.refName).split('.').pop() : struct;
      fields.push(seg);
      node = node.field(seg);
    } else {
      node = node.field(seg);
    }
    value = value !== null && typeof value === 'object' ? Reflect.get(value, seg) : undefined; // an object's field or an array's index
  }
  const got = goValueName(value, node);
  // Types with their own decoding fail inside it, where Go no longer knows the field.
  const ref = node.refName ?? '';
  if (/\.(Time|MicroTime)$/.test(ref)) return `json: cannot unmarshal ${got} into Go value of type string`;
  if (/\.IntOrString$/.test(ref)) return `json: cannot unmarshal ${got} into Go value of type int32`;
  const type = goTypeName(node);
  if (!fields.length) return `json: cannot unmarshal ${got} into Go value of type ${type}`;
  return `json: cannot unmarshal ${got} into Go struct field ${struct}.${fields.join('.')} of type ${type}`;
}
