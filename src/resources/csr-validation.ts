// kube's validation of CertificateSigningRequests (pkg/apis/certificates/validation), pure: the
// request must be a PEM CERTIFICATE REQUEST whose signature verifies, the signer name a domain and
// a path, usages known and not repeated, expirationSeconds at least 600, conditions each once with
// Approved and Denied exclusive; updates may not remove Approved/Denied/Failed, only /approval may
// add or change Approved and Denied, only /status may set the certificate, once.
import { errors, FieldError, fieldErrors } from '../api/errors.js';
import type { CertificateSigningRequest, CertificateSigningRequestCondition } from '../api/objects.js';
import { dns1123Label, dns1123Subdomain } from '../api/validation.js';
import { LEGACY_UNKNOWN } from '../controllers/csr-policy.js';
import { CertificateRequestError, parseCSR, pemBlocks, signatureFailure } from '../controllers/csr-signer.js';
import { DerError, readWhole } from '../controllers/der.js';

/** allValidUsages, sorted as Go's sets.String.List() gives them (NotSupported's list). */
export const VALID_USAGES = [
  'any', 'cert sign', 'client auth', 'code signing', 'content commitment', 'crl sign', 'data encipherment', 'decipher only',
  'digital signature', 'email protection', 'encipher only', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'key agreement',
  'key encipherment', 'microsoft sgc', 'netscape sgc', 'ocsp signing', 's/mime', 'server auth', 'signing', 'timestamping',
];
const TRUE_ONLY_TYPES = ['Approved', 'Denied', 'Failed'];
const STATUS_VALUES = ['False', 'True', 'Unknown'];

/** Which path an update came by: what it may change (the options kube's validation takes). */
export type CSRWritePath = 'create' | 'update' | 'status' | 'approval';

/** A field error whose value prints as Go's %#v of a []byte, as spec.request's do. */
class BytesFieldError extends FieldError {
  constructor(field: string, private readonly bytes: Buffer, detail: string) { super('FieldValueInvalid', field, undefined, detail); }
  override message(): string {
    const body = this.bytes.length ? `[]byte{${[...this.bytes].map((b) => `0x${b.toString(16)}`).join(', ')}}` : '[]byte{}';
    return `Invalid value: ${body}: ${this.detail}`;
  }
}

/** Go's base64 decoding of a []byte field: 400 when the text is not standard padded base64. */
export function decodeBytes(kind: string, text: string): Buffer {
  const bad = /[^A-Za-z0-9+/=\r\n]/.exec(text);
  const stripped = text.replace(/[\r\n]/g, '');
  const padAt = stripped.indexOf('=');
  const at = bad ? bad.index : padAt >= 0 && !/^={1,2}$/.test(stripped.slice(padAt)) ? padAt : stripped.length % 4 !== 0 ? stripped.length - (stripped.length % 4) : -1;
  if (at >= 0) throw errors.badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: illegal base64 data at input byte ${at}`);
  return Buffer.from(stripped, 'base64');
}

/** Why status.certificate is not one or more plain CERTIFICATE PEM blocks (validateCertificate), or undefined. */
function certificateProblem(pem: Buffer): string | undefined {
  if (!pem.length) return undefined;
  const blocks = pemBlocks(pem.toString('latin1'));
  for (const block of blocks) {
    if (block.type !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found ${JSON.stringify(block.type)}`;
    if (block.headers) return 'no PEM block headers are permitted';
    try {
      readWhole(block.bytes);
    } catch (e) {
      if (e instanceof DerError) return 'x509: malformed certificate';
      throw e;
    }
  }
  return blocks.length ? undefined : 'must contain at least one CERTIFICATE PEM block';
}

