// kube's LimitRanger admission plugin (plugin/pkg/admission/limitranger) on creates: a new pod's
// containers get the namespace's LimitRange defaults for what they do not set (and the
// kubernetes.io/limit-ranger annotation naming them), then every Container, Pod and
// PersistentVolumeClaim item's min, max and maxLimitRequestRatio is enforced with kube's texts.
import { errors } from '../api/errors.js';
import type { Container, LimitRange, LimitRangeItem, Pod } from '../api/objects.js';
import { type Quantity, tryParseQuantity } from '../api/quantity.js';
import type { Admission } from '../api/resource-store.js';
import type { PersistentVolumeClaim } from '../api/storage-objects.js';
import { podResources, type ResourceList } from '../controllers/quota-usage.js';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

function qty(v: string | undefined): Quantity | undefined {
  return v === undefined ? undefined : tryParseQuantity(v);
}

/** The defaults of the range's Container items: requests from defaultRequest, limits from default. */
function containerDefaults(lr: LimitRange): { requests: ResourceList; limits: ResourceList } {
  const requests: ResourceList = {};
  const limits: ResourceList = {};
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    Object.assign(requests, item.defaultRequest);
    Object.assign(limits, item.default);
  }
  return { requests, limits };
}

/** Sets what the container lacks; returns the annotation's phrases for it. */
function mergeContainer(c: Container, defaults: { requests: ResourceList; limits: ResourceList }, kind: string): string[] {
  const resources = (c.resources ??= {});
  const limits = (resources.limits ??= {});
  const requests = (resources.requests ??= {});
  // The pod's own defaulting runs before admission in kube: a limit alone is also the request.
  for (const [k, v] of Object.entries(limits)) requests[k] ??= v;
  const setLimits = Object.keys(defaults.limits).filter((k) => !(k in limits)).sort();
  for (const k of setLimits) limits[k] = defaults.limits[k];
  const setRequests = Object.keys(defaults.requests).filter((k) => !(k in requests)).sort();
  for (const k of setRequests) requests[k] = defaults.requests[k];
  // Empty lists are dropped, as Go's omitempty drops them.
  if (Object.keys(limits).length === 0) delete resources.limits;
  if (Object.keys(requests).length === 0) delete resources.requests;
  const out: string[] = [];
  if (setRequests.length) out.push(`${setRequests.join(', ')} request for ${kind} ${c.name}`);
  if (setLimits.length) out.push(`${setLimits.join(', ')} limit for ${kind} ${c.name}`);
  return out;
}

