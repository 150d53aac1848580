// ServiceAccounts with kubectl 1.27, 1.30 and 1.33: `default` made in every new namespace (and
// made again when deleted), `kubectl create serviceaccount`, `kubectl create token` giving a
// token with kube's claims that authenticates as the account on a cluster with authentication
// on, and pods getting the account's kube-api-access volume with the token in it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, kubectl, kubectlOk, withCluster } from './helpers.js';

const VERSIONS = ['1.27', '1.30', '1.33'];
const UNAUTHORIZED = 'error: You must be logged in to the server (Unauthorized)\n';

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

describe('ServiceAccounts', () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster({ controlPlane: true, nodes: 1, loadBalancerAddress: false, tls: true }); });
  after(async () => { await cluster.close(); });

  for (const v of VERSIONS) {
    const tag = v.replace('.', '-');
    const k = (args: string[]) => kubectl(v, cluster, args);
    const ok = (...args: string[]) => kubectlOk(v, cluster, args);

    test(`kubectl ${v}: a new namespace gets the default service account, made again when deleted`, async () => {
      const ns = `team-${tag}`;
      assert.equal(await ok('create', 'namespace', ns), `namespace/${ns} created\n`);
      const table = await eventually(async () => { const r = await k(['get', 'sa', '-n', ns]); return r.stdout.includes('default') && r.stdout; }, 5000, 'the default service account');
      assert.match(table, /^NAME +SECRETS +AGE\ndefault +0 +\d+s\n$/);
      const uid = await ok('get', 'sa', 'default', '-n', ns, '-o', 'jsonpath={.metadata.uid}');
      assert.equal(await ok('delete', 'sa', 'default', '-n', ns), 'serviceaccount "default" deleted\n');
      await eventually(async () => { const r = await k(['get', 'sa', 'default', '-n', ns, '-o', 'jsonpath={.metadata.uid}']); return r.code === 0 && r.stdout !== uid; }, 5000, 'the default service account again');
    });

    test(`kubectl ${v}: create serviceaccount and create token; the token authenticates as the account`, async () => {
      const name = `bot-${tag}`;
      assert.equal(await ok('create', 'serviceaccount', name), `serviceaccount/${name} created\n`);
      const uid = await ok('get', 'sa', name, '-o', 'jsonpath={.metadata.uid}');
      const token = (await ok('create', 'token', name)).trim();
      const claims = claimsOf(token);
      const now = Date.now() / 1000;
      assert.deepEqual({ ...claims, exp: 0, iat: 0, nbf: 0, jti: '' }, {
        aud: ['https://kubernetes.default.svc.cluster.local'], exp: 0, iat: 0, nbf: 0, jti: '',
        iss: 'https://kubernetes.default.svc.cluster.local',
        'kubernetes.io': { namespace: 'default', serviceaccount: { name, uid } },
        sub: `system:serviceaccount:default:${name}`,
      });
      assert.ok(typeof claims.iat === 'number' && Math.abs(claims.iat - now) < 60 && claims.exp === claims.iat + 3600, JSON.stringify(claims));

      // Authenticated as the account (a 403, not a 401): it is bound to no role.
      const asBot = await k(['--token', token, 'get', 'pods', '-n', 'kube-system']);
      assert.deepEqual([asBot.code, asBot.stderr], [1, `Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:default:${name}" cannot list resource "pods" in API group "" in the namespace "kube-system"\n`]);
      if (v !== '1.27') {
        const whoami = await ok('--token', token, 'auth', 'whoami');
        assert.equal(whoami, `ATTRIBUTE   VALUE\nUsername    system:serviceaccount:default:${name}\nUID         ${uid}\nGroups      [system:serviceaccounts system:serviceaccounts:default system:authenticated]\n`);
      }
      // TokenReview answers for the token as the API server authenticates it.
      const review = async (t: string, audiences?: string[]) => JSON.parse(await kubectlOk(v, cluster, ['create', '-o', 'json', '-f', '-'], { stdin: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: t, audiences } }) }));
      const user = { username: `system:serviceaccount:default:${name}`, uid, groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] };
      assert.deepEqual((await review(token)).status, { authenticated: true, audiences: ['https://kubernetes.default.svc.cluster.local'], user });
      assert.deepEqual((await review('not-a-token')).status, { user: {}, error: 'invalid bearer token' });
      // A token for another audience (a vault, a webhook) is that audience's: reviewed for it, not for the API.
      const vaultToken = (await ok('create', 'token', name, '--audience=vault', '--audience=other')).trim();
      assert.deepEqual((await review(vaultToken, ['vault', 'elsewhere'])).status, { authenticated: true, audiences: ['vault'], user });
      assert.deepEqual((await review(vaultToken)).status, { user: {}, error: 'invalid bearer token' });
      assert.deepEqual((await review(token, ['vault'])).status, { user: {}, error: 'invalid bearer token' });
      // The token file's tokens (the kubeconfig's admin) are the API's only.
      const adminToken = /^ {4}token: (\S+)$/m.exec(readFileSync(cluster.kubeconfigPath, 'utf8'))?.[1] ?? '';
      assert.deepEqual((await review(adminToken, ['vault', 'https://kubernetes.default.svc.cluster.local'])).status.audiences, ['https://kubernetes.default.svc.cluster.local']);
      assert.deepEqual((await review(adminToken, ['vault'])).status, { user: {}, error: 'invalid bearer token' });
      const asVault = await k(['--token', vaultToken, 'get', 'pods']);
      assert.deepEqual([asVault.code, asVault.stderr], [1, UNAUTHORIZED]);
      const forged = await k(['--token', `${token.slice(0, -4)}AAAA`, 'get', 'pods']);
      assert.deepEqual([forged.code, forged.stderr], [1, UNAUTHORIZED]);
      // A deleted account's tokens no longer authenticate.
      await ok('delete', 'sa', name);
      const orphan = await k(['--token', token, 'get', 'pods']);
      assert.deepEqual([orphan.code, orphan.stderr], [1, UNAUTHORIZED]);
    });

    test(`kubectl ${v}: create token refuses durations under ten minutes, as kube does`, async () => {
      const short = await k(['create', 'token', 'default', '--duration=1m']);
      assert.equal(short.code, 1);
      assert.equal(short.stderr, 'error: failed to create token: TokenRequest.authentication.k8s.io "default" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes\n');
      const missing = await k(['create', 'token', 'nobody']);
      assert.deepEqual([missing.code, missing.stderr], [1, 'error: failed to create token: serviceaccounts "nobody" not found\n']);
    });

    test(`kubectl ${v}: a pod mounts its account's kube-api-access volume holding a token`, async () => {
      const pod = `with-token-${tag}`;
      await ok('run', pod, '--image=busybox', '--', 'sleep', '3600');
      const spec = JSON.parse(await ok('get', 'pod', pod, '-o', 'jsonpath={.spec}'));
      assert.deepEqual([spec.serviceAccountName, spec.serviceAccount], ['default', 'default']);
      const volume = spec.volumes[0];
      assert.match(volume.name, /^kube-api-access-[b-z2-9]{5}$/);
      assert.deepEqual(spec.containers[0].volumeMounts, [{ mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: volume.name, readOnly: true }]);
      await ok('wait', '--for=condition=Ready', `pod/${pod}`, '--timeout=20s');
      assert.equal(await ok('exec', pod, '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace'), 'default');
      const token = await ok('exec', pod, '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/token');
      assert.equal(claimsOf(token).sub, 'system:serviceaccount:default:default');
      const asPod = await k(['--token', token, 'get', 'pod', pod, '-o', 'name']);
      assert.deepEqual([asPod.code, asPod.stderr], [1, `Error from server (Forbidden): pods "${pod}" is forbidden: User "system:serviceaccount:default:default" cannot get resource "pods" in API group "" in the namespace "default"\n`]);
    });
  }
});
