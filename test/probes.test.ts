// Probes run by the simulated kubelet, seen as a user sees them with the real kubectl: a failing
// readiness probe keeps a pod 0/1 and in its service's notReadyAddresses, a passing one makes it
// ready; a failing liveness probe restarts the container (RESTARTS grows, Killing events, then
// CrashLoopBackOff with kube's back-off message); a startup probe that never passes keeps the
// container not started and restarts it. Probes here run every second with low thresholds.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, withCluster } from './helpers.js';

interface ContainerStatusView { name: string; ready: boolean; started?: boolean; restartCount: number; state: Record<string, { reason?: string; message?: string }>; lastState: { terminated?: { exitCode: number; reason: string } } }
interface PodView { metadata: { uid: string }; status: { phase?: string; podIP?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[]; containerStatuses?: ContainerStatusView[] } }

/** A pod of one nginx container (serving / and /index.html on port 80) with the probes given. */
function podManifest(name: string, probes: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } },
    spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80, name: 'http' }], ...probes }] },
  });
}

describe('probes, kubectl 1.33', () => {
  let cluster: Cluster;
  const k = async (...args: string[]) => {
    const r = await kubectl('1.33', cluster, args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const create = (manifest: string) => kubectl('1.33', cluster, ['create', '-f', '-'], { stdin: manifest });
  const pod = async (name: string): Promise<PodView> => (await http(cluster, 'GET', `/api/v1/namespaces/default/pods/${name}`)).json();
  const container = async (name: string) => (await pod(name)).status.containerStatuses?.[0];
  const row = async (name: string) => (await k('get', 'pod', name, '--no-headers')).trim();
  /** The pod's events as `kubectl describe pod` prints them, age column left out. */
  const describedEvents = async (name: string) => {
    const out = await k('describe', 'pod', name);
    return out.slice(out.indexOf('\nEvents:')).split('\n').slice(3).map((l) => l.trim().split(/\s{2,}/)).filter((cells) => cells.length >= 4)
      .map(([type, reason, , from, message]) => `${type} ${reason} ${from}: ${message}`);
  };

  const unhealthyCount = async (name: string): Promise<number> =>
    (await http(cluster, 'GET', `/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=${name},reason=Unhealthy`)).json().items[0]?.count ?? 0;

  before(async () => { cluster = await withCluster({ controlPlane: true, nodes: 1, loadBalancerAddress: false }); });
  after(async () => { await cluster.close(); });

  test('a readiness probe on a path the app does not serve: 0/1 READY, notReadyAddresses, Unhealthy events', async () => {
    const readinessProbe = { httpGet: { path: '/healthz', port: 80 }, periodSeconds: 1 };
    assert.equal((await create(podManifest('unready', { readinessProbe }))).stdout, 'pod/unready created\n');
    assert.equal((await k('expose', 'pod', 'unready', '--port=80')), 'service/unready exposed\n');
    const ip = await eventually(async () => (await pod('unready')).status.podIP, 8000, 'a pod IP');
    // Three failures (the default failureThreshold) a second apart: still unready, as from the start.
    await eventually(async () => (await unhealthyCount('unready')) >= 3, 8000, 'three failed probes');
    assert.match(await row('unready'), /^unready +0\/1 +Running +0 +\d+s$/);
    const c = await container('unready');
    assert.deepEqual([c?.ready, c?.started, c?.restartCount], [false, true, 0]);
    const conditions = (await pod('unready')).status.conditions ?? [];
    assert.deepEqual(conditions.filter((x) => x.type === 'Ready' || x.type === 'ContainersReady').map((x) => [x.type, x.status, x.reason, x.message]), [
      ['ContainersReady', 'False', 'ContainersNotReady', 'containers with unready status: [nginx]'],
      ['Ready', 'False', 'ContainersNotReady', 'containers with unready status: [nginx]'],
    ]);
    const subsets = await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/endpoints/unready')).json().subsets, 5000, 'endpoints');
    assert.deepEqual(subsets, [{ notReadyAddresses: [{ ip, nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'unready', uid: (await pod('unready')).metadata.uid } }], ports: [{ port: 80, protocol: 'TCP' }] }]);
    assert.equal(await k('get', 'endpoints', 'unready', '--no-headers', '-o', 'custom-columns=E:.subsets[*].addresses[*].ip'), '<none>\n');
    const events = await describedEvents('unready');
    assert.ok(events.includes('Warning Unhealthy kubelet: Readiness probe failed: HTTP probe failed with statuscode: 404'), events.join('\n'));
    // The app saw the kubelet's requests, from the node's address.
    assert.match(await k('logs', 'unready'), /Received request from 172\.18\.0\.2/);
  });

  test('passing probes of every kind (httpGet by port name, exec, tcpSocket, grpc): 1/1 READY and in the addresses', async () => {
    const probes = {
      startupProbe: { tcpSocket: { port: 80 }, periodSeconds: 1 },
      readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
      livenessProbe: { exec: { command: ['sh', '-c', 'echo ok'] }, periodSeconds: 1 },
    };
    assert.equal((await create(podManifest('ready', probes))).code, 0);
    assert.equal((await create(podManifest('grpc', { livenessProbe: { grpc: { port: 80 }, periodSeconds: 1 } }))).code, 0);
    await k('expose', 'pod', 'ready', '--port=80');
    await eventually(async () => /^ready +1\/1 +Running +0 +\d+s$/.test(await row('ready')), 8000, 'ready 1/1');
    const c = await container('ready');
    assert.deepEqual([c?.ready, c?.started], [true, true]);
    const ip = (await pod('ready')).status.podIP;
    await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/endpoints/ready')).json().subsets?.[0]?.addresses?.[0]?.ip === ip, 5000, 'the pod in addresses');
    await new Promise((r) => setTimeout(r, 2500));
    assert.match(await row('ready'), /^ready +1\/1 +Running +0 +\d+s$/, 'liveness passes: no restarts');
    assert.match(await row('grpc'), /^grpc +1\/1 +Running +0 +\d+s$/);
    assert.deepEqual((await describedEvents('ready')).filter((e) => e.startsWith('Warning')), []);
  });

  test('a failing liveness probe restarts the container: RESTARTS grows, Killing events, then CrashLoopBackOff', async () => {
    const livenessProbe = { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 1 };
    assert.equal((await create(podManifest('live', { livenessProbe }))).code, 0);
    const { metadata: { uid }, status: { podIP } } = await eventually(async () => { const p = await pod('live'); return p.status.podIP ? p : undefined; }, 8000, 'a pod IP');
    // The first kill restarts at once; the second waits out the 10 s back-off.
    const waiting = await eventually(async () => { const c = await container('live'); return c?.state.waiting?.reason === 'CrashLoopBackOff' && c; }, 8000, 'CrashLoopBackOff');
    assert.equal(waiting.restartCount, 1);
    assert.equal(waiting.state.waiting.message, `back-off 10s restarting failed container=nginx pod=live_default(${uid})`);
    assert.deepEqual([waiting.lastState.terminated?.exitCode, waiting.lastState.terminated?.reason, waiting.ready, waiting.started], [137, 'Error', false, false]);
    assert.match(await row('live'), /^live +0\/1 +CrashLoopBackOff +1 \(\d+s ago\) +\d+s$/);
    const events = await describedEvents('live');
    for (const e of [
      `Warning Unhealthy kubelet: Liveness probe failed: Get "http://${podIP}:8080/healthz": dial tcp ${podIP}:8080: connect: connection refused`,
      'Normal Killing kubelet: Container nginx failed liveness probe, will be restarted',
      'Normal Pulling kubelet: Pulling image "nginx"',
      'Normal Created kubelet: Created container: nginx',
      'Normal Started kubelet: Started container nginx',
      `Warning BackOff kubelet: Back-off restarting failed container nginx in pod live_default(${uid})`,
    ]) assert.ok(events.includes(e), `${e}\nnot in\n${events.join('\n')}`);
    const killing = (await http(cluster, 'GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=live,reason=Killing')).json().items;
    assert.deepEqual([killing[0].count, killing[0].involvedObject.fieldPath], [2, 'spec.containers{nginx}']);
    await eventually(async () => /^live +0\/1 +(Running|CrashLoopBackOff) +2 \(\d+s ago\) +\d+s$/.test(await row('live')), 14_000, 'the second restart after 10 s');
  });

  test('a startup probe that never passes: the container is not started, not ready, and is restarted', async () => {
    const probes = {
      startupProbe: { tcpSocket: { port: 9999 }, periodSeconds: 1, failureThreshold: 2 },
      readinessProbe: { httpGet: { path: '/', port: 80 }, periodSeconds: 1 },
    };
    assert.equal((await create(podManifest('slow', probes))).code, 0);
    await eventually(async () => (await container('slow'))?.state.running, 8000, 'running');
    const c = await container('slow');
    assert.deepEqual([c?.started, c?.ready], [false, false]);
    assert.match(await row('slow'), /^slow +0\/1 +Running +0 +\d+s$/);
    await eventually(async () => ((await container('slow'))?.restartCount ?? 0) >= 1, 8000, 'a restart');
    const { status: { podIP } } = await pod('slow');
    const events = await describedEvents('slow');
    for (const e of [
      `Warning Unhealthy kubelet: Startup probe failed: dial tcp ${podIP}:9999: connect: connection refused`,
      'Normal Killing kubelet: Container nginx failed startup probe, will be restarted',
    ]) assert.ok(events.includes(e), `${e}\nnot in\n${events.join('\n')}`);
    assert.ok(!events.some((e) => e.includes('Readiness probe')), 'readiness waits for the startup probe');
  });

  test('a pod deleted while probed: its probes stop with it', async () => {
    await k('delete', 'pod', 'live', '--grace-period=0', '--force');
    await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/pods/live')).status === 404, 5000, 'live deleted');
    const before = await unhealthyCount('live');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await unhealthyCount('live'), before);
  });
});
