// NetworkPolicy semantics (allowed), Ingress routing (route), and how curl and wget fail when a
// policy drops their packets: pure functions, no cluster.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Ingress, NetworkPolicy, NetworkPolicySpec, Pod } from '../../src/api/objects.js';
import { route } from '../../src/kubelet/ingress-routing.js';
import { runCommand, type ExecContext } from '../../src/kubelet/containers.js';
import { allowed, inCIDR, type NamespaceLabels } from '../../src/kubelet/network-policy.js';

function pod(name: string, labels: Record<string, string>, ip: string, namespace = 'default', ports: { name: string; containerPort: number }[] = []): Pod {
  return { metadata: { name, namespace, labels }, spec: { containers: [{ name: 'c', image: 'x', ports }] }, status: { podIP: ip } };
}

function policy(name: string, spec: NetworkPolicySpec, namespace = 'default'): NetworkPolicy {
  return { metadata: { name, namespace }, spec: { policyTypes: ['Ingress'], ...spec } };
}

const a = pod('a', { app: 'a' }, '10.244.1.2');
const b = pod('b', { app: 'b' }, '10.244.1.3', 'default', [{ name: 'http', containerPort: 80 }]);
const other = pod('o', { app: 'a' }, '10.244.2.9', 'other');
const namespaces: NamespaceLabels = new Map<string, Record<string, string>>([['default', {}], ['other', { team: 'x' }]]);
const at = (from: Pod, to: Pod, port = 80, policies: NetworkPolicy[] = []) =>
  allowed({ pod: from, ip: from.status?.podIP ?? '' }, { pod: to, ip: to.status?.podIP ?? '' }, { port }, policies, namespaces);

test('no policy selects a pod: everything reaches it', () => {
  assert.equal(at(a, b), true);
  assert.equal(at(a, b, 80, [policy('deny-c', { podSelector: { matchLabels: { app: 'c' } } })]), true);
});

test('a deny-all ingress policy isolates the pods it selects, in its namespace only', () => {
  const deny = policy('deny-b', { podSelector: { matchLabels: { app: 'b' } } });
  assert.equal(at(a, b, 80, [deny]), false);
  assert.equal(at(b, a, 80, [deny]), true);
  const denyAll = policy('deny-all', { podSelector: {} }, 'other');
  assert.equal(at(a, b, 80, [denyAll]), true);
  assert.equal(at(a, other, 80, [denyAll]), false);
});

test('ingress rules: podSelector in the policy namespace, namespaceSelector, both, ports by number, range and name', () => {
  const fromA = policy('p', { podSelector: { matchLabels: { app: 'b' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }] }] });
  assert.equal(at(a, b, 80, [fromA]), true);
  assert.equal(at(other, b, 80, [fromA]), false, 'a podSelector alone selects in the policy namespace');
  const fromTeam = policy('p', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'x' } } }] }] });
  assert.equal(at(other, b, 80, [fromTeam]), true);
  assert.equal(at(a, b, 80, [fromTeam]), false);
  const byName = policy('p', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'default' } }, podSelector: { matchLabels: { app: 'a' } } }] }] });
  assert.equal(at(a, b, 80, [byName]), true);
  assert.equal(at(other, b, 80, [byName]), false);
  const ports = policy('p', { podSelector: {}, ingress: [{ ports: [{ port: 8000, endPort: 8080, protocol: 'TCP' }, { port: 'http' }] }] });
  assert.equal(at(a, b, 8080, [ports]), true);
  assert.equal(at(a, b, 80, [ports]), true, 'the named port http is 80 on b');
  assert.equal(at(a, b, 81, [ports]), false);
  assert.equal(at(a, b, 80, [policy('udp', { podSelector: {}, ingress: [{ ports: [{ protocol: 'UDP' }] }] })]), false);
  assert.equal(at(a, b, 80, [policy('all', { podSelector: {}, ingress: [{}] })]), true, 'an empty rule admits everything');
});

