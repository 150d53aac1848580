// What an operator author does with tinykube in place of envtest (issue 18, item 4): the CRD and
// the operator's least-privilege RBAC come in with --fixtures, a controller written with
// @kubernetes/client-node's informers runs with its ServiceAccount's token and reconciles the
// custom objects, a verb its ClusterRole lacks is kube's 403, and the operator's own validating
// and mutating webhooks, served by the test on a local HTTPS port, deny and mutate.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { Cluster } from '../src/index.js';
import { eventually, kubectl, kubectlOk, makeCertificates, withCluster } from './helpers.js';

const GROUP = 'ops.example.com';

const FIXTURES: Record<string, unknown> = {
  'crd.json': {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `tasks.${GROUP}` },
    spec: {
      group: GROUP, scope: 'Namespaced', names: { plural: 'tasks', singular: 'task', kind: 'Task' },
      versions: [{
        name: 'v1', served: true, storage: true, subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } }, status: { type: 'object', properties: { phase: { type: 'string' } } } } } },
      }],
    },
  },
  'rbac.json': {
    apiVersion: 'v1', kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'task-operator', namespace: 'default' } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'task-operator' },
        rules: [
          { apiGroups: [GROUP], resources: ['tasks'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: [GROUP], resources: ['tasks/status'], verbs: ['update', 'patch'] },
          // No delete: the test sees the 403 when the operator tries.
          { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create'] },
        ],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'task-operator' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'task-operator' },
        subjects: [{ kind: 'ServiceAccount', name: 'task-operator', namespace: 'default' }],
      },
    ],
  },
  'task.json': { apiVersion: `${GROUP}/v1`, kind: 'Task', metadata: { name: 'first', namespace: 'default' }, spec: { size: 1 } },
};

type Task = k8s.KubernetesObject & { spec?: { size?: number }; status?: { phase?: string } };

