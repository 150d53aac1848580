// What kube decides about CertificateSigningRequests, pure: their conditions (and how `kubectl get
// csr` sums them up), which requests the built-in signers accept (pkg/apis/certificates/helpers.go
// and pkg/controller/certificates/signer), and the validity an issued certificate gets
// (signer.duration and authority.PermissiveSigningPolicy).
import type { CertificateSigningRequest } from '../api/objects.js';
import type { CertificateRequest } from './csr-signer.js';

export const KUBE_APISERVER_CLIENT = 'kubernetes.io/kube-apiserver-client';
export const KUBE_APISERVER_CLIENT_KUBELET = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING = 'kubernetes.io/kubelet-serving';
export const LEGACY_UNKNOWN = 'kubernetes.io/legacy-unknown';

/** The signers kube-controller-manager's csrsigning controller runs (legacy-unknown cannot be created through v1). */
export const BUILTIN_SIGNERS = [KUBELET_SERVING, KUBE_APISERVER_CLIENT_KUBELET, KUBE_APISERVER_CLIENT, LEGACY_UNKNOWN];

/** --cluster-signing-duration's default: one year. */
export const DEFAULT_SIGNING_DURATION_MS = 365 * 24 * 3600 * 1000;
/** How far back certificates are dated, and below which lifetime the end is not moved back too. */
const BACKDATE_MS = 5 * 60 * 1000;
const SHORT_MS = 8 * 3600 * 1000;
const MIN_DURATION_MS = 10 * 60 * 1000;

export function hasTrueCondition(csr: CertificateSigningRequest, type: string): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** certificates.IsCertificateRequestApproved: Approved and not Denied. */
export function isApproved(csr: CertificateSigningRequest): boolean {
  const types = (csr.status?.conditions ?? []).map((c) => c.type);
  return types.includes('Approved') && !types.includes('Denied');
}

/** The printer's CONDITION: Denied, Approved or Pending, then Failed and Issued. */
export function conditionSummary(csr: CertificateSigningRequest): string {
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type));
  let s = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) s += ',Failed';
  if (csr.status?.certificate) s += ',Issued';
  return s;
}

const sameSet = (a: ReadonlySet<string>, b: readonly string[]): boolean => a.size === b.length && b.every((u) => a.has(u));

/** ValidateKubeletServingCSR: why a kubelet-serving request is refused, or undefined. */
function kubeletServing(cr: CertificateRequest, usages: ReadonlySet<string>): string | undefined {
  if (cr.organizations.length !== 1 || cr.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  if (!cr.dnsNames.length && !cr.ipAddresses.length) return 'DNS or IP subjectAltName is required';
  if (cr.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (cr.uris.length) return 'URI subjectAltNames are not allowed';
  if (!sameSet(usages, ['digital signature', 'key encipherment', 'server auth']) && !sameSet(usages, ['digital signature', 'server auth'])) {
    return 'usages did not match [digital signature key encipherment server auth]';
  }
  if (!cr.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  return undefined;
}

/** ValidateKubeletClientCSR: why a kube-apiserver-client-kubelet request is refused, or undefined. */
function kubeletClient(cr: CertificateRequest, usages: ReadonlySet<string>): string | undefined {
  if (cr.organizations.length !== 1 || cr.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  if (cr.dnsNames.length) return 'DNS subjectAltNames are not allowed';
  if (cr.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (cr.ipAddresses.length) return 'IP subjectAltNames are not allowed';
  if (cr.uris.length) return 'URI subjectAltNames are not allowed';
  if (!cr.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  if (!sameSet(usages, ['client auth', 'digital signature', 'key encipherment']) && !sameSet(usages, ['client auth', 'digital signature'])) {
    return 'usages did not match [client auth digital signature key encipherment]';
  }
  return undefined;
}

/** validAPIServerClientUsages: only client auth (required), digital signature and key encipherment. */
function apiServerClient(usages: readonly string[]): string | undefined {
  for (const u of usages) if (u !== 'digital signature' && u !== 'key encipherment' && u !== 'client auth') return `invalid usage for client certificate: ${u}`;
  return usages.includes('client auth') ? undefined : 'missing required usage for client certificate: client auth';
}

/**
 * Whether the built-in signer `signerName` signs this request: not one of them (`recognized`
 * false), or one that refuses it with kube's reason (the Failed condition's message).
 */
export function signerVerdict(signerName: string, cr: CertificateRequest, usages: readonly string[]): { recognized: boolean; failure?: string } {
  const set = new Set(usages);
  switch (signerName) {
    case KUBELET_SERVING: return { recognized: true, failure: kubeletServing(cr, set) };
    case KUBE_APISERVER_CLIENT_KUBELET: return { recognized: true, failure: kubeletClient(cr, set) };
    case KUBE_APISERVER_CLIENT: return { recognized: true, failure: apiServerClient(usages) };
    case LEGACY_UNKNOWN: return { recognized: true };
    default: return { recognized: false };
  }
}

/** signer.duration: the requested lifetime within [10 min, the signing duration]; the signing duration when none is asked. */
export function certificateDuration(expirationSeconds: number | undefined, signingDurationMs = DEFAULT_SIGNING_DURATION_MS): number {
  if (expirationSeconds === undefined) return signingDurationMs;
  const requested = expirationSeconds * 1000;
  return requested > signingDurationMs ? signingDurationMs : requested < MIN_DURATION_MS ? MIN_DURATION_MS : requested;
}

/**
 * PermissiveSigningPolicy's validity: from 5 minutes ago; to now + ttl, less the 5 minutes for
 * lifetimes of 8 hours or more; never past the CA's own end. A CA that has expired signs nothing.
 */
export function certificateValidity(now: number, ttlMs: number, caNotAfter: number): { notBefore: Date; notAfter: Date } | { error: string } {
  const notBefore = now - BACKDATE_MS;
  let notAfter = ttlMs < SHORT_MS ? now + ttlMs : now + ttlMs - BACKDATE_MS;
  if (notAfter >= caNotAfter) notAfter = caNotAfter;
  if (notBefore >= caNotAfter) return { error: `the signer has expired: NotAfter=${new Date(caNotAfter).toISOString()}` };
  if (now >= caNotAfter) return { error: `refusing to sign a certificate that expired in the past: NotAfter=${new Date(caNotAfter).toISOString()}` };
  return { notBefore: new Date(notBefore), notAfter: new Date(notAfter) };
}
