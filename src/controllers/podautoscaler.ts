// The HorizontalPodAutoscaler controller, as kube-controller-manager's (pkg/controller/
// podautoscaler/horizontal.go): every 15 s of the cluster's clock (--horizontal-pod-autoscaler-
// sync-period; the first sync 15 s after the HPA appears) it reads the target's scale
// subresource, the pods by the scale's selector and their usage as metrics-server reports it
// (src/kubelet/usage.ts), computes the replicas (replica-calculator.ts, hpa-behavior.ts),
// updates the scale and writes status, conditions and kube's events. Under a fixed clock it
// syncs whenever the clock has moved past an HPA's next sync.
import { transitionTime, withCondition } from '../api/conditions.js';
import type { ManualClock } from '../api/entropy.js';
import { StatusError } from '../api/errors.js';
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerCondition, HorizontalPodAutoscalerStatus, MetricSpec, MetricStatus, Pod } from '../api/objects.js';
import { Quantity } from '../api/quantity.js';
import type { Registry } from '../api/registry.js';
import type { ResourceStore } from '../api/resource-store.js';
import { matchesLabels, parseLabelSelector, SelectorError } from '../api/selectors.js';
import { rfc3339 } from '../api/time.js';
import type { KObject } from '../api/types.js';
import { keyController, type Controller, type Result } from '../client/controller.js';
import { keyString, objectKey, type ObjectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import { typedResource, type Stored, type TypedResource } from '../client/typed-resource.js';
import { containerUsage } from '../kubelet/usage.js';
import { QUIET, type Logger } from '../logging/log.js';
import { EventRecorder } from './events.js';
import { newHistory, normalizeLegacy, normalizeWithBehavior, storeScaleEvent, type HPAHistory } from './hpa-behavior.js';
import { rawResourceReplicas, ReplicaCalculationError, resourceReplicas, type PodMetric } from './replica-calculator.js';
import { copyJSON } from '../api/json.js';

const MANAGER = 'horizontal-pod-autoscaler';
export const SYNC_PERIOD_MS = 15_000;
/** The window metrics-server averages over (src/resources/metrics.ts). */
const METRICS_WINDOW_MS = 10_000;

type StoredHPA = Stored<HorizontalPodAutoscaler>;

/** The target's scale subresource, read from its object. */
interface Scale { specReplicas: number; selector: string; store: ResourceStore; specPath: string }

/** A metric's proposal, or why it has none (the ScalingActive condition and event it sets). */
type Proposal =
  | { ok: true; replicas: number; name: string; status: MetricStatus }
  | { ok: false; reason: string; error: string; wrapped: string };

const numberAt = (obj: unknown, path: string): number | undefined => {
  let cur: unknown = obj;
  for (const p of path.split('.')) cur = typeof cur === 'object' && cur !== null ? Reflect.get(cur, p) : undefined;
  return typeof cur === 'number' ? cur : undefined;
};

function setNumberAt(obj: KObject, path: string, value: number): void {
  const parts = path.split('.');
  const leaf = parts.pop() ?? '';
  let cur: object = obj;
  for (const p of parts) {
    const next: unknown = Reflect.get(cur, p);
    if (typeof next === 'object' && next !== null) cur = next;
    else { const made = {}; Reflect.set(cur, p, made); cur = made; }
  }
  Reflect.set(cur, leaf, value);
}

/** setConditionInList: its transition time moves only when its status does. */
function setCondition(status: HorizontalPodAutoscalerStatus, type: string, value: 'True' | 'False', reason: string, message: string, now: string): void {
  const lastTransitionTime = transitionTime(status.conditions, type, value, now);
  status.conditions = withCondition<HorizontalPodAutoscalerCondition>(status.conditions, { type, status: value, lastTransitionTime, reason, message });
}

export class HorizontalPodAutoscalerController {
  private readonly hpas: TypedResource<HorizontalPodAutoscaler>;
  private readonly pods: TypedResource<Pod>;
  private readonly controller: Controller<ObjectKey>;
  private readonly events: EventRecorder;
  private readonly lastSync = new Map<string, number>();
  private readonly histories = new Map<string, HPAHistory>();
  private stopClock?: () => void;

  constructor(private readonly registry: Registry, private readonly log: Logger = QUIET, private readonly clock?: ManualClock) {
    this.hpas = typedResource<HorizontalPodAutoscaler>(registry, 'horizontalpodautoscalers', 'autoscaling');
    this.pods = typedResource<Pod>(registry, 'pods');
    this.events = new EventRecorder(registry, { component: MANAGER }, log);
    this.controller = keyController(MANAGER, (key) => this.reconcile(key), log)
      .watch(this.hpas, ({ object }, queue) => queue.add(objectKey(object)));
  }

  start(): void {
    this.controller.start();
    this.stopClock = this.clock?.onChange(() => { for (const hpa of this.hpas.lister.list()) this.controller.add(objectKey(hpa)); });
  }

  stop(): void {
    this.stopClock?.();
    this.controller.stop();
  }

  private async reconcile(key: ObjectKey): Promise<Result | void> {
    const id = keyString(key);
    const hpa = this.hpas.lister.getKey(key);
    if (!hpa) {
      this.lastSync.delete(id);
      this.histories.delete(id);
      return;
    }
    const nowMs = this.registry.now().getTime();
    const due = (this.lastSync.get(id) ?? Date.parse(hpa.metadata.creationTimestamp)) + SYNC_PERIOD_MS;
    const again = (ms: number): Result | void => (this.clock ? undefined : { requeueAfterMs: ms });
    if (nowMs < due) return again(due - nowMs);
    this.lastSync.set(id, nowMs);
    let history = this.histories.get(id);
    if (!history) { history = newHistory(); this.histories.set(id, history); }
    await this.sync(hpa, history, nowMs);
    return again(SYNC_PERIOD_MS);
  }

  /** reconcileAutoscaler */
  private async sync(hpa: StoredHPA, history: HPAHistory, nowMs: number): Promise<void> {
    const now = rfc3339(new Date(nowMs));
    const spec = hpa.spec;
    if (!spec) return;
    const original = hpa.status ?? {};
    const status: HorizontalPodAutoscalerStatus = copyJSON(original);
    const scale = this.scaleOf(hpa);
    if (typeof scale === 'string') {
      await this.events.record(hpa, 'Warning', 'FailedGetScale', scale);
      setCondition(status, 'AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${scale}`, now);
      await this.writeStatus(hpa, original, status);
      return;
    }
    setCondition(status, 'AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale", now);
    const current = scale.specReplicas;
    if (!history.recommendations.length) history.recommendations.push({ replicas: current, atMs: nowMs });
    const min = spec.minReplicas ?? 1;
    let desired = 0;
    let reason = '';
    let metricStatuses: MetricStatus[] | undefined = status.currentMetrics;
    let rescale = true;
    if (current === 0 && min !== 0) {
      rescale = false;
      setCondition(status, 'ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero', now);
    } else if (current > spec.maxReplicas) {
      reason = 'Current number of replicas above Spec.MaxReplicas';
      desired = spec.maxReplicas;
    } else if (current < min) {
      reason = 'Current number of replicas below Spec.MinReplicas';
      desired = min;
    } else {
      const computed = await this.computeReplicas(hpa, scale, status, nowMs, now);
      metricStatuses = computed.statuses;
      if (computed.replicas === -1) {
        status.currentReplicas = current;
        status.currentMetrics = metricStatuses;
        await this.writeStatus(hpa, original, status);
        await this.events.record(hpa, 'Warning', 'FailedComputeMetricsReplicas', computed.error ?? '');
        return;
      }
      desired = computed.replicas;
      if (desired > current) reason = `${computed.metric} above target`;
      if (desired < current) reason = 'All metrics below target';
      const normalized = spec.behavior
        ? normalizeWithBehavior(history, spec.behavior, nowMs, current, desired, min, spec.maxReplicas)
        : normalizeLegacy(history, nowMs, current, desired, min, spec.maxReplicas);
      setCondition(status, 'AbleToScale', 'True', normalized.stabilized.reason, normalized.stabilized.message, now);
      setCondition(status, 'ScalingLimited', normalized.limited.limited ? 'True' : 'False', normalized.limited.reason, normalized.limited.message, now);
      desired = normalized.replicas;
      rescale = desired !== current;
    }
    if (rescale) {
      const failure = await this.updateScale(hpa, scale, desired);
      if (failure) {
        await this.events.record(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${reason}; error: ${failure}`);
        setCondition(status, 'AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${failure}`, now);
        status.currentReplicas = current;
        status.currentMetrics = metricStatuses;
        await this.writeStatus(hpa, original, status);
        return;
      }
      setCondition(status, 'AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`, now);
      await this.events.record(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
      storeScaleEvent(history, spec.behavior, current, desired, nowMs);
      this.log.info('Successfully rescaled', { HPA: `${hpa.metadata.namespace}/${hpa.metadata.name}`, currentReplicas: current, desiredReplicas: desired, reason });
      status.lastScaleTime = now;
    } else {
      desired = current;
    }
    status.currentReplicas = current;
    status.desiredReplicas = desired;
    if (metricStatuses?.length) status.currentMetrics = metricStatuses;
    else delete status.currentMetrics;
    await this.writeStatus(hpa, original, status);
  }

  /** The target's Scale, or why it cannot be had (the FailedGetScale text). */
  private scaleOf(hpa: StoredHPA): Scale | string {
    const ref = hpa.spec?.scaleTargetRef;
    const [group, version] = (ref?.apiVersion ?? '').includes('/') ? (ref?.apiVersion ?? '').split('/') : ['', ref?.apiVersion ?? ''];
    const stores = this.registry.resources().filter((rs) => rs.shape.kind === ref?.kind && rs.shape.group === group);
    const store = stores.find((rs) => rs.shape.version === version) ?? stores[0];
    if (!store) return `no matches for kind "${ref?.kind ?? ''}" in group "${group}"`;
    const declared = store.strategy.subresources?.scale;
    const name = ref?.name ?? '';
    const obj = store.cache.get(store.key(hpa.metadata.namespace, name))?.object;
    if (!declared || declared.type !== 'scale') return `${store.gr.resource}${group ? `.${group}` : ''} "${name}" has no scale subresource`;
    if (!obj) return `${store.gr.resource}${group ? `.${group}` : ''} "${name}" not found`;
    return { specReplicas: numberAt(obj, declared.specReplicasPath) ?? 0, selector: declared.selector(obj), store, specPath: declared.specReplicasPath };
  }

  private async updateScale(hpa: StoredHPA, scale: Scale, replicas: number): Promise<string | undefined> {
    try {
      await scale.store.update(hpa.metadata.namespace, hpa.spec?.scaleTargetRef.name ?? '', (current) => {
        setNumberAt(current, scale.specPath, replicas);
        return current;
      }, { dryRun: false, subresource: 'scale', fieldManager: MANAGER });
      return undefined;
    } catch (e) {
      if (e instanceof StatusError) return e.message;
      throw e;
    }
  }

  /** computeReplicasForMetrics: the largest proposal; -1 when none can be made (or some fail on a scale-down). */
  private async computeReplicas(hpa: StoredHPA, scale: Scale, status: HorizontalPodAutoscalerStatus, nowMs: number, now: string): Promise<{ replicas: number; metric: string; statuses: MetricStatus[]; error?: string }> {
    const fail = async (reason: string, message: string, event: string) => {
      await this.events.record(hpa, 'Warning', event, message);
      setCondition(status, 'ScalingActive', 'False', 'InvalidSelector', reason, now);
      return { replicas: -1, metric: '', statuses: [], error: message };
    };
    if (!scale.selector) return fail("the HPA target's scale is missing a selector", 'selector is required', 'SelectorRequired');
    let pods: Pod[];
    try {
      const selector = parseLabelSelector(scale.selector);
      pods = this.pods.lister.list(hpa.metadata.namespace).filter((p) => matchesLabels(selector, p.metadata.labels));
    } catch (e) {
      if (!(e instanceof SelectorError)) throw e;
      const message = `couldn't convert selector into a corresponding internal selector object: ${e.message}`;
      return fail(message, message, 'InvalidSelector');
    }
    const specs = hpa.spec?.metrics ?? [];
    const statuses: MetricStatus[] = [];
    let replicas = 0;
    let metric = '';
    let invalid = 0;
    let first: Extract<Proposal, { ok: false }> | undefined;
    for (const spec of specs) {
      const proposal = this.proposal(spec, scale.specReplicas, pods, nowMs);
      if (!proposal.ok) {
        await this.events.record(hpa, 'Warning', proposal.reason, proposal.error);
        first ??= proposal;
        invalid++;
        statuses.push({ type: '' });
        continue;
      }
      statuses.push(proposal.status);
      if (replicas === 0 || proposal.replicas > replicas) { replicas = proposal.replicas; metric = proposal.name; }
    }
    const filled = statuses.filter((s) => s.type);
    if (first && (invalid >= specs.length || replicas < scale.specReplicas)) {
      setCondition(status, 'ScalingActive', 'False', first.reason, `the HPA was unable to compute the replica count: ${first.error}`, now);
      return { replicas: -1, metric: '', statuses: filled, error: `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${first.wrapped}` };
    }
    setCondition(status, 'ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${metric}`, now);
    return { replicas, metric, statuses: filled };
  }

  /** computeReplicasForMetric for one metric spec. */
  private proposal(spec: MetricSpec, current: number, pods: Pod[], nowMs: number): Proposal {
    const source = spec.type === 'Resource' ? spec.resource : spec.type === 'ContainerResource' ? spec.containerResource : undefined;
    if (!source) {
      // Custom and external metrics need an adapter's API, which tinykube does not serve.
      const [reason, name, api] = spec.type === 'Pods' ? ['FailedGetPodsMetric', spec.pods?.metric.name, 'custom'] : spec.type === 'Object' ? ['FailedGetObjectMetric', spec.object?.metric.name, 'custom'] : ['FailedGetExternalMetric', spec.external?.metric.name, 'external'];
      const error = `unable to get metric ${name ?? ''}: unable to fetch metrics from ${api} metrics API: no ${api} metrics API (${api}.metrics.k8s.io) registered`;
      return { ok: false, reason, error, wrapped: `failed to get ${spec.type.toLowerCase()} metric value: ${error}` };
    }
    const container = spec.type === 'ContainerResource' && spec.containerResource ? spec.containerResource.container : '';
    const resource = source.name;
    const reason = spec.type === 'Resource' ? 'FailedGetResourceMetric' : 'FailedGetContainerResourceMetric';
    const wrap = (error: string) => spec.type === 'Resource' ? `failed to get ${resource} resource metric value: ${error}` : `failed to get ${container} container metric value: ${error}`;
    const metrics = this.podMetrics(pods, resource, container, nowMs);
    const query = { currentReplicas: current, resource, container, pods, metrics, nowMs };
    try {
      if (metrics.size === 0) throw new ReplicaCalculationError(`unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`);
      const target = source.target;
      const current_ = (value: { averageUtilization?: number; averageValue: string }) =>
        spec.type === 'Resource' ? { type: 'Resource', resource: { name: resource, current: value } } : { type: 'ContainerResource', containerResource: { name: resource, container, current: value } };
      if (target.averageValue !== undefined) {
        const r = rawResourceReplicas(query, Quantity.parse(target.averageValue).milliValue());
        return { ok: true, replicas: r.replicas, name: `${resource} resource`, status: current_({ averageValue: milliQuantity(r.average) }) };
      }
      const r = resourceReplicas(query, target.averageUtilization ?? 0);
      const name = spec.type === 'Resource' ? `${resource} resource utilization (percentage of request)` : `${resource} container resource utilization (percentage of request)`;
      return { ok: true, replicas: r.replicas, name, status: current_({ averageUtilization: r.utilization, averageValue: milliQuantity(r.rawAverage) }) };
    } catch (e) {
      if (!(e instanceof ReplicaCalculationError)) throw e;
      const kind = target(spec);
      const error = `failed to get ${resource} ${kind}: ${e.message}`;
      return { ok: false, reason, error, wrapped: wrap(error) };
    }
  }

  /** What metrics-server reports for the pods: running ones, in milli-units of `resource`. */
  private podMetrics(pods: Pod[], resource: string, container: string, nowMs: number): Map<string, PodMetric> {
    const out = new Map<string, PodMetric>();
    for (const pod of pods) {
      if (pod.status?.phase !== 'Running' || pod.metadata.deletionTimestamp) continue;
      let value = 0;
      for (const c of containerUsage(pod)) {
        if (container && c.name !== container) continue;
        value += resource === 'cpu' ? c.usage.milliCPU : resource === 'memory' ? c.usage.bytes * 1000 : 0;
      }
      out.set(pod.metadata.name ?? '', { value, timestampMs: nowMs, windowMs: METRICS_WINDOW_MS });
    }
    return out;
  }

  /** updateStatusIfNeeded */
  private async writeStatus(hpa: StoredHPA, original: HorizontalPodAutoscalerStatus, status: HorizontalPodAutoscalerStatus): Promise<void> {
    if (JSON.stringify(original) === JSON.stringify(status)) return;
    await ignoreRaces(this.hpas.update(objectKey(hpa), (current) => {
      if (current.metadata.uid !== hpa.metadata.uid) return current;
      current.status = status;
      return current;
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
  }
}

/** `utilization` or `usage`, as kube's errors name what failed. */
const target = (spec: MetricSpec): string => ((spec.resource ?? spec.containerResource)?.target.averageValue !== undefined ? 'usage' : 'utilization');

/** resource.NewMilliQuantity(v, DecimalSI).String() */
const milliQuantity = (milli: number): string => Quantity.of(BigInt(Math.trunc(milli)), -3).toString();
