// The X.509 side of CertificateSigningRequests: reading a PKCS#10 request as Go's
// x509.ParseCertificateRequest and CheckSignature do (any key type node's crypto knows), and
// issuing a certificate from it as kube-controller-manager's local signer does
// (pkg/controller/certificates/authority): the request's subject, public key and SANs, the
// approved usages, BasicConstraints CA:false, signed by the cluster CA with SHA-256.
import { createPrivateKey, createPublicKey, randomBytes, verify, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { bitString, booleanTrue, children, decodeOid, type Der, DerError, expect, explicitTag, implicitTag, octetString, oid, readDer, readWhole, sequence, smallInteger, TAG, time, tlv, unsignedInteger } from './der.js';

const OID = {
  commonName: '2.5.4.3', serialNumber: '2.5.4.5', country: '2.5.4.6', locality: '2.5.4.7', province: '2.5.4.8',
  street: '2.5.4.9', organization: '2.5.4.10', organizationalUnit: '2.5.4.11', postalCode: '2.5.4.17',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectKeyId: '2.5.29.14', keyUsage: '2.5.29.15', subjectAltName: '2.5.29.17', basicConstraints: '2.5.29.19',
  authorityKeyId: '2.5.29.35', extKeyUsage: '2.5.29.37',
  sha256WithRSA: '1.2.840.113549.1.1.11',
};

/** Go's pkix.Name.ToRDNSequence order: the attributes a certificate's subject keeps, in order. */
const SUBJECT_ORDER = [OID.country, OID.organization, OID.organizationalUnit, OID.locality, OID.province, OID.street, OID.postalCode, OID.serialNumber, OID.commonName];

/** Signature algorithms a request may be signed with: node's digest name (null: Ed25519) and Go's failure text. */
const SIGNATURES: Record<string, { digest: string | null; failure: string }> = {
  '1.2.840.113549.1.1.5': { digest: 'sha1', failure: 'crypto/rsa: verification error' },
  '1.2.840.113549.1.1.11': { digest: 'sha256', failure: 'crypto/rsa: verification error' },
  '1.2.840.113549.1.1.12': { digest: 'sha384', failure: 'crypto/rsa: verification error' },
  '1.2.840.113549.1.1.13': { digest: 'sha512', failure: 'crypto/rsa: verification error' },
  '1.2.840.10045.4.1': { digest: 'sha1', failure: 'x509: ECDSA verification failure' },
  '1.2.840.10045.4.3.2': { digest: 'sha256', failure: 'x509: ECDSA verification failure' },
  '1.2.840.10045.4.3.3': { digest: 'sha384', failure: 'x509: ECDSA verification failure' },
  '1.2.840.10045.4.3.4': { digest: 'sha512', failure: 'x509: ECDSA verification failure' },
  '1.3.101.112': { digest: null, failure: 'x509: Ed25519 verification failure' },
};

/** A name attribute as read: its OID and string value. */
export interface NameAttribute { oid: string; value: string }

/** What kube reads of a PKCS#10 request. */
export interface CertificateRequest {
  /** The subject's attributes in the order the request gives them. */
  subject: NameAttribute[];
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  emailAddresses: string[];
  ipAddresses: string[];
  uris: string[];
  /** The DER SubjectPublicKeyInfo, copied into the certificate. */
  publicKeyInfo: Buffer;
  publicKey?: KeyObject;
  signatureAlgorithm: string;
  /** The signed bytes (CertificationRequestInfo) and the signature over them. */
  signed: Buffer;
  signature: Buffer;
}

export class CertificateRequestError extends Error {}

/** A PEM block: its type, its bytes, and whether it had headers (`Proc-Type: ...`). */
export interface PemBlock { type: string; bytes: Buffer; headers: boolean }

/** The PEM blocks of `text` in order, as Go's pem.Decode finds them one after another (undecodable ones skipped). */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(/-----BEGIN ([^\n-]*)-----\r?\n([\s\S]*?)-----END \1-----/g)) {
    // Headers end at a blank line; the base64 follows.
    const headers = /^[^\n:]*:[^\n]*\n/.test(m[2]);
    const body = headers ? m[2].slice(m[2].search(/\r?\n\r?\n/) + 1) : m[2];
    const b64 = body.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) continue;
    out.push({ type: m[1], bytes: Buffer.from(b64, 'base64'), headers });
  }
  return out;
}

/** The first PEM block of `text`, or undefined. */
export function pemBlock(text: string): PemBlock | undefined {
  return pemBlocks(text)[0];
}

