// The cluster's certificates, as kubeadm lays them out: a CA, a serving certificate for the API
// signed by it, and client certificates on request (user = CN, groups = O). Kept in
// <data>/pki/ and reused across restarts; keys are RSA 2048 made by node's crypto (fast), the
// certificates built and signed with node-forge (node's crypto cannot issue certificates).
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { forge } from '../../lazy-modules.js';

export interface KeyPair { cert: string; key: string }

export interface PKI {
  ca: KeyPair;
  server: KeyPair;
  dir: string;
}

function newKey(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
}

interface Subject { cn: string; orgs?: string[] }

/** Issues a certificate for `subject`: a CA (self-signed when `issuer` is absent), a server or a client. */
function issue(subject: Subject, usage: 'ca' | 'server' | 'client', issuer?: KeyPair, sans: string[] = [], days = 3650): KeyPair {
  const f = forge();
  const { publicKey, privateKey } = newKey();
  const cert = f.pki.createCertificate();
  cert.publicKey = f.pki.publicKeyFromPem(publicKey);
  // A positive 128-bit serial.
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now.getTime() + days * 24 * 60 * 60 * 1000);
  const attrs = [{ shortName: 'CN', value: subject.cn }, ...(subject.orgs ?? []).map((o) => ({ shortName: 'O', value: o }))];
  cert.setSubject(attrs);
  const issuerCert = issuer ? f.pki.certificateFromPem(issuer.cert) : undefined;
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : attrs);
  const extensions: object[] = [];
  if (usage === 'ca') {
    extensions.push({ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, keyEncipherment: true, critical: true });
  } else {
    extensions.push({ name: 'basicConstraints', cA: false }, { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true });
    extensions.push({ name: 'extKeyUsage', serverAuth: usage === 'server', clientAuth: usage === 'client' });
  }
  if (sans.length) extensions.push({ name: 'subjectAltName', altNames: sans.map((s) => (isIP(s) ? { type: 7, ip: s } : { type: 2, value: s })) });
  cert.setExtensions(extensions);
  cert.sign(f.pki.privateKeyFromPem(issuer ? issuer.key : privateKey), f.md.sha256.create());
  // forge ends PEM lines with CRLF; Go's and openssl's PEM files (and kube-root-ca.crt) use LF.
  return { cert: f.pki.certificateToPem(cert).replace(/\r\n/g, '\n'), key: privateKey };
}

/** Names the serving certificate covers: loopback, localhost, the listen address, kube's service names. */
function servingNames(address: string): string[] {
  const names = new Set(['127.0.0.1', '::1', 'localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', '10.96.0.1']);
  if (address && address !== '0.0.0.0' && address !== '::') names.add(address);
  return [...names];
}

function read(dir: string, name: string): KeyPair | undefined {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  if (!existsSync(cert) || !existsSync(key)) return undefined;
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

function write(dir: string, name: string, pair: KeyPair): void {
  writeFileSync(join(dir, `${name}.crt`), pair.cert);
  writeFileSync(join(dir, `${name}.key`), pair.key, { mode: 0o600 });
}

/** The CA and serving certificate in <data>/pki, made on first use; the serving one remade if it does not cover `address`. */
export function ensurePKI(data: string, address: string): PKI {
  const dir = join(data, 'pki');
  mkdirSync(dir, { recursive: true });
  let ca = read(dir, 'ca');
  if (!ca) {
    ca = issue({ cn: 'tinykube-ca' }, 'ca');
    write(dir, 'ca', ca);
  }
  let server = read(dir, 'apiserver');
  const names = servingNames(address);
  if (!server || !covers(server.cert, ca.cert, names)) {
    server = issue({ cn: 'kube-apiserver' }, 'server', ca, names, 365);
    write(dir, 'apiserver', server);
  }
  return { ca, server, dir };
}

function covers(certPem: string, caPem: string, names: string[]): boolean {
  const cert = new X509Certificate(certPem);
  if (!cert.checkIssued(new X509Certificate(caPem)) || new Date(cert.validTo).getTime() < Date.now() + 24 * 60 * 60 * 1000) return false;
  const alt = cert.subjectAltName ?? '';
  return names.every((n) => alt.includes(isIP(n) ? `IP Address:${n === '::1' ? '0:0:0:0:0:0:0:1' : n}` : `DNS:${n}`) || alt.includes(`IP Address:${n}`));
}

/** A client certificate signed by the cluster's CA: kube authenticates it as user `user` in `groups`. */
export function issueClientCertificate(pki: PKI, user: string, groups: string[] = []): KeyPair {
  return issue({ cn: user, orgs: groups }, 'client', pki.ca, [], 365);
}
