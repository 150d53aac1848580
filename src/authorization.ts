// Authorization as the cluster composes it: kube's RBAC authorizer (src/server/auth/rbac.ts) over
// the Roles, ClusterRoles and their bindings in the watch caches, the request attributes kube's
// RequestInfo gives, and impersonation (Impersonate-User, -Group, -Uid: `kubectl --as`), each
// target checked with the `impersonate` verb as kube's impersonation filter checks it. Here, not
// in src/server/, because it names kinds.
import type { IncomingHttpHeaders } from 'node:http';
import { errors } from './api/errors.js';
import type { ResourceStore } from './api/resource-store.js';
import type { KObject } from './api/types.js';
import { TypedResource } from './client/typed-resource.js';
import { forbiddenError, RBAC_GROUP, RBACAuthorizer, type Attributes, type PolicySource, type RequestAuthorizer, type User } from './server/auth/rbac.js';
import type { PolicyRule, RoleRef, Subject } from './server/auth/rbac-rules.js';
import type { RequestInfo } from './server/request-info.js';

export interface RoleObject extends KObject { rules?: PolicyRule[] | null }
export interface ClusterRoleObject extends RoleObject { aggregationRule?: { clusterRoleSelectors?: LabelSelectorObject[] } }
export interface LabelSelectorObject { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] }
export interface BindingObject extends KObject { roleRef: RoleRef; subjects?: Subject[] }

/** Whatever serves resources by name: the Registry, or the context a strategy is given. */
export interface ResourceLookup { resource(name: string, group?: string): ResourceStore | undefined }

/** Reads of one RBAC resource from its cache, typed; empty while the resource is not served. */
class CachedKind<T extends KObject> {
  private typed?: TypedResource<T>;
  constructor(private readonly lookup: ResourceLookup, private readonly name: string) {}

  private get client(): TypedResource<T> | undefined {
    if (this.typed) return this.typed;
    const store = this.lookup.resource(this.name, RBAC_GROUP);
    return store && (this.typed = new TypedResource<T>(store));
  }

  get(namespace: string | undefined, name: string): T | undefined { return this.client?.lister.get(namespace, name); }
  list(namespace?: string): T[] { return this.client?.lister.list(namespace) ?? []; }
}

/** The roles and bindings as the watch caches hold them now. */
export function registryPolicySource(lookup: ResourceLookup): PolicySource {
  const roles = new CachedKind<RoleObject>(lookup, 'roles');
  const clusterRoles = new CachedKind<ClusterRoleObject>(lookup, 'clusterroles');
  const roleBindings = new CachedKind<BindingObject>(lookup, 'rolebindings');
  const clusterRoleBindings = new CachedKind<BindingObject>(lookup, 'clusterrolebindings');
  return {
    clusterRoleBindings: () => clusterRoleBindings.list(),
    roleBindings: (namespace) => roleBindings.list(namespace),
    clusterRole: (name) => clusterRoles.get(undefined, name),
    role: (namespace, name) => roles.get(namespace, name),
  };
}

/**
 * What a request does, from its RequestInfo as kube's authorizer sees it: a namespace's own
 * requests have its name as their namespace, and a non-resource request's verb is its method in
 * lower case.
 */
export function requestAttributes(user: User, method: string, info: RequestInfo): Attributes {
  if (!info.isResourceRequest) return { user, resourceRequest: false, verb: method.toLowerCase(), path: info.path };
  const { group, resource, subresource, name } = info;
  const namespace = info.namespace ?? (resource === 'namespaces' && group === '' && name ? name : undefined);
  return {
    user, resourceRequest: true, verb: info.verb, apiGroup: group, resource,
    ...(subresource !== undefined ? { subresource } : {}), ...(namespace !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}),
  };
}

const SA_PREFIX = 'system:serviceaccount:';

function headerValues(headers: IncomingHttpHeaders, name: string): string[] {
  const v = headers[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

/** The attributes of one impersonation check: a user (or service account), a group, a uid. */
function impersonationTargets(user: User, headers: IncomingHttpHeaders): { attributes: Attributes[]; as: User } | undefined {
  const [username] = headerValues(headers, 'impersonate-user');
  const groups = headerValues(headers, 'impersonate-group');
  const [uid] = headerValues(headers, 'impersonate-uid');
  if (username === undefined) {
    if (groups.length || uid !== undefined) throw errors.badRequest(`requested ${groups.length ? `groups ${JSON.stringify(groups)}` : `uid "${uid}"`} without impersonating a user`);
    return undefined;
  }
  const check = (resource: string, name: string, extra: { namespace?: string; apiGroup?: string } = {}): Attributes => ({
    user, resourceRequest: true, verb: 'impersonate', apiGroup: extra.apiGroup ?? '', resource, name, ...(extra.namespace ? { namespace: extra.namespace } : {}),
  });
  const attributes: Attributes[] = [];
  let asGroups = [...groups];
  const sa = username.startsWith(SA_PREFIX) ? username.slice(SA_PREFIX.length).split(':') : undefined;
  if (sa?.length === 2 && sa[0] && sa[1]) {
    attributes.push(check('serviceaccounts', sa[1], { namespace: sa[0] }));
    // A service account's groups are known: kube adds them when none are asked for.
    if (!groups.length) asGroups = ['system:serviceaccounts', `system:serviceaccounts:${sa[0]}`];
  } else {
    attributes.push(check('users', username));
  }
  for (const g of groups) attributes.push(check('groups', g));
  if (uid !== undefined) attributes.push(check('uids', uid, { apiGroup: 'authentication.k8s.io' }));
  if (username !== 'system:anonymous' && !asGroups.includes('system:authenticated')) asGroups.push('system:authenticated');
  return { attributes, as: { username, ...(uid !== undefined ? { uid } : {}), groups: asGroups } };
}

export class ClusterAuthorizer implements RequestAuthorizer {
  readonly rbac: RBACAuthorizer;

  constructor(lookup: ResourceLookup) {
    this.rbac = new RBACAuthorizer(registryPolicySource(lookup));
  }

  actingAs(headers: IncomingHttpHeaders, user: User): User {
    const targets = impersonationTargets(user, headers);
    if (!targets) return user;
    for (const attrs of targets.attributes) {
      const decision = this.rbac.authorize(attrs);
      if (!decision.allowed) throw forbiddenError(attrs, decision.reason);
    }
    return targets.as;
  }

  /** Throws kube's 403 unless the request's user may do it. */
  authorize(user: User, method: string, info: RequestInfo): void {
    const attrs = requestAttributes(user, method, info);
    const decision = this.rbac.authorize(attrs);
    if (!decision.allowed) throw forbiddenError(attrs, decision.reason);
  }
}