/** kube's certificates.ParseCSR: the PEM block must be a CERTIFICATE REQUEST that parses. */
export function parseCSR(pem: Buffer): CertificateRequest {
  const block = pemBlock(pem.toString('latin1'));
  if (!block || block.type !== 'CERTIFICATE REQUEST') throw new CertificateRequestError('PEM block type must be CERTIFICATE REQUEST');
  try {
    return parseCertificateRequest(block.bytes);
  } catch (e) {
    if (e instanceof DerError) throw new CertificateRequestError(/truncated/.test(e.message) ? 'asn1: syntax error: data truncated' : `asn1: structure error: ${e.message}`);
    throw e;
  }
}

/** Go's CheckSignature: why the request's signature does not verify, or undefined when it does. */
export function signatureFailure(cr: CertificateRequest): string | undefined {
  const alg = SIGNATURES[cr.signatureAlgorithm];
  if (!alg || !cr.publicKey) return 'x509: cannot verify signature: algorithm unimplemented';
  try {
    if (verify(alg.digest, cr.signed, cr.publicKey, cr.signature)) return undefined;
  } catch {
    // a key of another type than the algorithm's: a failed verification, as Go reports it
  }
  return alg.failure;
}

function parseCertificateRequest(der: Buffer): CertificateRequest {
  const [info, algorithm, signature] = children(expect(readWhole(der), TAG.SEQUENCE, 'certificate request'));
  const [version, subject, spki, attributes] = children(expect(info, TAG.SEQUENCE, 'certification request info'));
  expect(version, TAG.INTEGER, 'version');
  const names = parseName(expect(subject, TAG.SEQUENCE, 'subject'));
  expect(spki, TAG.SEQUENCE, 'subject public key info');
  const cr: CertificateRequest = {
    subject: names,
    commonName: names.find((n) => n.oid === OID.commonName)?.value ?? '',
    organizations: names.filter((n) => n.oid === OID.organization).map((n) => n.value),
    dnsNames: [], emailAddresses: [], ipAddresses: [], uris: [],
    publicKeyInfo: spki.raw,
    signatureAlgorithm: decodeOid(expect(children(expect(algorithm, TAG.SEQUENCE, 'signature algorithm'))[0], TAG.OID, 'algorithm').content),
    signed: info.raw,
    signature: expect(signature, TAG.BIT_STRING, 'signature').content.subarray(1),
  };
  try {
    cr.publicKey = createPublicKey({ key: spki.raw, format: 'der', type: 'spki' });
  } catch {
    // an algorithm node does not know: the signature check reports it
  }
  if (attributes) readExtensionRequest(expect(attributes, explicitTag(0), 'attributes'), cr);
  return cr;
}

function parseName(name: Der): NameAttribute[] {
  return children(name).flatMap((rdn) => children(expect(rdn, TAG.SET, 'relative distinguished name')).map((atv) => {
    const [type, value] = children(expect(atv, TAG.SEQUENCE, 'attribute'));
    return { oid: decodeOid(expect(type, TAG.OID, 'attribute type').content), value: value ? value.content.toString('utf8') : '' };
  }));
}

/** The SANs of the request's extensionRequest attribute. */
function readExtensionRequest(attributes: Der, cr: CertificateRequest): void {
  for (const attribute of children(attributes)) {
    const [type, values] = children(expect(attribute, TAG.SEQUENCE, 'attribute'));
    if (decodeOid(expect(type, TAG.OID, 'attribute type').content) !== OID.extensionRequest) continue;
    for (const extensions of children(expect(values, TAG.SET, 'attribute values'))) {
      for (const extension of children(expect(extensions, TAG.SEQUENCE, 'extensions'))) {
        const parts = children(expect(extension, TAG.SEQUENCE, 'extension'));
        if (decodeOid(expect(parts[0], TAG.OID, 'extension id').content) !== OID.subjectAltName) continue;
        const value = expect(parts[parts.length - 1], TAG.OCTET_STRING, 'extension value');
        readSubjectAltNames(readWhole(value.content), cr);
      }
    }
  }
}

function readSubjectAltNames(names: Der, cr: CertificateRequest): void {
  for (const name of children(expect(names, TAG.SEQUENCE, 'subject alternative names'))) {
    if (name.tag === implicitTag(1)) cr.emailAddresses.push(name.content.toString('latin1'));
    else if (name.tag === implicitTag(2)) cr.dnsNames.push(name.content.toString('latin1'));
    else if (name.tag === implicitTag(6)) cr.uris.push(name.content.toString('latin1'));
    else if (name.tag === implicitTag(7)) cr.ipAddresses.push(ipText(name.content));
  }
}

