// The pure parts of CertificateSigningRequests: kube's validation texts and update rules, the
// built-in signers' checks, the validity of issued certificates, the printer's CONDITION, and the
// X.509 round trip (a request parsed, its signature checked, a certificate issued by a CA).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { CertificateSigningRequest } from '../../src/api/objects.js';
import { certificateDuration, certificateValidity, conditionSummary, isApproved, signerVerdict } from '../../src/controllers/csr-policy.js';
import { issueCertificate, parseCSR, signatureFailure, signingAuthority, type CertificateRequest } from '../../src/controllers/csr-signer.js';
import { validateCSR, validateSignerName } from '../../src/resources/csr-validation.js';
import { ensurePKI } from '../../src/server/auth/pki.js';

const dir = mkdtempSync(join(tmpdir(), 'csr-unit-'));
function request(name: string, subject: string, args: string[] = []): string {
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject, ...args], { cwd: dir, stdio: 'pipe' });
  return readFileSync(join(dir, `${name}.csr`), 'utf8');
}
const servingPem = request('serving', '/CN=system:node:n1/O=system:nodes', ['-addext', 'subjectAltName=DNS:n1.example,IP:10.0.0.1,IP:::1']);
const serving = parseCSR(Buffer.from(servingPem));

function csr(spec: Partial<CertificateSigningRequest['spec']> = {}, status?: CertificateSigningRequest['status']): CertificateSigningRequest {
  return { metadata: { name: 'x' }, spec: { request: Buffer.from(servingPem).toString('base64'), signerName: 'example.com/signer', usages: ['digital signature'], ...spec }, ...(status ? { status } : {}) };
}
const texts = (errs: { toString(): string }[]) => errs.map(String);

describe('validation', () => {
  test('a valid request; the request must be a CERTIFICATE REQUEST whose signature verifies', () => {
    assert.deepEqual(validateCSR(csr(), undefined, 'create'), []);
    assert.deepEqual(texts(validateCSR(csr({ request: Buffer.from('hi').toString('base64') }), undefined, 'create')), ['spec.request: Invalid value: []byte{0x68, 0x69}: PEM block type must be CERTIFICATE REQUEST']);
    // The signature's last byte changed: it no longer verifies.
    const der = Buffer.from(servingPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 1] ^= 1;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    assert.equal(signatureFailure(parseCSR(Buffer.from(tampered))), 'x509: ECDSA verification failure');
    assert.throws(() => validateCSR(csr({ request: '!!' }), undefined, 'create'), /illegal base64 data at input byte 0/);
  });

  test('signer names, usages, expirationSeconds', () => {
    assert.deepEqual(texts(validateSignerName('spec.signerName', '')), ['spec.signerName: Required value']);
    assert.deepEqual(texts(validateSignerName('spec.signerName', 'a/b/c')), ["spec.signerName: Invalid value: \"a/b/c\": must be a fully qualified domain and path of the form 'example.com/signer-name'"]);
    assert.deepEqual(texts(validateSignerName('spec.signerName', 'example/x')), ['spec.signerName: Invalid value: "example": should be a domain with at least two segments separated by dots']);
    assert.match(texts(validateSignerName('spec.signerName', 'Example.com/x'))[0], /^spec\.signerName: Invalid value: "Example\.com": validating label "Example": a lowercase RFC 1123 label/);
    assert.deepEqual(texts(validateCSR(csr({ signerName: 'kubernetes.io/legacy-unknown' }), undefined, 'create')), ['spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version']);
    assert.deepEqual(texts(validateCSR(csr({ usages: [] }), undefined, 'create')), ['spec.usages: Required value']);
    assert.deepEqual(texts(validateCSR(csr({ usages: ['signing', 'signing'] }), undefined, 'create')), ['spec.usages[1]: Duplicate value: "signing"']);
    assert.deepEqual(texts(validateCSR(csr({ expirationSeconds: 599 }), undefined, 'create')), ['spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)']);
  });

  test('conditions: True only for Approved/Denied/Failed, exclusive, one of each type', () => {
    const conditions = [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'False' }, { type: 'Custom', status: 'Maybe' }, { type: 'Custom', status: 'True' }];
    assert.deepEqual(texts(validateCSR(csr({}, { conditions }), undefined, 'create')), [
      'status.conditions[1].status: Unsupported value: "False": supported values: "True"',
      'status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive',
      'status.conditions[2].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
      'status.conditions[3].type: Duplicate value: "Custom"',
    ]);
  });

  test('updates: Approved/Denied only through /approval, never removed; the certificate only through /status, once', () => {
    const pending = csr({}, {});
    const approved = csr({}, { conditions: [{ type: 'Approved', status: 'True', reason: 'R' }] });
    assert.deepEqual(validateCSR(approved, pending, 'approval'), []);
    assert.deepEqual(texts(validateCSR(approved, pending, 'status')), ['status.conditions: Forbidden: updates may not add a condition of type "Approved"']);
    assert.deepEqual(texts(validateCSR(pending, approved, 'approval')), ['status.conditions: Forbidden: updates may not remove a condition of type "Approved"']);
    const pki = ensurePKI(dir, '127.0.0.1');
    const cert = Buffer.from(pki.server.cert).toString('base64');
    const issued = csr({}, { ...approved.status, certificate: cert });
    assert.deepEqual(validateCSR(issued, approved, 'status'), []);
    assert.deepEqual(texts(validateCSR(issued, approved, 'approval')), ['status.certificate: Forbidden: updates may not set certificate content']);
    assert.deepEqual(texts(validateCSR(csr({}, { ...approved.status, certificate: Buffer.from(pki.ca.cert).toString('base64') }), issued, 'status')), ['status.certificate: Forbidden: updates may not modify existing certificate content']);
    assert.deepEqual(texts(validateCSR(csr({}, { ...approved.status, certificate: Buffer.from('junk').toString('base64') }), approved, 'status')), ['status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block']);
  });
});

