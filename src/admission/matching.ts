// Which webhooks a request goes to, as kube's webhook plugins decide (apiserver's
// admission/plugin/webhook: predicates/rules, predicates/namespace, predicates/object and
// generic.ShouldCallHook): the namespace and object selectors, then the rules against the
// request's resource, then, for matchPolicy Equivalent, against the same objects' other
// group-versions. Pure: what it needs of the cluster is passed in.
import { StatusError } from '../api/errors.js';
import type { MetaLabelSelector } from '../api/objects.js';
import { matchesLabels, selectorFromLabelSelector, SelectorError } from '../api/selectors.js';
import type { KObject } from '../api/types.js';
import type { GroupVersionKind, GroupVersionResource, Operation, RuleWithOperations, Webhook } from './types.js';

/** A request as the matchers see it (kube's admission.Attributes). */
export interface RequestAttributes {
  operation: Operation;
  resource: GroupVersionResource;
  subresource: string;
  kind: GroupVersionKind;
  /** '' for cluster-scoped objects; a Namespace's own name for requests on a Namespace. */
  namespace: string;
  object?: KObject;
  oldObject?: KObject;
}

/** The same objects served at another group-version (kube's equivalent resources). */
export interface Equivalent { resource: GroupVersionResource; kind: GroupVersionKind }

/** What a matching webhook is called with: the resource and kind its rule matched. */
export interface Invocation { resource: GroupVersionResource; kind: GroupVersionKind }

const isNamespaces = (r: GroupVersionResource) => r.group === '' && r.version === 'v1' && r.resource === 'namespaces';

const exactOrWildcard = (items: string[] | undefined, requested: string) => (items ?? []).some((i) => i === '*' || i === requested);

function scopeMatches(scope: string | undefined, attrs: RequestAttributes, resource: GroupVersionResource): boolean {
  if (scope === undefined || scope === '*') return true;
  // A Namespace is cluster-scoped though its requests carry its name as their namespace.
  if (scope === 'Namespaced') return !isNamespaces(resource) && attrs.namespace !== '';
  if (scope === 'Cluster') return isNamespaces(resource) || attrs.namespace === '';
  return false;
}

function resourceMatches(resources: string[] | undefined, resource: string, subresource: string): boolean {
  return (resources ?? []).some((entry) => {
    const slash = entry.indexOf('/');
    const res = slash < 0 ? entry : entry.slice(0, slash);
    const sub = slash < 0 ? '' : entry.slice(slash + 1);
    return (res === '*' || res === resource) && (sub === '*' || sub === subresource);
  });
}

/** rules.Matcher: scope, operation, group, version and resource/subresource. */
export function ruleMatches(rule: RuleWithOperations, attrs: RequestAttributes, resource: GroupVersionResource = attrs.resource): boolean {
  return scopeMatches(rule.scope, attrs, resource)
    && (rule.operations ?? []).some((op) => op === '*' || op === attrs.operation)
    && exactOrWildcard(rule.apiGroups, resource.group)
    && exactOrWildcard(rule.apiVersions, resource.version)
    && resourceMatches(rule.resources, resource.resource, attrs.subresource);
}

/** The resource a webhook's rules match the request by, if any; earlier rules win over equivalents. */
export function matchRules(hook: Webhook, attrs: RequestAttributes, equivalents: Equivalent[]): Invocation | undefined {
  const rules = hook.rules ?? [];
  if (rules.some((r) => ruleMatches(r, attrs))) return { resource: attrs.resource, kind: attrs.kind };
  if (hook.matchPolicy !== 'Equivalent') return undefined;
  for (const rule of rules) {
    for (const eq of equivalents) {
      if (sameResource(eq.resource, attrs.resource)) continue;
      if (ruleMatches(rule, attrs, eq.resource)) return eq;
    }
  }
  return undefined;
}

const sameResource = (a: GroupVersionResource, b: GroupVersionResource) => a.group === b.group && a.version === b.version && a.resource === b.resource;

/** A selector that is not valid is an internal error at call time, as in kube. */
function parsed(selector: MetaLabelSelector | undefined) {
  try {
    return selectorFromLabelSelector(selector);
  } catch (e) {
    if (e instanceof SelectorError) throw new StatusError(500, 'InternalError', `Internal error occurred: ${e.message}`, { causes: [{ message: e.message }] });
    throw e;
  }
}

/** The object selector matches the new or the old object's labels; an empty one matches all. */
export function objectSelectorMatches(selector: MetaLabelSelector | undefined, attrs: RequestAttributes): boolean {
  const reqs = parsed(selector);
  if (!reqs.length) return true;
  return [attrs.object, attrs.oldObject].some((o) => o !== undefined && matchesLabels(reqs, o.metadata?.labels ?? {}));
}

/**
 * The namespace selector: cluster-scoped requests (but a Namespace's) always match; a Namespace
 * created or updated is matched by its new labels; otherwise the labels of the request's
 * namespace, which `namespaceLabels` reads (undefined: no such namespace, a 404 as in kube).
 */
export function namespaceSelectorMatches(selector: MetaLabelSelector | undefined, attrs: RequestAttributes, namespaceLabels: (name: string) => Record<string, string> | undefined): boolean {
  const onNamespace = attrs.resource.resource === 'namespaces' && attrs.resource.group === '';
  if (attrs.namespace === '' && !onNamespace) return true;
  const reqs = parsed(selector);
  if (!reqs.length) return true;
  if (onNamespace && attrs.subresource === '' && (attrs.operation === 'CREATE' || attrs.operation === 'UPDATE')) {
    return matchesLabels(reqs, attrs.object?.metadata?.labels ?? {});
  }
  const labels = namespaceLabels(attrs.namespace);
  if (!labels) throw new StatusError(404, 'NotFound', `namespaces "${attrs.namespace}" not found`, { name: attrs.namespace, kind: 'namespaces' });
  return matchesLabels(reqs, labels);
}

/** Whether a webhook is to be called, and how (kube's ShouldCallHook without matchConditions). */
export function shouldCall(hook: Webhook, attrs: RequestAttributes, equivalents: Equivalent[], namespaceLabels: (name: string) => Record<string, string> | undefined): Invocation | undefined {
  // Selector errors only count for webhooks whose rules match the request.
  let nsError: unknown;
  let objError: unknown;
  try {
    if (!namespaceSelectorMatches(hook.namespaceSelector, attrs, namespaceLabels)) return undefined;
  } catch (e) { nsError = e; }
  try {
    if (!objectSelectorMatches(hook.objectSelector, attrs)) return undefined;
  } catch (e) { objError = e; }
  const invocation = matchRules(hook, attrs, equivalents);
  if (!invocation) return undefined;
  if (nsError) throw nsError;
  if (objError) throw objError;
  return invocation;
}

/** Webhooks are never called for the kinds that configure admission, so a bad webhook cannot lock itself in. */
export function isExemptKind(kind: GroupVersionKind): boolean {
  return kind.group === 'admissionregistration.k8s.io' && [
    'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding',
  ].includes(kind.kind);
}
