// kube-controller-manager's csrsigning controller: the built-in signers (kubelet-serving,
// kube-apiserver-client-kubelet, kube-apiserver-client, legacy-unknown) issue a certificate from
// the cluster CA for each Approved request of theirs that has none yet and has not Failed, or mark
// it Failed (SignerValidationFailure) when the request breaks the signer's rules. Without a CA
// (tinykube over plain HTTP), as kube without --cluster-signing-cert-file, nothing is signed.
import type { CertificateSigningRequest } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import { rfc3339 } from '../api/time.js';
import { keyController, type Controller } from '../client/controller.js';
import { objectKey, type ObjectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import { typedResource, type TypedResource } from '../client/typed-resource.js';
import { QUIET, type Logger } from '../logging/log.js';
import { certificateDuration, certificateValidity, DEFAULT_SIGNING_DURATION_MS, hasTrueCondition, isApproved, signerVerdict } from './csr-policy.js';
import { issueCertificate, parseCSR, signingAuthority, unrecognizedUsages, type SigningAuthority } from './csr-signer.js';

const MANAGER = 'kube-controller-manager';

/** The cluster CA as PEM, and --cluster-signing-duration. */
export interface SigningOptions { ca?: { cert: string; key: string }; durationMs?: number }

export class CSRSigningController {
  private readonly csrs: TypedResource<CertificateSigningRequest>;
  private readonly controller: Controller<ObjectKey>;
  private readonly authority?: SigningAuthority;
  private readonly durationMs: number;

  constructor(private readonly registry: Registry, options: SigningOptions, private readonly log: Logger = QUIET) {
    this.csrs = typedResource(registry, 'certificatesigningrequests', 'certificates.k8s.io');
    this.authority = options.ca && signingAuthority(options.ca.cert, options.ca.key);
    this.durationMs = options.durationMs ?? DEFAULT_SIGNING_DURATION_MS;
    this.controller = keyController('csrsigning', (key) => this.reconcile(key), log)
      .watch(this.csrs, ({ type, object }, queue) => { if (type !== 'DELETED') queue.add(objectKey(object)); });
  }

  start(): void {
    if (!this.authority) {
      this.log.info('Skipping CSR signer controller: the cluster has no CA (start it with --tls); approved requests stay unsigned');
      return;
    }
    this.controller.start();
  }

  stop(): void { this.controller.stop(); }

  private async reconcile(key: ObjectKey): Promise<void> {
    const csr = this.csrs.lister.get(undefined, key.name);
    const authority = this.authority;
    if (!csr || !authority || csr.status?.certificate) return;
    if (!isApproved(csr) || hasTrueCondition(csr, 'Failed')) return;
    const request = parseCSR(Buffer.from(csr.spec.request, 'base64'));
    const usages = csr.spec.usages ?? [];
    const verdict = signerVerdict(csr.spec.signerName, request, usages);
    if (!verdict.recognized) return;
    const now = this.registry.now();
    if (verdict.failure) {
      await this.writeStatus(key, (status) => ({
        ...status,
        conditions: [...(status.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: verdict.failure, lastUpdateTime: rfc3339(now) }],
      }));
      this.log.V(2).info('Refused to sign a certificate request', { csr: key.name, signerName: csr.spec.signerName, reason: verdict.failure });
      return;
    }
    const unrecognized = unrecognizedUsages(usages);
    if (unrecognized) throw new Error(`error auto signing csr: ${unrecognized}`);
    const validity = certificateValidity(now.getTime(), certificateDuration(csr.spec.expirationSeconds, this.durationMs), authority.notAfter.getTime());
    if ('error' in validity) throw new Error(`error auto signing csr: ${validity.error}`);
    const pem = issueCertificate(request, authority, usages, validity.notBefore, validity.notAfter);
    await this.writeStatus(key, (status) => ({ ...status, certificate: Buffer.from(pem).toString('base64') }));
    this.log.V(2).info('Signed a certificate request', { csr: key.name, signerName: csr.spec.signerName, notAfter: rfc3339(validity.notAfter) });
  }

  /** Writes through /status, unless the request got its certificate meanwhile. */
  private async writeStatus(key: ObjectKey, change: (status: NonNullable<CertificateSigningRequest['status']>) => CertificateSigningRequest['status']): Promise<void> {
    await ignoreRaces(this.csrs.update(key, (current) => (current.status?.certificate ? current : { ...current, status: change(current.status ?? {}) }), { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
  }
}