/** The operator: each Task gets a ConfigMap named after it and the phase Done. */
function runOperator(kc: k8s.KubeConfig): { stop(): Promise<void> } {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const where = { group: GROUP, version: 'v1', plural: 'tasks' };
  const informer = k8s.makeInformer<Task>(kc, `/apis/${GROUP}/v1/tasks`, () => custom.listClusterCustomObject(where));
  const reconcile = async (task: Task) => {
    const { name = '', namespace = 'default' } = task.metadata ?? {};
    if (task.status?.phase === 'Done') return;
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: `task-${name}` }, data: { size: String(task.spec?.size ?? 0) } } });
    await custom.patchNamespacedCustomObjectStatus({ ...where, namespace, name, body: { status: { phase: 'Done' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  };
  informer.on('add', (task) => { reconcile(task).catch(() => { /* retried on the next event */ }); });
  const started = informer.start();
  return { async stop() { await started; await informer.stop(); } };
}

describe('the operator author\'s story', () => {
  let cluster: Cluster;
  let webhooks: Server;
  let operatorConfig: k8s.KubeConfig;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'operator-fixtures-'));
    for (const [file, object] of Object.entries(FIXTURES)) writeFileSync(join(dir, file), JSON.stringify(object));
    cluster = await withCluster({ controlPlane: true, tls: true, fixtures: dir });
    const token = (await kubectlOk('1.33', cluster, ['create', 'token', 'task-operator'])).trim();
    operatorConfig = new k8s.KubeConfig();
    operatorConfig.loadFromOptions({
      clusters: [{ name: 'tinykube', server: cluster.url, caData: Buffer.from(cluster.caCertificate ?? '').toString('base64') }],
      users: [{ name: 'task-operator', token }],
      contexts: [{ name: 'operator', cluster: 'tinykube', user: 'task-operator' }],
      currentContext: 'operator',
    });
  });
  after(async () => {
    await cluster.close();
    if (webhooks) { webhooks.closeAllConnections(); await new Promise((r) => webhooks.close(r)); }
  });

  test('the operator reconciles with its own token; a verb its role lacks is a 403', async () => {
    const operator = runOperator(operatorConfig);
    try {
      const phase = async (name: string) => JSON.parse(await kubectlOk('1.33', cluster, ['get', `tasks.${GROUP}`, name, '-o', 'json'])).status?.phase;
      await eventually(async () => (await phase('first')) === 'Done', 10_000, 'the fixture task reconciled');
      await kubectlOk('1.33', cluster, ['apply', '-f', '-'], { stdin: JSON.stringify({ apiVersion: `${GROUP}/v1`, kind: 'Task', metadata: { name: 'second' }, spec: { size: 2 } }) });
      await eventually(async () => (await phase('second')) === 'Done', 10_000, 'a new task reconciled');
      assert.equal(await kubectlOk('1.33', cluster, ['get', 'configmap', 'task-second', '-o', 'jsonpath={.data.size}']), '2');
    } finally {
      await operator.stop();
    }
    const core = operatorConfig.makeApiClient(k8s.CoreV1Api);
    await assert.rejects(core.deleteNamespacedConfigMap({ namespace: 'default', name: 'task-first' }), (e: unknown) => {
      assert.ok(e instanceof k8s.ApiException);
      assert.equal(e.code, 403);
      assert.equal(JSON.parse(String(e.body)).message, 'configmaps "task-first" is forbidden: User "system:serviceaccount:default:task-operator" cannot delete resource "configmaps" in API group "" in the namespace "default"');
      return true;
    });
    const canI = await kubectl('1.33', cluster, ['auth', 'can-i', 'delete', 'configmaps', '--as', 'system:serviceaccount:default:task-operator']);
    assert.deepEqual([canI.code, canI.stdout], [1, 'no\n']);
  });

  test('the operator\'s webhooks: a task too big is denied, the others are labelled', async () => {
    const pki = makeCertificates();
    webhooks = createServer({ cert: pki.cert, key: pki.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const { request } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const size = request.object?.spec?.size ?? 0;
        const response = (req.url ?? '').split('?')[0] === '/validate'
          ? (size > 10 ? { allowed: false, status: { code: 422, message: `size ${size} is more than 10` } } : { allowed: true })
          : { allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify([{ op: 'add', path: '/metadata/labels', value: { owner: 'task-operator' } }])).toString('base64') };
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: request.uid, ...response } }));
      });
    });
    await new Promise<void>((r) => webhooks.listen(0, '127.0.0.1', r));
    const port = (webhooks.address() as AddressInfo).port;
    const hook = (kind: 'Validating' | 'Mutating', path: string) => JSON.stringify({
      apiVersion: 'admissionregistration.k8s.io/v1', kind: `${kind}WebhookConfiguration`, metadata: { name: `tasks-${path}` },
      webhooks: [{
        name: `${path}.tasks.${GROUP}`, sideEffects: 'None', admissionReviewVersions: ['v1'],
        clientConfig: { url: `https://127.0.0.1:${port}/${path}`, caBundle: Buffer.from(pki.ca).toString('base64') },
        rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [GROUP], apiVersions: ['v1'], resources: ['tasks'] }],
      }],
    });
    await kubectlOk('1.33', cluster, ['apply', '-f', '-'], { stdin: hook('Validating', 'validate') });
    await kubectlOk('1.33', cluster, ['apply', '-f', '-'], { stdin: hook('Mutating', 'mutate') });
    const big = await kubectl('1.33', cluster, ['create', '-f', '-'], { stdin: JSON.stringify({ apiVersion: `${GROUP}/v1`, kind: 'Task', metadata: { name: 'huge' }, spec: { size: 11 } }) });
    assert.deepEqual([big.code, big.stderr], [1, `Error from server: error when creating "STDIN": admission webhook "validate.tasks.${GROUP}" denied the request: size 11 is more than 10\n`]);
    await kubectlOk('1.33', cluster, ['create', '-f', '-'], { stdin: JSON.stringify({ apiVersion: `${GROUP}/v1`, kind: 'Task', metadata: { name: 'small' }, spec: { size: 3 } }) });
    assert.equal(await kubectlOk('1.33', cluster, ['get', `tasks.${GROUP}`, 'small', '-o', 'jsonpath={.metadata.labels.owner}']), 'task-operator');
  });
});
