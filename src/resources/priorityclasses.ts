// PriorityClasses (scheduling.k8s.io/v1, cluster-scoped, short name `pc`): kube's default
// preemptionPolicy, ValidatePriorityClass(Update) with its texts, the two system classes the API
// server creates at start (which may not be deleted), and `kubectl get pc` columns.
import { errors, fieldErrors, type FieldError } from '../api/errors.js';
import type { PriorityClass } from '../api/objects.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';

/** scheduling.HighestUserDefinablePriority: a class not named `system-*` may go up to this. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** scheduling.SystemCriticalPriority: twice the highest user-definable priority. */
const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
const SYSTEM_PREFIX = 'system-';
export const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'];
const GR = { group: 'scheduling.k8s.io', resource: 'priorityclasses' };

/** The classes every cluster has (kube's SystemPriorityClasses), made by the bootstrap. */
export const SYSTEM_PRIORITY_CLASSES: readonly PriorityClass[] = [
  {
    apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass',
    metadata: { name: 'system-node-critical' }, value: SYSTEM_CRITICAL_PRIORITY + 1000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass',
    metadata: { name: 'system-cluster-critical' }, value: SYSTEM_CRITICAL_PRIORITY,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

/** IsKnownSystemPriorityClass: why a `system-` class is not one of the system classes, or undefined. */
function unknownSystemClass(pc: PriorityClass): string | undefined {
  const known = SYSTEM_PRIORITY_CLASSES.find((s) => s.metadata.name === pc.metadata.name);
  if (!known) return `${pc.metadata.name} is not a known system priority class`;
  if (known.value !== pc.value) return `value of ${known.metadata.name} PriorityClass must be ${known.value}`;
  if ((pc.globalDefault ?? false) !== false) return `globalDefault of ${known.metadata.name} PriorityClass must be false`;
  return undefined;
}

/** ValidatePriorityClass on create; on update ValidatePriorityClassUpdate, which checks only what may not change. */
function validatePriorityClass(pc: PriorityClass, old?: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  if (old) {
    if (pc.value !== old.value) errs.push(fieldErrors.forbidden('value', 'may not be changed in an update.'));
    if (pc.preemptionPolicy !== old.preemptionPolicy) errs.push(fieldErrors.invalid('preemptionPolicy', pc.preemptionPolicy, 'field is immutable'));
    return errs;
  }
  const name = pc.metadata.name ?? '';
  if (name.startsWith(SYSTEM_PREFIX)) {
    const why = unknownSystemClass(pc);
    if (why) errs.push(fieldErrors.forbidden('metadata.name', `priority class names with '${SYSTEM_PREFIX}' prefix are reserved for system use only. error: ${why}`));
  } else if (pc.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(fieldErrors.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  if (pc.preemptionPolicy === '') errs.push(fieldErrors.required('preemptionPolicy'));
  else if (pc.preemptionPolicy !== undefined && !PREEMPTION_POLICIES.includes(pc.preemptionPolicy)) {
    errs.push(fieldErrors.notSupported('preemptionPolicy', pc.preemptionPolicy, PREEMPTION_POLICIES));
  }
  return errs;
}

export const priorityClassStrategy: Strategy<PriorityClass> = {
  group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses',
  singularName: 'priorityclass',
  shortNames: ['pc'],
  defaults(obj) {
    obj.preemptionPolicy ??= 'PreemptLowerPriority';
  },
  validate: (obj, old) => validatePriorityClass(obj, old),
  beforeDelete(obj) {
    const name = obj.metadata.name ?? '';
    if (SYSTEM_PRIORITY_CLASSES.some((s) => s.metadata.name === name)) throw errors.forbidden(GR, name, 'this is a system priority class and cannot be deleted');
    return undefined;
  },
  table: {
    columns: [
      NAME_COLUMN,
      column('Value', 'The priority pods of this class get.', 0, 'integer'),
      column('Global-Default', 'Whether pods naming no class get this one.', 0, 'boolean'),
      AGE_COLUMN,
      column('PreemptionPolicy', 'Whether pods of this class may preempt pods of lower priority.'),
    ],
    cells: (pc, now) => [pc.metadata.name, pc.value, pc.globalDefault ?? false, age(pc.metadata.creationTimestamp, now), pc.preemptionPolicy ?? ''],
  },
};
