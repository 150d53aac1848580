// Server-side apply with real kubectl: list items the applier drops go, as kube-apiserver removes
// them, even when the item's key holds a field only defaulting set (a port's protocol).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { http, kubectl, scratchFile, withCluster } from './helpers.js';

const service = (port: number) => `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - name: http
    port: ${port}
    targetPort: 8080
`;

const rc = (container: string, containerPort: number) => `apiVersion: v1
kind: ReplicationController
metadata:
  name: web
spec:
  replicas: 1
  selector:
    app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: ${container}
        image: nginx:1.25
        ports:
        - containerPort: ${containerPort}
`;

const deployment = (image: string, env: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: ${image}
        env:
        - name: ${env}
          value: "1"
`;

for (const v of ['1.27', '1.33']) {
  describe(`server-side apply of lists, kubectl ${v}`, () => {
    let cluster: Cluster;
    before(async () => { cluster = await withCluster(); });
    after(async () => { await cluster.close(); });

    const applied = async (name: string, text: string, kind: string) => {
      const r = await kubectl(v, cluster, ['apply', '--server-side', '-f', scratchFile(`ssa-lists-${v}-${name}.yaml`, text)]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${kind}/web serverside-applied\n`);
    };
    const get = async (path: string) => (await http(cluster, 'GET', path)).json();
    const fieldsOf = (obj: any) => Object.fromEntries(obj.metadata.managedFields.map((m: any) => [`${m.manager} ${m.operation}`, m.fieldsV1]));

    test('Service port 80 -> 81 leaves exactly one port, 81, owned by kubectl', async () => {
      await applied('svc-80', service(80), 'service');
      await applied('svc-81', service(81), 'service');
      const svc = await get('/api/v1/namespaces/default/services/web');
      assert.deepEqual(svc.spec.ports, [{ name: 'http', protocol: 'TCP', port: 81, targetPort: 8080 }]);
      assert.deepEqual(fieldsOf(svc), {
        'kubectl Apply': {
          'f:spec': {
            'f:ports': { 'k:{"port":81,"protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:port': {}, 'f:targetPort': {} } },
            'f:selector': {},
          },
        },
      });
    });

    test('ReplicationController container renamed and its port changed: one container, one port', async () => {
      await applied('rc-1', rc('web', 80), 'replicationcontroller');
      await applied('rc-2', rc('app', 8080), 'replicationcontroller');
      const obj = await get('/api/v1/namespaces/default/replicationcontrollers/web');
      const containers = obj.spec.template.spec.containers;
      assert.deepEqual(containers.map((c: any) => [c.name, c.image, c.ports]), [['app', 'nginx:1.25', [{ containerPort: 8080, protocol: 'TCP' }]]]);
      const owned = fieldsOf(obj)['kubectl Apply']['f:spec']['f:template']['f:spec']['f:containers'];
      assert.deepEqual(owned, {
        'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":8080,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } },
      });
      // The port alone changes in place of the same container.
      await applied('rc-3', rc('app', 9090), 'replicationcontroller');
      const again = (await get('/api/v1/namespaces/default/replicationcontrollers/web')).spec.template.spec.containers;
      assert.deepEqual(again.map((c: any) => [c.name, c.ports]), [['app', [{ containerPort: 9090, protocol: 'TCP' }]]]);
    });

    test('Deployment: two appliers share a container by name; a different image is a conflict in kube\'s words', async () => {
      await applied('deploy-1', deployment('nginx:1.25', 'A'), 'deployment.apps');
      // Another manager applies only what it owns: one more variable in the same container.
      const sidecar = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'B', value: '2' }] }] } } } });
      const other = await http(cluster, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/web?fieldManager=tuner', sidecar, { 'Content-Type': 'application/apply-patch+yaml' });
      assert.equal(other.status, 200, other.text);
      const both = other.json().spec.template.spec.containers;
      assert.deepEqual(both.map((c: any) => [c.name, c.image, c.env]), [['web', 'nginx:1.25', [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]]]);
      assert.deepEqual(fieldsOf(other.json())['tuner Apply'], { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:env': { 'k:{"name":"B"}': { '.': {}, 'f:name': {}, 'f:value': {} } }, 'f:name': {} } } } } } });
      // kubectl's next apply drops A and keeps B (owned by the other manager).
      await applied('deploy-2', deployment('nginx:1.25', 'C'), 'deployment.apps');
      const env = (await get('/apis/apps/v1/namespaces/default/deployments/web')).spec.template.spec.containers[0].env;
      assert.deepEqual(env.map((e: any) => e.name).sort(), ['B', 'C']);
      const image = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } } });
      const conflict = await http(cluster, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/web?fieldManager=tuner', image, { 'Content-Type': 'application/apply-patch+yaml' });
      assert.equal(conflict.status, 409);
      assert.equal(conflict.json().message, 'Apply failed with 1 conflict: conflict with "kubectl": .spec.template.spec.containers[name="web"].image');
    });
  });
}
