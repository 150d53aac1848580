// A custom resource as an operator written with @kubernetes/client-node drives it: the CRD made
// through ApiextensionsV1Api and awaited Established, objects through CustomObjectsApi, an informer
// on the custom kind seeing adds, status updates and the deletions the CRD's removal brings, and a
// schema violation as an ApiException 422.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { Cluster } from '../src/index.js';
import { eventually, withCluster } from './helpers.js';

const GROUP = 'toys.example.com';

const GADGETS: k8s.V1CustomResourceDefinition = {
  metadata: { name: `gadgets.${GROUP}` },
  spec: {
    group: GROUP, scope: 'Namespaced',
    names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
    versions: [{
      name: 'v1', served: true, storage: true, subresources: { status: {} },
      schema: {
        openAPIV3Schema: {
          type: 'object',
          properties: {
            spec: { type: 'object', required: ['size'], properties: { size: { type: 'integer', minimum: 1 } } },
            status: { type: 'object', properties: { phase: { type: 'string' } } },
          },
        },
      },
    }],
  },
};

describe('client-node on a custom resource', () => {
  let cluster: Cluster;
  let kc: k8s.KubeConfig;
  before(async () => {
    cluster = await withCluster({ controlPlane: true });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
  });
  after(async () => { await cluster.close(); });

  test('CRD established, objects created and watched, status seen, a 422, and deletion with the CRD', async () => {
    const extensions = kc.makeApiClient(k8s.ApiextensionsV1Api);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    await extensions.createCustomResourceDefinition({ body: GADGETS });
    await eventually(async () => {
      const crd = await extensions.readCustomResourceDefinition({ name: `gadgets.${GROUP}` });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    }, 5000, 'the CRD Established');
    const where = { group: GROUP, version: 'v1', namespace: 'default', plural: 'gadgets' };
    // Discovery may trail the condition by a moment in client-node's eyes: the first list is retried.
    await eventually(async () => { try { await custom.listNamespacedCustomObject(where); return true; } catch { return false; } }, 5000, 'the kind served');

    const informer = k8s.makeInformer<k8s.KubernetesObject & { status?: { phase?: string } }>(kc, `/apis/${GROUP}/v1/namespaces/default/gadgets`, () => custom.listNamespacedCustomObject(where));
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => { if (o.status?.phase) seen.push(`phase ${o.status.phase}`); });
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    const errors: unknown[] = [];
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    try {
      await custom.createNamespacedCustomObject({ ...where, body: { apiVersion: `${GROUP}/v1`, kind: 'Gadget', metadata: { name: 'g1' }, spec: { size: 3 } } });
      await custom.patchNamespacedCustomObjectStatus({ ...where, name: 'g1', body: { status: { phase: 'Ready' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await eventually(() => seen.includes('phase Ready'), 5000, 'the status update through the informer');
      assert.deepEqual(seen.slice(0, 2), ['add g1', 'phase Ready']);

      await assert.rejects(
        custom.createNamespacedCustomObject({ ...where, body: { apiVersion: `${GROUP}/v1`, kind: 'Gadget', metadata: { name: 'bad' }, spec: { size: 0 } } }),
        (e: unknown) => e instanceof k8s.ApiException && e.code === 422 && JSON.parse(String(e.body)).message === 'Gadget.toys.example.com "bad" is invalid: spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1',
      );

      assert.deepEqual(errors, []);
      await extensions.deleteCustomResourceDefinition({ name: `gadgets.${GROUP}` });
      // (Once the kind is gone, the informer's next watch is a 404, as on a cluster.)
      await eventually(() => seen.includes('delete g1'), 10_000, 'the object deleted with its CRD');
    } finally {
      await informer.stop();
    }
  });
});
