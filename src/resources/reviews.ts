// Create-only kinds that answer a question and store nothing, from the same RBAC rules that
// authorize requests (pkg/registry/authorization): SubjectAccessReview (may this user?),
// LocalSubjectAccessReview (in this namespace), SelfSubjectAccessReview (`kubectl auth can-i`),
// SelfSubjectRulesReview (`kubectl auth can-i --list`), and SelfSubjectReview (`kubectl auth
// whoami`).
import { errors, fieldErrors, type FieldError } from '../api/errors.js';
import { isJsonObject, objectAt } from '../api/json.js';
import type { CreateRequest, CreateResult, Strategy } from '../api/types.js';
import { registryPolicySource } from '../authorization.js';
import { RBACAuthorizer, type Attributes, type User } from '../server/auth/rbac.js';
import { API_AUDIENCE } from '../server/auth/service-account-tokens.js';

const GROUP = 'authorization.k8s.io';

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

function authorizerFor(request: CreateRequest): RBACAuthorizer {
  return new RBACAuthorizer(registryPolicySource(request.registry));
}

/** ValidateSubjectAccessReviewSpec's first two checks: exactly one kind of attributes. */
function attributesErrors(spec: Record<string, unknown>): FieldError[] {
  if (spec.resourceAttributes && spec.nonResourceAttributes) return [fieldErrors.invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes')];
  if (!spec.resourceAttributes && !spec.nonResourceAttributes) return [fieldErrors.invalid('spec.resourceAttributes', null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified')];
  return [];
}

/** The attributes a review asks about (ResourceAttributesFrom / NonResourceAttributesFrom). */
function attributesOf(user: User, spec: Record<string, unknown>): Attributes {
  const r = objectAt(spec, 'resourceAttributes');
  if (!r) {
    const n = objectAt(spec, 'nonResourceAttributes') ?? {};
    return { user, resourceRequest: false, verb: text(n.verb), path: text(n.path) };
  }
  const namespace = text(r.namespace);
  const subresource = text(r.subresource);
  const name = text(r.name);
  return {
    user, resourceRequest: true, verb: text(r.verb), apiGroup: text(r.group), resource: text(r.resource),
    ...(subresource ? { subresource } : {}), ...(namespace ? { namespace } : {}), ...(name ? { name } : {}),
  };
}

/** The review as sent, with the decision as its status. */
function answer(request: CreateRequest, kind: string, user: User, spec: Record<string, unknown>): CreateResult {
  const decision = authorizerFor(request).authorize(attributesOf(user, spec));
  const body = isJsonObject(request.body) ? request.body : {};
  return {
    code: 201,
    body: {
      kind, apiVersion: `${GROUP}/${request.version}`, metadata: { ...objectAt(body, 'metadata'), creationTimestamp: null },
      spec, status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) },
    },
  };
}

/** The spec of a SubjectAccessReview or LocalSubjectAccessReview, checked: a user or group must be named. */
function subjectSpec(kind: string, request: CreateRequest, local: boolean): { spec: Record<string, unknown>; user: User } {
  const spec = objectAt(request.body, 'spec') ?? {};
  const errs = attributesErrors(spec);
  const groups = strings(spec.groups);
  if (!text(spec.user) && !groups.length) errs.push(fieldErrors.invalid('spec.user', text(spec.user), 'at least one of user or group must be specified'));
  if (local && spec.nonResourceAttributes) errs.push(fieldErrors.invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'disallowed on this kind of request'));
  if (errs.length) throw errors.invalid(kind, GROUP, '', errs);
  const uid = text(spec.uid);
  return { spec, user: { username: text(spec.user), groups, ...(uid ? { uid } : {}) } };
}

export const subjectAccessReviewStrategy: Strategy = {
  group: GROUP, version: 'v1', resource: 'subjectaccessreviews',
  singularName: 'subjectaccessreview',
  virtual: {
    async create(request) {
      const { spec, user } = subjectSpec('SubjectAccessReview', request, false);
      return answer(request, 'SubjectAccessReview', user, spec);
    },
  },
};

