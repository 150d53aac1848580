// autoscaling/v1 <-> autoscaling/v2 HorizontalPodAutoscalers, as kube converts them: v1's
// targetCPUUtilizationPercentage is v2's Resource cpu Utilization metric; what v1 cannot say
// (other metrics, their current values, conditions, behavior) travels in
// `autoscaling.alpha.kubernetes.io/*` annotations, in v1's (v2beta1-shaped) metric form, and is
// taken back out of them when a v1 object is written. Pure.
import type {
  CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerBehavior, HorizontalPodAutoscalerCondition,
  HorizontalPodAutoscalerV1, MetaLabelSelector, MetricIdentifier, MetricSpec, MetricStatus, MetricTarget,
} from '../api/objects.js';

export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
/** What v1 (and the controller) assume when no metric is given. */
export const DEFAULT_CPU_UTILIZATION = 80;

/** v1.MetricSpec and v1.MetricStatus: one optional record per source, fields in Go's order. */
type V1Metric = { type: string } & Record<string, Record<string, unknown> | string>;

const isCpuUtilization = (m: MetricSpec) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target.averageUtilization !== undefined;

/** Drops undefined fields, as Go's omitempty does, keeping the order given. */
function compact<T extends object>(fields: T): T {
  const out = { ...fields };
  for (const key of Object.keys(out)) if (Reflect.get(out, key) === undefined) Reflect.deleteProperty(out, key);
  return out;
}

function metricSpecToV1(m: MetricSpec): V1Metric {
  const out: V1Metric = { type: m.type };
  if (m.object) out.object = compact({ target: m.object.describedObject, metricName: m.object.metric.name, targetValue: m.object.target.value ?? '0', selector: m.object.metric.selector, averageValue: m.object.target.averageValue });
  if (m.pods) out.pods = compact({ metricName: m.pods.metric.name, targetAverageValue: m.pods.target.averageValue ?? '0', selector: m.pods.metric.selector });
  if (m.resource) out.resource = compact({ name: m.resource.name, targetAverageUtilization: m.resource.target.averageUtilization, targetAverageValue: m.resource.target.averageValue });
  if (m.containerResource) {
    const c = m.containerResource;
    out.containerResource = compact({ name: c.name, targetAverageUtilization: c.target.averageUtilization, targetAverageValue: c.target.averageValue, container: c.container });
  }
  if (m.external) out.external = compact({ metricName: m.external.metric.name, metricSelector: m.external.metric.selector, targetValue: m.external.target.value, targetAverageValue: m.external.target.averageValue });
  return out;
}

function metricStatusToV1(m: MetricStatus): V1Metric {
  const out: V1Metric = { type: m.type };
  if (m.object) out.object = compact({ target: m.object.describedObject, metricName: m.object.metric.name, currentValue: m.object.current.value ?? '0', selector: m.object.metric.selector, averageValue: m.object.current.averageValue });
  if (m.pods) out.pods = compact({ metricName: m.pods.metric.name, currentAverageValue: m.pods.current.averageValue ?? '0', selector: m.pods.metric.selector });
  if (m.resource) out.resource = compact({ name: m.resource.name, currentAverageUtilization: m.resource.current.averageUtilization, currentAverageValue: m.resource.current.averageValue ?? '0' });
  if (m.containerResource) {
    const c = m.containerResource;
    out.containerResource = compact({ name: c.name, currentAverageUtilization: c.current.averageUtilization, currentAverageValue: c.current.averageValue ?? '0', container: c.container });
  }
  if (m.external) out.external = compact({ metricName: m.external.metric.name, metricSelector: m.external.metric.selector, currentValue: m.external.current.value ?? '0', currentAverageValue: m.external.current.averageValue });
  return out;
}

// Reading v1's annotation forms back: each field is looked at with its JSON type.
type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const selector = (v: unknown): MetaLabelSelector | undefined => (isObject(v) ? v : undefined);
const ref = (v: unknown): CrossVersionObjectReference => (isObject(v) ? compact({ apiVersion: str(v.apiVersion), kind: str(v.kind) ?? '', name: str(v.name) ?? '' }) : { kind: '', name: '' });
const identifier = (name: unknown, sel: unknown): MetricIdentifier => compact({ name: str(name) ?? '', selector: selector(sel) });

/** A target as v2 writes it: its type says which value it holds. */
function target(value: Omit<MetricTarget, 'type'>): MetricTarget {
  const type = value.averageUtilization !== undefined ? 'Utilization' : value.value !== undefined ? 'Value' : 'AverageValue';
  return compact({ type, ...value });
}

function metricSpecFromV1(m: Json): MetricSpec {
  const out: MetricSpec = { type: str(m.type) ?? '' };
  const { object: o, pods: p, resource: r, containerResource: c, external: e } = m;
  if (isObject(o)) out.object = { describedObject: ref(o.target), metric: identifier(o.metricName, o.selector), target: target(compact({ value: o.averageValue === undefined ? str(o.targetValue) : undefined, averageValue: str(o.averageValue) })) };
  if (isObject(p)) out.pods = { metric: identifier(p.metricName, p.selector), target: target({ averageValue: str(p.targetAverageValue) }) };
  if (isObject(r)) out.resource = { name: str(r.name) ?? '', target: target(compact({ averageUtilization: num(r.targetAverageUtilization), averageValue: str(r.targetAverageValue) })) };
  if (isObject(c)) out.containerResource = { name: str(c.name) ?? '', container: str(c.container) ?? '', target: target(compact({ averageUtilization: num(c.targetAverageUtilization), averageValue: str(c.targetAverageValue) })) };
  if (isObject(e)) out.external = { metric: identifier(e.metricName, e.metricSelector), target: target(compact({ value: str(e.targetValue), averageValue: str(e.targetAverageValue) })) };
  return out;
}

