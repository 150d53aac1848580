// RBAC's escalation prevention (pkg/registry/rbac/{role,clusterrole,rolebinding,
// clusterrolebinding}/policybased): a Role or ClusterRole may hold only rules its writer holds,
// unless the writer may `escalate` it; a binding may refer only to a role whose rules its writer
// holds, unless the writer may `bind` that role. system:masters may always. In-process writers
// (bootstrap, controllers) are not requests and are not checked.
import { errors } from '../api/errors.js';
import type { RequestContext } from '../api/request-context.js';
import { forbidden, MASTERS, RBAC_GROUP, type RBACAuthorizer, type User } from '../server/auth/rbac.js';
import { compactRules, compactString, covers, quotedList, type PolicyRule, type RoleRef } from '../server/auth/rbac-rules.js';

/** The 403 text of ConfirmNoEscalation, if `user` does not hold every rule of `rules` in `namespace`. */
export function escalation(authorizer: RBACAuthorizer, user: User, namespace: string, rules: readonly PolicyRule[]): string | undefined {
  const owned = authorizer.rulesFor(user, namespace);
  const { covered, missing } = covers(owned.rules, rules);
  if (covered) return undefined;
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.username)} (groups=${quotedList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  if (owned.errors.length) msg += `; resolution errors: [${owned.errors.join(' ')}]`;
  return msg;
}

/** Refuses a Role or ClusterRole write holding rules its writer lacks and may not `escalate`. */
export function checkRoleEscalation(request: RequestContext | undefined, resource: string, name: string, namespace: string | undefined, rules: readonly PolicyRule[]): void {
  const authorizer = request?.authorizer;
  if (!authorizer || request.user.groups.includes(MASTERS)) return;
  const { user } = request;
  const mayEscalate = authorizer.authorize({ user, resourceRequest: true, verb: 'escalate', apiGroup: RBAC_GROUP, resource, name, ...(namespace ? { namespace } : {}) });
  if (mayEscalate.allowed) return;
  const why = escalation(authorizer, user, namespace ?? '', rules);
  if (why) throw forbidden(RBAC_GROUP, resource, name, why);
}

/** Refuses a binding to a role whose rules its writer lacks, unless the writer may `bind` it. */
export function checkBindingEscalation(request: RequestContext | undefined, resource: string, name: string, namespace: string | undefined, roleRef: RoleRef): void {
  const authorizer = request?.authorizer;
  if (!authorizer || request.user.groups.includes(MASTERS)) return;
  const { user } = request;
  const roleResource = roleRef.kind === 'ClusterRole' ? 'clusterroles' : roleRef.kind === 'Role' ? 'roles' : undefined;
  if (roleResource) {
    const mayBind = authorizer.authorize({ user, resourceRequest: true, verb: 'bind', apiGroup: roleRef.apiGroup, resource: roleResource, name: roleRef.name, ...(namespace ? { namespace } : {}) });
    if (mayBind.allowed) return;
  }
  const rules = authorizer.roleRefRules(roleRef, namespace ?? '');
  if (typeof rules === 'string') throw errors.notFound({ group: RBAC_GROUP, resource: roleResource ?? roleRef.kind }, roleRef.name);
  const why = escalation(authorizer, user, namespace ?? '', rules);
  if (why) throw forbidden(RBAC_GROUP, resource, name, why);
}
