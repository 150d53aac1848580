// Ingresses (networking.k8s.io/v1): ValidateIngressCreate/Update and the status update's checks
// with kube's texts, the `kubectl get ing` columns (NAME CLASS HOSTS ADDRESS PORTS AGE, as kube's
// printer), status, and the DefaultIngressClass admission plugin: an Ingress created without a
// class (field or annotation) gets the class annotated as the default.
import { isIP } from 'node:net';
import { errors, FieldError, fieldErrors } from '../api/errors.js';
import type { HTTPIngressPath, Ingress, IngressBackend, IngressClass, IngressRule, IngressSpec, IngressTLS } from '../api/objects.js';
import type { Admission } from '../api/resource-store.js';
import { STATUS_SUBRESOURCE } from '../api/reset-fields.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';
import { dns1035Label, dns1123Subdomain, pathSegmentName } from '../api/validation.js';
import { isDefaultIngressClass } from './ingressclasses.js';

/** The annotation that named an Ingress's class before spec.ingressClassName. */
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_SUFFIXES = ['/..', '/.'];
const WILDCARD_HOST = /^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const WILDCARD_MESSAGE = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** IsValidPortName's texts. */
export function portName(name: string): string[] {
  const out: string[] = [];
  if (name.length > 15) out.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) out.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) out.push('must contain at least one letter (a-z)');
  if (name.includes('--')) out.push('must not contain consecutive hyphens');
  if (name.startsWith('-') || name.endsWith('-')) out.push('must not begin or end with a hyphen');
  return out;
}

export const portNumber = (n: number): string[] => (Number.isInteger(n) && n >= 1 && n <= 65535 ? [] : ['must be between 1 and 65535, inclusive']);

/** IsWildcardDNS1123Subdomain. */
function wildcardHost(host: string): string[] {
  const out: string[] = [];
  if (host.length > 253) out.push('must be no more than 253 characters');
  if (!WILDCARD_HOST.test(host)) out.push(WILDCARD_MESSAGE);
  return out;
}

/** A host as rules and TLS entries check it: a wildcard or a DNS subdomain. */
const hostErrors = (host: string): string[] => (host.includes('*') ? wildcardHost(host) : dns1123Subdomain(host));

/** validateIngressBackend. */
function validateBackend(b: IngressBackend, path: string): FieldError[] {
  if (b.resource && b.service) return [fieldErrors.invalid(path, '', 'cannot set both resource and service backends')];
  if (b.resource) {
    const r = b.resource;
    const errs: FieldError[] = [];
    if (r.apiGroup !== undefined) for (const m of dns1123Subdomain(r.apiGroup)) errs.push(fieldErrors.invalid(`${path}.resource.apiGroup`, r.apiGroup, m));
    if (!r.kind) errs.push(fieldErrors.required(`${path}.resource.kind`));
    else for (const m of pathSegmentName(r.kind)) errs.push(fieldErrors.invalid(`${path}.resource.kind`, r.kind, m));
    if (!r.name) errs.push(fieldErrors.required(`${path}.resource.name`));
    else for (const m of pathSegmentName(r.name)) errs.push(fieldErrors.invalid(`${path}.resource.name`, r.name, m));
    return errs;
  }
  if (!b.service) return [fieldErrors.invalid(path, '', 'resource or service backend is required')];
  const errs: FieldError[] = [];
  const { name, port } = b.service;
  if (!name) errs.push(fieldErrors.required(`${path}.service.name`));
  else for (const m of dns1035Label(name)) errs.push(fieldErrors.invalid(`${path}.service.name`, name, m));
  const byName = !!port?.name;
  const byNumber = !!port?.number;
  if (byName && byNumber) errs.push(fieldErrors.invalid(path, '', 'cannot set both port name & port number'));
  else if (byName) for (const m of portName(port.name ?? '')) errs.push(fieldErrors.invalid(`${path}.service.port.name`, port.name, m));
  else if (byNumber) for (const m of portNumber(port.number ?? 0)) errs.push(fieldErrors.invalid(`${path}.service.port.number`, port.number, m));
  else errs.push(fieldErrors.required(path, 'port name or number is required'));
  return errs;
}

