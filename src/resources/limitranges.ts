// LimitRanges (core/v1): defaulted as kube's SetDefaults_LimitRangeItem (a Container item's
// default limit from max, its default request from the default limit, else from min), validated
// as ValidateLimitRange with kube's texts, and listed with kube's columns NAME and CREATED AT.
import { fieldErrors, type FieldError } from '../api/errors.js';
import type { LimitRange, LimitRangeItem } from '../api/objects.js';
import { tryParseQuantity } from '../api/quantity.js';
import { column, NAME_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';
import { qualifiedName } from '../api/validation.js';

const LIMIT_TYPES = new Set(['Pod', 'Container', 'PersistentVolumeClaim']);
const CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
/** Resources that may not be overcommitted (IsOvercommitAllowed is false): default and defaultRequest must agree. */
const noOvercommit = (n: string) => n.startsWith('hugepages-') || (n.includes('/') && !n.startsWith('kubernetes.io/'));

function defaultItem(item: LimitRangeItem): void {
  if (item.type !== 'Container') return;
  const limits = { ...item.default };
  for (const [k, v] of Object.entries(item.max ?? {})) limits[k] ??= v;
  const requests = { ...item.defaultRequest };
  for (const [k, v] of Object.entries(limits)) requests[k] ??= v;
  for (const [k, v] of Object.entries(item.min ?? {})) requests[k] ??= v;
  // Empty maps are omitted, as Go's omitempty drops them.
  if (Object.keys(limits).length > 0) item.default = limits;
  if (Object.keys(requests).length > 0) item.defaultRequest = requests;
}

function validateTypeName(type: string, path: string): FieldError[] {
  const msgs = qualifiedName(type);
  if (msgs.length) return msgs.map((m) => fieldErrors.invalid(path, type, m));
  if (!type.includes('/') && !LIMIT_TYPES.has(type)) return [fieldErrors.invalid(path, type, 'must be a standard limit type or fully qualified')];
  return [];
}

/** validateLimitRangeResourceName: containers' and pods' resources, or a claim's storage. */
function validateResourceName(type: string, name: string, path: string): FieldError[] {
  const msgs = qualifiedName(name);
  if (msgs.length) return msgs.map((m) => fieldErrors.invalid(path, name, m));
  if (name.includes('/')) return [];
  if (type === 'PersistentVolumeClaim') return name === 'storage' ? [] : [fieldErrors.invalid(path, name, 'must be a standard resource type or fully qualified')];
  if (type === 'Container' || type === 'Pod') {
    return CONTAINER_RESOURCES.has(name) || name.startsWith('hugepages-') ? [] : [fieldErrors.invalid(path, name, 'must be a standard resource for containers')];
  }
  return [];
}

const LISTS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;

function validateItem(item: LimitRangeItem, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const keys = new Set<string>();
  for (const list of LISTS) {
    if (item.type === 'Pod' && (list === 'default' || list === 'defaultRequest')) {
      if (Object.keys(item[list] ?? {}).length > 0) errs.push(fieldErrors.forbidden(`${path}.${list}`, "may not be specified when `type` is 'Pod'"));
      continue;
    }
    for (const k of Object.keys(item[list] ?? {})) {
      errs.push(...validateResourceName(item.type, k, `${path}.${list}[${k}]`));
      keys.add(k);
    }
  }
  if (item.type === 'PersistentVolumeClaim' && item.min?.storage === undefined && item.max?.storage === undefined) {
    errs.push(fieldErrors.required(`${path}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
  }
  const qty = (list: (typeof LISTS)[number], k: string) => tryParseQuantity(item[list]?.[k]);
  for (const k of [...keys].sort()) {
    const min = qty('min', k); const max = qty('max', k); const def = qty('default', k);
    const req = item.type === 'Pod' ? undefined : qty('defaultRequest', k);
    const ratio = qty('maxLimitRequestRatio', k);
    const at = (list: string) => `${path}.${list}[${k}]`;
    if (min && max && min.cmp(max) > 0) errs.push(fieldErrors.invalid(at('min'), min.toString(), `min value ${min} is greater than max value ${max}`));
    if (req && min && min.cmp(req) > 0) errs.push(fieldErrors.invalid(at('defaultRequest'), req.toString(), `min value ${min} is greater than default request value ${req}`));
    if (req && max && req.cmp(max) > 0) errs.push(fieldErrors.invalid(at('defaultRequest'), req.toString(), `default request value ${req} is greater than max value ${max}`));
    if (req && def && req.cmp(def) > 0) errs.push(fieldErrors.invalid(at('defaultRequest'), req.toString(), `default request value ${req} is greater than default limit value ${def}`));
    if (def && min && min.cmp(def) > 0) errs.push(fieldErrors.invalid(at('default'), def.toString(), `min value ${min} is greater than default value ${def}`));
    if (def && max && def.cmp(max) > 0) errs.push(fieldErrors.invalid(at('default'), def.toString(), `default value ${def} is greater than max value ${max}`));
    if (ratio && ratio.milliValue() < 1000) errs.push(fieldErrors.invalid(at('maxLimitRequestRatio'), ratio.toString(), `ratio ${ratio} is less than 1`));
    if (ratio && min && max) {
      const limit = max.milliValue() / min.milliValue();
      if (ratio.milliValue() / 1000 > limit) errs.push(fieldErrors.invalid(at('maxLimitRequestRatio'), ratio.toString(), `ratio ${ratio} is greater than max/min = ${limit.toFixed(6)}`));
    }
    if (noOvercommit(k) && def && req && def.cmp(req) !== 0) {
      errs.push(fieldErrors.invalid(at('defaultRequest'), req.toString(), `default value ${def} must equal to defaultRequest value ${req} in ${k}`));
    }
  }
  return errs;
}

/** ValidateLimitRange's spec part. */
export function validateLimitRange(lr: LimitRange): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (lr.spec?.limits ?? []).forEach((item, i) => {
    const path = `spec.limits[${i}]`;
    errs.push(...validateTypeName(item.type, `${path}.type`));
    if (seen.has(item.type)) errs.push(fieldErrors.duplicate(`${path}.type`, item.type));
    seen.add(item.type);
    errs.push(...validateItem(item, path));
  });
  return errs;
}

export const limitRangeStrategy: Strategy = {
  group: '', version: 'v1', resource: 'limitranges',
  singularName: 'limitrange',
  shortNames: ['limits'],
  defaults(obj: LimitRange) {
    for (const item of obj.spec?.limits ?? []) defaultItem(item);
  },
  validate(obj: LimitRange) {
    return validateLimitRange(obj);
  },
  table: {
    columns: [NAME_COLUMN, { ...column('Created At', 'The time the object was created.'), type: 'date' }],
    cells: (lr: LimitRange) => [lr.metadata.name, lr.metadata.creationTimestamp],
  },
};
