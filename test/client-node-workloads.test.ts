// The informer-facing side of the workload kinds, as an operator written with
// @kubernetes/client-node sees it: typed clients create a Deployment and a Job, and informers on
// apps/v1 and batch/v1 follow their status to the end of a rollout and to the Complete condition.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { Cluster } from '../src/index.js';
import { eventually, withCluster } from './helpers.js';

describe('client-node informers on Deployments, ReplicaSets and Jobs', () => {
  let cluster: Cluster;
  let apps: k8s.AppsV1Api;
  let batch: k8s.BatchV1Api;
  let kc: k8s.KubeConfig;
  before(async () => {
    cluster = await withCluster({ controlPlane: true, nodes: 2 });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    batch = kc.makeApiClient(k8s.BatchV1Api);
  });
  after(async () => { await cluster.close(); });

  test('a Deployment\'s rollout and a Job\'s completion arrive through informers', async () => {
    const deployments = k8s.makeInformer(kc, '/apis/apps/v1/namespaces/default/deployments', () => apps.listNamespacedDeployment({ namespace: 'default' }));
    const replicaSets = k8s.makeInformer(kc, '/apis/apps/v1/namespaces/default/replicasets', () => apps.listNamespacedReplicaSet({ namespace: 'default' }));
    const jobs = k8s.makeInformer(kc, '/apis/batch/v1/namespaces/default/jobs', () => batch.listNamespacedJob({ namespace: 'default' }));
    const seen: string[] = [];
    deployments.on('add', (d) => seen.push(`add ${d.metadata?.name}`));
    deployments.on('update', (d) => { if (d.status?.availableReplicas === 3) seen.push(`available ${d.metadata?.name}`); });
    const errors: unknown[] = [];
    for (const informer of [deployments, replicaSets, jobs]) {
      informer.on('error', (e) => errors.push(e));
      await informer.start();
    }
    try {
      await apps.createNamespacedDeployment({
        namespace: 'default',
        body: {
          metadata: { name: 'api' },
          spec: { replicas: 3, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'nginx:1.25' }] } } },
        },
      });
      const done = await eventually(() => {
        const d = deployments.get('api', 'default');
        return d?.status?.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'NewReplicaSetAvailable') && d;
      }, 15_000, 'the rollout seen complete');
      assert.deepEqual([done.status?.replicas, done.status?.updatedReplicas, done.status?.readyReplicas, done.status?.availableReplicas], [3, 3, 3, 3]);
      assert.deepEqual(seen.slice(0, 1), ['add api']);
      assert.ok(seen.includes('available api'));
      const [rs] = replicaSets.list('default');
      assert.equal(rs.metadata?.ownerReferences?.[0]?.name, 'api');
      assert.equal(rs.metadata?.name, `api-${rs.metadata?.labels?.['pod-template-hash']}`);
      assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');

      await batch.createNamespacedJob({
        namespace: 'default',
        body: {
          metadata: { name: 'report' },
          spec: {
            completions: 2, parallelism: 2,
            template: { metadata: { annotations: { 'tinykube.io/exit-code': '0', 'tinykube.io/run-ms': '300' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'report', image: 'busybox', command: ['true'] }] } },
          },
        },
      });
      const job = await eventually(() => {
        const j = jobs.get('report', 'default');
        return j?.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') && j;
      }, 20_000, 'the Job seen Complete');
      assert.equal(job.status?.succeeded, 2);
      assert.ok(job.status?.completionTime, 'completionTime set');
      assert.deepEqual(job.status?.conditions?.map((c) => c.type), ['SuccessCriteriaMet', 'Complete']);
      assert.deepEqual(errors, []);
    } finally {
      for (const informer of [deployments, replicaSets, jobs]) await informer.stop();
    }
  });
});