/** validateHTTPIngressPath. */
function validatePath(p: HTTPIngressPath, path: string): FieldError[] {
  if (p.pathType === undefined) return [fieldErrors.required(`${path}.pathType`, 'pathType must be specified')];
  const errs: FieldError[] = [];
  const value = p.path ?? '';
  if (p.pathType === 'Exact' || p.pathType === 'Prefix') {
    if (!value.startsWith('/')) errs.push(fieldErrors.invalid(`${path}.path`, value, 'must be an absolute path'));
    for (const seq of INVALID_SEQUENCES) if (value.includes(seq)) errs.push(fieldErrors.invalid(`${path}.path`, value, `must not contain '${seq}'`));
    for (const suffix of INVALID_SUFFIXES) if (value.endsWith(suffix)) errs.push(fieldErrors.invalid(`${path}.path`, value, `cannot end with '${suffix}'`));
  } else if (p.pathType === 'ImplementationSpecific') {
    if (value && !value.startsWith('/')) errs.push(fieldErrors.invalid(`${path}.path`, value, 'must be an absolute path'));
  } else {
    errs.push(fieldErrors.notSupported(`${path}.pathType`, p.pathType, PATH_TYPES));
  }
  return [...errs, ...validateBackend(p.backend ?? {}, `${path}.backend`)];
}

/** validateIngressRules. */
function validateRules(rules: IngressRule[]): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((rule, i) => {
    const at = `spec.rules[${i}]`;
    const host = rule.host ?? '';
    if (host) {
      if (isIP(host)) errs.push(fieldErrors.invalid(`${at}.host`, host, 'must be a DNS name, not an IP address'));
      for (const m of hostErrors(host)) errs.push(fieldErrors.invalid(`${at}.host`, host, m));
    }
    if (!rule.http) return;
    if (!rule.http.paths?.length) errs.push(fieldErrors.required(`${at}.http.paths`));
    (rule.http.paths ?? []).forEach((p, j) => errs.push(...validatePath(p, `${at}.http.paths[${j}]`)));
  });
  return errs;
}

/** validateIngressTLS. */
function validateTLS(tls: IngressTLS[]): FieldError[] {
  const errs: FieldError[] = [];
  tls.forEach((t, i) => {
    (t.hosts ?? []).forEach((host, j) => {
      for (const m of hostErrors(host)) errs.push(fieldErrors.invalid(`spec.tls[${i}].hosts[${j}]`, host, m));
    });
    if (t.secretName) for (const m of dns1123Subdomain(t.secretName)) errs.push(fieldErrors.invalid(`spec.tls[${i}].secretName`, t.secretName, m));
  });
  return errs;
}

/** An Invalid error whose value is printed as Go's %#v prints a typed nil or empty slice. */
class GoValueError extends FieldError {
  constructor(field: string, private readonly goText: string, detail: string) {
    super('FieldValueInvalid', field, undefined, detail);
  }

  override message(): string { return `Invalid value: ${this.goText}: ${this.detail}`; }
}

