// HorizontalPodAutoscalers: autoscaling/v2 (stored) and autoscaling/v1 (the same objects,
// converted by hpa-conversion.ts), with kube's defaults (minReplicas 1, cpu at 80% when no
// metric is given, behavior's unset rules filled), validation texts
// (pkg/apis/autoscaling/validation, run on the v2 form whichever version was written) and the
// `kubectl get hpa` columns.
import { fieldErrors, type FieldError } from '../api/errors.js';
import type {
  CrossVersionObjectReference, HPAScalingRules, HorizontalPodAutoscaler, HorizontalPodAutoscalerV1, MetricIdentifier, MetricSpec, MetricStatus, MetricTarget,
} from '../api/objects.js';
import { tryParseQuantity } from '../api/quantity.js';
import { STATUS_SUBRESOURCE } from '../api/reset-fields.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from '../api/table.js';
import type { KObject, Strategy, TableConvertor } from '../api/types.js';
import { dns1123Label, pathSegmentName } from '../api/validation.js';
import { DEFAULT_CPU_UTILIZATION, fromV1, toV1 } from './hpa-conversion.js';

const PREFIX = '/registry/horizontalpodautoscalers/';
const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];

/** The rules kube fills behavior's unset scale-up fields from (the HPA's behavior before behavior existed). */
const scaleUpDefaults = (): HPAScalingRules => ({
  stabilizationWindowSeconds: 0, selectPolicy: 'Max',
  policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
});
/** Scale-down's: its window is left unset, for the controller's --horizontal-pod-autoscaler-downscale-stabilization. */
const scaleDownDefaults = (): HPAScalingRules => ({ selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });

function fillRules(given: HPAScalingRules | undefined, defaults: HPAScalingRules): HPAScalingRules {
  return {
    ...defaults,
    ...(given?.stabilizationWindowSeconds !== undefined ? { stabilizationWindowSeconds: given.stabilizationWindowSeconds } : {}),
    ...(given?.selectPolicy !== undefined ? { selectPolicy: given.selectPolicy } : {}),
    ...(given?.policies !== undefined ? { policies: given.policies } : {}),
  };
}

/** SetDefaults_HorizontalPodAutoscaler (autoscaling/v2). */
function defaultV2(obj: HorizontalPodAutoscaler): void {
  const spec = obj.spec;
  if (!spec) return;
  spec.minReplicas ??= 1;
  if (!spec.metrics?.length) spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  if (spec.behavior) {
    spec.behavior = { scaleUp: fillRules(spec.behavior.scaleUp, scaleUpDefaults()), scaleDown: fillRules(spec.behavior.scaleDown, scaleDownDefaults()) };
  }
}

function validateReference(ref: CrossVersionObjectReference | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of ['kind', 'name'] as const) {
    const v = ref?.[key] ?? '';
    if (!v) errs.push(fieldErrors.required(`${path}.${key}`));
    else for (const msg of pathSegmentName(v)) errs.push(fieldErrors.invalid(`${path}.${key}`, v, msg));
  }
  return errs;
}

const positive = (q: string | undefined) => (tryParseQuantity(q)?.milliValue() ?? 0) > 0;

