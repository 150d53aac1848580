// RBAC with authorization enforced, on a cluster with --tls and a token file, driven by kubectl
// 1.27, 1.30 and 1.33 and client-node: the bootstrap roles and their columns, a user bound to
// `view` reading but not writing (kube's 403), `auth can-i` (with --as and --list) agreeing with
// what happens, escalation refused, a service account's token doing only what its Role allows,
// impersonation without the right refused, roleRef immutable.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { Cluster } from '../src/index.js';
import { eventually, kubectl, kubectlOk, scratchFile, withCluster } from './helpers.js';

const VERSIONS = ['1.27', '1.30', '1.33'];
const ALICE = 'al1ce-t0ken';
const BOB = 'b0b-t0ken';

describe('RBAC', () => {
  let cluster: Cluster;
  before(async () => {
    const tokens = scratchFile('rbac-tokens.csv', `${ALICE},alice,1001\n${BOB},bob,1002,"qa"\n`);
    cluster = await withCluster({ controlPlane: true, tls: true, tokenFile: tokens, loadBalancerAddress: false });
  });
  after(async () => { await cluster.close(); });

  test("kube's bootstrap roles: labels, autoupdate, aggregation into admin, edit and view; kubectl's columns", async () => {
    const view = await eventually(async () => {
      const r = JSON.parse(await kubectlOk('1.33', cluster, ['get', 'clusterrole', 'view', '-o', 'json']));
      return r.rules?.length && r;
    }, 10_000, 'view aggregated');
    assert.deepEqual(view.metadata.labels, { 'kubernetes.io/bootstrapping': 'rbac-defaults', 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' });
    assert.deepEqual(view.metadata.annotations, { 'rbac.authorization.kubernetes.io/autoupdate': 'true' });
    assert.deepEqual(view.aggregationRule, { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] });
    assert.deepEqual(view.rules[0], { apiGroups: [''], resources: ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status'], verbs: ['get', 'list', 'watch'] });
    const admin = await eventually(async () => {
      const r = JSON.parse(await kubectlOk('1.33', cluster, ['get', 'clusterrole', 'admin', '-o', 'json']));
      return r.rules?.some((x: { resources?: string[] }) => x.resources?.includes('rolebindings')) && r.rules.some((x: { resources?: string[] }) => x.resources?.includes('pods/log')) && r;
    }, 10_000, 'admin aggregated from edit and view');
    assert.ok(admin.rules.length > 10);
    const roles = await kubectlOk('1.33', cluster, ['get', 'clusterrole', 'cluster-admin', 'system:controller:deployment-controller']);
    assert.match(roles, /^NAME +CREATED AT\ncluster-admin +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\nsystem:controller:deployment-controller +\d{4}-/);
    const bindings = await kubectlOk('1.33', cluster, ['get', 'clusterrolebinding', 'cluster-admin', 'system:controller:job-controller', '-o', 'wide']);
    assert.match(bindings, /^NAME +ROLE +AGE +USERS +GROUPS +SERVICEACCOUNTS\ncluster-admin +ClusterRole\/cluster-admin +\d+s +system:masters +\nsystem:controller:job-controller +ClusterRole\/system:controller:job-controller +\d+s +kube-system\/job-controller\n$/);
  });

  for (const v of VERSIONS) {
    const tag = v.replace('.', '-');
    const ns = `team-${tag}`;
    const k = (args: string[]) => kubectl(v, cluster, args);
    const ok = (...args: string[]) => kubectlOk(v, cluster, args);
    const as = (token: string, ...args: string[]) => kubectl(v, cluster, ['--token', token, ...args]);

    test(`kubectl ${v}: a user bound to view lists pods and gets kube's 403 on create; auth can-i agrees`, async () => {
      await ok('create', 'namespace', ns);
      assert.equal(await ok('auth', 'can-i', 'list', 'pods', '-n', ns, '--as', 'alice').catch(() => 'no\n'), 'no\n');
      assert.equal(await ok('create', 'rolebinding', 'alice-view', '--clusterrole=view', '--user=alice', '-n', ns), 'rolebinding.rbac.authorization.k8s.io/alice-view created\n');
      assert.match(await ok('get', 'rolebinding', 'alice-view', '-n', ns, '-o', 'wide'), /^NAME +ROLE +AGE +USERS +GROUPS +SERVICEACCOUNTS\nalice-view +ClusterRole\/view +\d+s +alice +\n$/);
      await ok('create', 'configmap', 'settings', '--from-literal=a=b', '-n', ns);

      const list = await as(ALICE, 'get', 'configmaps', '-n', ns, '-o', 'name');
      assert.deepEqual([list.code, list.stdout], [0, 'configmap/kube-root-ca.crt\nconfigmap/settings\n'], list.stderr);
      const pods = await as(ALICE, 'get', 'pods', '-n', ns);
      assert.deepEqual([pods.code, pods.stderr], [0, `No resources found in ${ns} namespace.\n`]);
      const create = await as(ALICE, 'create', 'configmap', 'mine', '-n', ns);
      assert.deepEqual([create.code, create.stderr], [1, `error: failed to create configmap: configmaps is forbidden: User "alice" cannot create resource "configmaps" in API group "" in the namespace "${ns}"\n`]);
      const run = await as(ALICE, 'run', 'web', '--image=nginx', '-n', ns);
      assert.deepEqual([run.code, run.stderr], [1, `Error from server (Forbidden): pods is forbidden: User "alice" cannot create resource "pods" in API group "" in the namespace "${ns}"\n`]);
      const secret = await as(ALICE, 'get', 'secret', 'x', '-n', ns);
      assert.deepEqual([secret.code, secret.stderr], [1, `Error from server (Forbidden): secrets "x" is forbidden: User "alice" cannot get resource "secrets" in API group "" in the namespace "${ns}"\n`]);
      const nodes = await as(ALICE, 'get', 'nodes');
      assert.deepEqual([nodes.code, nodes.stderr], [1, 'Error from server (Forbidden): nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope\n']);

      // can-i, asked by the admin as alice and by alice herself, says what just happened.
      const canI = async (...args: string[]) => (await k(['auth', 'can-i', ...args])).stdout;
      assert.equal(await canI('create', 'pods', '-n', ns, '--as', 'alice'), 'no\n');
      assert.equal(await canI('list', 'pods', '-n', ns, '--as', 'alice'), 'yes\n');
      assert.equal(await canI('get', 'pods/log', '-n', ns, '--as', 'alice'), 'yes\n');
      assert.equal(await canI('list', 'nodes', '--as', 'alice'), 'no\n');
      assert.equal((await as(ALICE, 'auth', 'can-i', 'watch', 'deployments.apps', '-n', ns)).stdout, 'yes\n');
      assert.equal((await as(ALICE, 'auth', 'can-i', 'delete', 'configmaps', '-n', ns)).stdout, 'no\n');
      const listed = await as(ALICE, 'auth', 'can-i', '--list', '-n', ns);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /^Resources +Non-Resource URLs +Resource Names +Verbs\n/);
      assert.match(listed.stdout, /\npods +\[\] +\[\] +\[get list watch\]\n/);
      assert.match(listed.stdout, /\nselfsubjectaccessreviews\.authorization\.k8s\.io +\[\] +\[\] +\[create\]\n/);
      assert.match(listed.stdout, /\n +\[\/api\/\*\] +\[\] +\[get\]\n/);
      assert.doesNotMatch(listed.stdout, /\nsecrets /);
    });

    test(`kubectl ${v}: escalation is refused unless the granter holds the rules; roleRef cannot change`, async () => {
      await ok('create', 'rolebinding', 'bob-admin', '--clusterrole=admin', '--user=bob', '-n', ns);
      // bob holds view's rules (admin aggregates them), so he may grant view...
      const grant = await as(BOB, 'create', 'rolebinding', 'carol-view', '--clusterrole=view', '--user=carol', '-n', ns);
      assert.deepEqual([grant.code, grant.stdout], [0, 'rolebinding.rbac.authorization.k8s.io/carol-view created\n'], grant.stderr);
      // ...but not cluster-admin.
      const escalate = await as(BOB, 'create', 'rolebinding', 'carol-root', '--clusterrole=cluster-admin', '--user=carol', '-n', ns);
      assert.equal(escalate.code, 1);
      assert.equal(escalate.stderr, `error: failed to create rolebinding: rolebindings.rbac.authorization.k8s.io "carol-root" is forbidden: user "bob" (groups=["qa" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}\n`);
      const role = await as(BOB, 'create', 'role', 'nodes-reader', '--verb=get', '--resource=nodes', '--verb=list', '-n', ns);
      assert.equal(role.stderr, `Error from server (Forbidden): roles.rbac.authorization.k8s.io "nodes-reader" is forbidden: user "bob" (groups=["qa" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}\n`);
      assert.equal((await as(BOB, 'create', 'role', 'pod-reader', '--verb=get', '--verb=list', '--resource=pods', '-n', ns)).stdout, 'role.rbac.authorization.k8s.io/pod-reader created\n');
      // Given `bind` on cluster-admin, he may bind it without holding it.
      await ok('create', 'clusterrole', `bind-root-${tag}`, '--verb=bind', '--resource=clusterroles', '--resource-name=cluster-admin');
      await ok('create', 'rolebinding', 'bob-bind', `--clusterrole=bind-root-${tag}`, '--user=bob', '-n', ns);
      const bound = await as(BOB, 'create', 'rolebinding', 'carol-root', '--clusterrole=cluster-admin', '--user=carol', '-n', ns);
      assert.deepEqual([bound.code, bound.stdout], [0, 'rolebinding.rbac.authorization.k8s.io/carol-root created\n'], bound.stderr);

      const patch = await k(['patch', 'rolebinding', 'carol-view', '-n', ns, '--type=merge', '-p', '{"roleRef":{"name":"edit"}}']);
      assert.deepEqual([patch.code, patch.stderr], [1, 'The RoleBinding "carol-view" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef\n']);
      const bad = await k(['create', 'clusterrolebinding', `bad-${tag}`, '--clusterrole=view', '--serviceaccount=nons']);
      assert.equal(bad.code, 1);
    });

    test(`kubectl ${v}: a service account's token does what its Role allows and nothing else`, async () => {
      await ok('create', 'serviceaccount', 'bot', '-n', ns);
      await ok('create', 'role', 'pod-lister', '--verb=list', '--verb=get', '--resource=pods', '-n', ns);
      await ok('create', 'rolebinding', 'bot-pods', '--role=pod-lister', `--serviceaccount=${ns}:bot`, '-n', ns);
      const token = (await ok('create', 'token', 'bot', '-n', ns)).trim();
      const mine = await as(token, 'get', 'pods', '-n', ns);
      assert.deepEqual([mine.code, mine.stderr], [0, `No resources found in ${ns} namespace.\n`]);
      const elsewhere = await as(token, 'get', 'pods', '-n', 'default');
      assert.deepEqual([elsewhere.code, elsewhere.stderr], [1, `Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:${ns}:bot" cannot list resource "pods" in API group "" in the namespace "default"\n`]);
      const secrets = await as(token, 'get', 'secrets', '-n', ns);
      assert.deepEqual([secrets.code, secrets.stderr], [1, `Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:${ns}:bot" cannot list resource "secrets" in API group "" in the namespace "${ns}"\n`]);
      assert.equal((await k(['auth', 'can-i', 'list', 'pods', '-n', ns, `--as=system:serviceaccount:${ns}:bot`])).stdout, 'yes\n');
      assert.equal((await k(['auth', 'can-i', 'delete', 'pods', '-n', ns, `--as=system:serviceaccount:${ns}:bot`])).stdout, 'no\n');
    });

    test(`kubectl ${v}: impersonation needs the impersonate verb`, async () => {
      const refused = await as(ALICE, 'get', 'pods', '-n', ns, '--as', 'bob');
      assert.deepEqual([refused.code, refused.stderr], [1, 'Error from server (Forbidden): users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope\n']);
      const group = await as(ALICE, 'get', 'pods', '-n', ns, '--as', 'alice', '--as-group', 'system:masters');
      assert.equal(group.code, 1);
      assert.match(group.stderr, /users "alice" is forbidden: User "alice" cannot impersonate resource "users"/);
      // The admin may impersonate anyone; as alice, alice's rights apply.
      const asAlice = await k(['get', 'pods', '-n', 'default', '--as', 'alice']);
      assert.deepEqual([asAlice.code, asAlice.stderr], [1, 'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"\n']);
      if (v !== '1.27') {
        const whoami = await ok('auth', 'whoami', '--as', 'alice', '--as-group', 'dev');
        assert.equal(whoami, 'ATTRIBUTE   VALUE\nUsername    alice\nGroups      [dev system:authenticated]\n');
      }
    });
  }

  test('client-node: a view user lists and gets 403 on create; the admin token is allowed everything', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const admin = kc.makeApiClient(k8s.CoreV1Api);
    await admin.createNamespace({ body: { metadata: { name: 'client-node' } } });
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createNamespacedRoleBinding({ namespace: 'client-node', body: { metadata: { name: 'alice-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }] } });
    const aliceConfig = new k8s.KubeConfig();
    aliceConfig.loadFromOptions({ clusters: kc.clusters, users: [{ name: 'alice', token: ALICE }], contexts: [{ name: 'alice', cluster: kc.getCurrentCluster()!.name, user: 'alice' }], currentContext: 'alice' });
    const alice = aliceConfig.makeApiClient(k8s.CoreV1Api);
    assert.deepEqual((await alice.listNamespacedPod({ namespace: 'client-node' })).items, []);
    await assert.rejects(alice.createNamespacedPod({ namespace: 'client-node', body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } }), (e: unknown) => {
      assert.ok(e instanceof k8s.ApiException);
      assert.equal(e.code, 403);
      assert.equal(JSON.parse(e.body).message, 'pods is forbidden: User "alice" cannot create resource "pods" in API group "" in the namespace "client-node"');
      return true;
    });
    const review = await kc.makeApiClient(k8s.AuthorizationV1Api).createSubjectAccessReview({ body: { spec: { user: 'alice', resourceAttributes: { namespace: 'client-node', verb: 'list', resource: 'pods' } } } });
    assert.deepEqual({ ...review.status }, { allowed: true, reason: 'RBAC: allowed by RoleBinding "alice-view/client-node" of ClusterRole "view" to User "alice"' });
  });
});
