// Request options, parsed once where a request comes in: the query parameters (and a DELETE's
// body) become typed List, Get, Create, Update, Patch and Delete options as kube's
// metav1.*Options, selectors already parsed. Every bad value is answered here with kube's 400 or
// 422, so the store below works with options that are known to be good.
import { errors, fieldErrors, FieldError } from './errors.js';
import { parseResourceVersion } from './resource-version.js';
import { parseFieldSelector, parseLabelSelector, SelectorError, type FieldSelector, type LabelSelector } from './selectors.js';
import type { DeleteOptions } from './types.js';
import type { RequestContext } from './request-context.js';

/** Query booleans as kube parses them: true, True, TRUE, 1, t, T. */
export function queryBool(v: string | null | undefined): boolean {
  if (v === null || v === undefined) return false;
  return ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v);
}

/** Which objects a list, watch or deletecollection selects. */
export interface Selection {
  labels: LabelSelector;
  fields: FieldSelector;
}

/** The field labels a kind's field selectors accept, and the legacy names renamed to them. */
export interface FieldLabels {
  supported: ReadonlySet<string>;
  aliases?: Readonly<Record<string, string>>;
}

export const EVERYTHING: Selection = { labels: [], fields: [] };

/** Parses labelSelector and fieldSelector, with kube's 400s for bad syntax or unsupported field labels. */
export function parseSelection(query: URLSearchParams, fieldLabels: FieldLabels): Selection {
  try {
    const labels = parseLabelSelector(query.get('labelSelector') ?? '');
    const fields = parseFieldSelector(query.get('fieldSelector') ?? '').map((r) => ({ ...r, field: fieldLabels.aliases?.[r.field] ?? r.field }));
    for (const r of fields) if (!fieldLabels.supported.has(r.field)) throw errors.badRequest(`field label not supported: ${r.field}`);
    return { labels, fields };
  } catch (e) {
    if (e instanceof SelectorError) throw errors.badRequest(e.message);
    throw e;
  }
}

export type ResourceVersionMatch = 'Exact' | 'NotOlderThan';

export interface ListOptions extends Selection {
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: ResourceVersionMatch;
}

const invalidListOptions = (error: FieldError) => errors.invalid('ListOptions', 'meta.k8s.io', '', [error]);

