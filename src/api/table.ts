// Table output (meta.k8s.io Table) for `kubectl get`: the columns of kube's printers, the rows,
// and the embedded object as includeObject asks.
import type { KObject, TableColumn, TableConvertor } from './types.js';
import { isJsonObject } from './json.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export const NAME_COLUMN: TableColumn = { name: 'Name', type: 'string', format: 'name', description: 'The name of the object, unique within its namespace.', priority: 0 };
export const AGE_COLUMN: TableColumn = { name: 'Age', type: 'string', format: '', description: 'How long ago the object was created.', priority: 0 };

/** Resources without a printer of their own get Name and Created At, as kube's default convertor. */
export const DEFAULT_TABLE: TableConvertor = {
  columns: [NAME_COLUMN, { name: 'Created At', type: 'date', format: '', description: 'When the object was created.', priority: 0 }],
  cells: (o) => [o.metadata.name, o.metadata.creationTimestamp],
};

export function column(name: string, description: string, priority = 0, type: TableColumn['type'] = 'string'): TableColumn {
  return { name, type, format: '', description, priority };
}

export interface TableRow { cells: unknown[]; object?: unknown; conditions?: unknown[] }

export function tableRow(convertor: TableConvertor, obj: KObject, include: IncludeObject, tableApiVersion: string, now: number): TableRow {
  const row: TableRow = { cells: convertor.cells(obj, now) };
  if (include === 'Object') row.object = obj;
  else if (include === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion: tableApiVersion, metadata: obj.metadata };
  const conditions = rowConditions(obj);
  if (conditions) row.conditions = conditions;
  return row;
}

/** A finished pod's row is marked Completed, as kube's pod printer marks it. */
export function rowConditions(obj: KObject): unknown[] | undefined {
  const phase = isJsonObject(obj.status) ? obj.status.phase : undefined;
  if (obj.kind !== 'Pod' || (phase !== 'Succeeded' && phase !== 'Failed')) return undefined;
  return [{ type: 'Completed', status: 'True', reason: phase, message: `The pod has completed ${phase === 'Succeeded' ? 'successfully' : 'with an error'}.` }];
}

export function table(convertor: TableConvertor, rows: TableRow[], apiVersion: string, listMeta: Record<string, unknown>, withColumns = true): Record<string, unknown> {
  return {
    kind: 'Table',
    apiVersion,
    metadata: listMeta,
    columnDefinitions: withColumns ? convertor.columns : null,
    rows,
  };
}

/** The age of a timestamp as kubectl prints it (apimachinery's duration.HumanDuration). */
export function age(timestamp: string | undefined, now: number): string {
  if (!timestamp) return '<unknown>';
  return humanDuration(now - Date.parse(timestamp));
}

export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

/** `<none>` for empty values, as kube's printers do. */
export function orNone(v: string | undefined | null): string {
  return v ? v : '<none>';
}

export function formatLabelSelector(sel: Record<string, string> | undefined): string {
  if (!sel || Object.keys(sel).length === 0) return '<none>';
  return Object.keys(sel).sort().map((k) => `${k}=${sel[k]}`).join(',');
}
