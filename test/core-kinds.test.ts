// PodTemplates, ComponentStatuses and RuntimeClasses with real kubectl: a template created,
// listed with kube's columns and described; `get cs` with the deprecation warning on stderr and
// the table on stdout (an API server alone: scheduler and controller-manager unreachable); a pod
// naming a RuntimeClass gets its overhead and scheduling, an unknown class is refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { http, kubectl, kubectlOk, rows, withCluster } from './helpers.js';

const TEMPLATE = `apiVersion: v1
kind: PodTemplate
metadata: {name: web}
template:
  metadata: {labels: {app: web, tier: front}}
  spec:
    containers:
    - {name: nginx, image: nginx:1.27}
    - {name: side, image: busybox}
`;

const RUNTIME_CLASS = `apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: gvisor}
handler: runsc
overhead: {podFixed: {cpu: 250m, memory: 64Mi}}
scheduling:
  nodeSelector: {sandbox: "true"}
  tolerations: [{key: sandbox, operator: Exists, effect: NoSchedule}]
`;

const WARNING = 'Warning: v1 ComponentStatus is deprecated in v1.19+\n';

for (const v of ['1.27', '1.30', '1.33']) {
  describe(`core kinds with kubectl ${v}`, () => {
    let cluster: Cluster;
    const ok = (...args: string[]) => kubectlOk(v, cluster, args);
    before(async () => { cluster = await withCluster(); });
    after(async () => { await cluster.close(); });

    test('api-resources lists podtemplates, componentstatuses and runtimeclasses', async () => {
      const table = rows(await ok('api-resources'));
      const find = (name: string) => table.find((r) => r[0] === name);
      assert.deepEqual(find('podtemplates'), ['podtemplates', 'v1', 'true', 'PodTemplate']);
      assert.deepEqual(find('componentstatuses'), ['componentstatuses', 'cs', 'v1', 'false', 'ComponentStatus']);
      assert.deepEqual(find('runtimeclasses'), ['runtimeclasses', 'node.k8s.io/v1', 'false', 'RuntimeClass']);
    });

    test('podtemplates: create, get with kube\'s columns, the pod spec defaulted, describe', async () => {
      assert.equal(await kubectlOk(v, cluster, ['create', '-f', '-'], { stdin: TEMPLATE }), 'podtemplate/web created\n');
      assert.equal(await ok('get', 'podtemplates'), [
        'NAME   CONTAINERS   IMAGES               POD LABELS',
        'web    nginx,side   nginx:1.27,busybox   app=web,tier=front',
        '',
      ].join('\n'));
      const stored = (await http(cluster, 'GET', '/api/v1/namespaces/default/podtemplates/web')).json();
      assert.deepEqual([stored.metadata.generation, stored.template.spec.restartPolicy, stored.template.spec.containers[1].imagePullPolicy], [1, 'Always', 'Always']);
      const described = await ok('describe', 'podtemplate', 'web');
      assert.match(described, /^Name:\s+web\nNamespace:\s+default\n/);
      assert.match(described, /^Kind:\s+PodTemplate$/m);
      assert.match(described, /^ {6}Image:\s+nginx:1\.27$/m);
      const bad = await kubectl(v, cluster, ['create', '-f', '-'], { stdin: 'apiVersion: v1\nkind: PodTemplate\nmetadata: {name: empty}\ntemplate: {spec: {containers: []}}\n' });
      assert.equal(bad.stderr, 'The PodTemplate "empty" is invalid: template.spec.containers: Required value\n');
    });

    test('get cs: the deprecation warning on stderr, the components on stdout', async () => {
      const r = await kubectl(v, cluster, ['get', 'cs']);
      assert.equal(r.code, 0);
      assert.equal(r.stderr, WARNING);
      assert.equal(r.stdout, [
        'NAME                 STATUS      MESSAGE   ERROR',
        'scheduler            Unhealthy             Get "https://127.0.0.1:10259/healthz": dial tcp 127.0.0.1:10259: connect: connection refused',
        'controller-manager   Unhealthy             Get "https://127.0.0.1:10257/healthz": dial tcp 127.0.0.1:10257: connect: connection refused',
        'etcd-0               Healthy     ok        ',
        '',
      ].join('\n'));
      const etcd = await kubectl(v, cluster, ['get', 'componentstatus', 'etcd-0', '-o', 'json']);
      assert.equal(etcd.stderr, WARNING);
      assert.deepEqual(JSON.parse(etcd.stdout), { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] });
      const raw = await http(cluster, 'GET', '/api/v1/componentstatuses');
      assert.equal(raw.headers.get('warning'), '299 - "v1 ComponentStatus is deprecated in v1.19+"');
      assert.equal((await http(cluster, 'DELETE', '/api/v1/componentstatuses/etcd-0')).status, 405);
    });

    test('a pod naming a RuntimeClass gets its overhead and scheduling; an unknown class is refused', async () => {
      assert.equal(await kubectlOk(v, cluster, ['create', '-f', '-'], { stdin: RUNTIME_CLASS }), 'runtimeclass.node.k8s.io/gvisor created\n');
      assert.deepEqual(rows(await ok('get', 'runtimeclasses')).map((r) => r.slice(0, 2)), [['NAME', 'HANDLER'], ['gvisor', 'runsc']]);
      assert.equal(await ok('run', 'sandboxed', '--image=nginx', '--overrides={"spec":{"runtimeClassName":"gvisor"}}'), 'pod/sandboxed created\n');
      const pod = (await http(cluster, 'GET', '/api/v1/namespaces/default/pods/sandboxed')).json();
      assert.deepEqual(pod.spec.overhead, { cpu: '250m', memory: '64Mi' });
      assert.deepEqual(pod.spec.nodeSelector, { sandbox: 'true' });
      assert.deepEqual(pod.spec.tolerations.map((t: any) => t.key), ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable', 'sandbox']);
      const unknown = await kubectl(v, cluster, ['run', 'stray', '--image=nginx', '--overrides={"spec":{"runtimeClassName":"kata"}}']);
      assert.equal(unknown.stderr, 'Error from server (Forbidden): pods "stray" is forbidden: pod rejected: RuntimeClass "kata" not found\n');
      const badHandler = await kubectl(v, cluster, ['create', '-f', '-'], { stdin: 'apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: bad}\nhandler: Not_A_Label\n' });
      assert.match(badHandler.stderr, /^The RuntimeClass "bad" is invalid: handler: Invalid value: "Not_A_Label": a lowercase RFC 1123 label must consist of/);
      const changed = await kubectl(v, cluster, ['patch', 'runtimeclass', 'gvisor', '-p', '{"handler":"kata"}']);
      assert.match(changed.stderr, /handler: Invalid value: "kata": field is immutable/);
    });
  });
}

describe('get cs on a server running the control plane', () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster({ controlPlane: true, nodes: 0, loadBalancerAddress: false }); });
  after(async () => { await cluster.close(); });

  test('every component Healthy with message ok', async () => {
    const r = await kubectl('1.33', cluster, ['get', 'cs']);
    assert.equal(r.stderr, WARNING);
    assert.equal(r.stdout, [
      'NAME                 STATUS    MESSAGE   ERROR',
      'scheduler            Healthy   ok        ',
      'controller-manager   Healthy   ok        ',
      'etcd-0               Healthy   ok        ',
      '',
    ].join('\n'));
  });
});
