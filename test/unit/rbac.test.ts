// RBAC's rule matching, the authorizer over fixed roles and bindings, the escalation check's
// Covers and its message, and the clusterrole aggregation: pure, no server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reconcileClusterRole, reconcileClusterRoleBinding } from '../../src/bootstrap-policy.js';
import { aggregatedRules } from '../../src/controllers/clusterrole-aggregation.js';
import { escalation } from '../../src/resources/rbac-escalation.js';
import { forbiddenError, RBACAuthorizer, type Binding, type PolicySource, type Role } from '../../src/server/auth/rbac.js';
import { compactRules, compactString, covers, ruleAllows, type Attributes, type PolicyRule } from '../../src/server/auth/rbac-rules.js';

const alice = { username: 'alice', groups: ['dev', 'system:authenticated'] };
const res = (verb: string, resource: string, more: Partial<Extract<Attributes, { resourceRequest: true }>> = {}): Attributes => ({ user: alice, resourceRequest: true, verb, apiGroup: '', resource, namespace: 'default', ...more });
const url = (verb: string, path: string): Attributes => ({ user: alice, resourceRequest: false, verb, path });

test('rules match verbs, groups, resources, subresources, names and non-resource URLs as kube does', () => {
  const read: PolicyRule = { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'pods/log'] };
  assert.ok(ruleAllows(res('list', 'pods'), read));
  assert.ok(ruleAllows(res('watch', 'pods'), read));
  assert.ok(!ruleAllows(res('create', 'pods'), read));
  assert.ok(!ruleAllows(res('deletecollection', 'pods'), read));
  assert.ok(ruleAllows(res('get', 'pods', { subresource: 'log', name: 'x' }), read));
  assert.ok(!ruleAllows(res('get', 'pods', { subresource: 'exec', name: 'x' }), read));
  assert.ok(!ruleAllows(res('list', 'pods', { apiGroup: 'apps' }), read));
  assert.ok(ruleAllows(res('patch', 'deployments', { apiGroup: 'apps' }), { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }));
  assert.ok(ruleAllows(res('get', 'deployments', { apiGroup: 'apps', subresource: 'scale' }), { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }));
  assert.ok(!ruleAllows(res('get', 'deployments', { apiGroup: 'apps' }), { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }));
  const named: PolicyRule = { verbs: ['get', 'update'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['kube-scheduler'] };
  assert.ok(ruleAllows(res('update', 'leases', { apiGroup: 'coordination.k8s.io', name: 'kube-scheduler' }), named));
  assert.ok(!ruleAllows(res('update', 'leases', { apiGroup: 'coordination.k8s.io', name: 'other' }), named));
  assert.ok(!ruleAllows(res('list', 'leases', { apiGroup: 'coordination.k8s.io' }), named), 'a named rule never allows a list');
  const urls: PolicyRule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
  assert.ok(ruleAllows(url('get', '/healthz'), urls));
  assert.ok(ruleAllows(url('get', '/apis/apps/v1'), urls));
  assert.ok(!ruleAllows(url('get', '/healthz/etcd'), urls));
  assert.ok(!ruleAllows(url('post', '/healthz'), urls));
  assert.ok(!ruleAllows(res('get', 'pods'), urls));
});

function source(clusterRoles: Record<string, Role>, roles: Record<string, Role>, clusterBindings: Binding[], bindings: Binding[]): PolicySource {
  return {
    clusterRoleBindings: () => clusterBindings,
    roleBindings: (ns) => bindings.filter((b) => b.metadata.namespace === ns),
    clusterRole: (name) => clusterRoles[name],
    role: (ns, name) => roles[`${ns}/${name}`],
  };
}