function ipText(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length === 16) return Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16)).join(':');
  throw new DerError(`invalid IP length ${bytes.length}`);
}

// ---- issuing ----------------------------------------------------------------------------

/** x509.KeyUsage bits of kube's key usages (keyUsageDict), in bit order. */
const KEY_USAGE_BITS: Record<string, number> = {
  signing: 0, 'digital signature': 0, 'content commitment': 1, 'key encipherment': 2, 'data encipherment': 3,
  'key agreement': 4, 'cert sign': 5, 'crl sign': 6, 'encipher only': 7, 'decipher only': 8,
};

/** Extended key usages (extKeyUsageDict) as Go's ExtKeyUsage values (the order certificates list them in) and OIDs. */
const EXT_KEY_USAGES: Record<string, [number, string]> = {
  any: [0, '2.5.29.37.0'], 'server auth': [1, '1.3.6.1.5.5.7.3.1'], 'client auth': [2, '1.3.6.1.5.5.7.3.2'],
  'code signing': [3, '1.3.6.1.5.5.7.3.3'], 'email protection': [4, '1.3.6.1.5.5.7.3.4'], 's/mime': [4, '1.3.6.1.5.5.7.3.4'],
  'ipsec end system': [5, '1.3.6.1.5.5.7.3.5'], 'ipsec tunnel': [6, '1.3.6.1.5.5.7.3.6'], 'ipsec user': [7, '1.3.6.1.5.5.7.3.7'],
  timestamping: [8, '1.3.6.1.5.5.7.3.8'], 'ocsp signing': [9, '1.3.6.1.5.5.7.3.9'],
  'microsoft sgc': [10, '1.3.6.1.4.1.311.10.3.3'], 'netscape sgc': [11, '2.16.840.1.113730.4.1'],
};

/** keyUsagesFromStrings' error for usages neither dictionary knows, or undefined. */
export function unrecognizedUsages(usages: readonly string[]): string | undefined {
  const unknown = usages.filter((u) => !(u in KEY_USAGE_BITS) && !(u in EXT_KEY_USAGES));
  return unknown.length ? `unrecognized usage values: [${unknown.map((u) => JSON.stringify(u)).join(' ')}]` : undefined;
}

function keyUsageExtension(usages: readonly string[]): Buffer | undefined {
  let bits = 0;
  for (const u of usages) if (u in KEY_USAGE_BITS) bits |= 1 << KEY_USAGE_BITS[u];
  if (!bits) return undefined;
  // A BIT STRING of the fewest bytes, bit 0 first (Go's asn1 BitString of KeyUsage).
  const length = 32 - Math.clz32(bits);
  const bytes = Buffer.alloc(Math.ceil(length / 8));
  for (let bit = 0; bit < length; bit++) if (bits & (1 << bit)) bytes[bit >> 3] |= 0x80 >> (bit & 7);
  return extension(OID.keyUsage, true, bitString(bytes, bytes.length * 8 - length));
}

function extKeyUsageExtension(usages: readonly string[]): Buffer | undefined {
  const ekus = [...new Map(usages.filter((u) => u in EXT_KEY_USAGES).map((u) => EXT_KEY_USAGES[u])).entries()].sort(([a], [b]) => a - b);
  return ekus.length ? extension(OID.extKeyUsage, false, sequence(...ekus.map(([, o]) => oid(o)))) : undefined;
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [booleanTrue()] : []), octetString(value));
}

/** The SANs Go writes: DNS names, emails, IPs, URIs, in that order. */
function subjectAltNameExtension(cr: CertificateRequest): Buffer | undefined {
  const names = [
    ...cr.dnsNames.map((n) => tlv(implicitTag(2), Buffer.from(n, 'latin1'))),
    ...cr.emailAddresses.map((n) => tlv(implicitTag(1), Buffer.from(n, 'latin1'))),
    ...cr.ipAddresses.map((n) => tlv(implicitTag(7), ipBytes(n))),
    ...cr.uris.map((n) => tlv(implicitTag(6), Buffer.from(n, 'latin1'))),
  ];
  return names.length ? extension(OID.subjectAltName, false, sequence(...names)) : undefined;
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const out = Buffer.alloc(16);
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** A string as Go's asn1 marshals it: PrintableString when it can be, else UTF8String. */
function directoryString(value: string): Buffer {
  return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value) ? tlv(TAG.PRINTABLE, Buffer.from(value)) : tlv(TAG.UTF8, Buffer.from(value, 'utf8'));
}

