// What an object costs against a ResourceQuota, as kube's quota evaluators measure it
// (pkg/quota/v1/evaluator/core and apiserver's generic object count evaluator): which quota
// resource names an object of a group-resource can consume, its usage of them, and whether a
// quota's scopes select it. Pure functions over ResourceLists of quantity texts.
import type { Pod, ResourceQuota, ScopedResourceSelectorRequirement, Service } from '../api/objects.js';
import { podQOS } from '../api/pod-qos.js';
import { Quantity } from '../api/quantity.js';
import type { PersistentVolumeClaim } from '../api/storage-objects.js';
import type { KObject } from '../api/types.js';

export type ResourceList = Record<string, string>;

export interface GroupResource { group: string; resource: string }

/** The core resources counted by their own name as well as by `count/<resource>`. */
const LEGACY_COUNTS = new Set(['services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas']);

const POD_RESOURCES = new Set([
  'count/pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods',
]);

const SERVICE_RESOURCES = new Set(['count/services', 'services', 'services.nodeports', 'services.loadbalancers']);

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';

/** `count/deployments.apps`, `count/configmaps`: generic.ObjectCountQuotaResourceNameFor. */
export function objectCountName(gr: GroupResource): string {
  return gr.group ? `count/${gr.resource}.${gr.group}` : `count/${gr.resource}`;
}

/** The group-resource a `count/...` name counts, or undefined for other names. */
export function countedResource(name: string): GroupResource | undefined {
  if (!name.startsWith('count/')) return undefined;
  const rest = name.slice('count/'.length);
  const dot = rest.indexOf('.');
  return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
}

/**
 * Resources quota never evaluates (kube's quota install registry, DefaultIgnoredResources): the
 * virtual ones, which are not stored, and Events, which have never been quota-ed. A quota naming
 * them (`count/events`) limits nothing, and its status shows no usage for them.
 */
const QUOTA_IGNORED = new Set([
  '/bindings', '/componentstatuses', 'authentication.k8s.io/tokenreviews', 'authentication.k8s.io/selfsubjectreviews',
  'authorization.k8s.io/subjectaccessreviews', 'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/localsubjectaccessreviews', 'authorization.k8s.io/selfsubjectrulesreviews',
  '/events', 'events.k8s.io/events',
]);

/** Whether quota ignores objects of `gr` (no evaluator, no charge, no usage). */
export function quotaIgnores(gr: GroupResource): boolean {
  return QUOTA_IGNORED.has(`${gr.group}/${gr.resource}`);
}

/** Which of `names` an object of `gr` can consume (an evaluator's MatchingResources). */
export function matchingResources(gr: GroupResource, names: string[]): string[] {
  if (quotaIgnores(gr)) return [];
  const core = gr.group === '';
  if (core && gr.resource === 'pods') return names.filter((n) => POD_RESOURCES.has(n) || n.startsWith('hugepages-') || n.startsWith('requests.hugepages-') || (n.startsWith('requests.') && n.includes('/')));
  if (core && gr.resource === 'services') return names.filter((n) => SERVICE_RESOURCES.has(n));
  if (core && gr.resource === 'persistentvolumeclaims') {
    return names.filter((n) => n === 'persistentvolumeclaims' || n === 'count/persistentvolumeclaims' || n === 'requests.storage'
      || (n.includes(STORAGE_CLASS_SUFFIX) && (n.endsWith('/requests.storage') || n.endsWith('/persistentvolumeclaims'))));
  }
  const count = objectCountName(gr);
  return names.filter((n) => n === count || (core && LEGACY_COUNTS.has(gr.resource) && n === gr.resource));
}

// ---- quantities ----------------------------------------------------------------------------

function q(text: string | undefined): Quantity {
  if (text === undefined) return Quantity.of(0n);
  try { return Quantity.parse(String(text)); } catch { return Quantity.of(0n); }
}

/** a + b, in a's format (b's when a is zero), as resource.Quantity.Add. */
export function addQuantity(a: string | undefined, b: string | undefined): string {
  const x = q(a);
  const y = q(b);
  const exp = Math.min(x.exponent, y.exponent);
  const scaled = (v: Quantity) => v.unscaled * 10n ** BigInt(v.exponent - exp);
  return Quantity.of(scaled(x) + scaled(y), exp, x.isZero() ? y.format : x.format).toString();
}

/** -1, 0, 1 as a is less than, equal to or greater than b. */
export function cmpQuantity(a: string | undefined, b: string | undefined): number {
  return q(a).cmp(q(b));
}

/** quota.Add: every key of both, summed. */
export function addLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? addQuantity(out[k], v) : v;
  return out;
}