function validateTarget(t: MetricTarget | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = t?.type ?? '';
  if (!type) errs.push(fieldErrors.required(`${path}.type`, 'must specify a metric target type'));
  if (!['Utilization', 'Value', 'AverageValue'].includes(type)) errs.push(fieldErrors.invalid(`${path}.type`, type, 'must be either Utilization, Value, or AverageValue'));
  if (t?.value !== undefined && !positive(t.value)) errs.push(fieldErrors.invalid(`${path}.value`, t.value, 'must be positive'));
  if (t?.averageValue !== undefined && !positive(t.averageValue)) errs.push(fieldErrors.invalid(`${path}.averageValue`, t.averageValue, 'must be positive'));
  if (t?.averageUtilization !== undefined && t.averageUtilization < 1) errs.push(fieldErrors.invalid(`${path}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  return errs;
}

function validateIdentifier(id: MetricIdentifier | undefined, path: string): FieldError[] {
  const name = id?.name ?? '';
  if (!name) return [fieldErrors.required(`${path}.name`, 'must specify a metric name')];
  return pathSegmentName(name).map((msg) => fieldErrors.invalid(`${path}.name`, name, msg));
}

/** validateResourceSource and validateContainerResourceSource share their target checks. */
function validateResourceTarget(target: MetricTarget | undefined, path: string): FieldError[] {
  const errs = validateTarget(target, `${path}.target`);
  if (target?.averageUtilization === undefined && target?.averageValue === undefined) errs.push(fieldErrors.required(`${path}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
  if (target?.averageUtilization !== undefined && target.averageValue !== undefined) errs.push(fieldErrors.forbidden(`${path}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
  return errs;
}

/** The checks of the one source a metric gives, by its field name. */
const SOURCE_CHECKS: Record<string, (m: MetricSpec, path: string) => FieldError[]> = {
  object: ({ object: o }, path) => {
    const errs = [...validateReference(o?.describedObject, `${path}.describedObject`), ...validateIdentifier(o?.metric, `${path}.metric`), ...validateTarget(o?.target, `${path}.target`)];
    if (o?.target?.value === undefined && o?.target?.averageValue === undefined) errs.push(fieldErrors.required(`${path}.target.averageValue`, 'must set either a target value or averageValue'));
    return errs;
  },
  external: ({ external: e }, path) => {
    const errs = [...validateIdentifier(e?.metric, `${path}.metric`), ...validateTarget(e?.target, `${path}.target`)];
    if (e?.target?.value === undefined && e?.target?.averageValue === undefined) errs.push(fieldErrors.required(`${path}.target.averageValue`, 'must set either a target value for metric or a per-pod target'));
    if (e?.target?.value !== undefined && e.target.averageValue !== undefined) errs.push(fieldErrors.forbidden(`${path}.target.value`, 'may not set both a target value for metric and a per-pod target'));
    return errs;
  },
  pods: ({ pods: p }, path) => {
    const errs = [...validateIdentifier(p?.metric, `${path}.metric`), ...validateTarget(p?.target, `${path}.target`)];
    if (p?.target?.averageValue === undefined) errs.push(fieldErrors.required(`${path}.target.averageValue`, 'must specify a positive target averageValue'));
    return errs;
  },
  resource: ({ resource: r }, path) => [
    ...(r?.name ? [] : [fieldErrors.required(`${path}.name`, 'must specify a resource name')]),
    ...validateResourceTarget(r?.target, path),
  ],
  containerResource: ({ containerResource: c }, path) => [
    ...(c?.name ? [] : [fieldErrors.required(`${path}.name`, 'must specify a resource name')]),
    ...(c?.container ? dns1123Label(c.container).map((msg) => fieldErrors.invalid(`${path}.container`, c.container, msg)) : [fieldErrors.required(`${path}.container`, 'must specify a container')]),
    ...validateResourceTarget(c?.target, path),
  ],
};

const SOURCE_FIELDS = ['object', 'external', 'pods', 'resource', 'containerResource'] as const;

/** The field each metric source type is given in. */
const SOURCE_FIELD: Record<string, string> = { Object: 'object', Pods: 'pods', Resource: 'resource', External: 'external', ContainerResource: 'containerResource' };

/** validateMetricSpec */
function validateMetric(m: MetricSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!m.type) errs.push(fieldErrors.required(`${path}.type`, 'must specify a metric source type'));
  if (!METRIC_SOURCE_TYPES.includes(m.type)) errs.push(fieldErrors.notSupported(`${path}.type`, m.type, METRIC_SOURCE_TYPES));
  const present = SOURCE_FIELDS.filter((f) => m[f] !== undefined);
  if (present.length) errs.push(...SOURCE_CHECKS[present[0]](m, `${path}.${present[0]}`));
  const expected = SOURCE_FIELD[m.type];
  if (expected && !present.some((f) => f === expected)) errs.push(fieldErrors.required(`${path}.${expected}`, 'must populate information for the given metric source'));
  if (!expected) errs.push(fieldErrors.notSupported(`${path}.type`, m.type, METRIC_SOURCE_TYPES));
  if (present.length > 1) for (const f of present) if (f !== expected) errs.push(fieldErrors.forbidden(`${path}.${f}`, 'must populate the given metric source only'));
  return errs;
}

function validateRules(rules: HPAScalingRules | undefined, path: string): FieldError[] {
  if (!rules) return [];
  const errs: FieldError[] = [];
  const window = rules.stabilizationWindowSeconds;
  if (window !== undefined && window < 0) errs.push(fieldErrors.invalid(`${path}.stabilizationWindowSeconds`, window, 'must be greater than or equal to zero'));
  if (window !== undefined && window > MAX_STABILIZATION_WINDOW_SECONDS) errs.push(fieldErrors.invalid(`${path}.stabilizationWindowSeconds`, window, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  if (rules.selectPolicy !== undefined && !['Disabled', 'Max', 'Min'].includes(rules.selectPolicy)) errs.push(fieldErrors.notSupported(`${path}.selectPolicy`, rules.selectPolicy, ['Disabled', 'Max', 'Min']));
  if (!rules.policies?.length) errs.push(fieldErrors.required(`${path}.policies`, 'must specify at least one Policy'));
  (rules.policies ?? []).forEach((p, i) => {
    const at = `${path}.policies[${i}]`;
    if (p.type !== 'Pods' && p.type !== 'Percent') errs.push(fieldErrors.notSupported(`${at}.type`, p.type, ['Percent', 'Pods']));
    if (!(p.value > 0)) errs.push(fieldErrors.invalid(`${at}.value`, p.value, 'must be greater than zero'));
    if (!(p.periodSeconds > 0)) errs.push(fieldErrors.invalid(`${at}.periodSeconds`, p.periodSeconds, 'must be greater than zero'));
    if (p.periodSeconds > MAX_PERIOD_SECONDS) errs.push(fieldErrors.invalid(`${at}.periodSeconds`, p.periodSeconds, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
  return errs;
}

/** ValidateHorizontalPodAutoscaler(Update) and its status update, on the v2 form. */
export function validateHPA(obj: HorizontalPodAutoscaler, old: HorizontalPodAutoscaler | undefined, subresource: string | undefined): FieldError[] {
  if (subresource === 'status') {
    const s = obj.status ?? {};
    return [
      ...((s.currentReplicas ?? 0) < 0 ? [fieldErrors.invalid('status.currentReplicas', s.currentReplicas, 'must be greater than or equal to 0')] : []),
      ...((s.desiredReplicas ?? 0) < 0 ? [fieldErrors.invalid('status.desiredReplicas', s.desiredReplicas, 'must be greater than or equal to 0')] : []),
    ];
  }
  const spec = obj.spec;
  if (!spec) return [fieldErrors.required('spec.maxReplicas')];
  const errs: FieldError[] = [];
  // An HPA already at 0 may stay there (HPAScaleToZero is off by default).
  const lowest = old?.spec?.minReplicas === 0 ? 0 : 1;
  if (spec.minReplicas !== undefined && spec.minReplicas < lowest) errs.push(fieldErrors.invalid('spec.minReplicas', spec.minReplicas, `must be greater than or equal to ${lowest}`));
  const max = spec.maxReplicas ?? 0;
  if (max < 1) errs.push(fieldErrors.invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (spec.minReplicas !== undefined && max < spec.minReplicas) errs.push(fieldErrors.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  errs.push(...validateReference(spec.scaleTargetRef, 'spec.scaleTargetRef'));
  const metrics = spec.metrics ?? [];
  metrics.forEach((m, i) => errs.push(...validateMetric(m, `spec.metrics[${i}]`)));
  if (spec.minReplicas === 0 && !metrics.some((m) => m.type === 'Object' || m.type === 'External')) {
    errs.push(fieldErrors.forbidden('spec.metrics', 'must specify at least one Object or External metric to support scaling to zero replicas'));
  }
  if (spec.behavior) errs.push(...validateRules(spec.behavior.scaleUp, 'spec.behavior.scaleUp'), ...validateRules(spec.behavior.scaleDown, 'spec.behavior.scaleDown'));
  return errs;
}

/** One metric's TARGETS text: `cpu: 20%/50%`, `cpu: <unknown>/50%`, `5/10 (avg)`. */
function formatMetric(spec: MetricSpec, status: MetricStatus | undefined): string {
  const current = (v: string | undefined) => v ?? '<unknown>';
  const pct = (v: number | undefined) => (v === undefined ? undefined : `${v}%`);
  switch (spec.type) {
    case 'External': {
      const t = spec.external?.target;
      if (t?.averageValue !== undefined) return `${current(status?.external?.current.averageValue)}/${t.averageValue} (avg)`;
      return `${current(status?.external ? status.external.current.value ?? '0' : undefined)}/${t?.value ?? '0'}`;
    }
    case 'Pods':
      return `${current(status?.pods ? status.pods.current.averageValue ?? '0' : undefined)}/${spec.pods?.target.averageValue ?? '0'}`;
    case 'Object': {
      const t = spec.object?.target;
      if (t?.averageValue !== undefined) return `${current(status?.object?.current.averageValue)}/${t.averageValue} (avg)`;
      return `${current(status?.object ? status.object.current.value ?? '0' : undefined)}/${t?.value ?? '0'}`;
    }
    case 'Resource':
    case 'ContainerResource': {
      const source = spec.type === 'Resource' ? spec.resource : spec.containerResource;
      const got = spec.type === 'Resource' ? status?.resource : status?.containerResource;
      const t = source?.target;
      if (t?.averageValue !== undefined) return `${source?.name ?? ''}: ${current(got ? got.current.averageValue ?? '0' : undefined)}/${t.averageValue}`;
      return `${source?.name ?? ''}: ${current(pct(got?.current.averageUtilization))}/${pct(t?.averageUtilization) ?? '<auto>'}`;
    }
    default:
      return '<unknown type>';
  }
}

/** formatHPAMetrics: the first two metrics, then how many more. */
export function formatMetrics(specs: MetricSpec[] | undefined, statuses: MetricStatus[] | undefined): string {
  if (!specs?.length) return '<none>';
  const list = specs.map((s, i) => formatMetric(s, statuses?.[i]));
  return list.length > 2 ? `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...` : list.join(', ');
}

const HPA_TABLE: TableConvertor<HorizontalPodAutoscaler> = {
  columns: [
    NAME_COLUMN,
    column('Reference', 'The kind and name of the object it scales.'),
    column('Targets', 'Each metric: its current value and its target.'),
    column('MinPods', 'The fewest replicas it scales down to.'),
    column('MaxPods', 'The most replicas it scales up to.', 0, 'integer'),
    column('Replicas', 'The replicas it last saw.', 0, 'integer'),
    AGE_COLUMN,
  ],
  cells(hpa, now) {
    const spec = hpa.spec;
    const ref = spec?.scaleTargetRef;
    return [
      hpa.metadata.name, `${ref?.kind ?? ''}/${ref?.name ?? ''}`, formatMetrics(spec?.metrics, hpa.status?.currentMetrics),
      spec?.minReplicas === undefined ? '<unset>' : String(spec.minReplicas), spec?.maxReplicas ?? 0, hpa.status?.currentReplicas ?? 0,
      age(hpa.metadata.creationTimestamp, now),
    ];
  },
};

const COMMON = {
  group: 'autoscaling', resource: 'horizontalpodautoscalers', singularName: 'horizontalpodautoscaler',
  shortNames: ['hpa'], categories: ['all'], tracksGeneration: true,
  subresources: { status: STATUS_SUBRESOURCE },
};

export const horizontalPodAutoscalerV2Strategy: Strategy<HorizontalPodAutoscaler> = {
  ...COMMON,
  version: 'v2',
  storage: { prefix: PREFIX, toStorage: (obj: KObject) => obj, fromStorage: (stored: KObject) => stored },
  defaults: defaultV2,
  prepareForCreate(obj) { obj.status = {}; },
  validate: validateHPA,
  table: HPA_TABLE,
};

/**
 * The codec's objects have passed the schema of their version (the store holds nothing else);
 * these say which version's shape, for the conversion.
 */
const isV1 = (obj: KObject): obj is HorizontalPodAutoscalerV1 => obj.spec === undefined || typeof obj.spec === 'object';
const isV2 = (obj: KObject): obj is HorizontalPodAutoscaler => obj.spec === undefined || typeof obj.spec === 'object';
const v1ToStorage = (obj: KObject): KObject => (isV1(obj) ? fromV1(obj) : obj);
const v1FromStorage = (stored: KObject): KObject => (isV2(stored) ? toV1(stored) : stored);

export const horizontalPodAutoscalerV1Strategy: Strategy<HorizontalPodAutoscalerV1> = {
  ...COMMON,
  version: 'v1',
  storage: { prefix: PREFIX, toStorage: v1ToStorage, fromStorage: v1FromStorage },
  defaults(obj) { if (obj.spec) obj.spec.minReplicas ??= 1; },
  prepareForCreate(obj) { obj.status = { currentReplicas: 0, desiredReplicas: 0 }; },
  validate: (obj, old, subresource) => validateHPA(fromV1(obj), old && fromV1(old), subresource),
  table: { columns: HPA_TABLE.columns, cells: (obj, now) => HPA_TABLE.cells(fromV1(obj), now) },
};