/** ValidateIngressSpec. */
function validateSpec(spec: IngressSpec): FieldError[] {
  const errs: FieldError[] = [];
  const rules = spec.rules ?? [];
  if (!rules.length && !spec.defaultBackend) errs.push(new GoValueError('spec', spec.rules ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)', 'either `defaultBackend` or `rules` must be specified'));
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  errs.push(...validateRules(rules), ...validateTLS(spec.tls ?? []));
  if (spec.ingressClassName !== undefined) for (const m of dns1123Subdomain(spec.ingressClassName)) errs.push(fieldErrors.invalid('spec.ingressClassName', spec.ingressClassName, m));
  return errs;
}

/** ValidateIngressLoadBalancerStatus. */
function validateStatus(ing: Ingress): FieldError[] {
  const errs: FieldError[] = [];
  (ing.status?.loadBalancer?.ingress ?? []).forEach((lb, i) => {
    const at = `status.loadBalancer.ingress[${i}]`;
    if (lb.ip && !isIP(lb.ip)) errs.push(fieldErrors.invalid(`${at}.ip`, lb.ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    if (lb.hostname) {
      for (const m of dns1123Subdomain(lb.hostname)) errs.push(fieldErrors.invalid(`${at}.hostname`, lb.hostname, m));
      if (isIP(lb.hostname)) errs.push(fieldErrors.invalid(`${at}.hostname`, lb.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

/** The HOSTS cell: up to three hosts, `*` when no rule names one (formatHosts). */
function formatHosts(rules: IngressRule[]): string {
  const hosts: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (hosts.length === 3) more = true;
    if (!more && rule.host) hosts.push(rule.host);
  }
  if (!hosts.length) return '*';
  return more ? `${hosts.join(',')} + ${rules.length - 3} more...` : hosts.join(',');
}

/** The ADDRESS cell: the load balancer's IPs (else hostnames), sorted, clipped to 16 bytes unless wide. */
function formatAddress(ing: Ingress): string {
  const all = new Set<string>();
  for (const lb of ing.status?.loadBalancer?.ingress ?? []) {
    if (lb.ip) all.add(lb.ip);
    else if (lb.hostname) all.add(lb.hostname);
  }
  const text = [...all].sort().join(',');
  return text.length > 16 ? `${text.slice(0, 13)}...` : text;
}

export const ingressStrategy: Strategy<Ingress> = {
  group: 'networking.k8s.io', version: 'v1', resource: 'ingresses',
  singularName: 'ingress',
  shortNames: ['ing'],
  subresources: { status: STATUS_SUBRESOURCE },
  tracksGeneration: true,
  prepareForCreate(obj) {
    obj.status = {};
  },
  validate(obj, old, subresource) {
    if (subresource === 'status') return validateStatus(obj);
    const errs = validateSpec(obj.spec ?? {});
    const annotation = obj.metadata.annotations?.[INGRESS_CLASS_ANNOTATION];
    const className = obj.spec?.ingressClassName;
    if (!old && annotation !== undefined && className !== undefined && annotation !== className) {
      errs.push(fieldErrors.invalid(`annotations.${INGRESS_CLASS_ANNOTATION}`, annotation, 'must match `ingressClassName` when both are specified'));
    }
    return errs;
  },
  table: {
    columns: [
      NAME_COLUMN,
      column('Class', 'The name of the IngressClass resource that should be used for additional configuration'),
      column('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
      column('Address', 'Address is a list containing ingress points for the load-balancer'),
      column('Ports', 'Ports of TLS configurations that open'),
      AGE_COLUMN,
    ],
    cells: (ing, now) => [
      ing.metadata.name, ing.spec?.ingressClassName ?? '<none>', formatHosts(ing.spec?.rules ?? []), formatAddress(ing),
      ing.spec?.tls?.length ? '80, 443' : '80', age(ing.metadata.creationTimestamp, now),
    ],
  },
};

/**
 * kube's DefaultIngressClass admission: an Ingress created with neither spec.ingressClassName nor
 * the class annotation gets the default class; two defaults refuse the create.
 */
export const defaultIngressClassAdmission: Admission = ({ gr, name, object }, registry) => {
  if (gr.group !== 'networking.k8s.io' || gr.resource !== 'ingresses') return;
  const spec = object.spec;
  if (spec !== undefined && (typeof spec !== 'object' || spec === null || Array.isArray(spec))) return;
  if (spec && 'ingressClassName' in spec && spec.ingressClassName !== undefined) return;
  if (object.metadata.annotations?.[INGRESS_CLASS_ANNOTATION] !== undefined) return;
  const classes = registry.resource('ingressclasses', 'networking.k8s.io');
  const defaults: IngressClass[] = (classes?.cache.list(classes.prefix) ?? []).map((o) => o.object).filter(isDefaultIngressClass);
  if (defaults.length > 1) {
    throw errors.forbidden(gr, name ?? object.metadata.name ?? '', `Internal error occurred: ${defaults.length} default IngressClasses were found, only 1 allowed`);
  }
  const chosen = defaults[0]?.metadata.name;
  if (chosen) object.spec = { ...spec, ingressClassName: chosen };
};
