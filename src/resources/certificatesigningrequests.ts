// CertificateSigningRequests (certificates.k8s.io/v1, cluster-scoped, short name `csr`), as kube's
// registry serves them (pkg/registry/certificates/certificates/strategy.go): created with the
// requester's name, uid and groups and an empty status; the object itself changes only in its
// metadata, /approval only in its conditions, /status in the rest of the status (the Approved and
// Denied conditions kept as stored). With them, the admission plugins kube enables by default:
// CertificateSubjectRestriction (no system:masters from kube-apiserver-client), CertificateApproval
// (`approve` on the signer for /approval) and CertificateSigning (`sign` on it for /status).
import type { CertificateSigningRequest } from '../api/objects.js';
import type { RequestContext } from '../api/request-context.js';
import { ALL_BUT_STATUS, allFieldsBut } from '../api/reset-fields.js';
import { age, AGE_COLUMN, column, humanDuration, NAME_COLUMN } from '../api/table.js';
import { rfc3339 } from '../api/time.js';
import type { KObject, Strategy } from '../api/types.js';
import { conditionSummary, KUBE_APISERVER_CLIENT } from '../controllers/csr-policy.js';
import { CertificateRequestError, parseCSR } from '../controllers/csr-signer.js';
import { forbidden } from '../server/auth/rbac.js';
import { decodeBytes, validateCSR, type CSRWritePath } from './csr-validation.js';

const GROUP = 'certificates.k8s.io';
const RESOURCE = 'certificatesigningrequests';

function isCSR(obj: KObject): obj is CertificateSigningRequest {
  return typeof obj.spec === 'object' && obj.spec !== null;
}

/**
 * populateConditionTimestamps: a condition without lastUpdateTime gets now; one without
 * lastTransitionTime keeps the stored one of the same type and status, else gets now.
 */
function populateConditionTimestamps(csr: CertificateSigningRequest, old: CertificateSigningRequest, now: string): void {
  for (const c of csr.status?.conditions ?? []) {
    c.lastUpdateTime ||= now;
    c.lastTransitionTime ||= (old.status?.conditions ?? []).find((o) => o.type === c.type && o.status === c.status && o.lastTransitionTime)?.lastTransitionTime ?? now;
  }
}

/** preserveConditionInstances: /status keeps the stored Approved and Denied conditions where they stand. */
function preserveConditions(csr: CertificateSigningRequest, old: CertificateSigningRequest, type: string): void {
  const conditions = csr.status?.conditions ?? [];
  const mine = conditions.flatMap((c, i) => (c.type === type ? [i] : []));
  const stored = (old.status?.conditions ?? []).filter((c) => c.type === type);
  if (mine.length !== stored.length) return;
  mine.forEach((at, i) => { conditions[at] = structuredClone(stored[i]); });
}

/** IsAuthorizedForSignerName: `verb` on signers for the signer's name, or for every signer of its domain. */
function authorizedForSigner(request: RequestContext | undefined, verb: string, signerName: string): boolean {
  const authorizer = request?.authorizer;
  if (!authorizer) return true;
  const ask = (name: string) => authorizer.authorize({ user: request.user, resourceRequest: true, verb, apiGroup: GROUP, resource: 'signers', name }).allowed;
  return ask(signerName) || ask(`${signerName.split('/')[0]}/*`);
}