export const localSubjectAccessReviewStrategy: Strategy = {
  group: GROUP, version: 'v1', resource: 'localsubjectaccessreviews',
  singularName: 'localsubjectaccessreview',
  virtual: {
    async create(request) {
      const { spec, user } = subjectSpec('LocalSubjectAccessReview', request, true);
      const namespace = request.namespace ?? '';
      if (text(objectAt(spec, 'resourceAttributes')?.namespace) !== namespace) throw errors.badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
      return answer(request, 'LocalSubjectAccessReview', user, spec);
    },
  },
};

/** May the caller? (`kubectl auth can-i`), answered for whoever the request acts as. */
export const selfSubjectAccessReviewStrategy: Strategy = {
  group: GROUP, version: 'v1', resource: 'selfsubjectaccessreviews',
  singularName: 'selfsubjectaccessreview',
  virtual: {
    async create(request) {
      const spec = objectAt(request.body, 'spec') ?? {};
      const errs = attributesErrors(spec);
      if (errs.length) throw errors.invalid('SelfSubjectAccessReview', GROUP, '', errs);
      return answer(request, 'SelfSubjectAccessReview', request.context.user, spec);
    },
  },
};

/** Everything the caller may do in a namespace (`kubectl auth can-i --list`), as RBAC's RulesFor lists it. */
export const selfSubjectRulesReviewStrategy: Strategy = {
  group: GROUP, version: 'v1', resource: 'selfsubjectrulesreviews',
  singularName: 'selfsubjectrulesreview',
  virtual: {
    async create(request) {
      const spec = objectAt(request.body, 'spec') ?? {};
      const namespace = text(spec.namespace);
      if (!namespace) throw errors.badRequest('no namespace on request');
      const { rules, errors: errs } = authorizerFor(request).rulesFor(request.context.user, namespace);
      const resourceRules = rules.filter((r) => r.resources?.length).map((r) => ({
        verbs: r.verbs, ...(r.apiGroups?.length ? { apiGroups: r.apiGroups } : {}), resources: r.resources, ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
      }));
      const nonResourceRules = rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs }));
      return {
        code: 201,
        body: {
          kind: 'SelfSubjectRulesReview', apiVersion: `${GROUP}/${request.version}`, metadata: { creationTimestamp: null },
          spec: {},
          status: { resourceRules, nonResourceRules, incomplete: false, ...(errs.length ? { evaluationError: errs.length === 1 ? errs[0] : `[${errs.join(', ')}]` } : {}) },
        },
      };
    },
  },
};

/** Who the caller is, as authentication saw them. */
export const selfSubjectReviewStrategy: Strategy = {
  group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews',
  singularName: 'selfsubjectreview',
  virtual: {
    async create(request) {
      const { username, uid, groups } = request.context.user;
      return {
        code: 201,
        body: {
          kind: 'SelfSubjectReview', apiVersion: `authentication.k8s.io/${request.version}`, metadata: { creationTimestamp: null },
          status: { userInfo: { username, ...(uid ? { uid } : {}), groups } },
        },
      };
    },
  },
};


/**
 * Who a token is (TokenReview, what webhook authorizers and aggregated servers ask): the token
 * checked as the API server checks a bearer token, for the audiences asked (the API server's by
 * default): a service-account token for those it was issued for, a token file's for the API's.
 */
export const tokenReviewStrategy: Strategy = {
  group: 'authentication.k8s.io', version: 'v1', resource: 'tokenreviews',
  singularName: 'tokenreview',
  virtual: {
    async create(request) {
      const spec = isJsonObject(request.body) ? objectAt(request.body, 'spec') ?? {} : {};
      const token = typeof spec.token === 'string' ? spec.token : '';
      if (!token) throw errors.badRequest('token is required for TokenReview in authentication');
      const asked = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === 'string') : [];
      const found = request.authenticateToken?.(token, asked.length ? asked : [API_AUDIENCE]);
      const status = found
        ? { authenticated: true, user: { username: found.user.username, ...(found.user.uid ? { uid: found.user.uid } : {}), groups: found.user.groups }, audiences: found.audiences }
        : { user: {}, error: 'invalid bearer token' };
      return {
        code: 201,
        body: { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status },
      };
    },
  },
};

export const reviewStrategies = [subjectAccessReviewStrategy, localSubjectAccessReviewStrategy, selfSubjectAccessReviewStrategy, selfSubjectRulesReviewStrategy, selfSubjectReviewStrategy, tokenReviewStrategy];
