// Port-forward as kubectl and client libraries open it: kubectl 1.27-1.30 over SPDY/3.1, kubectl
// 1.31 and later over SPDY tunnelled in a websocket, @kubernetes/client-node over websocket
// channels (v4.channel.k8s.io). A local port answers as the pod's app; a port nothing listens on
// is reported as the kubelet reports it.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { Cluster } from '../src/index.js';
import { join } from 'node:path';
import { eventually, FIXTURES, http, httpGet, kubectl, kubectlPortForward, sleep, withCluster } from './helpers.js';


describe('port-forward over websocket', () => {
  let cluster: Cluster;
  let forward: k8s.PortForward;
  let local: Server;
  before(async () => {
    cluster = await withCluster({ controlPlane: true, nodes: 1, loadBalancerAddress: false });
    const core = cluster.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'kubia-manual' }, spec: { containers: [{ name: 'kubia', image: 'luksa/kubia', ports: [{ containerPort: 8080 }] }] } } });
    await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/pods/kubia-manual')).json().status.phase === 'Running', 8000, 'the pod running');
    forward = new k8s.PortForward(cluster.kubeConfig(k8s.KubeConfig));
  });
  after(async () => {
    local?.close();
    await cluster.close();
  });

  test("client-node's PortForward: a local port answers as the pod's app", async () => {
    local = createServer((socket) => { void forward.portForward('default', 'kubia-manual', [8080], socket, null, socket); });
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    const port = (local.address() as AddressInfo).port;
    for (let i = 0; i < 3; i++) assert.deepEqual(await httpGet(port), { status: 200, body: "You've hit kubia-manual\n" });
  });

  test('a port the pod does not listen on: the error channel says so', async () => {
    const out = new PassThrough();
    const errors = new PassThrough();
    let said = '';
    errors.on('data', (c: Buffer) => { said += c.toString(); });
    const input = new PassThrough();
    await forward.portForward('default', 'kubia-manual', [9999], out, errors, input);
    await eventually(() => said.length > 0, 5000, 'an error');
    assert.match(said, /^error forwarding port 9999 to pod kubia-manual, uid [0-9a-f-]+: dial tcp4 127\.0\.0\.1:9999: connect: connection refused$/);
    input.end();
  });
});

describe('kubectl port-forward (SPDY/3.1, and SPDY in a websocket from 1.31)', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await withCluster({ controlPlane: true, nodes: 2, loadBalancerAddress: false });
    assert.equal((await kubectl('1.33', cluster, ['create', '-f', join(FIXTURES, 'kubia-rc.yaml')])).code, 0);
    assert.equal((await kubectl('1.33', cluster, ['run', 'kubia', '--image=luksa/kubia', '--port=8080'])).code, 0);
    assert.equal((await kubectl('1.33', cluster, ['expose', 'rc', 'kubia', '--name=kubia-http', '--port=80', '--target-port=8080'])).code, 0);
    await eventually(async () => {
      const pods = (await http(cluster, 'GET', '/api/v1/namespaces/default/pods')).json().items;
      return pods.length === 4 && pods.every((p: { status: { phase: string } }) => p.status.phase === 'Running');
    }, 8000, 'the pods running');
    await eventually(async () => ((await http(cluster, 'GET', '/api/v1/namespaces/default/endpoints/kubia-http')).json().subsets?.[0]?.addresses?.length ?? 0) === 3, 5000, 'the service endpoints');
  });
  after(async () => { await cluster.close(); });

  for (const v of ['1.27', '1.30', '1.33']) {
    test(`kubectl ${v}: pod/kubia answers on the local port, one connection per request`, async () => {
      const run = await kubectlPortForward(v, cluster, 'pod/kubia', 8080, async (local) => {
        for (let i = 0; i < 3; i++) assert.deepEqual(await httpGet(local), { status: 200, body: "You've hit kubia\n" });
      });
      const port = /127\.0\.0\.1:(\d+)/.exec(run.stdout)?.[1];
      assert.equal(run.stdout, `Forwarding from 127.0.0.1:${port} -> 8080\n${`Handling connection for ${port}\n`.repeat(3)}`);
    });

    test(`kubectl ${v}: svc/kubia-http forwards to one of its pods`, async () => {
      await kubectlPortForward(v, cluster, 'svc/kubia-http', 80, async (local) => {
        const reply = await httpGet(local);
        assert.equal(reply.status, 200);
        assert.match(reply.body, /^You've hit kubia-[a-z0-9]{5}\n$/);
      });
    });

    test(`kubectl ${v}: a port the pod does not listen on is the kubelet's error, and kubectl gives up`, async () => {
      const run = await kubectlPortForward(v, cluster, 'pod/kubia', 9999, async (local, exited) => {
        await httpGet(local).catch(() => undefined);
        await Promise.race([exited, sleep(10_000)]);
      });
      assert.match(run.stderr, /an error occurred forwarding \d+ -> 9999: error forwarding port 9999 to pod kubia, uid [0-9a-f-]+: dial tcp4 127\.0\.0\.1:9999: connect: connection refused/);
      assert.match(run.stderr, /error: lost connection to pod\n$/);
    });
  }
});