function metricStatusFromV1(m: Json): MetricStatus {
  const out: MetricStatus = { type: str(m.type) ?? '' };
  const { object: o, pods: p, resource: r, containerResource: c, external: e } = m;
  if (isObject(o)) out.object = { describedObject: ref(o.target), metric: identifier(o.metricName, o.selector), current: compact({ value: str(o.currentValue), averageValue: str(o.averageValue) }) };
  if (isObject(p)) out.pods = { metric: identifier(p.metricName, p.selector), current: compact({ averageValue: str(p.currentAverageValue) }) };
  if (isObject(r)) out.resource = { name: str(r.name) ?? '', current: compact({ averageUtilization: num(r.currentAverageUtilization), averageValue: str(r.currentAverageValue) }) };
  if (isObject(c)) out.containerResource = { name: str(c.name) ?? '', container: str(c.container) ?? '', current: compact({ averageUtilization: num(c.currentAverageUtilization), averageValue: str(c.currentAverageValue) }) };
  if (isObject(e)) out.external = { metric: identifier(e.metricName, e.metricSelector), current: compact({ value: str(e.currentValue), averageValue: str(e.currentAverageValue) }) };
  return out;
}

/** A JSON list kept in an annotation; a malformed one is ignored. */
function parseList(text: string | undefined): Json[] | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter(isObject) : undefined;
  } catch {
    return undefined;
  }
}

function parseBehavior(text: string | undefined): HorizontalPodAutoscalerBehavior | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The v1 view of a stored (v2) HorizontalPodAutoscaler. */
export function toV1(hpa: HorizontalPodAutoscaler): HorizontalPodAutoscalerV1 {
  const spec = hpa.spec;
  const status = hpa.status;
  const annotations: Record<string, string> = { ...(hpa.metadata.annotations ?? {}) };
  const other = (spec?.metrics ?? []).filter((m) => !isCpuUtilization(m));
  if (other.length) annotations[METRICS_ANNOTATION] = JSON.stringify(other.map(metricSpecToV1));
  if (status?.currentMetrics?.length) annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(status.currentMetrics.map(metricStatusToV1));
  if (status?.conditions?.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(status.conditions.map((c: HorizontalPodAutoscalerCondition) => compact({ ...c })));
  if (spec?.behavior) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(spec.behavior);
  const cpu = (spec?.metrics ?? []).find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
  const currentCpu = (status?.currentMetrics ?? []).find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
  const out: HorizontalPodAutoscalerV1 = {
    ...hpa,
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { ...hpa.metadata, ...(Object.keys(annotations).length ? { annotations } : {}) },
  };
  if (spec) {
    out.spec = compact({
      scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas,
      targetCPUUtilizationPercentage: cpu?.resource?.target.averageUtilization,
    });
  }
  if (status) {
    out.status = compact({
      observedGeneration: status.observedGeneration, lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas ?? 0, desiredReplicas: status.desiredReplicas ?? 0,
      currentCPUUtilizationPercentage: currentCpu?.resource?.current.averageUtilization,
    });
  }
  return out;
}

/** The v2 (stored) form of a v1 HorizontalPodAutoscaler, the annotations taken back into fields. */
export function fromV1(v1: HorizontalPodAutoscalerV1): HorizontalPodAutoscaler {
  const annotations = { ...(v1.metadata.annotations ?? {}) };
  const other = parseList(annotations[METRICS_ANNOTATION]);
  const current = parseList(annotations[CURRENT_METRICS_ANNOTATION]);
  const conditions = parseList(annotations[CONDITIONS_ANNOTATION]);
  const behavior = parseBehavior(annotations[BEHAVIOR_ANNOTATION]);
  for (const key of [METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION]) delete annotations[key];
  const metadata = { ...v1.metadata };
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;
  const out: HorizontalPodAutoscaler = { ...v1, apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata };
  const spec = v1.spec;
  if (spec) {
    const metrics: MetricSpec[] = (other ?? []).map(metricSpecFromV1);
    const percent = spec.targetCPUUtilizationPercentage ?? (metrics.length ? undefined : DEFAULT_CPU_UTILIZATION);
    if (percent !== undefined) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: percent } } });
    out.spec = compact({ scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas, metrics, behavior });
  }
  const status = v1.status;
  if (status) {
    const cpu = status.currentCPUUtilizationPercentage;
    const currentMetrics: MetricStatus[] | undefined = current
      ? current.map(metricStatusFromV1)
      : cpu !== undefined ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cpu } } }] : undefined;
    out.status = compact({
      observedGeneration: status.observedGeneration, lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas, desiredReplicas: status.desiredReplicas,
      currentMetrics, conditions: conditions?.map((c) => compact({ type: str(c.type) ?? '', status: str(c.status) ?? '', lastTransitionTime: str(c.lastTransitionTime), reason: str(c.reason), message: str(c.message) })),
    });
  }
  return out;
}
