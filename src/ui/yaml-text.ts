// An object as the YAML tab shows it and what its Apply sends: no DOM here. The text is written as
// kubectl get -o yaml writes it (keys sorted, lists not indented under their key, YAML 1.1 so a
// string such as "yes" or "on" stays quoted), with metadata.managedFields left out: the tab folds
// them apart, and kube refuses an apply body that carries them.
import { parseDocument, stringify } from 'yaml';
import { isJsonObject } from '../api/json.js';
import type { KObject } from '../api/types.js';
import type { ObjectRef } from './shell.js';

const YAML_OPTIONS = { version: '1.1', sortMapEntries: true, indentSeq: false, lineWidth: 0 } as const;

/** One metadata.managedFields entry, as the folded summary lists it. */
export interface ManagerEntry {
  manager: string;
  operation: string;
  subresource: string;
  apiVersion: string;
  time: string;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The object's managedFields entries, in the server's order. */
export function managersOf(obj: KObject): ManagerEntry[] {
  const entries: unknown = obj.metadata.managedFields;
  if (!Array.isArray(entries)) return [];
  return entries.filter(isJsonObject).map((e) => ({
    manager: str(e.manager), operation: str(e.operation), subresource: str(e.subresource), apiVersion: str(e.apiVersion), time: str(e.time),
  }));
}

/** The managedFields alone, as kubectl get -o yaml --show-managed-fields writes them. */
export function managedFieldsYaml(obj: KObject): string {
  const entries: unknown = obj.metadata.managedFields;
  return Array.isArray(entries) && entries.length ? stringify({ managedFields: entries }, YAML_OPTIONS) : '';
}

/** The editable text: the object without metadata.managedFields. */
export function editableYaml(obj: KObject): string {
  const { managedFields: _folded, ...metadata } = obj.metadata;
  return stringify({ ...obj, metadata }, YAML_OPTIONS);
}

/**
 * Fields an apply body should not carry back. managedFields: kube answers 400 "metadata.managedFields
 * must be nil". status: the main resource's apply resets it, so it would only claim nothing. The
 * rest are system fields the field manager never records (stripmeta.go); resourceVersion is dropped
 * too, since in an apply body it is a precondition, and the controllers' status writes would make
 * every edit held open for a while fail with "the object has been modified": field ownership is the
 * apply's own check.
 */
const SYSTEM_METADATA = ['managedFields', 'creationTimestamp', 'uid', 'generation', 'resourceVersion', 'selfLink'];

export type ApplyBody = { ok: true; body: string } | { ok: false; error: string };

/**
 * The apply body for the edited `text`: JSON (which is YAML, as kubectl apply --server-side sends
 * it), with what should not be applied back removed and apiVersion, kind, name and namespace filled
 * from `ref` when the text left them out. A parse error is the parser's own message.
 */
export function applyBody(text: string, ref: ObjectRef): ApplyBody {
  const doc = parseDocument(text, { version: '1.1' });
  if (doc.errors.length) return { ok: false, error: doc.errors[0].message.trim() };
  const parsed: unknown = doc.toJS();
  if (!isJsonObject(parsed)) return { ok: false, error: 'The YAML is not an object: it must be a mapping with apiVersion, kind and metadata.' };
  const { status: _status, ...config } = parsed;
  const metadata: Record<string, unknown> = isJsonObject(config.metadata) ? { ...config.metadata } : {};
  for (const field of SYSTEM_METADATA) delete metadata[field];
  metadata.name ??= ref.name;
  if (ref.namespace) metadata.namespace ??= ref.namespace;
  const body = {
    ...config,
    apiVersion: config.apiVersion ?? (ref.group ? `${ref.group}/${ref.version}` : ref.version),
    kind: config.kind ?? ref.kind,
    metadata,
  };
  return { ok: true, body: JSON.stringify(body) };
}