/** The admission plugins' say once the object is valid: a 403 as admission.NewForbidden words it. */
function admit(csr: CertificateSigningRequest, old: CertificateSigningRequest | undefined, path: CSRWritePath, request: RequestContext | undefined): void {
  const name = csr.metadata.name ?? '';
  if (path === 'create' && csr.spec.signerName === KUBE_APISERVER_CLIENT) {
    let organizations: string[];
    try {
      organizations = parseCSR(decodeBytes('CertificateSigningRequest', csr.spec.request)).organizations;
    } catch (e) {
      if (!(e instanceof CertificateRequestError)) throw e;
      throw forbidden(GROUP, RESOURCE, name, `failed to parse CSR: ${e.message}`);
    }
    if (organizations.includes('system:masters')) throw forbidden(GROUP, RESOURCE, name, `use of ${KUBE_APISERVER_CLIENT} signer with system:masters group is not allowed`);
  }
  if (!old) return;
  const signerName = old.spec.signerName;
  if (path === 'approval' && !authorizedForSigner(request, 'approve', signerName)) {
    throw forbidden(GROUP, RESOURCE, name, `user not permitted to approve requests with signerName ${JSON.stringify(signerName)}`);
  }
  const statusChanged = (csr.status?.certificate ?? '') !== (old.status?.certificate ?? '') || JSON.stringify(csr.status?.conditions ?? []) !== JSON.stringify(old.status?.conditions ?? []);
  if (path === 'status' && statusChanged && !authorizedForSigner(request, 'sign', signerName)) {
    throw forbidden(GROUP, RESOURCE, name, `user not permitted to sign requests with signerName ${JSON.stringify(signerName)}`);
  }
}

function writePath(old: CertificateSigningRequest | undefined, subresource: string | undefined): CSRWritePath {
  if (!old) return 'create';
  return subresource === 'status' || subresource === 'approval' ? subresource : 'update';
}

/** `kubectl get csr`'s REQUESTEDDURATION: the requested lifetime, or <none>. */
function requestedDuration(csr: CertificateSigningRequest): string {
  return csr.spec.expirationSeconds === undefined ? '<none>' : humanDuration(csr.spec.expirationSeconds * 1000);
}

const nowText = (): string => rfc3339(new Date());

export const certificateSigningRequestStrategy: Strategy<CertificateSigningRequest> = {
  group: GROUP, version: 'v1', resource: RESOURCE,
  singularName: 'certificatesigningrequest',
  shortNames: ['csr'],
  // ValidateCertificateRequestName accepts any name a URL path can carry.
  nameFormat: 'path',
  // The object's own updates change its metadata only: spec and status are kept as stored.
  resetFields: ['spec', 'status'],
  subresources: {
    status: {
      type: 'view',
      resetFields: [ALL_BUT_STATUS],
      prepareForUpdate(obj, old) {
        if (!isCSR(obj) || !isCSR(old)) return;
        preserveConditions(obj, old, 'Approved');
        preserveConditions(obj, old, 'Denied');
        populateConditionTimestamps(obj, old, nowText());
      },
    },
    approval: {
      type: 'view',
      resetFields: [allFieldsBut('status.conditions')],
      prepareForUpdate(obj, old) {
        if (isCSR(obj) && isCSR(old)) populateConditionTimestamps(obj, old, nowText());
      },
    },
  },
  prepareForCreate(obj, ctx) {
    // What the requester says of itself goes: the API server says who asked.
    const user = ctx.request?.user;
    obj.spec = { ...obj.spec, username: user?.username, uid: user?.uid, groups: user?.groups };
    for (const field of ['username', 'uid', 'groups'] as const) if (obj.spec[field] === undefined || obj.spec[field] === '') delete obj.spec[field];
    delete obj.spec.extra;
    // Be explicit that nobody creates a pre-approved request.
    obj.status = {};
  },
  validate(obj, old, subresource, request) {
    const path = writePath(old, subresource);
    const errs = validateCSR(obj, old, path);
    if (!errs.length) admit(obj, old, path, request);
    return errs;
  },
  // Strategies report their fields for an empty object too (ResourceStore.fieldLabels).
  selectableFields: (csr) => ({ 'spec.signerName': csr.spec?.signerName ?? '' }),
  table: {
    columns: [
      NAME_COLUMN,
      AGE_COLUMN,
      column('SignerName', 'The signer the request is for.'),
      column('Requestor', 'Who created the request.'),
      column('RequestedDuration', 'The lifetime the requester asked for.'),
      column('Condition', 'Pending, Approved or Denied; Failed and Issued once so.'),
    ],
    cells: (csr, now) => [csr.metadata.name, age(csr.metadata.creationTimestamp, now), csr.spec.signerName || '<none>', csr.spec.username ?? '', requestedDuration(csr), conditionSummary(csr)],
  },
};
