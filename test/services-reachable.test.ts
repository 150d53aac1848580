// Services reachable from the host, as in Kubernetes in Action's tutorial: the kubia RC exposed
// as a LoadBalancer gets an EXTERNAL-IP that answers `You've hit kubia-xxxxx` from every pod, a
// NodePort answers on its nodePort, ClientIP affinity keeps a client on one pod, no ready pod
// means connection refused, and a port already taken is reported on the service, not a crash.
// Each kubectl version gets its own cluster and its own loopback address, so ports never collide.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, withCluster } from './helpers.js';
import { getOnce, loopbackAddress } from './net.js';

const VERSIONS = ['1.27', '1.30', '1.33'];

/** The book's kubia RC: 3 replicas of luksa/kubia on port 8080. */
const KUBIA_RC = join(import.meta.dirname, '..', 'fixtures', 'kubia-rc.yaml');

for (const v of VERSIONS) {
  describe(`services reachable from the host, kubectl ${v}`, () => {
    let cluster: Cluster;
    const address = loopbackAddress();
    const k = async (...args: string[]) => {
      const r = await kubectl(v, cluster, args);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const runningKubias = async (n: number) => {
      const pods = (await http(cluster, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app=kubia')).json().items
        .filter((p: { status: { phase: string }; metadata: { deletionTimestamp?: string } }) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp);
      return pods.length === n && pods;
    };

    before(async () => {
      cluster = await withCluster({ controlPlane: true, nodes: 3, loadBalancerAddress: address });
      await k('create', '-f', KUBIA_RC);
      await eventually(() => runningKubias(3), 8000, '3 running kubia pods');
    });
    after(async () => { await cluster.close(); });

    test('expose --type=LoadBalancer: EXTERNAL-IP within 5 s, and 20 connections reach all 3 pods', async () => {
      assert.equal(await k('expose', 'rc', 'kubia', '--type=LoadBalancer', '--name', 'kubia-http'), 'service/kubia-http exposed\n');
      const row = await eventually(async () => {
        const line = (await k('get', 'svc', 'kubia-http')).split('\n')[1];
        return line?.split(/\s+/)[3] === address && line;
      }, 5000, 'an EXTERNAL-IP');
      assert.match(row, new RegExp(`^kubia-http +LoadBalancer +10\\.\\d+\\.\\d+\\.\\d+ +${address.replaceAll('.', '\\.')} +8080:3\\d{4}/TCP +\\d+s$`));
      await eventually(async () => (await getOnce(address, 8080)).body?.startsWith("You've hit"), 5000, 'the load balancer answering');
      // Running is not yet ready: a pod's endpoint may follow its Ready condition a moment later.
      await eventually(async () => {
        const slices = (await http(cluster, 'GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io/service-name=kubia-http')).json().items;
        return slices.flatMap((s: { endpoints?: { conditions?: { ready?: boolean } }[] }) => s.endpoints ?? []).filter((e: { conditions?: { ready?: boolean } }) => e.conditions?.ready).length === 3;
      }, 5000, '3 ready endpoints');
      const pods = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const r = await getOnce(address, 8080);
        assert.equal(r.status, 200, r.error);
        assert.match(r.body ?? '', /^You've hit kubia-[a-z0-9]{5}\n$/);
        pods.add(r.body ?? '');
      }
      assert.equal(pods.size, 3, `reached ${[...pods].join(', ')}`);
      const events = (await http(cluster, 'GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=kubia-http')).json().items;
      assert.deepEqual(events.map((e: { reason: string; message: string }) => `${e.reason}: ${e.message}`), ['EnsuringLoadBalancer: Ensuring load balancer', 'EnsuredLoadBalancer: Ensured load balancer']);
    });

    test('a NodePort service answers on its nodePort; ClientIP affinity keeps a client on one pod', async () => {
      await k('expose', 'rc', 'kubia', '--type=NodePort', '--name', 'kubia-np', '--port=80', '--target-port=8080');
      const nodePort = (await http(cluster, 'GET', '/api/v1/namespaces/default/services/kubia-np')).json().spec.ports[0].nodePort;
      assert.ok(nodePort >= 30000 && nodePort <= 32767, String(nodePort));
      const reply = await eventually(async () => (await getOnce(address, nodePort)).body, 5000, 'the nodePort answering');
      assert.match(reply, /^You've hit kubia-[a-z0-9]{5}\n$/);
      await k('patch', 'svc', 'kubia-np', '-p', '{"spec":{"sessionAffinity":"ClientIP"}}');
      await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/services/kubia-np')).json().spec.sessionAffinity === 'ClientIP', 2000, 'affinity set');
      const seen = new Set<string>();
      for (let i = 0; i < 10; i++) seen.add((await getOnce(address, nodePort)).body ?? '');
      assert.equal(seen.size, 1, `one pod for one client: ${[...seen].join(', ')}`);
    });

    test('a port already taken is reported on the service, EXTERNAL-IP stays <pending> until the port is free', async () => {
      const squatter = createServer();
      await new Promise<void>((resolve) => squatter.listen(0, address, resolve));
      const port = (squatter.address() as { port: number }).port;
      try {
        await k('create', 'service', 'loadbalancer', 'taken', `--tcp=${port}:8080`);
        const events = await eventually(async () => {
          const items = (await http(cluster, 'GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=taken,reason=SyncLoadBalancerFailed')).json().items;
          return items.length > 0 && items;
        }, 5000, 'a SyncLoadBalancerFailed event');
        assert.equal(events[0].type, 'Warning');
        assert.equal(events[0].message, `Error syncing load balancer: failed to ensure load balancer: listen tcp ${address}:${port}: bind: address already in use`);
        const svc = (await http(cluster, 'GET', '/api/v1/namespaces/default/services/taken')).json();
        assert.deepEqual(svc.status.loadBalancer, {});
        assert.deepEqual([svc.status.conditions[0].type, svc.status.conditions[0].status, svc.status.conditions[0].reason], ['tinykube.io/LoadBalancerListening', 'False', 'PortInUse']);
        assert.match((await k('get', 'svc', 'taken')).split('\n')[1], /^taken +LoadBalancer +\S+ +<pending> +/);
      } finally {
        squatter.close();
      }
      // The service controller tries again: the port is free now.
      const ready = await eventually(async () => {
        const svc = (await http(cluster, 'GET', '/api/v1/namespaces/default/services/taken')).json();
        return svc.status.loadBalancer.ingress?.[0]?.ip === address && svc;
      }, 10_000, 'the load balancer ensured once the port is free');
      assert.equal(ready.status.conditions, undefined);
    });

    // Exec rides websocket from kubectl 1.30 (SPDY, for 1.27-1.29, is not served yet).
    if (v !== '1.27') {
      test('inside a pod, curl and wget reach services by name and cluster IP, pods by IP', async () => {
        const [pod, other] = await eventually(() => runningKubias(3), 8000, '3 running kubia pods');
        const exec = (...command: string[]) => kubectl(v, cluster, ['exec', pod.metadata.name, '--', ...command]);
        const byName = await exec('curl', '-s', 'http://kubia-http:8080');
        assert.equal(byName.code, 0, byName.stderr);
        assert.match(byName.stdout, /^You've hit kubia-[a-z0-9]{5}\n$/);
        const clusterIP = (await http(cluster, 'GET', '/api/v1/namespaces/default/services/kubia-http')).json().spec.clusterIP;
        assert.match((await exec('curl', '-s', `http://${clusterIP}:8080/`)).stdout, /^You've hit kubia-[a-z0-9]{5}\n$/);
        assert.equal((await exec('wget', '-qO-', `http://${other.status.podIP}:8080`)).stdout, `You've hit ${other.metadata.name}\n`);
        assert.match((await exec('wget', '-qO-', 'http://kubia-http.default.svc.cluster.local:8080')).stdout, /^You've hit kubia-/);
        const unknown = await exec('curl', '-sS', 'http://nowhere');
        assert.deepEqual([unknown.code, unknown.stdout, unknown.stderr], [6, '', 'curl: (6) Could not resolve host: nowhere\ncommand terminated with exit code 6\n']);
        const closed = await exec('curl', '-sS', `http://${clusterIP}:9999`);
        assert.deepEqual([closed.code, closed.stderr], [7, `curl: (7) Failed to connect to ${clusterIP} port 9999 after 0 ms: Couldn't connect to server\ncommand terminated with exit code 7\n`]);
      });
    }

    test('no ready pod: connections are refused; the pods come back and so does the answer', async () => {
      await k('scale', 'rc', 'kubia', '--replicas=0');
      await eventually(async () => (await getOnce(address, 8080)).error === 'ECONNREFUSED', 8000, 'connection refused');
      await k('scale', 'rc', 'kubia', '--replicas=1');
      await eventually(async () => /^You've hit kubia-/.test((await getOnce(address, 8080)).body ?? ''), 8000, 'an answer again');
    });
  });
}

describe('apps answer through the apiserver proxies too', () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster({ controlPlane: true, nodes: 1, loadBalancerAddress: false }); });
  after(async () => { await cluster.close(); });

  test('an nginx pod serves its welcome page, and a 404 elsewhere; without load balancers EXTERNAL-IP stays <pending>', async () => {
    const run = await kubectl('1.33', cluster, ['run', 'web', '--image=nginx:1.27', '--port=80']);
    assert.equal(run.code, 0, run.stderr);
    await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/pods/web')).json().status.phase === 'Running', 8000, 'web running');
    const page = await kubectl('1.33', cluster, ['get', '--raw', '/api/v1/namespaces/default/pods/web:80/proxy/']);
    assert.equal(page.code, 0, page.stderr);
    assert.match(page.stdout, /<title>Welcome to nginx!<\/title>/);
    const missing = await http(cluster, 'GET', '/api/v1/namespaces/default/pods/web:80/proxy/missing');
    assert.equal(missing.status, 404);
    assert.match(missing.text, /404 Not Found/);
    await kubectl('1.33', cluster, ['expose', 'pod', 'web', '--type=LoadBalancer']);
    await new Promise((r) => setTimeout(r, 1000));
    const row = (await kubectl('1.33', cluster, ['get', 'svc', 'web'])).stdout.split('\n')[1];
    assert.match(row, /^web +LoadBalancer +\S+ +<pending> +80:3\d{4}\/TCP/);
  });
});
