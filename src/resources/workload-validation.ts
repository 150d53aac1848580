// What StatefulSets and DaemonSets check alike (pkg/apis/apps/validation): a valid, non-empty
// selector that matches the template's labels, a template whose pods restart Always and run
// without a deadline, and int-or-percent fields.
import { fieldErrors, type FieldError } from '../api/errors.js';
import type { IntOrString, MetaLabelSelector, PodTemplateSpec } from '../api/objects.js';
import { matchesLabels, selectorFromLabelSelector } from '../api/selectors.js';
import { validatePodSpec } from './pods.js';
import { validateLabelSelector } from './replicasets.js';

/** `kind` is how the empty-selector message names the kind: `statefulset`, `daemonset`. */
export function validateWorkloadTemplate(kind: string, selector: MetaLabelSelector | undefined, template: PodTemplateSpec | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (!selector) errs.push(fieldErrors.required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(selector, 'spec.selector'));
    if (Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0) {
      errs.push(fieldErrors.invalid('spec.selector', selector, `empty selector is invalid for ${kind}`));
    }
  }
  if (!template) return [...errs, fieldErrors.required('spec.template')];
  const labels = template.metadata?.labels ?? {};
  if (selector && errs.length === 0 && !matchesLabels(selectorFromLabelSelector(selector), labels)) {
    errs.push(fieldErrors.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodSpec(template.spec, 'spec.template.spec'));
  const restart = template.spec?.restartPolicy;
  if (restart !== undefined && restart !== 'Always') errs.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', restart, ['Always']));
  if (template.spec?.activeDeadlineSeconds !== undefined) {
    const name = kind === 'statefulset' ? 'StatefulSet' : 'DaemonSet';
    errs.push(fieldErrors.forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${name} is not Supported`));
  }
  return errs;
}

const PERCENT = /^[0-9]+%$/;

/** ValidatePositiveIntOrPercent. */
export function validateIntOrPercent(path: string, v: IntOrString | undefined): FieldError[] {
  if (v === undefined) return [];
  if (typeof v === 'string') {
    return PERCENT.test(v) ? [] : [fieldErrors.invalid(path, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  }
  return Number.isInteger(v) && v >= 0 ? [] : [fieldErrors.invalid(path, v, 'must be greater than or equal to 0')];
}

/** getIntOrPercentValue: the number, or the percentage's number. */
export function intOrPercentValue(v: IntOrString | undefined): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  return PERCENT.test(v) ? Number(v.slice(0, -1)) : 0;
}

/** IsNotMoreThan100Percent. */
export function notMoreThan100Percent(path: string, v: IntOrString | undefined): FieldError[] {
  return typeof v === 'string' && PERCENT.test(v) && Number(v.slice(0, -1)) > 100 ? [fieldErrors.invalid(path, v, 'must not be greater than 100%')] : [];
}