/** A list's options, checked as kube's ValidateListOptions checks them. */
export function parseListOptions(query: URLSearchParams, fieldLabels: FieldLabels): ListOptions {
  if (query.has('sendInitialEvents')) throw invalidListOptions(fieldErrors.forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  const resourceVersion = query.get('resourceVersion') ?? undefined;
  const match = query.get('resourceVersionMatch') ?? undefined;
  if (match && !resourceVersion) {
    throw invalidListOptions(new FieldError('FieldValueForbidden', 'resourceVersionMatch', undefined, 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
  }
  if (match && match !== 'Exact' && match !== 'NotOlderThan') {
    throw invalidListOptions(new FieldError('FieldValueNotSupported', 'resourceVersionMatch', match, '', ['Exact', 'NotOlderThan']));
  }
  if (match === 'Exact' && resourceVersion === '0') {
    throw invalidListOptions(new FieldError('FieldValueForbidden', 'resourceVersionMatch', undefined, 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  const cont = query.get('continue') ?? undefined;
  if (cont && resourceVersion && resourceVersion !== '0') throw errors.badRequest('specifying resource version is not allowed when using continue');
  if (resourceVersion && resourceVersion !== '0') parseResourceVersion(resourceVersion);
  return {
    ...parseSelection(query, fieldLabels),
    limit: query.has('limit') ? Number(query.get('limit')) : undefined,
    continue: cont,
    resourceVersion,
    resourceVersionMatch: match === 'Exact' || match === 'NotOlderThan' ? match : undefined,
  };
}

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

export function parseFieldValidation(v: string | null): FieldValidation {
  if (v === null || v === '') return 'Warn';
  if (v === 'Ignore' || v === 'Warn' || v === 'Strict') return v;
  throw errors.badRequest(`fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`);
}

/** Options of a write through the store. */
export interface WriteOptions {
  dryRun: boolean;
  /** The subresource written through (`status`), if any. */
  subresource?: string;
  /** The field manager recording this write as an Update (managedFields); none for system writes. */
  fieldManager?: string;
  /** The write already carries its managedFields (server-side apply computed them). */
  managedFieldsSet?: boolean;
  /** The request the write serves (its user, authorizer and warnings); none for controllers' writes. */
  request?: RequestContext;
}

/** Create, update and patch options from a query: kube's CreateOptions, UpdateOptions and PatchOptions. */
export interface MutationOptions {
  dryRun: boolean;
  /** The fieldManager parameter, else the User-Agent's first token (as kube). */
  fieldManager: string;
  /** The fieldManager parameter as given (server-side apply requires one). */
  fieldManagerParameter?: string;
  fieldValidation: FieldValidation;
  /** Server-side apply's force. */
  force: boolean;
}

/** The options kind each writing verb's query decodes into; kube names it in its 422s. */
export type WriteVerb = 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';
const OPTIONS_KIND: Record<WriteVerb, string> = {
  create: 'CreateOptions', update: 'UpdateOptions', patch: 'PatchOptions', delete: 'DeleteOptions', deletecollection: 'DeleteOptions',
};

export function parseMutationOptions(query: URLSearchParams, verb: 'create' | 'update' | 'patch', userAgent: string | undefined): MutationOptions {
  const given = query.get('fieldManager') || undefined;
  return {
    dryRun: parseDryRun(query, verb).length > 0,
    fieldManager: given ?? ((userAgent ?? '').split('/')[0] || 'unknown'),
    fieldManagerParameter: given,
    fieldValidation: parseFieldValidation(query.get('fieldValidation')),
    force: queryBool(query.get('force')),
  };
}

/** A write's dryRun values; anything but "All" is a 422 naming the verb's options. */
export function parseDryRun(query: URLSearchParams, verb: WriteVerb): string[] {
  const values = query.getAll('dryRun');
  checkDryRun(values, OPTIONS_KIND[verb]);
  return values;
}

/** dryRun as decoded from a body: a list of strings, or nothing. */
export function dryRunValues(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    const what = Array.isArray(v) ? typeof v.find((x) => typeof x !== 'string') : typeof v;
    throw errors.badRequest(`json: cannot unmarshal ${what} into Go struct field DeleteOptions.dryRun of type ${Array.isArray(v) ? 'string' : '[]string'}`);
  }
  return v.filter((x): x is string => typeof x === 'string');
}

function checkDryRun(values: string[], optionsKind: string): void {
  if (values.every((v) => v === 'All')) return;
  throw errors.invalid(optionsKind, 'meta.k8s.io', '', [fieldErrors.notSupported('dryRun', values, ['All'])]);
}

/** Whether DeleteOptions (from a body, or an Eviction's) ask for a dry run, validated as kube validates them. */
export function deleteDryRun(options: DeleteOptions): boolean {
  const values = dryRunValues(options.dryRun);
  checkDryRun(values, 'DeleteOptions');
  return values.length > 0;
}

const PROPAGATION_POLICIES = ['Orphan', 'Background', 'Foreground'] as const;
const isPropagationPolicy = (v: string): v is NonNullable<DeleteOptions['propagationPolicy']> => (PROPAGATION_POLICIES as readonly string[]).includes(v);

/**
 * DeleteOptions from a decoded body (already type-checked) and the query, which wins where both
 * give a value; a dry run in either counts.
 */
export function parseDeleteOptions(body: DeleteOptions | undefined, query: URLSearchParams, verb: 'delete' | 'deletecollection'): { options: DeleteOptions; dryRun: boolean } {
  const options: DeleteOptions = { ...(body ?? {}) };
  if (query.has('gracePeriodSeconds')) options.gracePeriodSeconds = queryInt64(query.get('gracePeriodSeconds') ?? '');
  const policy = query.get('propagationPolicy') ?? options.propagationPolicy;
  if (policy !== undefined) {
    if (!isPropagationPolicy(policy)) {
      throw errors.invalid('DeleteOptions', 'meta.k8s.io', '', [fieldErrors.notSupported('propagationPolicy', policy, ['Foreground', 'Background', 'Orphan'])]);
    }
    options.propagationPolicy = policy;
  }
  if (options.gracePeriodSeconds !== undefined && options.gracePeriodSeconds < 0) options.gracePeriodSeconds = 0;
  const fromQuery = parseDryRun(query, verb).length > 0;
  return { options, dryRun: deleteDryRun(options) || fromQuery };
}

/** A query parameter of Go type int64, with strconv's error text for what does not parse. */
function queryInt64(v: string): number {
  if (!/^[+-]?\d+$/.test(v)) throw errors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}
