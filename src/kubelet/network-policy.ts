// NetworkPolicy semantics, pure: whether a connection from one pod to another (on a port of the
// destination pod) is allowed by the policies of both ends, as a CNI that enforces
// networking.k8s.io/v1 NetworkPolicy decides it. A pod selected by a policy of a type (Ingress,
// Egress) is isolated for that direction, and then a connection passes only if some rule of some
// policy selecting it admits the peer and the port; pods no policy selects are not isolated.
import { isIPv4 } from 'node:net';
import type { MetaLabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Pod } from '../api/objects.js';
import { matchesLabels, selectorFromLabelSelector } from '../api/selectors.js';

/** One end of a connection: a pod (with its namespace) or an address outside any pod. */
export interface PolicyEndpoint { pod?: Pod; ip: string }

/** The destination port, as the packet reaches the destination pod (after a Service's DNAT). */
export interface PolicyPort { port: number; protocol?: string }

/** A namespace's labels by name, for namespaceSelector (kubernetes.io/metadata.name is always there). */
export type NamespaceLabels = Map<string, Record<string, string>>;

function selects(selector: MetaLabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  try {
    return matchesLabels(selectorFromLabelSelector(selector), labels ?? {});
  } catch {
    // A selector that cannot be made selects nothing (validation keeps such selectors out).
    return false;
  }
}

function namespaceOf(pod: Pod | undefined): string {
  return pod?.metadata.namespace ?? 'default';
}

function labelsOfNamespace(name: string, namespaces: NamespaceLabels): Record<string, string> {
  return { ...namespaces.get(name), 'kubernetes.io/metadata.name': name };
}

/** An IPv4 address as a 32-bit number, or undefined. */
function ipv4(text: string): number | undefined {
  if (!isIPv4(text)) return undefined;
  return text.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** Whether `ip` is in the IPv4 `cidr` (other families never match here: pods have IPv4 addresses). */
export function inCIDR(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const addr = ipv4(ip);
  const net = ipv4(base ?? '');
  const len = Number(bits);
  if (addr === undefined || net === undefined || !Number.isInteger(len) || len < 0 || len > 32) return false;
  const size = 2 ** (32 - len);
  return Math.floor(addr / size) === Math.floor(net / size);
}

/** Whether `peer` (of a policy in `policyNamespace`) admits the other end `other`. */
function peerMatches(peer: NetworkPolicyPeer, policyNamespace: string, other: PolicyEndpoint, namespaces: NamespaceLabels): boolean {
  if (peer.ipBlock) {
    const { cidr, except } = peer.ipBlock;
    return inCIDR(other.ip, cidr) && !(except ?? []).some((e) => inCIDR(other.ip, e));
  }
  // podSelector and namespaceSelector only ever select pods.
  if (!other.pod) return false;
  const ns = namespaceOf(other.pod);
  const inNamespace = peer.namespaceSelector ? selects(peer.namespaceSelector, labelsOfNamespace(ns, namespaces)) : ns === policyNamespace;
  return inNamespace && (!peer.podSelector || selects(peer.podSelector, other.pod.metadata.labels));
}

/** The named port `name` of `pod`'s containers for `protocol`, as a named policy port resolves on the destination. */
function namedPort(pod: Pod | undefined, name: string, protocol: string): number | undefined {
  for (const c of pod?.spec?.containers ?? []) {
    const p = c.ports?.find((cp) => cp.name === name && (cp.protocol ?? 'TCP') === protocol);
    if (p) return p.containerPort;
  }
  return undefined;
}

function portMatches(rule: NetworkPolicyPort, port: PolicyPort, destination: Pod | undefined): boolean {
  const protocol = port.protocol ?? 'TCP';
  if ((rule.protocol ?? 'TCP') !== protocol) return false;
  if (rule.port === undefined) return true;
  if (typeof rule.port === 'string' && !/^\d+$/.test(rule.port)) return namedPort(destination, rule.port, protocol) === port.port;
  const first = Number(rule.port);
  return rule.endPort !== undefined ? port.port >= first && port.port <= rule.endPort : port.port === first;
}

/** A rule admits a connection when one of its ports (any, if none) and one of its peers (any, if none) match. */
function ruleAdmits(ports: NetworkPolicyPort[] | undefined, peers: NetworkPolicyPeer[] | undefined, policyNamespace: string, other: PolicyEndpoint, port: PolicyPort, destination: Pod | undefined, namespaces: NamespaceLabels): boolean {
  const portOk = !ports?.length || ports.some((p) => portMatches(p, port, destination));
  const peerOk = !peers?.length || peers.some((p) => peerMatches(p, policyNamespace, other, namespaces));
  return portOk && peerOk;
}

/** The policies of `type` that select `pod`: those it is isolated by. */
function isolating(pod: Pod, type: 'Ingress' | 'Egress', policies: NetworkPolicy[]): NetworkPolicy[] {
  return policies.filter((p) => p.metadata.namespace === namespaceOf(pod)
    && (p.spec?.policyTypes ?? ['Ingress']).includes(type)
    && selects(p.spec?.podSelector, pod.metadata.labels));
}

/**
 * Whether a connection from `from` to `to` on `port` is allowed: `from`'s egress and `to`'s
 * ingress must both allow it. `policies` are all the cluster's NetworkPolicies; `namespaces` the
 * namespaces' labels.
 */
export function allowed(from: PolicyEndpoint, to: PolicyEndpoint, port: PolicyPort, policies: NetworkPolicy[], namespaces: NamespaceLabels): boolean {
  if (from.pod) {
    const egress = isolating(from.pod, 'Egress', policies);
    const out = !egress.length || egress.some((p) => (p.spec?.egress ?? []).some((r) => ruleAdmits(r.ports, r.to, namespaceOf(from.pod), to, port, to.pod, namespaces)));
    if (!out) return false;
  }
  if (to.pod) {
    const ingress = isolating(to.pod, 'Ingress', policies);
    return !ingress.length || ingress.some((p) => (p.spec?.ingress ?? []).some((r) => ruleAdmits(r.ports, r.from, namespaceOf(to.pod), from, port, to.pod, namespaces)));
  }
  return true;
}
