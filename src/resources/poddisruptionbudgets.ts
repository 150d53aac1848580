// PodDisruptionBudgets (policy/v1): validation with kube's texts (pkg/apis/policy/validation), an
// empty status on create, the `kubectl get pdb` columns. The disruption controller writes the
// status; pods/eviction (evictions.ts) spends it.
import { fieldErrors, type FieldError } from '../api/errors.js';
import type { Condition, IntOrString, PodDisruptionBudget, PodDisruptionBudgetStatus } from '../api/objects.js';
import { STATUS_SUBRESOURCE } from '../api/reset-fields.js';
import { age, column, NAME_COLUMN, AGE_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';
import { qualifiedName } from '../api/validation.js';
import { nonNegative, validateLabelSelector } from './replicasets.js';

export type { PodDisruptionBudget } from '../api/objects.js';

const PERCENT = /^[0-9]+%$/;
const POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

/** ValidatePositiveIntOrPercent and IsNotMoreThan100Percent, as for a Deployment's strategy. */
function intOrPercent(path: string, v: IntOrString): FieldError[] {
  if (typeof v === 'string') {
    if (!PERCENT.test(v)) return [fieldErrors.invalid(path, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
    return Number(v.slice(0, -1)) > 100 ? [fieldErrors.invalid(path, v, 'must not be greater than 100%')] : [];
  }
  return nonNegative(path, v);
}

/** ValidatePodDisruptionBudgetSpec. */
function validateSpec(pdb: PodDisruptionBudget): FieldError[] {
  const spec = pdb.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(fieldErrors.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  if (spec.minAvailable !== undefined) errs.push(...intOrPercent('spec.minAvailable', spec.minAvailable));
  if (spec.maxUnavailable !== undefined) errs.push(...intOrPercent('spec.maxUnavailable', spec.maxUnavailable));
  if (spec.selector) errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && !POLICIES.includes(policy)) errs.push(fieldErrors.notSupported('spec.unhealthyPodEvictionPolicy', policy, POLICIES));
  return errs;
}

/** metav1 ValidateConditions, as far as a status writer can get them wrong. */
function validateConditions(conditions: readonly Condition[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (conditions ?? []).forEach((c, i) => {
    const at = `${path}[${i}]`;
    for (const m of qualifiedName(c.type ?? '')) errs.push(fieldErrors.invalid(`${at}.type`, c.type ?? '', m));
    if (!['False', 'True', 'Unknown'].includes(c.status)) errs.push(fieldErrors.notSupported(`${at}.status`, c.status, ['False', 'True', 'Unknown']));
    if (c.observedGeneration !== undefined && c.observedGeneration < 0) errs.push(fieldErrors.invalid(`${at}.observedGeneration`, c.observedGeneration, 'must be greater than or equal to zero'));
    if (!c.lastTransitionTime) errs.push(fieldErrors.required(`${at}.lastTransitionTime`, 'must be set'));
    if (!c.reason) errs.push(fieldErrors.required(`${at}.reason`, 'must be set'));
  });
  return errs;
}

/** ValidatePodDisruptionBudgetStatusUpdate (policy/v1: counts may not be negative). */
function validateStatus(status: PodDisruptionBudgetStatus | undefined): FieldError[] {
  if (!status) return [];
  return [
    ...validateConditions(status.conditions, 'status.conditions'),
    ...nonNegative('status.disruptionsAllowed', status.disruptionsAllowed),
    ...nonNegative('status.currentHealthy', status.currentHealthy),
    ...nonNegative('status.desiredHealthy', status.desiredHealthy),
    ...nonNegative('status.expectedPods', status.expectedPods),
  ];
}

/** An IntOrString as the printer shows it, `N/A` when unset. */
const orNA = (v: IntOrString | undefined): string => (v === undefined ? 'N/A' : String(v));

export const podDisruptionBudgetStrategy: Strategy<PodDisruptionBudget> = {
  group: 'policy', version: 'v1', resource: 'poddisruptionbudgets',
  singularName: 'poddisruptionbudget',
  shortNames: ['pdb'],
  subresources: { status: STATUS_SUBRESOURCE },
  tracksGeneration: true,
  prepareForCreate(obj) {
    obj.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  },
  validate(obj, _old, subresource) {
    return subresource === 'status' ? validateStatus(obj.status) : validateSpec(obj);
  },
  table: {
    columns: [
      NAME_COLUMN,
      column('Min Available', 'The least number of pods that must stay available.'),
      column('Max Unavailable', 'The most pods that may be unavailable.'),
      column('Allowed Disruptions', 'How many pods may be disrupted now, as the controller computed.', 0, 'integer'),
      AGE_COLUMN,
    ],
    cells(pdb, now) {
      return [pdb.metadata.name, orNA(pdb.spec?.minAvailable), orNA(pdb.spec?.maxUnavailable), pdb.status?.disruptionsAllowed ?? 0, age(pdb.metadata.creationTimestamp, now)];
    },
  },
};
