// Create-only kinds that answer a question about the caller and store nothing:
// SelfSubjectAccessReview (`kubectl auth can-i`) and SelfSubjectReview (`kubectl auth whoami`).
import { errors, fieldErrors } from '../api/errors.js';
import type { Strategy } from '../api/types.js';
import { objectAt } from '../api/json.js';

/** Everyone may do everything here until authorization exists, so every review is allowed. */
export const selfSubjectAccessReviewStrategy: Strategy = {
  group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews',
  singularName: 'selfsubjectaccessreview',
  virtual: {
    async create(request) {
      const spec = objectAt(request.body, 'spec');
      if (!spec?.resourceAttributes && !spec?.nonResourceAttributes) {
        throw errors.invalid('SelfSubjectAccessReview', 'authorization.k8s.io', '', [fieldErrors.invalid('spec.resourceAttributes', null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified')]);
      }
      return {
        code: 201,
        body: {
          kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null },
          spec, status: { allowed: true, reason: 'tinykube allows every request' },
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
      const { username, uid, groups } = request.user;
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
