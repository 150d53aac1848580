// Port-forward over a websocket (v4.channel.k8s.io, the protocol client libraries speak):
// @kubernetes/client-node's PortForward reaches a pod's app from a local port, as
// `kubectl port-forward` does; a port nothing listens on is reported on the error channel.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { Cluster } from '../src/index.js';
import { eventually, http, withCluster } from './helpers.js';

function get(port: number, path = '/'): Promise<{ status?: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

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
    for (let i = 0; i < 3; i++) assert.deepEqual(await get(port), { status: 200, body: "You've hit kubia-manual\n" });
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
