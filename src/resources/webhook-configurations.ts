// admissionregistration.k8s.io/v1 MutatingWebhookConfigurations and ValidatingWebhookConfigurations:
// kube's defaults (SetDefaults_MutatingWebhook / _ValidatingWebhook, _Rule, _ServiceReference),
// validation with its texts (pkg/apis/admissionregistration/validation) and the `kubectl get`
// columns. What calls the webhooks is src/admission/.
import { fieldErrors, type FieldError } from '../api/errors.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';
import { dns1035Label, dns1123Subdomain, qualifiedName } from '../api/validation.js';
import type { MatchCondition, RuleWithOperations, Webhook, WebhookClientConfig, WebhookConfiguration } from '../admission/types.js';
import { validateLabelSelector } from './replicasets.js';

/** Which kind a configuration is: mutating webhooks have a reinvocationPolicy. */
type Flavour = 'mutating' | 'validating';

function defaultWebhook(hook: Webhook, flavour: Flavour): void {
  hook.failurePolicy ??= 'Fail';
  hook.matchPolicy ??= 'Equivalent';
  hook.namespaceSelector ??= {};
  hook.objectSelector ??= {};
  hook.timeoutSeconds ??= 10;
  if (flavour === 'mutating') hook.reinvocationPolicy ??= 'Never';
  for (const rule of hook.rules ?? []) rule.scope ??= '*';
  const service = hook.clientConfig?.service;
  if (service) service.port ??= 443;
}

const ACCEPTED_REVIEW_VERSIONS = ['v1', 'v1beta1'];
const FAILURE_POLICIES = ['Fail', 'Ignore'];
const MATCH_POLICIES = ['Equivalent', 'Exact'];
const REINVOCATION_POLICIES = ['IfNeeded', 'Never'];
const NO_SIDE_EFFECTS = ['None', 'NoneOnDryRun'];
const SIDE_EFFECTS = ['None', 'NoneOnDryRun', 'Some', 'Unknown'];
const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const SCOPES = ['*', 'Cluster', 'Namespaced'];

/** IsFullyQualifiedName: a DNS subdomain of at least three segments. */
function fullyQualifiedName(path: string, name: string | undefined): FieldError[] {
  if (!name) return [fieldErrors.required(path)];
  const errs = dns1123Subdomain(name);
  if (errs.length) return [fieldErrors.invalid(path, name, errs.join(','))];
  if (name.split('.').length < 3) return [fieldErrors.invalid(path, name, 'should be a domain with at least three segments separated by dots')];
  return [];
}

const hasWildcard = (list: string[]) => list.includes('*');

function validateResources(resources: string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!resources.length) errs.push(fieldErrors.required(path));
  const wildSub = new Set<string>();
  const wildRes = new Set<string>();
  let doubleWildcard = false;
  let singleWildcard = false;
  let plain = false;
  resources.forEach((resSub, i) => {
    if (resSub === '') { errs.push(fieldErrors.required(`${path}[${i}]`)); return; }
    if (resSub === '*/*') doubleWildcard = true;
    if (resSub === '*') singleWildcard = true;
    const slash = resSub.indexOf('/');
    if (slash < 0) { plain = resSub !== '*'; return; }
    const res = resSub.slice(0, slash);
    const sub = resSub.slice(slash + 1);
    if (wildSub.has(res)) errs.push(fieldErrors.invalid(`${path}[${i}]`, resSub, `if '${res}/*' is present, must not specify ${resSub}`));
    if (wildRes.has(sub)) errs.push(fieldErrors.invalid(`${path}[${i}]`, resSub, `if '*/${sub}' is present, must not specify ${resSub}`));
    if (sub === '*') wildSub.add(res);
    if (res === '*') wildRes.add(sub);
  });
  if (resources.length > 1 && doubleWildcard) errs.push(fieldErrors.invalid(path, resources, "if '*/*' is present, must not specify other resources"));
  if (singleWildcard && plain) errs.push(fieldErrors.invalid(path, resources, "if '*' is present, must not specify other resources without subresources"));
  return errs;
}

