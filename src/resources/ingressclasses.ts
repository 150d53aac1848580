// IngressClasses (networking.k8s.io/v1, cluster-scoped): kube's default (parameters.scope
// Cluster), ValidateIngressClass(Update) with its texts, and the `kubectl get ingressclass`
// columns. The class annotated `ingressclass.kubernetes.io/is-default-class: "true"` is the one
// Ingresses without a class get (ingresses.ts, DefaultIngressClass admission).
import { fieldErrors, type FieldError } from '../api/errors.js';
import type { IngressClass, IngressClassParametersReference } from '../api/objects.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from '../api/table.js';
import type { KObject, Strategy } from '../api/types.js';
import { dns1123Label, dns1123Subdomain, immutable, pathSegmentName } from '../api/validation.js';

export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

export function isDefaultIngressClass(c: KObject): boolean {
  return c.metadata.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true';
}

const MAX_CONTROLLER_LENGTH = 250;
const HTTP_PATH = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;
const SCOPES = ['Cluster', 'Namespace'];

/** IsDomainPrefixedPath: `acme.io/foo`, a DNS subdomain then a path of RFC 3986's characters. */
function domainPrefixedPath(path: string, value: string): FieldError[] {
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  const rest = slash < 0 ? '' : value.slice(slash + 1);
  if (slash < 0 || !host || !rest) return [fieldErrors.invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const errs = dns1123Subdomain(host).map((m) => fieldErrors.invalid(path, host, m));
  if (!HTTP_PATH.test(rest)) errs.push(fieldErrors.invalid(path, rest, "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')"));
  return errs;
}

/** validateIngressClassParametersReference. */
function validateParameters(p: IngressClassParametersReference | undefined, path: string): FieldError[] {
  if (!p) return [];
  const errs: FieldError[] = [];
  if (p.apiGroup !== undefined) for (const m of dns1123Subdomain(p.apiGroup)) errs.push(fieldErrors.invalid(`${path}.apiGroup`, p.apiGroup, m));
  if (!p.kind) errs.push(fieldErrors.required(`${path}.kind`));
  else for (const m of pathSegmentName(p.kind)) errs.push(fieldErrors.invalid(`${path}.kind`, p.kind, m));
  if (!p.name) errs.push(fieldErrors.required(`${path}.name`));
  else for (const m of pathSegmentName(p.name)) errs.push(fieldErrors.invalid(`${path}.name`, p.name, m));
  if (p.scope === undefined) return [...errs, fieldErrors.required(`${path}.scope`)];
  if (!SCOPES.includes(p.scope)) return [...errs, fieldErrors.notSupported(`${path}.scope`, p.scope, SCOPES)];
  if (p.scope === 'Namespace') {
    if (p.namespace === undefined) errs.push(fieldErrors.required(`${path}.namespace`, "`parameters.scope` is set to 'Namespace'"));
    else for (const m of dns1123Label(p.namespace)) errs.push(fieldErrors.invalid(`${path}.namespace`, p.namespace, m));
  }
  if (p.scope === 'Cluster' && p.namespace !== undefined) errs.push(fieldErrors.forbidden(`${path}.namespace`, "`parameters.scope` is set to 'Cluster'"));
  return errs;
}

/** validateIngressClassSpec and, on update, the controller's immutability. */
function validateIngressClass(c: IngressClass, old?: IngressClass): FieldError[] {
  const errs: FieldError[] = old ? immutable('spec.controller', c.spec?.controller, old.spec?.controller) : [];
  const controller = c.spec?.controller ?? '';
  if (!controller) errs.push(fieldErrors.required('spec.controller'));
  else {
    if (controller.length > MAX_CONTROLLER_LENGTH) errs.push(fieldErrors.tooLong('spec.controller', '', MAX_CONTROLLER_LENGTH));
    errs.push(...domainPrefixedPath('spec.controller', controller));
  }
  return [...errs, ...validateParameters(c.spec?.parameters, 'spec.parameters')];
}

/** The PARAMETERS cell: `Kind.group/name`, or <none>. */
function formatParameters(p: IngressClassParametersReference | undefined): string {
  if (!p) return '<none>';
  return `${p.kind}${p.apiGroup !== undefined ? `.${p.apiGroup}` : ''}/${p.name}`;
}

export const ingressClassStrategy: Strategy<IngressClass> = {
  group: 'networking.k8s.io', version: 'v1', resource: 'ingressclasses',
  singularName: 'ingressclass',
  defaults(obj) {
    const params = obj.spec?.parameters;
    if (params) params.scope ??= 'Cluster';
  },
  validate: (obj, old) => validateIngressClass(obj, old),
  table: {
    columns: [
      NAME_COLUMN,
      column('Controller', 'Controller that is responsible for handling this class'),
      column('Parameters', 'A reference to a resource with additional parameters'),
      AGE_COLUMN,
    ],
    cells: (c, now) => [c.metadata.name, c.spec?.controller ?? '', formatParameters(c.spec?.parameters), age(c.metadata.creationTimestamp, now)],
  },
};