/** ValidateSignerName. */
export function validateSignerName(field: string, signerName: string): FieldError[] {
  if (!signerName) return [fieldErrors.required(field)];
  const segments = signerName.split('/');
  if (segments.length !== 2) return [fieldErrors.invalid(field, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const [domain, path] = segments;
  const errs: FieldError[] = [];
  if (domain.length > 253) errs.push(fieldErrors.tooLong(field, '', 253));
  const domainLabels = domain.split('.');
  for (const label of domainLabels) {
    const problems = dns1123Label(label);
    if (!problems.length) continue;
    errs.push(...problems.map((p) => fieldErrors.invalid(field, domain, `validating label ${JSON.stringify(label)}: ${p}`)));
    break;
  }
  if (domainLabels.length < 2) errs.push(fieldErrors.invalid(field, domain, 'should be a domain with at least two segments separated by dots'));
  for (const label of path.split('.')) {
    const problems = dns1123Subdomain(label);
    if (!problems.length) continue;
    errs.push(...problems.map((p) => fieldErrors.invalid(field, path, `validating label ${JSON.stringify(label)}: ${p}`)));
    break;
  }
  const max = 253 + (253 + 63 + 1) + 1;
  if (signerName.length > max) errs.push(fieldErrors.tooLong(field, '', max));
  return errs;
}

const conditionsOf = (csr: CertificateSigningRequest | undefined): CertificateSigningRequestCondition[] => csr?.status?.conditions ?? [];
const hasDuplicateTypes = (csr: CertificateSigningRequest): boolean => new Set(conditionsOf(csr).map((c) => c.type)).size !== conditionsOf(csr).length;

function validateConditions(csr: CertificateSigningRequest, old: CertificateSigningRequest | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const oldTypes = conditionsOf(old).map((c) => c.type);
  const allowEmptyType = oldTypes.includes('');
  const allowBoth = oldTypes.includes('Approved') && oldTypes.includes('Denied');
  const allowDuplicates = old !== undefined && hasDuplicateTypes(old);
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  conditionsOf(csr).forEach((c, i) => {
    const at = `status.conditions[${i}]`;
    if (!allowEmptyType && !c.type) errs.push(fieldErrors.required(`${at}.type`));
    const allowed = TRUE_ONLY_TYPES.includes(c.type) ? ['True'] : STATUS_VALUES;
    if (!c.status) errs.push(fieldErrors.required(`${at}.status`));
    else if (!allowed.includes(c.status)) errs.push(fieldErrors.notSupported(`${at}.status`, c.status, allowed));
    if (!allowBoth) {
      if (c.type === 'Approved') { approved = true; if (denied) errs.push(fieldErrors.invalid(`${at}.type`, c.type, 'Approved and Denied conditions are mutually exclusive')); }
      if (c.type === 'Denied') { denied = true; if (approved) errs.push(fieldErrors.invalid(`${at}.type`, c.type, 'Approved and Denied conditions are mutually exclusive')); }
    }
    if (!allowDuplicates && seen.has(c.type)) errs.push(fieldErrors.duplicate(`${at}.type`, c.type));
    seen.add(c.type);
  });
  return errs;
}

/** validateCertificateSigningRequest: the object alone, with the tolerance an update's stored object grants. */
function validateObject(csr: CertificateSigningRequest, old: CertificateSigningRequest | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const spec = csr.spec ?? { request: '', signerName: '' };
  const request = decodeBytes('CertificateSigningRequest', spec.request ?? '');
  try {
    const failure = signatureFailure(parseCSR(request));
    if (failure) errs.push(new BytesFieldError('spec.request', request, failure));
  } catch (e) {
    if (!(e instanceof CertificateRequestError)) throw e;
    errs.push(new BytesFieldError('spec.request', request, e.message));
  }
  const usages = spec.usages ?? [];
  if (!usages.length) errs.push(fieldErrors.required('spec.usages'));
  const oldUsages = old?.spec?.usages ?? [];
  if (!oldUsages.some((u) => !VALID_USAGES.includes(u))) {
    usages.forEach((u, i) => { if (!VALID_USAGES.includes(u)) errs.push(fieldErrors.notSupported(`spec.usages[${i}]`, u, VALID_USAGES)); });
  }
  if (new Set(oldUsages).size === oldUsages.length) {
    usages.forEach((u, i) => { if (usages.indexOf(u) !== i) errs.push(fieldErrors.duplicate(`spec.usages[${i}]`, u)); });
  }
  if (spec.signerName === LEGACY_UNKNOWN && old?.spec?.signerName !== LEGACY_UNKNOWN) {
    errs.push(fieldErrors.invalid('spec.signerName', spec.signerName, 'the legacy signerName is not allowed via this API version'));
  } else {
    errs.push(...validateSignerName('spec.signerName', spec.signerName ?? ''));
  }
  if (spec.expirationSeconds !== undefined && spec.expirationSeconds < 600) {
    errs.push(fieldErrors.invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  errs.push(...validateConditions(csr, old));
  const certificate = csr.status?.certificate ?? '';
  const oldCertificate = old?.status?.certificate ?? '';
  const tolerated = old !== undefined && (certificate === oldCertificate || certificateProblem(decodeBytes('CertificateSigningRequest', oldCertificate)) !== undefined);
  if (!tolerated) {
    const problem = certificateProblem(decodeBytes('CertificateSigningRequest', certificate));
    if (problem) errs.push(fieldErrors.invalid('status.certificate', '<certificate data>', problem));
  }
  return errs;
}

/** A condition as cmp.Diff's lines would show it, for the "may not modify" text. */
const describe = (cs: CertificateSigningRequestCondition[]): string => JSON.stringify(cs);

/** ValidateCertificateSigningRequest(Create|Update|StatusUpdate|ApprovalUpdate), by the path the write came by. */
export function validateCSR(csr: CertificateSigningRequest, old: CertificateSigningRequest | undefined, path: CSRWritePath): FieldError[] {
  const errs = validateObject(csr, old);
  if (!old) return errs;
  for (const type of ['Approved', 'Denied', 'Failed']) {
    if (conditionsOf(csr).filter((c) => c.type === type).length < conditionsOf(old).filter((c) => c.type === type).length) {
      errs.push(fieldErrors.forbidden('status.conditions', `updates may not remove a condition of type ${JSON.stringify(type)}`));
    }
  }
  if (path !== 'approval') {
    for (const type of ['Approved', 'Denied']) {
      const before = conditionsOf(old).filter((c) => c.type === type);
      const after = conditionsOf(csr).filter((c) => c.type === type);
      if (after.length > before.length) errs.push(fieldErrors.forbidden('status.conditions', `updates may not add a condition of type ${JSON.stringify(type)}`));
      else if (after.length === before.length && describe(after) !== describe(before)) {
        errs.push(fieldErrors.forbidden('status.conditions', `updates may not modify a condition of type ${JSON.stringify(type)}\n-${describe(before)}\n+${describe(after)}`));
      }
    }
  }
  const certificate = csr.status?.certificate ?? '';
  const oldCertificate = old.status?.certificate ?? '';
  if (certificate !== oldCertificate) {
    if (path !== 'status') errs.push(fieldErrors.forbidden('status.certificate', 'updates may not set certificate content'));
    else if (oldCertificate) errs.push(fieldErrors.forbidden('status.certificate', 'updates may not modify existing certificate content'));
  }
  return errs;
}
