// RuntimeClasses (node.k8s.io/v1, cluster-scoped): kube's ValidateRuntimeClass(Update) with its
// texts (handler a DNS label and immutable, overhead as resource limits, scheduling's labels and
// tolerations) and the `kubectl get runtimeclasses` columns. Pods naming a class get its overhead
// and scheduling through the RuntimeClass admission (runtimeclass-admission.ts). The simulated
// kubelet runs every handler alike: no handler is configured or refused on a node.
import { fieldErrors, type FieldError } from '../api/errors.js';
import type { RuntimeClass, Toleration } from '../api/objects.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';
import { dns1123Label, immutable, labelValue, qualifiedName } from '../api/validation.js';
import { validateResourceRequirements } from './pods.js';

const OPERATORS = ['Equal', 'Exists'];
const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** ValidateTolerations (pkg/apis/core/validation), with its texts. */
export function validateTolerations(tolerations: Toleration[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (tolerations ?? []).forEach((t, i) => {
    const p = `${path}[${i}]`;
    const key = t.key ?? '';
    const operator = t.operator ?? '';
    const value = t.value ?? '';
    const effect = t.effect ?? '';
    if (key) for (const msg of qualifiedName(key)) errs.push(fieldErrors.invalid(`${p}.key`, key, msg));
    if (!key && operator !== 'Exists') {
      errs.push(fieldErrors.invalid(`${p}.operator`, operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && effect !== 'NoExecute') {
      errs.push(fieldErrors.invalid(`${p}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (operator === '' || operator === 'Equal') {
      const msgs = labelValue(value);
      if (msgs.length) errs.push(fieldErrors.invalid(`${p}.operator`, value, msgs.join(';')));
    } else if (operator === 'Exists') {
      if (value) errs.push(fieldErrors.invalid(`${p}.operator`, t, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(fieldErrors.notSupported(`${p}.operator`, operator, OPERATORS));
    }
    if (effect && !EFFECTS.includes(effect)) errs.push(fieldErrors.notSupported(`${p}.effect`, effect, EFFECTS));
  });
  return errs;
}

function validateRuntimeClass(rc: RuntimeClass, old?: RuntimeClass): FieldError[] {
  const errs: FieldError[] = [];
  const handler = rc.handler ?? '';
  for (const msg of dns1123Label(handler)) errs.push(fieldErrors.invalid('handler', handler, msg));
  // validateOverhead reuses the resource-requirements checks on overhead.podFixed as limits.
  if (rc.overhead) errs.push(...validateResourceRequirements({ limits: rc.overhead.podFixed }, 'overhead'));
  const scheduling = rc.scheduling;
  if (scheduling) {
    for (const [k, v] of Object.entries(scheduling.nodeSelector ?? {})) {
      for (const msg of qualifiedName(k)) errs.push(fieldErrors.invalid('scheduling.nodeSelector', k, msg));
      for (const msg of labelValue(String(v))) errs.push(fieldErrors.invalid('scheduling.nodeSelector', v, msg));
    }
    errs.push(...validateTolerations(scheduling.tolerations, 'scheduling.tolerations'));
  }
  if (old) errs.push(...immutable('handler', rc.handler, old.handler));
  return errs;
}

export const runtimeClassStrategy: Strategy<RuntimeClass> = {
  group: 'node.k8s.io', version: 'v1', resource: 'runtimeclasses',
  singularName: 'runtimeclass',
  validate: (obj, old) => validateRuntimeClass(obj, old),
  table: {
    columns: [NAME_COLUMN, column('Handler', 'The name of the runtime handler the class selects.'), AGE_COLUMN],
    cells: (rc, now) => [rc.metadata.name, rc.handler, age(rc.metadata.creationTimestamp, now)],
  },
};
