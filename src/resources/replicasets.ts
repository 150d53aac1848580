// ReplicaSets (apps/v1): defaults, validation with kube's texts, the `kubectl get rs` columns,
// scale and status. The selector and template checks are shared with Deployments.
import { fieldErrors, type FieldError } from '../api/errors.js';
import type { MetaLabelSelector, PodTemplateSpec, ReplicaSet, ReplicaSetSpec } from '../api/objects.js';
import { STATUS_SUBRESOURCE } from '../api/reset-fields.js';
import { formatSelector, matchesLabels, selectorFromLabelSelector } from '../api/selectors.js';
import { age, column, NAME_COLUMN, AGE_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';
import { defaultPodSpec, validatePodSpec } from './pods.js';

const specOf = (o: ReplicaSet): ReplicaSetSpec => o.spec ?? {};

/** metav1.FormatLabelSelector: the selector's text, `<none>` when it selects by nothing. */
export function formatLabelSelector(selector: MetaLabelSelector | undefined): string {
  try {
    return formatSelector(selectorFromLabelSelector(selector)) || '<none>';
  } catch {
    return '<error>';
  }
}

/** The selector as the Scale subresource's status.selector carries it. */
export const scaleSelector = (selector: MetaLabelSelector | undefined): string => formatSelector(selectorFromLabelSelector(selector));

/** ValidateLabelSelector: each expression's operator and values. */
export function validateLabelSelector(selector: MetaLabelSelector, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (selector.matchExpressions ?? []).forEach((e, i) => {
    const at = `${path}.matchExpressions[${i}]`;
    if (e.operator === 'In' || e.operator === 'NotIn') {
      if (!e.values?.length) errs.push(fieldErrors.required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (e.operator === 'Exists' || e.operator === 'DoesNotExist') {
      if (e.values?.length) errs.push(fieldErrors.forbidden(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      errs.push(fieldErrors.invalid(`${at}.operator`, e.operator, 'not a valid selector operator'));
    }
  });
  return errs;
}

export const nonNegative = (path: string, v: number | undefined): FieldError[] =>
  v !== undefined && (!Number.isInteger(v) || v < 0) ? [fieldErrors.invalid(path, v, 'must be greater than or equal to 0')] : [];

/**
 * What ReplicaSets and Deployments check alike (ValidateReplicaSetSpec and
 * ValidateDeploymentSpec): a non-empty valid selector that matches the template's labels, and a
 * template whose pods restart Always.
 */
export function validateSelectorAndTemplate(selector: MetaLabelSelector | undefined, template: PodTemplateSpec | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (!selector) {
    errs.push(fieldErrors.required('spec.selector'));
  } else {
    errs.push(...validateLabelSelector(selector, 'spec.selector'));
    if (Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0) {
      errs.push(fieldErrors.invalid('spec.selector', selector, 'empty selector is invalid for deployment'));
    }
  }
  if (!template) {
    errs.push(fieldErrors.required('spec.template'));
    return errs;
  }
  if (selector && errs.length === 0) {
    const labels = template.metadata?.labels ?? {};
    if (!matchesLabels(selectorFromLabelSelector(selector), labels)) {
      errs.push(fieldErrors.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
    }
  }
  errs.push(...validatePodSpec(template.spec, 'spec.template.spec'));
  const restart = template.spec?.restartPolicy;
  if (restart && restart !== 'Always') errs.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', restart, ['Always']));
  return errs;
}

/** apps/v1 selectors may not change once set. */
export function immutableSelector(selector: MetaLabelSelector | undefined, old: MetaLabelSelector | undefined): FieldError[] {
  return old && JSON.stringify(selector) !== JSON.stringify(old) ? [fieldErrors.invalid('spec.selector', selector, 'field is immutable')] : [];
}

export function defaultTemplate(template: PodTemplateSpec | undefined): void {
  if (!template?.spec) return;
  template.metadata ??= {};
  defaultPodSpec(template.spec);
}

/** The template's containers as the wide columns show them. */
export function containerCells(template: PodTemplateSpec | undefined): [string, string] {
  const containers = template?.spec?.containers ?? [];
  return [containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(',')];
}

/** The wide columns of a workload: its template's containers and images, and its pod selector. */
export const TEMPLATE_COLUMNS = [
  column('Containers', 'The names of the containers in the template.', 1),
  column('Images', 'The images of the containers in the template.', 1),
  column('Selector', 'The label selector of the pods.', 1),
];

/** The columns of a set of replicas: ReplicationControllers and ReplicaSets. */
export const REPLICA_COLUMNS = [
  NAME_COLUMN,
  column('Desired', 'The number of pods asked for.', 0, 'integer'),
  column('Current', 'The number of pods that exist.', 0, 'integer'),
  column('Ready', 'The number of pods that are ready.', 0, 'integer'),
  AGE_COLUMN,
  ...TEMPLATE_COLUMNS,
];

/** A row of REPLICA_COLUMNS; `selector` as the kind prints its selector. */
export function replicaCells(
  obj: { metadata: { name?: string; creationTimestamp?: string }; status?: { replicas?: number; readyReplicas?: number } },
  spec: { replicas?: number; template?: PodTemplateSpec }, selector: string, now: number,
): unknown[] {
  return [obj.metadata.name, spec.replicas ?? 0, obj.status?.replicas ?? 0, obj.status?.readyReplicas ?? 0, age(obj.metadata.creationTimestamp, now), ...containerCells(spec.template), selector];
}

export const replicaSetStrategy: Strategy<ReplicaSet> = {
  group: 'apps', version: 'v1', resource: 'replicasets',
  singularName: 'replicaset',
  shortNames: ['rs'],
  categories: ['all'],
  subresources: {
    status: STATUS_SUBRESOURCE,
    scale: { type: 'scale', specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', selector: (rs: ReplicaSet) => scaleSelector(specOf(rs).selector) },
  },
  tracksGeneration: true,
  defaults(obj) {
    const spec = (obj.spec ??= {});
    spec.replicas ??= 1;
    defaultTemplate(spec.template);
  },
  prepareForCreate(obj) {
    obj.status = { replicas: 0 };
  },
  validate(obj, old, subresource) {
    if (subresource === 'status') return [];
    const spec = specOf(obj);
    return [
      ...nonNegative('spec.replicas', spec.replicas),
      ...nonNegative('spec.minReadySeconds', spec.minReadySeconds),
      ...validateSelectorAndTemplate(spec.selector, spec.template),
      ...(old ? immutableSelector(spec.selector, specOf(old).selector) : []),
    ];
  },
  selectableFields(obj) {
    return { 'status.replicas': String(obj.status?.replicas ?? 0) };
  },
  table: {
    columns: REPLICA_COLUMNS,
    cells: (rs, now) => replicaCells(rs, specOf(rs), formatLabelSelector(specOf(rs).selector), now),
  },
};
