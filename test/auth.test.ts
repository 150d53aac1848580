// TLS and authentication: --tls makes a CA, a serving certificate and an admin token (kept across
// restarts) and writes a kubeconfig that trusts the CA; kubectl and client-node work over HTTPS
// without skipping verification; client certificates and static tokens authenticate; requests
// without valid credentials get 401; SelfSubjectReview (kubectl auth whoami) says who you are.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import WebSocket from 'ws';
import { StartupError, type Cluster } from '../src/index.js';
import { http, kubectl, scratchFile, withCluster } from './helpers.js';

/** A GET over HTTPS trusting the cluster's CA, with optional extra headers. */
function httpsGet(cluster: Cluster, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(cluster.url + path, { ca: cluster.caCertificate, headers }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body: text.startsWith('{') ? JSON.parse(text) : text }));
    });
    req.on('error', reject);
    req.end();
  });
}

const UNAUTHORIZED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };

describe('TLS and authentication', () => {
  test('--tls: kubectl and client-node over HTTPS with the generated kubeconfig; 401 without credentials; kept across restarts', async () => {
    const data = mkdtempSync(join(tmpdir(), 'tinykube-tls-'));
    let cluster = await withCluster({ store: 'sqlite', data, tls: true });
    let kubeconfig: string;
    try {
      assert.match(cluster.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      kubeconfig = readFileSync(cluster.kubeconfigPath, 'utf8');
      assert.match(kubeconfig, /certificate-authority-data: [A-Za-z0-9+/=]+\n/);
      assert.match(kubeconfig, /\n {4}token: [0-9a-f]{64}\n/);
      assert.doesNotMatch(kubeconfig, /insecure-skip-tls-verify/);
      const got = await kubectl('1.33', cluster, ['get', 'namespaces', '-o', 'name']);
      assert.deepEqual([got.code, got.stdout], [0, 'namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\nnamespace/kube-system\n'], got.stderr);
      const whoami = await kubectl('1.33', cluster, ['auth', 'whoami']);
      assert.deepEqual([whoami.code, whoami.stdout], [0, 'ATTRIBUTE   VALUE\nUsername    tinykube-admin\nGroups      [system:masters system:authenticated]\n'], whoami.stderr);
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(cluster.kubeconfigPath);
      assert.equal(kc.getCurrentCluster()?.skipTLSVerify, false);
      const core = kc.makeApiClient(k8s.CoreV1Api);
      assert.equal((await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } })).metadata?.name, 'p');
      assert.deepEqual(await httpsGet(cluster, '/api/v1/namespaces'), { status: 401, body: UNAUTHORIZED });
      assert.deepEqual(await httpsGet(cluster, '/api/v1/namespaces', { Authorization: 'Bearer not-a-token' }), { status: 401, body: UNAUTHORIZED });
      assert.deepEqual(await httpsGet(cluster, '/readyz'), { status: 200, body: 'ok' });
      // A client whose certificate the CA signed is its CN, in its Os.
      const { cert, key } = cluster.issueClientCertificate('alice', ['dev', 'qa']);
      const alice = kubeconfig.replace(/ {4}token: \S+/, `    client-certificate-data: ${Buffer.from(cert).toString('base64')}\n    client-key-data: ${Buffer.from(key).toString('base64')}`);
      const aliceConfig = scratchFile('alice.kubeconfig', alice);
      const asAlice = await kubectl('1.33', cluster, ['--kubeconfig', aliceConfig, 'auth', 'whoami']);
      assert.deepEqual([asAlice.code, asAlice.stdout], [0, 'ATTRIBUTE   VALUE\nUsername    alice\nGroups      [dev qa system:authenticated]\n'], asAlice.stderr);
      // Authorization follows authentication: alice may read pods once bound to view.
      const refused = await kubectl('1.33', cluster, ['--kubeconfig', aliceConfig, 'get', 'pods', '-o', 'name']);
      assert.deepEqual([refused.code, refused.stderr], [1, 'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"\n']);
      const bound = await kubectl('1.33', cluster, ['create', 'clusterrolebinding', 'alice-view', '--clusterrole=view', '--user=alice']);
      assert.equal(bound.stdout, 'clusterrolebinding.rbac.authorization.k8s.io/alice-view created\n', bound.stderr);
      const pods = await kubectl('1.33', cluster, ['--kubeconfig', aliceConfig, 'get', 'pods', '-o', 'name']);
      assert.deepEqual([pods.code, pods.stdout], [0, 'pod/p\n'], pods.stderr);
    } finally {
      await cluster.close();
    }
    // The same CA, certificate and token after a restart: the old kubeconfig still works.
    cluster = await withCluster({ store: 'sqlite', data, tls: true });
    try {
      assert.equal(readFileSync(cluster.kubeconfigPath, 'utf8').replace(/:\d+\n/, '\n'), kubeconfig!.replace(/:\d+\n/, '\n'));
      const got = await kubectl('1.33', cluster, ['get', 'pods', '-o', 'name']);
      assert.deepEqual([got.code, got.stdout], [0, 'pod/p\n'], got.stderr);
    } finally {
      await cluster.close();
    }
  });

  test("--token-file: kube's static token format authenticates users with their uid and groups", async () => {
    const file = scratchFile('tokens.csv', '# token,user,uid,groups\nt0k3n-bob,bob,1001,"dev,ops"\nt0k3n-eve,eve,1002\n');
    const cluster = await withCluster({ tokenFile: file });
    try {
      assert.deepEqual([(await http(cluster, 'GET', '/api/v1/namespaces')).status, (await http(cluster, 'GET', '/api/v1/namespaces')).json()], [401, UNAUTHORIZED]);
      const review = await http(cluster, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, { Authorization: 'Bearer t0k3n-bob' });
      assert.deepEqual([review.status, review.json()], [201, {
        kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null },
        status: { userInfo: { username: 'bob', uid: '1001', groups: ['dev', 'ops', 'system:authenticated'] } },
      }]);
      // Authenticated but bound to nothing: kube's 403, a namespace's own namespace being its name.
      const eve = await http(cluster, 'GET', '/api/v1/namespaces/default', undefined, { Authorization: 'Bearer t0k3n-eve' });
      assert.deepEqual([eve.status, eve.json().message], [403, 'namespaces "default" is forbidden: User "eve" cannot get resource "namespaces" in API group "" in the namespace "default"']);
    } finally {
      await cluster.close();
    }
    const bad = scratchFile('bad-tokens.csv', 'ok,alice,1\nonly-two,fields\n');
    await assert.rejects(withCluster({ tokenFile: bad }), (e: Error) => {
      assert.ok(e instanceof StartupError, 'a StartupError');
      assert.equal(e.message, `bad --token-file: ${bad}, line 2: expected token,user,uid[,"group1,group2"]`);
      return true;
    });
  });

  test("a websocket's bearer token in the subprotocol base64url.bearer.authorization.k8s.io.<token>, as a browser sends it", async () => {
    // '>>>' is Pj4- in base64url and Pj4+ in standard base64: only the first is kube's encoding.
    const file = scratchFile('ws-tokens.csv', 't0k3n-root,root,1,system:masters\n>>>,arrows,2,system:masters\n');
    await using cluster = await withCluster({ tokenFile: file });
    const url = cluster.url.replace(/^http/, 'ws') + '/api/v1/namespaces?watch=true';
    const bearer = (token: string) => `base64url.bearer.authorization.k8s.io.${Buffer.from(token).toString('base64url')}`;
    /** Opens a websocket offering `protocols`: the first event and the protocol echoed, or the refusal's status and body. */
    const open = (protocols: string[]) => new Promise<{ status: number; protocol?: string; first?: any; body?: any }>((resolve, reject) => {
      const ws = new WebSocket(url, protocols);
      ws.on('message', (data) => { resolve({ status: 101, protocol: ws.protocol, first: JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : '') }); ws.close(); });
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
      });
      ws.on('error', (e) => { if (!/Unexpected server response/.test(e.message)) reject(e); });
    });
    const accepted = await open([bearer('t0k3n-root'), 'base64.binary.k8s.io']);
    assert.equal(accepted.status, 101);
    // The token's entry is removed before the subprotocol is chosen: the other one is echoed.
    assert.equal(accepted.protocol, 'base64.binary.k8s.io');
    assert.equal(accepted.first.type, 'ADDED');
    assert.equal(accepted.first.object.kind, 'Namespace');
    assert.equal(bearer('>>>'), 'base64url.bearer.authorization.k8s.io.Pj4-');
    assert.equal((await open([bearer('>>>'), 'base64.binary.k8s.io'])).status, 101);
    // Refused as kube refuses them, with its plain 401: no token, a wrong one, two, standard base64
    // rather than base64url, and a token with no other subprotocol to echo.
    for (const protocols of [
      ['base64.binary.k8s.io'],
      [bearer('wrong'), 'base64.binary.k8s.io'],
      [bearer('t0k3n-root'), bearer('>>>'), 'base64.binary.k8s.io'],
      ['base64url.bearer.authorization.k8s.io.Pj4+', 'base64.binary.k8s.io'],
      [bearer('t0k3n-root')],
    ]) {
      const refused = await open(protocols);
      assert.deepEqual([refused.status, refused.body], [401, UNAUTHORIZED], protocols.join(', '));
    }
    // Over plain HTTP the entry means nothing: only websockets carry a token there.
    const plain = await http(cluster, 'GET', '/api/v1/namespaces', undefined, { 'Sec-WebSocket-Protocol': bearer('t0k3n-root') });
    assert.equal(plain.status, 401);
  });
});