describe('signers', () => {
  const none: CertificateRequest = { ...serving, organizations: [], dnsNames: [], ipAddresses: [], commonName: 'jane' };
  test('kube-apiserver-client: client auth required, only digital signature and key encipherment besides', () => {
    assert.deepEqual(signerVerdict('kubernetes.io/kube-apiserver-client', none, ['client auth', 'digital signature']), { recognized: true, failure: undefined });
    assert.deepEqual(signerVerdict('kubernetes.io/kube-apiserver-client', none, ['digital signature']), { recognized: true, failure: 'missing required usage for client certificate: client auth' });
    assert.deepEqual(signerVerdict('kubernetes.io/kube-apiserver-client', none, ['client auth', 'server auth']), { recognized: true, failure: 'invalid usage for client certificate: server auth' });
    assert.deepEqual(signerVerdict('example.com/other', none, []), { recognized: false });
  });
  test('kubelet-serving and kube-apiserver-client-kubelet', () => {
    assert.equal(signerVerdict('kubernetes.io/kubelet-serving', serving, ['digital signature', 'server auth']).failure, undefined);
    assert.equal(signerVerdict('kubernetes.io/kubelet-serving', serving, ['server auth']).failure, 'usages did not match [digital signature key encipherment server auth]');
    assert.equal(signerVerdict('kubernetes.io/kubelet-serving', none, ['server auth']).failure, 'subject organization is not system:nodes');
    assert.equal(signerVerdict('kubernetes.io/kube-apiserver-client-kubelet', serving, ['client auth', 'digital signature']).failure, 'DNS subjectAltNames are not allowed');
  });
});

describe('validity and conditions', () => {
  test('duration within [10 min, the signing duration]; backdated 5 minutes; the end moved back too from 8 hours on; never past the CA', () => {
    const year = 365 * 24 * 3600 * 1000;
    assert.equal(certificateDuration(undefined), year);
    assert.equal(certificateDuration(600), 600_000);
    assert.equal(certificateDuration(10 * 365 * 24 * 3600), year);
    const now = Date.UTC(2030, 0, 1);
    assert.deepEqual(certificateValidity(now, 3600_000, now + year), { notBefore: new Date(now - 300_000), notAfter: new Date(now + 3600_000) });
    assert.deepEqual(certificateValidity(now, 86_400_000, now + year), { notBefore: new Date(now - 300_000), notAfter: new Date(now + 86_400_000 - 300_000) });
    assert.deepEqual(certificateValidity(now, year, now + 1000), { notBefore: new Date(now - 300_000), notAfter: new Date(now + 1000) });
    assert.deepEqual(certificateValidity(now, year, now - 1000), { error: 'refusing to sign a certificate that expired in the past: NotAfter=2029-12-31T23:59:59.000Z' });
  });
  test('the printer sums conditions up; Denied beats Approved', () => {
    assert.equal(conditionSummary(csr()), 'Pending');
    assert.equal(conditionSummary(csr({}, { conditions: [{ type: 'Approved', status: 'True' }], certificate: 'eA==' })), 'Approved,Issued');
    assert.equal(conditionSummary(csr({}, { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Failed', status: 'True' }] })), 'Approved,Failed');
    assert.equal(conditionSummary(csr({}, { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] })), 'Denied');
    assert.equal(isApproved(csr({}, { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] })), false);
  });
});

test('an EC request issued by the cluster CA: its subject in Go order, its SANs, the usages, CA:false', () => {
  const pki = ensurePKI(dir, '127.0.0.1');
  assert.equal(signatureFailure(serving), undefined);
  assert.deepEqual([serving.commonName, serving.organizations, serving.dnsNames, serving.ipAddresses], ['system:node:n1', ['system:nodes'], ['n1.example'], ['10.0.0.1', '0:0:0:0:0:0:0:1']]);
  const from = new Date(Date.UTC(2030, 0, 1));
  const to = new Date(Date.UTC(2030, 0, 2));
  const pem = issueCertificate(serving, signingAuthority(pki.ca.cert, pki.ca.key), ['digital signature', 'key encipherment', 'server auth'], from, to);
  const cert = new X509Certificate(pem);
  assert.ok(cert.checkIssued(new X509Certificate(pki.ca.cert)) && cert.verify(new X509Certificate(pki.ca.cert).publicKey));
  assert.equal(cert.subject, 'O=system:nodes\nCN=system:node:n1');
  assert.equal(cert.subjectAltName, 'DNS:n1.example, IP Address:10.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  assert.equal(cert.ca, false);
  assert.deepEqual([new Date(cert.validFrom).toISOString(), new Date(cert.validTo).toISOString()], [from.toISOString(), to.toISOString()]);
  assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
});
