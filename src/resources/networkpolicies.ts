// NetworkPolicies (networking.k8s.io/v1): kube's defaults (policyTypes Ingress, plus Egress when
// egress rules are given; ports' protocol TCP), ValidateNetworkPolicy(Update) with its texts, and
// the `kubectl get netpol` columns. The simulated pod network enforces them
// (src/kubelet/network-policy.ts).
import { isIP } from 'node:net';
import { fieldErrors, type FieldError } from '../api/errors.js';
import type { IPBlock, MetaLabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '../api/objects.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';
import { labelValue, qualifiedName } from '../api/validation.js';
import { portName, portNumber } from './ingresses.js';
import { formatLabelSelector, validateLabelSelector } from './replicasets.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const POLICY_TYPES = ['Ingress', 'Egress'];
const CIDR_MESSAGE = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

/** ValidateLabelSelector with the keys and values of matchLabels and matchExpressions checked too. */
function validateSelector(sel: MetaLabelSelector, path: string): FieldError[] {
  const errs = validateLabelSelector(sel, path);
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    for (const m of qualifiedName(k)) errs.push(fieldErrors.invalid(`${path}.matchLabels`, k, m));
    for (const m of labelValue(v)) errs.push(fieldErrors.invalid(`${path}.matchLabels`, v, m));
  }
  (sel.matchExpressions ?? []).forEach((e, i) => {
    for (const m of qualifiedName(e.key)) errs.push(fieldErrors.invalid(`${path}.matchExpressions[${i}].key`, e.key, m));
  });
  return errs;
}

/** A CIDR as ParseCIDRSloppy reads it: an address and a prefix length within its family's bits. */
function cidrParts(text: string): { family: 4 | 6; bits: number; address: string } | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  const family = m ? isIP(m[1]) : 0;
  if (!m || (family !== 4 && family !== 6)) return undefined;
  const bits = Number(m[2]);
  return bits <= (family === 4 ? 32 : 128) ? { family, bits, address: m[1] } : undefined;
}

function ipv4Number(address: string): number {
  return address.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** Whether `inner` lies strictly inside `outer` (IPv4 exactly; IPv6 by prefix length alone). */
function strictSubset(outer: NonNullable<ReturnType<typeof cidrParts>>, inner: NonNullable<ReturnType<typeof cidrParts>>): boolean {
  if (outer.family !== inner.family || outer.bits >= inner.bits) return false;
  if (outer.family === 6) return true;
  const size = 2 ** (32 - outer.bits);
  return Math.floor(ipv4Number(outer.address) / size) === Math.floor(ipv4Number(inner.address) / size);
}

/** ValidateIPBlock. */
function validateIPBlock(block: IPBlock, path: string): FieldError[] {
  if (!block.cidr) return [fieldErrors.required(`${path}.cidr`)];
  const cidr = cidrParts(block.cidr);
  if (!cidr) return [fieldErrors.invalid(`${path}.cidr`, block.cidr, CIDR_MESSAGE)];
  const errs: FieldError[] = [];
  (block.except ?? []).forEach((text, i) => {
    const except = cidrParts(text);
    if (!except) errs.push(fieldErrors.invalid(`${path}.except[${i}]`, text, CIDR_MESSAGE));
    else if (!strictSubset(cidr, except)) errs.push(fieldErrors.invalid(`${path}.except[${i}]`, text, 'must be a strict subset of `cidr`'));
  });
  return errs;
}

/** ValidateNetworkPolicyPeer. */
function validatePeer(peer: NetworkPolicyPeer, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  if (peer.podSelector) { count++; errs.push(...validateSelector(peer.podSelector, `${path}.podSelector`)); }
  if (peer.namespaceSelector) { count++; errs.push(...validateSelector(peer.namespaceSelector, `${path}.namespaceSelector`)); }
  if (peer.ipBlock) { count++; errs.push(...validateIPBlock(peer.ipBlock, `${path}.ipBlock`)); }
  if (count === 0) errs.push(fieldErrors.required(path, 'must specify a peer'));
  else if (count > 1 && peer.ipBlock) errs.push(fieldErrors.forbidden(path, 'may not specify both ipBlock and another peer'));
  return errs;
}

/** ValidateNetworkPolicyPort. */
function validatePort(port: NetworkPolicyPort, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol)) errs.push(fieldErrors.notSupported(`${path}.protocol`, port.protocol, PROTOCOLS));
  if (port.port === undefined) {
    if (port.endPort !== undefined) errs.push(fieldErrors.invalid(`${path}.endPort`, port.endPort, 'may not be specified when `port` is not specified'));
  } else if (typeof port.port === 'number') {
    for (const m of portNumber(port.port)) errs.push(fieldErrors.invalid(`${path}.port`, port.port, m));
    if (port.endPort !== undefined) {
      if (port.endPort < port.port) errs.push(fieldErrors.invalid(`${path}.endPort`, port.endPort, 'must be greater than or equal to `port`'));
      for (const m of portNumber(port.endPort)) errs.push(fieldErrors.invalid(`${path}.endPort`, port.endPort, m));
    }
  } else {
    if (port.endPort !== undefined) errs.push(fieldErrors.invalid(`${path}.endPort`, port.endPort, 'may not be specified when `port` is non-numeric'));
    for (const m of portName(port.port)) errs.push(fieldErrors.invalid(`${path}.port`, port.port, m));
  }
  return errs;
}

/** ValidateNetworkPolicySpec. */
function validateNetworkPolicy(np: NetworkPolicy): FieldError[] {
  const spec = np.spec ?? {};
  const errs = validateSelector(spec.podSelector ?? {}, 'spec.podSelector');
  (spec.ingress ?? []).forEach((rule, i) => {
    (rule.ports ?? []).forEach((p, j) => errs.push(...validatePort(p, `spec.ingress[${i}].ports[${j}]`)));
    (rule.from ?? []).forEach((p, j) => errs.push(...validatePeer(p, `spec.ingress[${i}].from[${j}]`)));
  });
  (spec.egress ?? []).forEach((rule, i) => {
    (rule.ports ?? []).forEach((p, j) => errs.push(...validatePort(p, `spec.egress[${i}].ports[${j}]`)));
    (rule.to ?? []).forEach((p, j) => errs.push(...validatePeer(p, `spec.egress[${i}].to[${j}]`)));
  });
  const types = spec.policyTypes ?? [];
  if (types.length > POLICY_TYPES.length) return [...errs, fieldErrors.invalid('spec.policyTypes', types, 'may not specify more than two policyTypes')];
  types.forEach((t, i) => { if (!POLICY_TYPES.includes(t)) errs.push(fieldErrors.notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES)); });
  return errs;
}

export const networkPolicyStrategy: Strategy<NetworkPolicy> = {
  group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies',
  singularName: 'networkpolicy',
  shortNames: ['netpol'],
  tracksGeneration: true,
  defaults(obj) {
    const spec = (obj.spec ??= {});
    spec.podSelector ??= {};
    if (!spec.policyTypes?.length) spec.policyTypes = spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress'];
    for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) {
      for (const port of rule.ports ?? []) port.protocol ??= 'TCP';
    }
  },
  validate: (obj) => validateNetworkPolicy(obj),
  table: {
    columns: [
      NAME_COLUMN,
      column('Pod-Selector', 'Selects the pods to which this NetworkPolicy object applies.'),
      AGE_COLUMN,
    ],
    cells: (np, now) => [np.metadata.name, formatLabelSelector(np.spec?.podSelector), age(np.metadata.creationTimestamp, now)],
  },
};