/** The subject as Go re-encodes a parsed pkix.Name: known attributes in its order, each type's values in one RDN. */
function encodeSubject(attrs: readonly NameAttribute[]): Buffer {
  const rdns: Buffer[] = [];
  for (const type of SUBJECT_ORDER) {
    const values = attrs.filter((a) => a.oid === type && a.value !== '');
    // Go keeps only the last common name and serial number.
    const kept = type === OID.commonName || type === OID.serialNumber ? values.slice(-1) : values;
    // DER sorts a SET OF by its elements' encodings.
    if (kept.length) rdns.push(tlv(TAG.SET, ...kept.map((a) => sequence(oid(a.oid), directoryString(a.value))).sort(Buffer.compare)));
  }
  return sequence(...rdns);
}

/** What the CA signs with: its certificate's subject and key identifier, and its key. */
export interface SigningAuthority {
  subject: Buffer;
  subjectKeyId?: Buffer;
  notAfter: Date;
  key: KeyObject;
}

/** The cluster CA (PEM certificate and key) as a SigningAuthority; only RSA keys, as tinykube makes. */
export function signingAuthority(certPem: string, keyPem: string): SigningAuthority {
  const block = pemBlock(certPem);
  if (!block || block.type !== 'CERTIFICATE') throw new Error('the CA certificate is not a PEM CERTIFICATE');
  const [tbs] = children(readWhole(block.bytes));
  const fields = children(tbs);
  // [0] version is present in every v3 certificate; then serial, signature, issuer, validity, subject.
  const at = fields[0].tag === explicitTag(0) ? 1 : 0;
  const validity = children(fields[at + 3]);
  const key = createPrivateKey(keyPem);
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`the CA key is ${key.asymmetricKeyType ?? 'of an unknown type'}, not RSA`);
  return { subject: fields[at + 4].raw, subjectKeyId: subjectKeyIdOf(fields), notAfter: parseTime(validity[1]), key };
}

function subjectKeyIdOf(fields: Der[]): Buffer | undefined {
  const wrapped = fields.find((f) => f.tag === explicitTag(3));
  if (!wrapped) return undefined;
  for (const ext of children(readWhole(wrapped.content))) {
    const parts = children(ext);
    if (decodeOid(parts[0].content) === OID.subjectKeyId) return readDer(parts[parts.length - 1].content).content;
  }
  return undefined;
}

function parseTime(der: Der): Date {
  const s = der.content.toString('latin1');
  const full = der.tag === TAG.UTC_TIME ? `${Number(s.slice(0, 2)) >= 50 ? '19' : '20'}${s}` : s;
  return new Date(Date.UTC(+full.slice(0, 4), +full.slice(4, 6) - 1, +full.slice(6, 8), +full.slice(8, 10), +full.slice(10, 12), +full.slice(12, 14)));
}

/** A certificate for `cr` signed by `ca`, valid over [notBefore, notAfter], with `usages`; PEM. */
export function issueCertificate(cr: CertificateRequest, ca: SigningAuthority, usages: readonly string[], notBefore: Date, notAfter: Date): string {
  const algorithm = sequence(oid(OID.sha256WithRSA), tlv(TAG.NULL));
  const extensions = [
    keyUsageExtension(usages),
    extKeyUsageExtension(usages),
    extension(OID.basicConstraints, true, sequence()),
    ca.subjectKeyId ? extension(OID.authorityKeyId, false, sequence(tlv(implicitTag(0), ca.subjectKeyId))) : undefined,
    subjectAltNameExtension(cr),
  ].filter((e): e is Buffer => e !== undefined);
  const tbs = sequence(
    tlv(explicitTag(0), smallInteger(2)),
    // A random serial below 2^128, as kube's CertificateAuthority draws it.
    unsignedInteger(randomBytes(16)),
    algorithm,
    ca.subject,
    sequence(time(notBefore), time(notAfter)),
    encodeSubject(cr.subject),
    cr.publicKeyInfo,
    tlv(explicitTag(3), sequence(...extensions)),
  );
  const certificate = sequence(tbs, algorithm, bitString(sign('sha256', tbs, ca.key)));
  const b64 = certificate.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}
