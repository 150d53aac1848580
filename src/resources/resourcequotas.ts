// ResourceQuotas (core/v1): validated as kube's ValidateResourceQuota (resource names, quantities,
// scopes and scopeSelector), status written by the resource quota controller and by quota
// admission through /status, and `kubectl get quota` columns as kube's printer: REQUEST and
// LIMIT list `name: used/hard` for every hard resource, sorted, limits.* in LIMIT.
import { fieldErrors, type FieldError } from '../api/errors.js';
import type { ResourceQuota, ResourceQuotaSpec } from '../api/objects.js';
import { tryParseQuantity } from '../api/quantity.js';
import { STATUS_SUBRESOURCE } from '../api/reset-fields.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';
import { qualifiedName } from '../api/validation.js';

/** standardQuotaResources (pkg/apis/core/helper). */
const QUOTA_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.storage', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers', 'resourcequotas',
  'secrets', 'persistentvolumeclaims', 'configmaps', 'services.nodeports', 'services.loadbalancers',
]);
/** Counted resources: their quantities must be whole (IsIntegerResourceName). */
const INTEGER_RESOURCES = new Set(['pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers']);
const SCOPES = new Set(['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity', 'VolumeAttributesClass']);
const POD_COMPUTE = new Set(['cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);
const EXISTS_ONLY = new Set(['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'CrossNamespacePodAffinity']);

const isHugePages = (n: string) => n.startsWith('hugepages-') || n.startsWith('requests.hugepages-');
const isStandardQuotaName = (n: string) => QUOTA_RESOURCES.has(n) || isHugePages(n);

/** IsResourceQuotaScopeValidForResource. */
function scopeValidFor(scope: string, resource: string): boolean {
  if (scope === 'BestEffort') return resource === 'pods';
  if (['Terminating', 'NotTerminating', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'].includes(scope)) return resource === 'pods' || POD_COMPUTE.has(resource);
  return true;
}

/** validateResourceQuotaResourceName and validateResourceQuantityValue for one entry of a ResourceList. */
function validateEntry(path: string, name: string, value: string): FieldError[] {
  const errs: FieldError[] = [];
  const at = `${path}[${name}]`;
  const nameErrors = qualifiedName(name);
  for (const msg of nameErrors) errs.push(fieldErrors.invalid(at, name, msg));
  if (nameErrors.length === 0 && !name.includes('/')) {
    if (!isStandardQuotaName(name) && name !== 'storage') errs.push(fieldErrors.invalid(at, name, 'must be a standard resource type or fully qualified'));
    if (!isStandardQuotaName(name)) errs.push(fieldErrors.invalid(at, name, 'must be a standard resource for quota'));
  }
  const q = tryParseQuantity(value);
  if (q && q.sign < 0) errs.push(fieldErrors.invalid(at, value, 'must be greater than or equal to 0'));
  if (q && INTEGER_RESOURCES.has(name) && q.milliValue() % 1000 !== 0) errs.push(fieldErrors.invalid(at, value, 'must be an integer'));
  return errs;
}

function validateList(path: string, list: Record<string, string> | undefined): FieldError[] {
  return Object.entries(list ?? {}).flatMap(([k, v]) => validateEntry(path, k, v));
}

const CONFLICTING = [['BestEffort', 'NotBestEffort'], ['Terminating', 'NotTerminating']];

function validateScopes(spec: ResourceQuotaSpec): FieldError[] {
  const scopes = spec.scopes ?? [];
  if (scopes.length === 0) return [];
  const errs: FieldError[] = [];
  const hard = Object.keys(spec.hard ?? {}).sort();
  for (const scope of scopes) {
    if (!SCOPES.has(scope)) errs.push(fieldErrors.invalid('spec.scopes', scopes, 'unsupported scope'));
    for (const k of hard) if (isStandardQuotaName(k) && !scopeValidFor(scope, k)) errs.push(fieldErrors.invalid('spec.scopes', scopes, 'unsupported scope applied to resource'));
  }
  for (const pair of CONFLICTING) if (pair.every((s) => scopes.includes(s))) errs.push(fieldErrors.invalid('spec.scopes', scopes, 'conflicting scopes'));
  return errs;
}

function validateScopeSelector(spec: ResourceQuotaSpec): FieldError[] {
  const selector = spec.scopeSelector;
  if (!selector) return [];
  const path = 'spec.scopeSelector.matchExpressions';
  const errs: FieldError[] = [];
  const hard = Object.keys(spec.hard ?? {}).sort();
  const seen = new Set<string>();
  for (const req of selector.matchExpressions ?? []) {
    if (!SCOPES.has(req.scopeName)) errs.push(fieldErrors.invalid(`${path}.scopeName`, req.scopeName, 'unsupported scope'));
    for (const k of hard) if (isStandardQuotaName(k) && !scopeValidFor(req.scopeName, k)) errs.push(fieldErrors.invalid(path, selector, 'unsupported scope applied to resource'));
    if (EXISTS_ONLY.has(req.scopeName) && req.operator !== 'Exists') {
      errs.push(fieldErrors.invalid(`${path}.operator`, req.operator, "must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity"));
    }
    const values = req.values ?? [];
    if (req.operator === 'In' || req.operator === 'NotIn') {
      if (values.length === 0) errs.push(fieldErrors.required(`${path}.values`, "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
    } else if (req.operator === 'Exists' || req.operator === 'DoesNotExist') {
      if (values.length !== 0) errs.push(fieldErrors.invalid(`${path}.values`, values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
    } else {
      errs.push(fieldErrors.invalid(`${path}.operator`, req.operator, 'not a valid selector operator'));
    }
    seen.add(req.scopeName);
  }
  for (const pair of CONFLICTING) if (pair.every((s) => seen.has(s))) errs.push(fieldErrors.invalid(path, selector.matchExpressions, 'conflicting scopes'));
  return errs;
}

/** ValidateResourceQuota (or its status, through /status). */
export function validateResourceQuota(rq: ResourceQuota, subresource?: string): FieldError[] {
  if (subresource === 'status') return [...validateList('status.hard', rq.status?.hard), ...validateList('status.used', rq.status?.used)];
  const spec = rq.spec ?? {};
  return [...validateList('spec.hard', spec.hard), ...validateScopes(spec), ...validateScopeSelector(spec)];
}

/** One column's `name: used/hard` entries. */
function usage(rq: ResourceQuota, limits: boolean): string {
  const hard = rq.status?.hard ?? {};
  return Object.keys(hard).sort()
    .filter((name) => (name.split('.').length > 1 && name.split('.')[0] === 'limits') === limits)
    .map((name) => `${name}: ${rq.status?.used?.[name] ?? '0'}/${hard[name]}`).join(', ');
}

export const resourceQuotaStrategy: Strategy = {
  group: '', version: 'v1', resource: 'resourcequotas',
  singularName: 'resourcequota',
  shortNames: ['quota'],
  subresources: { status: STATUS_SUBRESOURCE },
  prepareForCreate(obj: ResourceQuota) {
    delete obj.status;
  },
  validate(obj: ResourceQuota, _old?: ResourceQuota, subresource?: string) {
    return validateResourceQuota(obj, subresource);
  },
  table: {
    columns: [
      NAME_COLUMN, AGE_COLUMN,
      column('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
      column('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    ],
    cells: (rq: ResourceQuota, now) => [rq.metadata.name, age(rq.metadata.creationTimestamp, now), usage(rq, false), usage(rq, true)],
  },
};