/** quota.SubtractWithNonNegativeResult. */
export function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(a)) {
    const neg = q(b[k]);
    const diff = addQuantity(v, Quantity.of(-neg.unscaled, neg.exponent, neg.format).toString());
    out[k] = cmpQuantity(diff, '0') < 0 ? '0' : diff;
  }
  return out;
}

/** quota.Mask: only the keys in `names`. */
export function mask(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = {};
  for (const n of names) if (n in list) out[n] = list[n];
  return out;
}

export function removeZeros(list: ResourceList): ResourceList {
  return Object.fromEntries(Object.entries(list).filter(([, v]) => !q(v).isZero()));
}

export function sameLists(a: ResourceList | undefined, b: ResourceList | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => b?.[k] !== undefined && cmpQuantity(a?.[k], b[k]) === 0);
}

// ---- pods ----------------------------------------------------------------------------------

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function listOf(v: unknown): ResourceList {
  if (!isRecord(v)) return {};
  const out: ResourceList = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string' || typeof x === 'number') out[k] = String(x);
  return out;
}

function maxInto(list: ResourceList, other: ResourceList): void {
  for (const [k, v] of Object.entries(other)) if (!(k in list) || cmpQuantity(v, list[k]) > 0) list[k] = v;
}

/** The pod's effective requests or limits (resourcehelper.PodRequests/PodLimits): containers summed, init containers' peak, overhead. */
export function podResources(pod: Pod, which: 'requests' | 'limits', withOverhead = true): ResourceList {
  const spec = pod.spec;
  let total: ResourceList = {};
  for (const c of spec?.containers ?? []) total = addLists(total, listOf(c.resources?.[which]));
  let sidecars: ResourceList = {};
  const initPeak: ResourceList = {};
  for (const c of spec?.initContainers ?? []) {
    const own = listOf(c.resources?.[which]);
    if (c.restartPolicy === 'Always') {
      total = addLists(total, own);
      sidecars = addLists(sidecars, own);
      maxInto(initPeak, sidecars);
    } else {
      maxInto(initPeak, addLists(own, sidecars));
    }
  }
  maxInto(total, initPeak);
  return withOverhead ? addLists(total, listOf(spec?.overhead)) : total;
}

/** podComputeUsageHelper: what requests and limits charge. */
export function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = { pods: '1' };
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    if (r in requests) { out[r] = requests[r]; out[`requests.${r}`] = requests[r]; }
    if (r in limits) out[`limits.${r}`] = limits[r];
  }
  for (const [r, v] of Object.entries(requests)) {
    if (r.startsWith('hugepages-')) { out[r] = v; out[`requests.${r}`] = v; } else if (r.includes('/') && !r.startsWith('kubernetes.io/') && !r.startsWith('requests.')) out[`requests.${r}`] = v;
  }
  return out;
}

/** QuotaV1Pod: a terminal pod, or one past its deletion grace, charges only its object count. */
export function chargesCompute(pod: Pod, now: Date): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const { deletionTimestamp, deletionGracePeriodSeconds } = pod.metadata;
  if (deletionTimestamp && deletionGracePeriodSeconds !== undefined) {
    if (now.getTime() > Date.parse(deletionTimestamp) + deletionGracePeriodSeconds * 1000) return false;
  }
  return true;
}

export function podUsage(pod: Pod, now: Date): ResourceList {
  const base: ResourceList = { 'count/pods': '1' };
  if (!chargesCompute(pod, now)) return base;
  return addLists(base, computeUsage(podResources(pod, 'requests'), podResources(pod, 'limits')));
}

/** qos.GetPodQOS(pod) == BestEffort. */
export function isBestEffort(pod: Pod): boolean {
  return podQOS(pod) === 'BestEffort';
}

function isTerminating(pod: Pod): boolean {
  const d = pod.spec?.activeDeadlineSeconds;
  return typeof d === 'number' && d >= 0;
}

/** Whether the pod is selected by one scope selector requirement (podMatchesScopeFunc). */
export function podMatchesScope(sel: ScopedResourceSelectorRequirement, pod: Pod): boolean {
  switch (sel.scopeName) {
    case 'Terminating': return isTerminating(pod);
    case 'NotTerminating': return !isTerminating(pod);
    case 'BestEffort': return isBestEffort(pod);
    case 'NotBestEffort': return !isBestEffort(pod);
    case 'PriorityClass': {
      const pc = typeof pod.spec?.priorityClassName === 'string' ? pod.spec.priorityClassName : '';
      const values = sel.values ?? [];
      switch (sel.operator) {
        case 'Exists': return pc !== '';
        case 'DoesNotExist': return pc === '';
        case 'In': return pc !== '' && values.includes(pc);
        case 'NotIn': return pc === '' || !values.includes(pc);
        default: return false;
      }
    }
    case 'CrossNamespacePodAffinity': return false;
    default: return false;
  }
}

