// kube's RBAC authorizer over any source of roles and bindings: system:masters may do anything
// (kube-apiserver's privileged-group authorizer runs first); everyone else is allowed what a rule
// of a role bound to them allows, cluster bindings first, then the request namespace's bindings.
// Denials are kube's 403s (responsewriters' forbiddenMessage), with the reason RBAC gives when a
// binding names a role that does not exist.
import type { IncomingHttpHeaders } from 'node:http';
import { StatusError } from '../../api/errors.js';
import type { RequestInfo } from '../request-info.js';
import { appliesTo, ruleAllows, type Attributes, type PolicyRule, type RoleRef, type Subject, type User } from './rbac-rules.js';

export type { Attributes, PolicyRule, User } from './rbac-rules.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
/** kube's user.SystemPrivilegedGroup. */
export const MASTERS = 'system:masters';

export interface Binding {
  metadata: { name?: string; namespace?: string };
  roleRef: RoleRef;
  subjects?: Subject[];
}
export interface Role { rules?: PolicyRule[] | null }

/** Where the roles and bindings come from (the watch caches, or fixed lists in unit tests). */
export interface PolicySource {
  clusterRoleBindings(): Binding[];
  roleBindings(namespace: string): Binding[];
  clusterRole(name: string): Role | undefined;
  role(namespace: string, name: string): Role | undefined;
}

export interface Decision { allowed: boolean; reason: string }

/** The visited rules of a user, with the errors met resolving them. */
export interface ResolvedRules { rules: PolicyRule[]; errors: string[] }

const SA_KIND = 'ServiceAccount';

function describeSubject(s: Subject, namespace: string): string {
  if (s.kind === SA_KIND) return `${s.kind} "${s.name}/${s.namespace || namespace}"`;
  return `${s.kind} "${s.name}"`;
}

/** utilerrors.NewAggregate(...).Error(). */
function aggregate(errs: string[]): string {
  return errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
}

export class RBACAuthorizer {
  constructor(private readonly source: PolicySource) {}

  /** The rules of a role a binding in `namespace` ('' for cluster bindings) refers to, or why there are none. */
  roleRefRules(ref: RoleRef, namespace: string): PolicyRule[] | string {
    if (ref.kind === 'ClusterRole') return this.source.clusterRole(ref.name)?.rules ?? (this.source.clusterRole(ref.name) ? [] : `clusterrole.${RBAC_GROUP} "${ref.name}" not found`);
    if (ref.kind === 'Role') return this.source.role(namespace, ref.name)?.rules ?? (this.source.role(namespace, ref.name) ? [] : `role.${RBAC_GROUP} "${ref.name}" not found`);
    return `unsupported role reference kind: "${ref.kind}"`;
  }

  /**
   * Visits the rules that apply to `user` in `namespace`, with the binding each comes from;
   * `visit` returns true to stop (kube's VisitRulesFor).
   */
  private visit(user: User, namespace: string, visit: (rule: PolicyRule | undefined, source: string, error?: string) => boolean): void {
    const scopes: [Binding[], string][] = [[this.source.clusterRoleBindings(), '']];
    if (namespace) scopes.push([this.source.roleBindings(namespace), namespace]);
    for (const [bindings, ns] of scopes) {
      for (const b of bindings) {
        const subject = (b.subjects ?? []).find((s) => appliesTo(user, s, ns));
        if (!subject) continue;
        const rules = this.roleRefRules(b.roleRef, ns);
        if (typeof rules === 'string') { if (visit(undefined, '', rules)) return; continue; }
        const source = ns
          ? `RoleBinding "${b.metadata.name}/${ns}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(subject, ns)}`
          : `ClusterRoleBinding "${b.metadata.name}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(subject, '')}`;
        for (const rule of rules) if (visit(rule, source)) return;
      }
    }
  }

  authorize(attrs: Attributes): Decision {
    if (attrs.user.groups.includes(MASTERS)) return { allowed: true, reason: '' };
    const errors: string[] = [];
    let allowedBy = '';
    const namespace = attrs.resourceRequest ? attrs.namespace ?? '' : '';
    this.visit(attrs.user, namespace, (rule, source, error) => {
      if (error) errors.push(error);
      if (rule && ruleAllows(attrs, rule)) { allowedBy = source; return true; }
      return false;
    });
    if (allowedBy) return { allowed: true, reason: `RBAC: allowed by ${allowedBy}` };
    return { allowed: false, reason: errors.length ? `RBAC: ${aggregate(errors)}` : '' };
  }

  /** Every rule that applies to `user` in `namespace` (RulesFor: SelfSubjectRulesReview, escalation checks). */
  rulesFor(user: User, namespace: string): ResolvedRules {
    const out: ResolvedRules = { rules: [], errors: [] };
    this.visit(user, namespace, (rule, _source, error) => {
      if (rule) out.rules.push(rule);
      if (error) out.errors.push(error);
      return false;
    });
    return out;
  }
}

/** kube's forbiddenMessage. */
export function forbiddenMessage(attrs: Attributes): string {
  const who = `User ${JSON.stringify(attrs.user.username)}`;
  if (!attrs.resourceRequest) return `${who} cannot ${attrs.verb} path ${JSON.stringify(attrs.path)}`;
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const where = attrs.namespace ? `in the namespace ${JSON.stringify(attrs.namespace)}` : 'at the cluster scope';
  return `${who} cannot ${attrs.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attrs.apiGroup)} ${where}`;
}

/** A 403 as apierrors.NewForbidden words it: `pods "x" is forbidden: <why>`, `pods is forbidden: ...`, `forbidden: ...`. */
export function forbidden(group: string, resource: string, name: string, why: string): StatusError {
  if (!resource) return new StatusError(403, 'Forbidden', `forbidden: ${why}`, {});
  const qualified = group ? `${resource}.${group}` : resource;
  return new StatusError(403, 'Forbidden', `${qualified}${name ? ` ${JSON.stringify(name)}` : ''} is forbidden: ${why}`, { name, group, kind: resource });
}

/** The 403 for a request the authorizer did not allow, with its reason when it gave one. */
export function forbiddenError(attrs: Attributes, reason: string): StatusError {
  const why = reason ? `${forbiddenMessage(attrs)}: ${reason}` : forbiddenMessage(attrs);
  return attrs.resourceRequest ? forbidden(attrs.apiGroup, attrs.resource, attrs.name ?? '', why) : forbidden('', '', '', why);
}

/** What the HTTP edge asks of authorization, once a request is authenticated. */
export interface RequestAuthorizer {
  readonly rbac: RBACAuthorizer;
  /** The user a request acts as: the one its Impersonate-* headers name, once allowed; else `user`. */
  actingAs(headers: IncomingHttpHeaders, user: User): User;
  /** Throws kube's 403 unless `user` may make the request. */
  authorize(user: User, method: string, info: RequestInfo): void;
}