/** PodMutateLimitFunc: the range's defaults into every container and init container. */
export function applyDefaults(pod: Pod, lr: LimitRange): void {
  const defaults = containerDefaults(lr);
  const notes = [
    ...(pod.spec?.containers ?? []).flatMap((c) => mergeContainer(c, defaults, 'container')),
    ...(pod.spec?.initContainers ?? []).flatMap((c) => mergeContainer(c, defaults, 'init container')),
  ];
  if (notes.length) pod.metadata.annotations = { ...pod.metadata.annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
}

/** The values compared: milli units, as kube compares when nothing overflows. */
const milli = (v: Quantity | undefined) => v?.milliValue() ?? 0;

function minConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = qty(requests[name]);
  const lim = qty(limits[name]);
  if (!req) return `minimum ${name} usage per ${type} is ${enforced}.  No request is specified`;
  if (milli(req) < milli(enforced)) return `minimum ${name} usage per ${type} is ${enforced}, but request is ${req}`;
  if (lim && milli(lim) < milli(enforced)) return `minimum ${name} usage per ${type} is ${enforced}, but limit is ${lim}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = qty(requests[name]);
  const lim = qty(limits[name]);
  if (!lim) return `maximum ${name} usage per ${type} is ${enforced}.  No limit is specified`;
  if (milli(lim) > milli(enforced)) return `maximum ${name} usage per ${type} is ${enforced}, but limit is ${lim}`;
  if (req && milli(req) > milli(enforced)) return `maximum ${name} usage per ${type} is ${enforced}, but request is ${req}`;
  return undefined;
}

/** maxRequestConstraint: a claim's max is checked against its request. */
function maxRequestConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList): string | undefined {
  const req = qty(requests[name]);
  if (!req) return `maximum ${name} usage per ${type} is ${enforced}.  No request is specified`;
  if (milli(req) > milli(enforced)) return `maximum ${name} usage per ${type} is ${enforced}, but request is ${req}`;
  return undefined;
}

function ratioConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = milli(qty(requests[name]));
  const lim = milli(qty(limits[name]));
  if (req === 0) return `${name} max limit to request ratio per ${type} is ${enforced}, but no request is specified or request is 0`;
  if (lim === 0) return `${name} max limit to request ratio per ${type} is ${enforced}, but no limit is specified or limit is 0`;
  const ratio = lim / req;
  if (ratio * 1000 > enforced.milliValue()) return `${name} max limit to request ratio per ${type} is ${enforced}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

function checkItem(item: LimitRangeItem, requests: ResourceList, limits: ResourceList): string[] {
  const out: string[] = [];
  const each = (list: Record<string, string> | undefined, check: typeof minConstraint) => {
    for (const k of Object.keys(list ?? {}).sort()) {
      const enforced = qty(list?.[k]);
      const err = enforced && check(item.type, k, enforced, requests, limits);
      if (err) out.push(err);
    }
  };
  each(item.min, minConstraint);
  each(item.max, maxConstraint);
  each(item.maxLimitRequestRatio, ratioConstraint);
  return out;
}

function listOf(v: Record<string, string> | undefined): ResourceList {
  return { ...v };
}

/** PodValidateLimitFunc: the errors of one range against a defaulted pod. */
export function validatePod(pod: Pod, lr: LimitRange): string[] {
  const out: string[] = [];
  for (const item of lr.spec?.limits ?? []) {
    if (item.type === 'Container') {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
        out.push(...checkItem(item, listOf(c.resources?.requests), listOf(c.resources?.limits)));
      }
    } else if (item.type === 'Pod') {
      out.push(...checkItem(item, podResources(pod, 'requests', false), podResources(pod, 'limits', false)));
    }
  }
  return out;
}

/** PersistentVolumeClaimValidateLimitFunc: min and max against the claim's requests. */
export function validateClaim(pvc: PersistentVolumeClaim, lr: LimitRange): string[] {
  const out: string[] = [];
  const requests = listOf(pvc.spec?.resources?.requests);
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const k of Object.keys(item.min ?? {}).sort()) {
      const enforced = qty(item.min?.[k]);
      const err = enforced && minConstraint(item.type, k, enforced, requests, {});
      if (err) out.push(err);
    }
    for (const k of Object.keys(item.max ?? {}).sort()) {
      const enforced = qty(item.max?.[k]);
      const err = enforced && maxRequestConstraint(item.type, k, enforced, requests);
      if (err) out.push(err);
    }
  }
  return out;
}

/** utilerrors.NewAggregate's text: one message alone, several in brackets. */
export function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

/** The plugin on creates of pods and claims: defaults first from every range, then every range's checks. */
export const limitRangerAdmission: Admission = ({ gr, namespace, name, object }, registry) => {
  if (gr.group !== '' || (gr.resource !== 'pods' && gr.resource !== 'persistentvolumeclaims') || !namespace) return;
  const store = registry.resource('limitranges');
  if (!store) return;
  const ranges: LimitRange[] = store.cache.list(store.listPrefix(namespace)).map((o) => o.object);
  if (ranges.length === 0) return;
  let problems: string[] = [];
  if (gr.resource === 'pods') {
    for (const lr of ranges) applyDefaults(object, lr);
    for (const lr of ranges) {
      problems = validatePod(object, lr);
      if (problems.length) break;
    }
  } else {
    for (const lr of ranges) {
      problems = validateClaim(object, lr);
      if (problems.length) break;
    }
  }
  if (problems.length) throw errors.forbidden(gr, name ?? '', aggregate(problems));
};