/** A quota's scopes and scopeSelector as one list of requirements (getScopeSelectorsFromQuota). */
export function quotaScopes(quota: ResourceQuota): ScopedResourceSelectorRequirement[] {
  const out: ScopedResourceSelectorRequirement[] = (quota.spec?.scopes ?? []).map((s) => ({ scopeName: s, operator: 'Exists' }));
  return [...out, ...(quota.spec?.scopeSelector?.matchExpressions ?? [])];
}

function isPods(gr: GroupResource): boolean { return gr.group === '' && gr.resource === 'pods'; }

/**
 * generic.Matches: the quota limits something the object consumes and every scope selects it.
 * Only pods are selected by scopes; other kinds never match a scoped quota.
 */
export function quotaMatches(quota: ResourceQuota, gr: GroupResource, obj: KObject): boolean {
  if (matchingResources(gr, Object.keys(quota.status?.hard ?? quota.spec?.hard ?? {})).length === 0) return false;
  return quotaScopes(quota).every((s) => isPods(gr) && podMatchesScope(s, obj));
}

// ---- other kinds ---------------------------------------------------------------------------

function serviceUsage(svc: Service): ResourceList {
  const out: ResourceList = { 'count/services': '1', services: '1' };
  const ports = svc.spec?.ports ?? [];
  if (svc.spec?.type === 'NodePort') out['services.nodeports'] = String(ports.length);
  if (svc.spec?.type === 'LoadBalancer') {
    const explicitOnly = svc.spec.allocateLoadBalancerNodePorts === false;
    out['services.nodeports'] = String(explicitOnly ? ports.filter((p) => p.nodePort).length : ports.length);
    out['services.loadbalancers'] = '1';
  }
  return out;
}

function claimUsage(pvc: PersistentVolumeClaim): ResourceList {
  const out: ResourceList = { 'count/persistentvolumeclaims': '1', persistentvolumeclaims: '1' };
  const cls = pvc.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? pvc.spec?.storageClassName ?? '';
  if (cls) out[`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`] = '1';
  const storage = pvc.spec?.resources?.requests?.storage;
  if (storage !== undefined) {
    out['requests.storage'] = String(storage);
    if (cls) out[`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`] = String(storage);
  }
  return out;
}

/** What one object of `gr` consumes (an evaluator's Usage). */
export function usageOf(gr: GroupResource, obj: KObject, now: Date): ResourceList {
  if (gr.group === '') {
    if (gr.resource === 'pods') return podUsage(obj, now);
    if (gr.resource === 'services') return serviceUsage(obj);
    if (gr.resource === 'persistentvolumeclaims') return claimUsage(obj);
  }
  const out: ResourceList = { [objectCountName(gr)]: '1' };
  if (gr.group === '' && LEGACY_COUNTS.has(gr.resource)) out[gr.resource] = '1';
  return out;
}

/** Which writes an evaluator charges: creates of anything; updates of services and claims (their usage can grow). */
export function chargesOn(gr: GroupResource, operation: 'CREATE' | 'UPDATE'): boolean {
  if (operation === 'CREATE') return true;
  return gr.group === '' && (gr.resource === 'services' || gr.resource === 'persistentvolumeclaims');
}

/** The group-resources whose objects the quota's hard names count. */
export function trackedResources(hard: string[]): GroupResource[] {
  const out = new Map<string, GroupResource>();
  const add = (gr: GroupResource) => out.set(`${gr.group}/${gr.resource}`, gr);
  for (const name of hard) {
    const counted = countedResource(name);
    if (counted) { add(counted); continue; }
    for (const gr of [{ group: '', resource: 'pods' }, { group: '', resource: 'services' }, { group: '', resource: 'persistentvolumeclaims' }, ...[...LEGACY_COUNTS].map((r) => ({ group: '', resource: r }))]) {
      if (matchingResources(gr, [name]).length > 0) add(gr);
    }
  }
  return [...out.values()];
}

/**
 * The quota's status.used from the objects in its namespace (the controller's CalculateUsage):
 * every hard name an evaluator measures starts at 0 and sums the usage of the objects its scopes select.
 */
export function calculateUsage(quota: ResourceQuota, objectsOf: (gr: GroupResource) => KObject[], now: Date): ResourceList {
  const hard = Object.keys(quota.spec?.hard ?? {});
  const scopes = quotaScopes(quota);
  let used: ResourceList = {};
  for (const gr of trackedResources(hard)) {
    const names = matchingResources(gr, hard);
    if (names.length === 0) continue;
    if (scopes.length > 0 && !isPods(gr)) continue;
    for (const n of names) used[n] ??= '0';
    for (const obj of objectsOf(gr)) {
      if (!scopes.every((s) => podMatchesScope(s, obj))) continue;
      used = addLists(used, mask(usageOf(gr, obj, now), names));
    }
  }
  return mask(used, hard);
}
