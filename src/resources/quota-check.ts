// The ResourceQuota admission plugin's decision for one write (apiserver's
// admission/plugin/resourcequota CheckRequest): which quotas of the namespace the object
// counts against, what it adds to each, and kube's refusal texts. Pure: the caller charges.
import type { Pod, ResourceQuota } from '../api/objects.js';
import type { KObject } from '../api/types.js';
import {
  addLists, cmpQuantity, computeUsage, mask, matchingResources, quotaMatches, removeZeros, subtractNonNegative, usageOf,
  type GroupResource, type ResourceList,
} from '../controllers/quota-usage.js';

export interface QuotaRequest {
  gr: GroupResource;
  operation: 'CREATE' | 'UPDATE';
  object: KObject;
  oldObject?: KObject;
  now: Date;
}

/** What one quota is charged. */
export interface Charge { quota: string; delta: ResourceList }

/** A refusal; the caller makes it `<resource> "<name>" is forbidden: <message>`. */
export class QuotaRefusal extends Error {}

/** prettyPrint: `a=1,b=2`, names sorted. */
export function prettyPrint(list: ResourceList): string {
  return Object.keys(list).sort().map((k) => `${k}=${list[k]}`).join(',');
}

/** The resources quota validation insists every container states (the pod evaluator's validationSet). */
const MUST_SPECIFY = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/** podEvaluator.Constraints: `must specify limits.cpu for: a,b; requests.cpu for: a`, or undefined. */
export function podConstraints(required: string[], pod: Pod): string | undefined {
  const wanted = required.filter((r) => MUST_SPECIFY.has(r));
  const missing = new Map<string, Set<string>>();
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const has = computeUsage(listOf(c.resources?.requests), listOf(c.resources?.limits));
    for (const r of wanted) if (!(r in has)) (missing.get(r) ?? missing.set(r, new Set()).get(r))?.add(c.name);
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...(missing.get(r) ?? [])].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

function listOf(v: Record<string, string> | undefined): ResourceList {
  return v ? { ...v } : {};
}

/** Whether a status.used value exists for each hard resource the object can consume (hasUsageStats). */
function hasUsageStats(quota: ResourceQuota, names: string[]): boolean {
  return names.every((n) => quota.status?.used?.[n] !== undefined);
}

/**
 * The charges a write makes, or a QuotaRefusal with kube's text. `quotas` are the namespace's,
 * as the cache has them; each charge is to be added to that quota's status.used.
 */
export function checkRequest(quotas: ResourceQuota[], req: QuotaRequest): Charge[] {
  const { gr, object } = req;
  const interesting: ResourceQuota[] = [];
  for (const quota of quotas) {
    if (!quotaMatches(quota, gr, object)) continue;
    const restricted = matchingResources(gr, Object.keys(quota.status?.hard ?? {}));
    if (gr.group === '' && gr.resource === 'pods') {
      const why = podConstraints(restricted, object);
      if (why) throw new QuotaRefusal(`failed quota: ${quota.metadata.name}: ${why}`);
    }
    if (!hasUsageStats(quota, restricted)) {
      throw new QuotaRefusal(`status unknown for quota: ${quota.metadata.name}, resources: ${[...restricted].sort().join(',')}`);
    }
    interesting.push(quota);
  }
  if (interesting.length === 0) return [];
  const input = usageOf(gr, object, req.now);
  const negative = Object.keys(input).filter((k) => cmpQuantity(input[k], '0') < 0);
  if (negative.length > 0) throw new QuotaRefusal(`quota usage is negative for resource(s): ${negative.sort().join(',')}`);

  const charges: Charge[] = [];
  for (const quota of interesting) {
    let delta = input;
    // An update is charged what it adds to what the old object counted against this quota.
    if (req.operation === 'UPDATE' && req.oldObject?.metadata.resourceVersion && quotaMatches(quota, gr, req.oldObject)) {
      delta = subtractNonNegative(input, usageOf(gr, req.oldObject, req.now));
    }
    delta = removeZeros(delta);
    if (Object.keys(delta).length === 0) continue;
    charges.push({ quota: quota.metadata.name ?? '', delta: exceeds(quota, delta) });
  }
  return charges;
}

/**
 * The part of `delta` the quota limits, after checking that used + it stays within hard;
 * throws kube's `exceeded quota` refusal otherwise. Run again on the newest quota when charging.
 */
export function exceeds(quota: ResourceQuota, delta: ResourceList): ResourceList {
  const hard = quota.status?.hard ?? {};
  const used = quota.status?.used ?? {};
  const requested = mask(delta, Object.keys(hard));
  const next = mask(addLists(used, requested), Object.keys(requested));
  const over = Object.keys(next).filter((k) => cmpQuantity(next[k], hard[k]) > 0);
  if (over.length > 0) {
    throw new QuotaRefusal(`exceeded quota: ${quota.metadata.name}, requested: ${prettyPrint(mask(requested, over))}, used: ${prettyPrint(mask(used, over))}, limited: ${prettyPrint(mask(hard, over))}`);
  }
  return requested;
}

/** status.used with a charge added. */
export function charged(quota: ResourceQuota, delta: ResourceList): ResourceList {
  return addLists(quota.status?.used ?? {}, delta);
}