test('any policy allowing is enough; egress isolates the source; ipBlock matches addresses', () => {
  const deny = policy('deny', { podSelector: {} });
  const allow = policy('allow', { podSelector: { matchLabels: { app: 'b' } }, ingress: [{ from: [{ ipBlock: { cidr: '10.244.0.0/16', except: ['10.244.2.0/24'] } }] }] });
  assert.equal(at(a, b, 80, [deny, allow]), true);
  assert.equal(at(other, b, 80, [deny, allow]), false, 'in the except range');
  const noEgress = policy('no-egress', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'] });
  assert.equal(at(a, b, 80, [noEgress]), false);
  assert.equal(at(b, a, 80, [noEgress]), true, 'egress isolation does not touch ingress');
  const egressToB = policy('to-b', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'b' } } }], ports: [{ port: 80 }] }] });
  assert.equal(at(a, b, 80, [egressToB]), true);
  assert.equal(at(a, b, 443, [egressToB]), false);
  assert.equal(inCIDR('10.0.0.1', '10.0.0.0/8'), true);
  assert.equal(inCIDR('11.0.0.1', '10.0.0.0/8'), false);
  assert.equal(inCIDR('1.2.3.4', '0.0.0.0/0'), true);
});

function ingress(name: string, created: string, spec: Ingress['spec']): Ingress {
  return { metadata: { name, namespace: 'default', creationTimestamp: created }, spec };
}
const svc = (name: string) => ({ service: { name, port: { number: 80 } } });

test('routing: exact host, then wildcard, then any host; longest path, Exact before Prefix; defaultBackend', () => {
  const web = ingress('web', '2025-01-01T00:00:00Z', {
    rules: [
      { host: 'a.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: svc('root') }, { path: '/api', pathType: 'Prefix', backend: svc('api') }, { path: '/api', pathType: 'Exact', backend: svc('exact') }] } },
      { host: '*.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: svc('wild') }] } },
      { http: { paths: [{ path: '/any', pathType: 'ImplementationSpecific', backend: svc('any') }] } },
    ],
  });
  const fallback = ingress('fallback', '2025-01-02T00:00:00Z', { defaultBackend: svc('default') });
  const to = (host: string, url: string) => route([web, fallback], host, url)?.backend.service?.name;
  assert.equal(to('a.example', '/'), 'root');
  assert.equal(to('a.example', '/api'), 'exact');
  assert.equal(to('a.example', '/api/'), 'api');
  assert.equal(to('a.example', '/api/v1?x=1'), 'api');
  assert.equal(to('a.example', '/apis'), 'root', 'Prefix matches whole path elements');
  assert.equal(to('b.example', '/x'), 'wild');
  assert.equal(to('x.b.example', '/any'), 'any', 'a wildcard matches one label only');
  assert.equal(to('c.test', '/any/thing'), 'any');
  assert.equal(to('c.test', '/nothing'), 'default');
  assert.equal(route([web], 'c.test', '/nothing'), undefined);
});

function droppedContext(): ExecContext & { slept: number[] } {
  const slept: number[] = [];
  return {
    slept, podName: 'client', env: {}, stdin: async () => Buffer.alloc(0), now: () => new Date(0),
    sleep: async (ms) => { slept.push(ms); },
    fetch: (url) => ({ error: 'timeout', host: url.hostname, port: 80 }),
  };
}

async function run(argv: string[], ctx: ExecContext): Promise<[string, number]> {
  const r = await runCommand(argv, ctx);
  return [r.stderr.toString('utf8'), r.exitCode];
}

test('dropped packets: curl and wget time out in their own words', async () => {
  const ctx = droppedContext();
  assert.deepEqual(await run(['curl', '-m', '2', 'http://b'], ctx), ['curl: (28) Connection timed out after 2000 milliseconds\n', 28]);
  assert.deepEqual(await run(['curl', '--connect-timeout', '0.5', '-m', '3', 'http://b'], ctx), ['curl: (28) Connection timed out after 500 milliseconds\n', 28]);
  assert.deepEqual(await run(['curl', '-s', '-m', '1', 'http://b'], ctx), ['', 28]);
  assert.deepEqual(await run(['curl', 'http://b'], ctx), ["curl: (28) Failed to connect to b port 80 after 10000 ms: Couldn't connect to server\n", 28]);
  assert.deepEqual(await run(['wget', '-T', '2', '-qO-', 'http://b'], ctx), ['wget: download timed out\n', 1]);
  assert.deepEqual(await run(['wget', '-qO-', 'http://b'], ctx), ["wget: can't connect to remote host (b): Connection timed out\n", 1]);
  assert.deepEqual(ctx.slept, [2000, 500, 1000, 10_000, 2000, 10_000]);
});
