// additionalPrinterColumns of a custom resource as Table columns, as apiextensions-apiserver's
// table convertor makes them: Name first, then each column's simple JSONPath evaluated on the
// object; strings printed as kubectl's JSONPath printer prints the first result, integers,
// numbers and booleans as JSON values, dates as ages; a path that finds nothing is an empty cell.
import { humanDuration, NAME_COLUMN } from './table.js';
import { isJsonObject } from './json.js';
import type { KObject, TableColumn, TableConvertor } from './types.js';

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** The column a CRD without printer columns gets. */
export const AGE_PRINTER_COLUMN: PrinterColumn = {
  name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
};

type Step = { key: string } | { index: number } | { wildcard: true } | { filter: string; equals: string };

/** Parses the simple JSONPaths CRDs allow: `.a.b`, `.a[0]`, `.a['b.c']`, `.a[*]`, `.a[?(@.k=="v")]`. */
export function parseJSONPath(path: string): Step[] | undefined {
  const steps: Step[] = [];
  const text = path.trim().replace(/^\{(.*)\}$/, '$1');
  const re = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]|\[\*\]|\[\?\(@\.([^=!<>\s]+)\s*==\s*["']([^"']*)["']\)\]/y;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) return undefined;
    if (m[1] !== undefined) steps.push({ key: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else if (m[3] !== undefined || m[4] !== undefined) steps.push({ key: m[3] ?? m[4] });
    else if (m[5] !== undefined) steps.push({ filter: m[5], equals: m[6] });
    else steps.push({ wildcard: true });
    i = re.lastIndex;
  }
  return steps;
}

/** Every value the path finds, in order. */
export function findResults(obj: unknown, steps: Step[]): unknown[] {
  let current: unknown[] = [obj];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      const list: unknown[] = Array.isArray(v) ? v : [];
      if ('key' in step) { if (isJsonObject(v) && v[step.key] !== undefined) next.push(v[step.key]); }
      else if ('index' in step) { if (step.index < list.length) next.push(list[step.index]); }
      else if ('wildcard' in step) { next.push(...list); if (isJsonObject(v)) next.push(...Object.values(v)); }
      else next.push(...list.filter((item) => isJsonObject(item) && String(item[step.filter]) === step.equals));
    }
    current = next;
  }
  return current;
}

/** A JSONPath result as kubectl's printer writes it: strings plain, other values as JSON. */
function printed(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** One cell, by the column's type (kube's cellForJSONValue). */
export function cell(column: PrinterColumn, results: unknown[], now: number): unknown {
  if (!results.length) return null;
  const value = results[0];
  switch (column.type) {
    case 'string': return printed(value);
    case 'integer': return typeof value === 'number' && Number.isInteger(value) ? value : null;
    case 'number': return typeof value === 'number' ? value : null;
    case 'boolean': return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      const t = Date.parse(value);
      return Number.isNaN(t) ? '<invalid>' : humanDuration(now - t);
    }
    default: return null;
  }
}

const COLUMN_TYPES = new Set<TableColumn['type']>(['string', 'integer', 'number', 'boolean', 'date']);

/** The Table convertor of a custom resource version's printer columns. */
export function printerColumnsTable(columns: PrinterColumn[]): TableConvertor {
  const used = columns.length ? columns : [AGE_PRINTER_COLUMN];
  const paths = used.map((c) => parseJSONPath(c.jsonPath) ?? []);
  return {
    columns: [NAME_COLUMN, ...used.map((c): TableColumn => ({
      name: c.name,
      type: [...COLUMN_TYPES].find((t) => t === c.type) ?? 'string',
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
    }))],
    cells: (obj: KObject, now: number) => [obj.metadata.name, ...used.map((c, i) => cell(c, findResults(obj, paths[i]), now))],
  };
}