function validateRule(rule: RuleWithOperations, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const operations = rule.operations ?? [];
  if (!operations.length) errs.push(fieldErrors.required(`${path}.operations`));
  if (operations.length > 1 && hasWildcard(operations)) errs.push(fieldErrors.invalid(`${path}.operations`, operations, "if '*' is present, must not specify other operations"));
  operations.forEach((op, i) => { if (!OPERATIONS.includes(op)) errs.push(fieldErrors.notSupported(`${path}.operations[${i}]`, op, OPERATIONS)); });
  const groups = rule.apiGroups ?? [];
  if (!groups.length) errs.push(fieldErrors.required(`${path}.apiGroups`));
  if (groups.length > 1 && hasWildcard(groups)) errs.push(fieldErrors.invalid(`${path}.apiGroups`, groups, "if '*' is present, must not specify other API groups"));
  const versions = rule.apiVersions ?? [];
  if (!versions.length) errs.push(fieldErrors.required(`${path}.apiVersions`));
  if (versions.length > 1 && hasWildcard(versions)) errs.push(fieldErrors.invalid(`${path}.apiVersions`, versions, "if '*' is present, must not specify other API versions"));
  versions.forEach((v, i) => { if (v === '') errs.push(fieldErrors.required(`${path}.apiVersions[${i}]`)); });
  errs.push(...validateResources(rule.resources ?? [], `${path}.resources`));
  if (rule.scope !== undefined && !SCOPES.includes(rule.scope)) errs.push(fieldErrors.notSupported(`${path}.scope`, rule.scope, SCOPES));
  return errs;
}

/** ValidateWebhookURL with https required. */
function validateURL(path: string, text: string): FieldError[] {
  const form = '; desired format: https://host[/path]';
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    // Go's url.Parse accepts what has no scheme; it then fails on the scheme and the host.
    return [fieldErrors.invalid(path, '', `'https' is the only allowed URL scheme${form}`), fieldErrors.invalid(path, '', `host must be provided${form}`)];
  }
  const errs: FieldError[] = [];
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme !== 'https') errs.push(fieldErrors.invalid(path, scheme, `'https' is the only allowed URL scheme${form}`));
  if (!u.host) errs.push(fieldErrors.invalid(path, u.host, `host must be provided${form}`));
  if (u.username || u.password) errs.push(fieldErrors.invalid(path, u.password ? `${u.username}:${u.password}` : u.username, 'user information is not permitted in the URL'));
  if (u.hash.length > 1) errs.push(fieldErrors.invalid(path, u.hash.slice(1), 'fragments are not permitted in the URL'));
  if (u.search.length > 1) errs.push(fieldErrors.invalid(path, u.search.slice(1), 'query parameters are not permitted in the URL'));
  return errs;
}

/** ValidateWebhookService. */
function validateService(path: string, svc: NonNullable<WebhookClientConfig['service']>): FieldError[] {
  const errs: FieldError[] = [];
  if (!svc.name) errs.push(fieldErrors.required(`${path}.name`, 'service name is required'));
  if (!svc.namespace) errs.push(fieldErrors.required(`${path}.namespace`, 'service namespace is required'));
  const port = svc.port ?? 443;
  if (!Number.isInteger(port) || port < 1 || port > 65535) errs.push(fieldErrors.invalid(`${path}.port`, port, 'port is not valid: must be between 1 and 65535, inclusive'));
  const p = svc.path;
  if (p === undefined || p === '' || p === '/') return errs;
  if (p === '//') return [...errs, fieldErrors.invalid(`${path}.path`, p, 'segment[0] may not be empty')];
  if (!p.startsWith('/')) errs.push(fieldErrors.invalid(`${path}.path`, p, "must start with a '/'"));
  let rest = p.slice(1);
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  rest.split('/').forEach((step, i) => {
    if (!step) { errs.push(fieldErrors.invalid(`${path}.path`, p, `segment[${i}] may not be empty`)); return; }
    for (const failure of dns1123Subdomain(step)) errs.push(fieldErrors.invalid(`${path}.path`, p, `segment[${i}]: ${failure}`));
  });
  return errs;
}

function validateMatchConditions(conditions: MatchCondition[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (conditions.length > 64) errs.push(fieldErrors.tooLong(path, conditions, 64));
  const names = new Set<string>();
  conditions.forEach((c, i) => {
    const at = `${path}[${i}]`;
    if (!c.name) errs.push(fieldErrors.required(`${at}.name`));
    else {
      for (const msg of qualifiedName(c.name)) errs.push(fieldErrors.invalid(`${at}.name`, c.name, msg));
      if (names.has(c.name)) errs.push(fieldErrors.duplicate(`${at}.name`, c.name));
      names.add(c.name);
    }
    if (!c.expression) errs.push(fieldErrors.required(`${at}.expression`));
  });
  return errs;
}

function validateReviewVersions(versions: string[] | undefined, path: string): FieldError[] {
  if (!versions?.length) return [fieldErrors.required(path, `must specify one of ${ACCEPTED_REVIEW_VERSIONS.join(', ')}`)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    if (seen.has(v)) { errs.push(fieldErrors.invalid(`${path}[${i}]`, v, 'duplicate version')); return; }
    seen.add(v);
    for (const msg of dns1035Label(v)) errs.push(fieldErrors.invalid(`${path}[${i}]`, v, msg));
  });
  if (!versions.some((v) => ACCEPTED_REVIEW_VERSIONS.includes(v))) errs.push(fieldErrors.invalid(path, versions, `must include at least one of ${ACCEPTED_REVIEW_VERSIONS.join(', ')}`));
  return errs;
}

