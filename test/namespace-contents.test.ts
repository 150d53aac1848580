// A namespace holding one of every workload and configuration kind: `kubectl get all` lists the
// kinds of the `all` category as kube does, and deleting the namespace removes every object in
// it (and the volumes its claims were provisioned, reclaim policy Delete) before the namespace.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, withCluster } from './helpers.js';

const NS = 'shop';

const MANIFESTS = `apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
data: { mode: fast }
---
apiVersion: v1
kind: Secret
metadata: { name: creds }
stringData: { password: s3cret }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: robot }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 1Gi } }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ port: 80 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers: [{ name: web, image: nginx, envFrom: [{ configMapRef: { name: settings } }, { secretRef: { name: creds } }] }]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db }
spec:
  replicas: 1
  serviceName: db
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec:
      serviceAccountName: robot
      containers: [{ name: db, image: nginx, volumeMounts: [{ name: data, mountPath: /data }] }]
      volumes: [{ name: data, persistentVolumeClaim: { claimName: data } }]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent }
spec:
  selector: { matchLabels: { app: agent } }
  template:
    metadata: { labels: { app: agent } }
    spec:
      containers: [{ name: agent, image: nginx }]
---
apiVersion: batch/v1
kind: Job
metadata: { name: once }
spec:
  template:
    metadata: { annotations: { tinykube.io/exit-code: "0", tinykube.io/run-ms: "60000" } }
    spec:
      restartPolicy: Never
      containers: [{ name: once, image: busybox, command: [sleep, "60"] }]
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: nightly }
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{ name: backup, image: busybox, command: [date] }]
`;

/** Every namespaced collection the test's kinds live in. */
const COLLECTIONS = [
  'api/v1/namespaces/NS/configmaps', 'api/v1/namespaces/NS/secrets', 'api/v1/namespaces/NS/serviceaccounts',
  'api/v1/namespaces/NS/persistentvolumeclaims', 'api/v1/namespaces/NS/services', 'api/v1/namespaces/NS/pods',
  'apis/apps/v1/namespaces/NS/deployments', 'apis/apps/v1/namespaces/NS/replicasets', 'apis/apps/v1/namespaces/NS/statefulsets',
  'apis/apps/v1/namespaces/NS/daemonsets', 'apis/apps/v1/namespaces/NS/controllerrevisions', 'apis/batch/v1/namespaces/NS/jobs',
  'apis/batch/v1/namespaces/NS/cronjobs', 'api/v1/namespaces/NS/endpoints', 'apis/discovery.k8s.io/v1/namespaces/NS/endpointslices',
];

describe('a namespace of every kind', () => {
  let cluster: Cluster;
  const v = '1.33';
  before(async () => { cluster = await withCluster({ controlPlane: true, nodes: 2 }); });
  after(async () => { await cluster.close(); });
  const count = async (path: string) => ((await http(cluster, 'GET', `/${path.replace('NS', NS)}`)).json().items as unknown[]).length;

  test('kubectl get all lists the all category; deleting the namespace deletes everything in it, then the namespace', async () => {
    assert.equal((await kubectl(v, cluster, ['create', 'namespace', NS])).code, 0);
    const applied = await kubectl(v, cluster, ['-n', NS, 'apply', '-f', '-'], { stdin: MANIFESTS });
    assert.equal(applied.code, 0, applied.stderr);
    for (const rollout of ['deployment/web', 'statefulset/db', 'daemonset/agent']) {
      const r = await kubectl(v, cluster, ['-n', NS, 'rollout', 'status', rollout, '--timeout=60s']);
      assert.equal(r.code, 0, `${rollout}: ${r.stderr}`);
    }
    const claim = await eventually(async () => {
      const c = (await http(cluster, 'GET', `/api/v1/namespaces/${NS}/persistentvolumeclaims/data`)).json();
      return c.status?.phase === 'Bound' && c;
    }, 15_000, 'the claim bound');
    const all = await kubectl(v, cluster, ['-n', NS, 'get', 'all', '-o', 'name']);
    const kinds = [...new Set(all.stdout.trim().split('\n').map((line) => line.split('/')[0]))];
    assert.deepEqual(kinds, ['pod', 'service', 'daemonset.apps', 'deployment.apps', 'replicaset.apps', 'statefulset.apps', 'cronjob.batch', 'job.batch']);
    for (const path of COLLECTIONS) assert.ok(await count(path) > 0, `${path} has objects`);

    const deleted = await kubectl(v, cluster, ['delete', 'namespace', NS, '--timeout=60s']);
    assert.deepEqual([deleted.code, deleted.stdout], [0, `namespace "${NS}" deleted\n`], deleted.stderr);
    assert.equal((await http(cluster, 'GET', `/api/v1/namespaces/${NS}`)).status, 404);
    for (const path of COLLECTIONS) assert.equal(await count(path), 0, `${path} is empty`);
    // The provisioned volume followed its claim (reclaim policy Delete).
    await eventually(async () => (await http(cluster, 'GET', `/api/v1/persistentvolumes/${claim.spec.volumeName}`)).status === 404, 10_000, 'the volume deleted');
  });

  test("creating in a namespace being deleted: NamespaceLifecycle's 403 with the NamespaceTerminating cause (what controllers check to record nothing)", async () => {
    const ns = 'leaving';
    assert.equal((await http(cluster, 'POST', '/api/v1/namespaces', { metadata: { name: ns } })).status, 201);
    // A finalizer nobody removes holds the namespace in Terminating.
    assert.equal((await http(cluster, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'held', finalizers: ['example.com/hold'] } })).status, 201);
    assert.equal((await http(cluster, 'DELETE', `/api/v1/namespaces/${ns}`)).status, 200);
    const refused = await http(cluster, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'late' } });
    assert.deepEqual([refused.status, refused.json()], [403, {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: `configmaps "late" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
      reason: 'Forbidden',
      details: { name: 'late', kind: 'configmaps', causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }] },
      code: 403,
    }]);
    // Let it go.
    assert.equal((await http(cluster, 'PATCH', `/api/v1/namespaces/${ns}/configmaps/held`, { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' })).status, 200);
    await eventually(async () => (await http(cluster, 'GET', `/api/v1/namespaces/${ns}`)).status === 404, 30_000, 'the namespace gone');
  });
});
