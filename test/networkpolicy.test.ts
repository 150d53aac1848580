// NetworkPolicy enforced on traffic between simulated pods, driven by real kubectl: pod a reaches
// Service b with curl; a policy denying all ingress to the pods labelled app=b makes the same curl
// time out as with a CNI dropping packets (curl's exit 28 and its words), and deleting the policy
// lets it through again. Also: `kubectl get netpol` columns, `kubectl describe networkpolicy` as
// kubectl prints kube's object, kube's defaults and validation texts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, kubectlOk, rows, withCluster } from './helpers.js';

const VERSIONS = ['1.27', '1.30', '1.33'];

const DENY_B = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny-b
spec:
  podSelector:
    matchLabels:
      app: b
  policyTypes: [Ingress]
`;

const ALLOW_A_TO_B = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-a
spec:
  podSelector:
    matchLabels:
      app: b
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app: a
    ports:
    - port: 80
`;

for (const v of VERSIONS) {
  describe(`NetworkPolicy on in-pod traffic, kubectl ${v}`, () => {
    let cluster: Cluster;
    let podA = '';
    let podC = '';
    const ok = (...args: string[]) => kubectlOk(v, cluster, args);
    const curl = (pod: string, ...args: string[]) => kubectl(v, cluster, ['exec', pod, '--', 'curl', ...args], { timeoutMs: 30_000 });
    const runningPod = async (app: string) => {
      const pods = (await http(cluster, 'GET', `/api/v1/namespaces/default/pods?labelSelector=app=${app}`)).json().items
        .filter((p: { status: { phase: string; podIP?: string } }) => p.status.phase === 'Running' && p.status.podIP);
      return pods[0]?.metadata.name as string | undefined;
    };

    before(async () => {
      cluster = await withCluster({ controlPlane: true, nodes: 2, loadBalancerAddress: false });
      await ok('create', 'deployment', 'a', '--image=busybox', '--', 'sleep', '3600');
      await ok('create', 'deployment', 'c', '--image=busybox', '--', 'sleep', '3600');
      await ok('create', 'deployment', 'b', '--image=nginx');
      await ok('expose', 'deployment', 'b', '--port=80');
      podA = await eventually(() => runningPod('a'), 20_000, 'a running pod a');
      podC = await eventually(() => runningPod('c'), 20_000, 'a running pod c');
      await eventually(async () => (await curl(podA, '-s', '-m', '2', 'http://b/')).code === 0, 20_000, 'pod a reaching service b');
    });
    after(async () => { await cluster.close(); });

    test('deny all ingress to app=b: curl from a times out, and gets through once the policy is gone', async () => {
      const open = await curl(podA, '-s', '-m', '2', 'http://b/');
      assert.match(open.stdout, /<h1>Welcome to nginx!<\/h1>/);

      assert.equal(await kubectlOk(v, cluster, ['create', '-f', '-'], { stdin: DENY_B }), 'networkpolicy.networking.k8s.io/deny-b created\n');
      const started = Date.now();
      const denied = await curl(podA, '-m', '2', 'http://b/');
      const took = Date.now() - started;
      assert.equal(denied.code, 28);
      assert.match(denied.stderr, /^curl: \(28\) Connection timed out after 20\d\d milliseconds\ncommand terminated with exit code 28\n$/);
      assert.equal(denied.stdout, '');
      assert.ok(took >= 2000, `curl gave up after ${took} ms, not the 2 s asked for`);
      // The same with --connect-timeout, to the pod's IP directly.
      const ip = (await http(cluster, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app=b')).json().items[0].status.podIP;
      const direct = await curl(podA, '-sS', '--connect-timeout', '1', `http://${ip}/`);
      assert.equal(direct.code, 28);
      assert.match(direct.stderr, /^curl: \(28\) Connection timed out after 1\d\d\d milliseconds\n/);

      assert.equal(await ok('delete', 'networkpolicy', 'deny-b'), 'networkpolicy.networking.k8s.io "deny-b" deleted\n');
      const again = await curl(podA, '-s', '-m', '2', 'http://b/');
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /<h1>Welcome to nginx!<\/h1>/);
    });

    test('an ingress rule from app=a on port 80: a gets through, c does not', async () => {
      await kubectlOk(v, cluster, ['apply', '-f', '-'], { stdin: ALLOW_A_TO_B });
      assert.equal((await curl(podA, '-s', '-m', '1', 'http://b.default.svc.cluster.local/')).code, 0);
      const fromC = await curl(podC, '-s', '-m', '1', 'http://b/');
      assert.equal(fromC.code, 28);
      assert.equal(fromC.stderr, 'command terminated with exit code 28\n', 'curl -s prints no error');

      const np = (await http(cluster, 'GET', '/apis/networking.k8s.io/v1/namespaces/default/networkpolicies/allow-a')).json();
      assert.deepEqual(np.spec, {
        podSelector: { matchLabels: { app: 'b' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }], ports: [{ port: 80, protocol: 'TCP' }] }],
        policyTypes: ['Ingress'],
      });
      const [header, row] = rows(await ok('get', 'netpol'));
      assert.deepEqual(header, ['NAME', 'POD-SELECTOR', 'AGE']);
      assert.deepEqual(row.slice(0, 2), ['allow-a', 'app=b']);
      const described = await ok('describe', 'networkpolicy', 'allow-a');
      // kubectl prints this from the object: the defaults (policyTypes, protocol) show here.
      assert.equal(described.replace(/^Created on: .*\n/m, ''), [
        'Name:         allow-a', 'Namespace:    default', 'Labels:       <none>', 'Annotations:  <none>', 'Spec:',
        '  PodSelector:     app=b', '  Allowing ingress traffic:', '    To Port: 80/TCP', '    From:', '      PodSelector: app=a',
        '  Not affecting egress traffic', '  Policy Types: Ingress', '',
      ].join('\n'));
      await ok('delete', 'netpol', 'allow-a');
    });

    test('validation in kube\'s words', async () => {
      const bad = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: bad
spec:
  podSelector: {}
  policyTypes: [Ingress, Sideways]
  ingress:
  - from:
    - {}
    - ipBlock: {cidr: 10.0.0.0/33}
    - ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}
      podSelector: {}
    ports:
    - port: 0
      protocol: ICMP
    - port: http
      endPort: 90
`;
      const r = await kubectl(v, cluster, ['create', '-f', '-'], { stdin: bad });
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'The NetworkPolicy "bad" is invalid: \n'
        + '* spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"\n'
        + '* spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive\n'
        + '* spec.ingress[0].ports[1].endPort: Invalid value: 90: may not be specified when `port` is non-numeric\n'
        + '* spec.ingress[0].from[0]: Required value: must specify a peer\n'
        + '* spec.ingress[0].from[1].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)\n'
        + '* spec.ingress[0].from[2].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`\n'
        + '* spec.ingress[0].from[2]: Forbidden: may not specify both ipBlock and another peer\n'
        + '* spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"\n');
    });
  });
}