function validateWebhook(hook: Webhook, path: string, flavour: Flavour, allowedSideEffects: string[]): FieldError[] {
  const errs = fullyQualifiedName(`${path}.name`, hook.name);
  (hook.rules ?? []).forEach((rule, i) => errs.push(...validateRule(rule, `${path}.rules[${i}]`)));
  if (hook.failurePolicy !== undefined && !FAILURE_POLICIES.includes(hook.failurePolicy)) errs.push(fieldErrors.notSupported(`${path}.failurePolicy`, hook.failurePolicy, FAILURE_POLICIES));
  if (hook.matchPolicy !== undefined && !MATCH_POLICIES.includes(hook.matchPolicy)) errs.push(fieldErrors.notSupported(`${path}.matchPolicy`, hook.matchPolicy, MATCH_POLICIES));
  if (hook.sideEffects === undefined) errs.push(fieldErrors.required(`${path}.sideEffects`, `must specify one of ${allowedSideEffects.join(', ')}`));
  else if (!allowedSideEffects.includes(hook.sideEffects)) errs.push(fieldErrors.notSupported(`${path}.sideEffects`, hook.sideEffects, allowedSideEffects));
  const timeout = hook.timeoutSeconds;
  if (timeout !== undefined && (timeout > 30 || timeout < 1)) errs.push(fieldErrors.invalid(`${path}.timeoutSeconds`, timeout, 'the timeout value must be between 1 and 30 seconds'));
  if (hook.namespaceSelector) errs.push(...validateLabelSelector(hook.namespaceSelector, `${path}.namespaceSelector`));
  if (hook.objectSelector) errs.push(...validateLabelSelector(hook.objectSelector, `${path}.objectSelector`));
  if (flavour === 'mutating' && hook.reinvocationPolicy !== undefined && !REINVOCATION_POLICIES.includes(hook.reinvocationPolicy)) {
    errs.push(fieldErrors.notSupported(`${path}.reinvocationPolicy`, hook.reinvocationPolicy, REINVOCATION_POLICIES));
  }
  const cc = hook.clientConfig ?? {};
  if ((cc.url === undefined) === (cc.service === undefined)) errs.push(fieldErrors.required(`${path}.clientConfig`, 'exactly one of url or service is required'));
  else if (cc.url !== undefined) errs.push(...validateURL(`${path}.clientConfig.url`, cc.url));
  else if (cc.service) errs.push(...validateService(`${path}.clientConfig.service`, cc.service));
  errs.push(...validateMatchConditions(hook.matchConditions ?? [], `${path}.matchConditions`));
  return errs;
}

function validateConfiguration(obj: WebhookConfiguration, old: WebhookConfiguration | undefined, flavour: Flavour): FieldError[] {
  // An update may keep what an older server let in: side effects other than None are then allowed.
  const oldHooks = old?.webhooks ?? [];
  const strict = !old || oldHooks.every((h) => h.sideEffects !== undefined && NO_SIDE_EFFECTS.includes(h.sideEffects));
  const allowedSideEffects = strict ? NO_SIDE_EFFECTS : SIDE_EFFECTS;
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (obj.webhooks ?? []).forEach((hook, i) => {
    const path = `webhooks[${i}]`;
    errs.push(...validateWebhook(hook, path, flavour, allowedSideEffects));
    errs.push(...validateReviewVersions(hook.admissionReviewVersions, `${path}.admissionReviewVersions`));
    if (hook.name) {
      if (names.has(hook.name)) errs.push(fieldErrors.duplicate(`${path}.name`, hook.name));
      names.add(hook.name);
    }
  });
  return errs;
}

function configurationStrategy(resource: string, singularName: string, flavour: Flavour): Strategy<WebhookConfiguration> {
  return {
    group: 'admissionregistration.k8s.io', version: 'v1', resource,
    singularName,
    categories: ['api-extensions'],
    defaults(obj) { for (const hook of obj.webhooks ?? []) defaultWebhook(hook, flavour); },
    validate: (obj, old) => validateConfiguration(obj, old, flavour),
    table: {
      columns: [NAME_COLUMN, column('Webhooks', 'The number of webhooks in the configuration.', 0, 'integer'), AGE_COLUMN],
      cells: (obj, now) => [obj.metadata.name, obj.webhooks?.length ?? 0, age(obj.metadata.creationTimestamp, now)],
    },
  };
}

export const mutatingWebhookConfigurationStrategy = configurationStrategy('mutatingwebhookconfigurations', 'mutatingwebhookconfiguration', 'mutating');
export const validatingWebhookConfigurationStrategy = configurationStrategy('validatingwebhookconfigurations', 'validatingwebhookconfiguration', 'validating');