const RBAC = 'rbac.authorization.k8s.io';
const policy = source(
  { view: { rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }] }, admin: { rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] } },
  { 'team/deployer': { rules: [{ verbs: ['create'], apiGroups: ['apps'], resources: ['deployments'] }] } },
  [{ metadata: { name: 'devs-view' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', apiGroup: RBAC, name: 'dev' }] }],
  [
    { metadata: { name: 'deployers', namespace: 'team' }, roleRef: { apiGroup: RBAC, kind: 'Role', name: 'deployer' }, subjects: [{ kind: 'ServiceAccount', name: 'bot' }] },
    { metadata: { name: 'broken', namespace: 'team' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'gone' }, subjects: [{ kind: 'User', apiGroup: RBAC, name: 'alice' }] },
  ],
);

test('the authorizer: masters always, cluster bindings, namespace bindings, service accounts, and the reason for a missing role', () => {
  const rbac = new RBACAuthorizer(policy);
  assert.deepEqual(rbac.authorize({ ...res('delete', 'nodes'), user: { username: 'root', groups: ['system:masters'] } }), { allowed: true, reason: '' });
  assert.deepEqual(rbac.authorize(res('list', 'pods')), { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "devs-view" of ClusterRole "view" to Group "dev"' });
  assert.deepEqual(rbac.authorize(res('create', 'pods')), { allowed: false, reason: '' });
  assert.deepEqual(rbac.authorize(res('create', 'pods', { namespace: 'team' })), { allowed: false, reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found' });
  const bot = { username: 'system:serviceaccount:team:bot', groups: ['system:serviceaccounts', 'system:serviceaccounts:team'] };
  assert.equal(rbac.authorize({ ...res('create', 'deployments', { apiGroup: 'apps', namespace: 'team' }), user: bot }).allowed, true);
  assert.equal(rbac.authorize({ ...res('create', 'deployments', { apiGroup: 'apps', namespace: 'other' }), user: bot }).allowed, false);
  assert.equal(rbac.authorize({ ...res('delete', 'deployments', { apiGroup: 'apps', namespace: 'team' }), user: bot }).allowed, false);
});

test("kube's 403 texts: namespaced, cluster-scoped, subresources, non-resource paths", () => {
  const text = (a: Attributes, reason = '') => forbiddenError(a, reason).toStatus();
  assert.deepEqual(text(res('list', 'pods')), {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403,
    message: 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"', details: { kind: 'pods' },
  });
  assert.equal(text(res('get', 'pods', { subresource: 'log', name: 'x' })).message, 'pods "x" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "default"');
  assert.equal(text({ user: alice, resourceRequest: true, verb: 'list', apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles' }).message,
    'clusterroles.rbac.authorization.k8s.io is forbidden: User "alice" cannot list resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope');
  assert.deepEqual(text(url('get', '/metrics')), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'forbidden: User "alice" cannot get path "/metrics"', reason: 'Forbidden', details: {}, code: 403 });
  assert.equal(text(res('get', 'pods', { name: 'x' }), 'RBAC: role.rbac.authorization.k8s.io "r" not found').message,
    'pods "x" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "default": RBAC: role.rbac.authorization.k8s.io "r" not found');
});

test('Covers breaks rules into atoms; what is missing is compacted and printed as kube prints it', () => {
  const owned: PolicyRule[] = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', '*/scale'] }, { verbs: ['get'], nonResourceURLs: ['/apis/*'] }];
  assert.equal(covers(owned, [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }]).covered, true);
  assert.equal(covers(owned, [{ verbs: ['get'], apiGroups: [''], resources: ['replicationcontrollers/scale'] }]).covered, true);
  assert.equal(covers(owned, [{ verbs: ['get'], nonResourceURLs: ['/apis/apps'] }]).covered, true);
  const { covered, missing } = covers(owned, [{ verbs: ['get', 'create', 'delete'], apiGroups: [''], resources: ['pods', 'secrets'] }]);
  assert.equal(covered, false);
  assert.deepEqual(compactRules(missing).map(compactString), [
    '{APIGroups:[""], Resources:["pods"], Verbs:["create" "delete"]}',
    '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "create" "delete"]}',
  ]);
  const rbac = new RBACAuthorizer(policy);
  assert.equal(escalation(rbac, alice, 'default', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]), undefined);
  assert.equal(escalation(rbac, alice, 'default', [{ verbs: ['get', 'create'], apiGroups: [''], resources: ['pods', 'secrets'] }]),
    'user "alice" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["create"]}\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "create"]}');
});

test('an aggregated ClusterRole takes the rules of the roles its selectors match, in name order, each once', () => {
  const role = (name: string, labels: Record<string, string>, rules: PolicyRule[]) => ({ metadata: { name, labels }, rules });
  const pods: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
  const jobs: PolicyRule = { verbs: ['get'], apiGroups: ['batch'], resources: ['jobs'] };
  const view = { metadata: { name: 'view' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'agg/view': 'true' } }] } };
  const all = [view, role('z-more', { 'agg/view': 'true' }, [jobs, pods]), role('a-base', { 'agg/view': 'true' }, [pods]), role('other', {}, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }])];
  assert.deepEqual(aggregatedRules(view, all), [pods, jobs]);
});

test('bootstrap reconciliation adds what is missing, keeps stored values, recreates a binding whose roleRef moved, and leaves autoupdate=false alone', () => {
  const meta = (labels: Record<string, string>, annotations: Record<string, string> = {}) => ({ name: 'r', labels, annotations });
  const shipped = { metadata: meta({ a: '1', b: '2' }, { 'rbac.authorization.kubernetes.io/autoupdate': 'true' }), rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] };
  const stored = { metadata: meta({ a: 'mine' }), rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] };
  const role = reconcileClusterRole(stored, shipped);
  assert.deepEqual(role.metadata.labels, { a: 'mine', b: '2' });
  assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }, { apiGroups: [''], resources: ['pods'], verbs: ['list'] }]);
  const frozen = { ...stored, metadata: meta({}, { 'rbac.authorization.kubernetes.io/autoupdate': 'false' }) };
  assert.equal(reconcileClusterRole(frozen, shipped), frozen);
  const roleRef = (name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name });
  const user = (name: string) => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name });
  const want = { metadata: meta({}), roleRef: roleRef('view'), subjects: [user('a')] };
  const same = reconcileClusterRoleBinding({ metadata: meta({}), roleRef: roleRef('view'), subjects: [user('b')] }, want);
  assert.deepEqual([same.recreate, same.binding.subjects], [false, [user('b'), user('a')]]);
  const moved = reconcileClusterRoleBinding({ metadata: meta({}), roleRef: roleRef('edit'), subjects: [user('a')] }, want);
  assert.deepEqual([moved.recreate, moved.binding.roleRef.name], [true, 'view']);
});
