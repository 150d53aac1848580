// The Kubernetes Basics tutorial's Deployment steps, with real kubectl against tinykube's control
// plane: create, expose, scale, a rolling update (sampled through a watch to stay within maxSurge
// and maxUnavailable), rollout status, history and undo; then Recreate, paused rollouts, history
// trimming and garbage collection.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, followWatch, http, kubectl, kubectlOk, rows, scratchFile, withCluster } from './helpers.js';

const NAME = 'kubernetes-bootcamp';
const V1 = 'gcr.io/google-samples/kubernetes-bootcamp:v1';
const V2 = 'gcr.io/google-samples/kubernetes-bootcamp:v2';
const HASH = '[bcdfghjklmnpqrstvwxz2456789]+';
const ROLLED_OUT = `deployment "${NAME}" successfully rolled out\n`;

interface PodSample { ready: boolean; terminating: boolean }

const sample = (pod: any): PodSample => ({ terminating: !!pod.metadata.deletionTimestamp, ready: (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True') });

/**
 * Follows the pods of `selector` through a watch and records, after every event, how many exist
 * (not terminating) and how many are ready, starting from a list; `stop` ends the watch and
 * returns the samples.
 */
function samplePods(cluster: Cluster, selector: string): { stop(): Promise<{ pods: number; ready: number }[]> } {
  const pods = new Map<string, PodSample>();
  const samples: { pods: number; ready: number }[] = [];
  const query = `labelSelector=${encodeURIComponent(selector)}`;
  const watch = followWatch(cluster, async () => {
    const list = (await http(cluster, 'GET', `/api/v1/namespaces/default/pods?${query}`)).json();
    for (const pod of list.items) pods.set(pod.metadata.name, sample(pod));
    return `/api/v1/namespaces/default/pods?watch=true&${query}&resourceVersion=${list.metadata.resourceVersion}`;
  }, ({ type, object: pod }) => {
    if (type === 'DELETED') pods.delete(pod.metadata.name);
    else pods.set(pod.metadata.name, sample(pod));
    const live = [...pods.values()].filter((p) => !p.terminating);
    samples.push({ pods: live.length, ready: live.filter((p) => p.ready).length });
  });
  return { async stop() { await watch.stop(); return samples; } };
}

for (const v of ['1.27', '1.30', '1.33']) {
  describe(`Deployments with kubectl ${v}: the Kubernetes Basics tutorial`, () => {
    let cluster: Cluster;
    const ok = (...args: string[]) => kubectlOk(v, cluster, args);
    const deployment = async () => (await http(cluster, 'GET', `/apis/apps/v1/namespaces/default/deployments/${NAME}`)).json();
    /** What the app answers through the service's proxy: its v=. */
    const version = async () => /\| v=(\d+)\n$/.exec((await http(cluster, 'GET', `/api/v1/namespaces/default/services/${NAME}:8080/proxy/`)).text)?.[1];
    const replicaSets = async () => ((await http(cluster, 'GET', '/apis/apps/v1/namespaces/default/replicasets')).json().items as any[])
      .sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp) || a.metadata.name.localeCompare(b.metadata.name));

    before(async () => { cluster = await withCluster({ controlPlane: true, nodes: 2 }); });
    after(async () => { await cluster.close(); });

    test('create deployment runs one pod in a ReplicaSet named by the template hash; get deployments shows it ready', async () => {
      assert.equal(await ok('create', 'deployment', NAME, `--image=${V1}`), `deployment.apps/${NAME} created\n`);
      const table = await eventually(async () => { const t = rows(await ok('get', 'deployments')); return t[1]?.[1] === '1/1' && t[1]?.[3] === '1' && t; }, 5000, 'the deployment ready');
      assert.deepEqual(table[0], ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
      assert.deepEqual(table[1].slice(0, 4), [NAME, '1/1', '1', '1']);
      const [rs] = await replicaSets();
      const hash = rs.metadata.labels['pod-template-hash'];
      assert.match(rs.metadata.name, new RegExp(`^${NAME}-${HASH}$`));
      assert.equal(rs.metadata.name, `${NAME}-${hash}`);
      assert.deepEqual(rs.spec.selector, { matchLabels: { app: NAME, 'pod-template-hash': hash } });
      assert.deepEqual(rs.metadata.ownerReferences.map((r: any) => [r.apiVersion, r.kind, r.name, r.controller, r.blockOwnerDeletion]), [['apps/v1', 'Deployment', NAME, true, true]]);
      assert.deepEqual(rs.metadata.annotations, { 'deployment.kubernetes.io/desired-replicas': '1', 'deployment.kubernetes.io/max-replicas': '2', 'deployment.kubernetes.io/revision': '1' });
      const pods = rows(await ok('get', 'pods', '-l', `app=${NAME}`));
      assert.equal(pods.length, 2);
      assert.match(pods[1][0], new RegExp(`^${NAME}-${hash}-[a-z0-9]{5}$`));
      assert.deepEqual(pods[1].slice(1, 3), ['1/1', 'Running']);
      const wide = rows(await ok('get', 'rs', '-o', 'wide'));
      assert.deepEqual(wide[0], ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
      assert.deepEqual([...wide[1].slice(0, 4), ...wide[1].slice(5)], [rs.metadata.name, '1', '1', '1', NAME, V1, `app=${NAME},pod-template-hash=${hash}`]);
      const d = await deployment();
      assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '1');
      assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
      assert.deepEqual([d.spec.revisionHistoryLimit, d.spec.progressDeadlineSeconds], [10, 600]);
      assert.deepEqual(d.status.conditions.map((c: any) => [c.type, c.status, c.reason, c.message]), [
        ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
        ['Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rs.metadata.name}" has successfully progressed.`],
      ]);
      const events = (await http(cluster, 'GET', `/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=${NAME}`)).json().items;
      assert.deepEqual(events.map((e: any) => [e.reason, e.message, e.source.component]), [['ScalingReplicaSet', `Scaled up replica set ${rs.metadata.name} from 0 to 1`, 'deployment-controller']]);
    });

    test('expose deployment --type=NodePort --port 8080 selects its pods', async () => {
      assert.equal(await ok('expose', `deployment/${NAME}`, '--type=NodePort', '--port', '8080'), `service/${NAME} exposed\n`);
      const svc = rows(await ok('get', 'services', NAME));
      assert.deepEqual(svc[1].slice(0, 4), [NAME, 'NodePort', svc[1][2], '<none>']);
      assert.match(svc[1][4], /^8080:3\d{4}\/TCP$/);
      const endpoints = await eventually(async () => (await http(cluster, 'GET', `/api/v1/namespaces/default/endpoints/${NAME}`)).json().subsets?.[0]?.addresses, 5000, 'endpoints');
      assert.equal(endpoints.length, 1);
      // The tutorial's curl, through the pod's and the service's proxy.
      const pod = endpoints[0].targetRef.name;
      assert.equal((await http(cluster, 'GET', `/api/v1/namespaces/default/pods/${pod}:8080/proxy/`)).text, `Hello Kubernetes bootcamp! | Running on: ${pod} | v=1\n`);
      assert.equal(await version(), '1');
    });

    test('scale to 4 replicas; rollout status returns when all are available', async () => {
      assert.equal(await ok('scale', `deployments/${NAME}`, '--replicas=4'), `deployment.apps/${NAME} scaled\n`);
      const status = await ok('rollout', 'status', `deployments/${NAME}`);
      assert.ok(status.endsWith(ROLLED_OUT), status);
      assert.deepEqual(rows(await ok('get', 'deployments'))[1].slice(0, 4), [NAME, '4/4', '4', '4']);
      const [rs] = await replicaSets();
      assert.equal(rs.metadata.annotations['deployment.kubernetes.io/desired-replicas'], '4');
      const events = (await http(cluster, 'GET', `/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=${NAME}`)).json().items;
      assert.equal(events.at(-1).message, `Scaled up replica set ${rs.metadata.name} from 1 to 4`);
    });

    test('set image rolls out v2 within maxSurge and maxUnavailable', async () => {
      const sampler = samplePods(cluster, `app=${NAME}`);
      assert.equal(await ok('set', 'image', `deployments/${NAME}`, `${NAME}=${V2}`), `deployment.apps/${NAME} image updated\n`);
      const status = await ok('rollout', 'status', `deployments/${NAME}`);
      assert.ok(status.endsWith(ROLLED_OUT), status);
      const samples = await sampler.stop();
      assert.ok(samples.length > 8, `sampled ${samples.length} events`);
      // 4 replicas at 25%/25%: maxSurge 1 (rounded up), maxUnavailable 1 (rounded down).
      assert.ok(samples.every((s) => s.pods <= 5), `more than 5 pods: ${JSON.stringify(samples)}`);
      assert.ok(samples.every((s) => s.ready >= 3), `fewer than 3 ready: ${JSON.stringify(samples)}`);
      const [old, current] = await replicaSets();
      assert.deepEqual([old.spec.replicas, current.spec.replicas, current.status.readyReplicas], [0, 4, 4]);
      assert.equal(current.spec.template.spec.containers[0].image, V2);
      assert.equal(await version(), '2');
      assert.equal(current.metadata.annotations['deployment.kubernetes.io/revision'], '2');
      const d = await deployment();
      assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '2');
      assert.deepEqual([d.status.replicas, d.status.updatedReplicas, d.status.readyReplicas, d.status.availableReplicas, d.status.unavailableReplicas], [4, 4, 4, 4, undefined]);
      assert.equal(d.status.observedGeneration, d.metadata.generation);
      // The tenth distinct ScalingReplicaSet message within 10 minutes comes combined, as client-go's aggregator combines it.
      const messages = (await http(cluster, 'GET', `/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=${NAME}`)).json().items
        .map((e: any) => e.message.replace(/^\(combined from similar events\): /, ''));
      assert.ok(messages.includes(`Scaled up replica set ${current.metadata.name} from 0 to 1`), messages.join('\n'));
      assert.ok(messages.includes(`Scaled down replica set ${old.metadata.name} from 1 to 0`), messages.join('\n'));
      const pods = rows(await ok('get', 'pods', '-l', `app=${NAME}`, '--field-selector', 'status.phase=Running'));
      assert.ok(pods.slice(1).some((p) => p[0].startsWith(`${current.metadata.name}-`)));
    });

    test('rollout history lists both revisions; rollout undo brings v1 back as revision 3', async () => {
      assert.equal(await ok('rollout', 'history', `deployments/${NAME}`), `deployment.apps/${NAME} \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n`);
      assert.equal(await ok('rollout', 'undo', `deployments/${NAME}`), `deployment.apps/${NAME} rolled back\n`);
      const status = await ok('rollout', 'status', `deployments/${NAME}`);
      assert.ok(status.endsWith(ROLLED_OUT), status);
      const [first, second] = await replicaSets();
      assert.deepEqual([first.spec.replicas, second.spec.replicas], [4, 0], 'the first ReplicaSet is current again');
      assert.equal(first.metadata.annotations['deployment.kubernetes.io/revision'], '3');
      assert.equal((await deployment()).spec.template.spec.containers[0].image, V1);
      assert.equal(await version(), '1');
      assert.equal(await ok('rollout', 'history', `deployments/${NAME}`), `deployment.apps/${NAME} \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n`);
    });
  });
}

const RECREATE = scratchFile('recreate.yaml', `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  revisionHistoryLimit: 1
  strategy:
    type: Recreate
  selector:
    matchExpressions:
    - {key: app, operator: In, values: [web]}
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.26
`);

const FRONTEND = `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: frontend
spec:
  replicas: 1
  selector:
    matchLabels:
      tier: frontend
  template:
    metadata:
      labels:
        tier: frontend
    spec:
      containers:
      - name: php-redis
        image: us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5
`;

describe('Deployments: Recreate, pause, history limit, validation, garbage collection', () => {
  let cluster: Cluster;
  const v = '1.33';
  const ok = (...args: string[]) => kubectlOk(v, cluster, args);
  const replicaSets = async (app: string) => ((await http(cluster, 'GET', `/apis/apps/v1/namespaces/default/replicasets?labelSelector=app=${app}`)).json().items as any[]);

  before(async () => { cluster = await withCluster({ controlPlane: true, nodes: 2 }); });
  after(async () => { await cluster.close(); });

  test('Recreate removes the old pods before starting new ones; revisionHistoryLimit trims old ReplicaSets', async () => {
    await ok('apply', '-f', RECREATE);
    assert.ok((await ok('rollout', 'status', 'deployment/web')).endsWith('deployment "web" successfully rolled out\n'));
    for (const tag of ['1.27', '1.28']) {
      const sampler = samplePods(cluster, 'app=web');
      await ok('set', 'image', 'deployment/web', `web=nginx:${tag}`);
      assert.ok((await ok('rollout', 'status', 'deployment/web')).endsWith('deployment "web" successfully rolled out\n'));
      const samples = await sampler.stop();
      // Never old and new together: the count drops to 0 before the new pods come.
      assert.ok(samples.some((s) => s.pods === 0), JSON.stringify(samples));
      assert.ok(samples.every((s) => s.pods <= 2), JSON.stringify(samples));
    }
    const sets = await eventually(async () => { const s = await replicaSets('web'); return s.length === 2 && s; }, 5000, 'history trimmed to 1 old ReplicaSet');
    assert.deepEqual(sets.map((rs) => rs.metadata.annotations['deployment.kubernetes.io/revision']).sort(), ['2', '3']);
    assert.deepEqual(sets.map((rs) => rs.metadata.annotations['deployment.kubernetes.io/max-replicas']), ['2', '2'], 'Recreate never surges');
  });

  test('a paused Deployment does not roll out until resumed', async () => {
    assert.equal(await ok('rollout', 'pause', 'deployment/web'), 'deployment.apps/web paused\n');
    await ok('set', 'image', 'deployment/web', 'web=nginx:1.29');
    const paused = await eventually(async () => {
      const d = (await http(cluster, 'GET', '/apis/apps/v1/namespaces/default/deployments/web')).json();
      return d.status.observedGeneration === d.metadata.generation && d;
    }, 5000, 'the paused deployment observed');
    assert.deepEqual(paused.status.conditions.find((c: any) => c.type === 'Progressing'), { ...paused.status.conditions.find((c: any) => c.type === 'Progressing'), status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
    assert.ok((await replicaSets('web')).every((rs) => rs.spec.template.spec.containers[0].image !== 'nginx:1.29'));
    assert.equal(await ok('rollout', 'resume', 'deployment/web'), 'deployment.apps/web resumed\n');
    assert.ok((await ok('rollout', 'status', 'deployment/web')).endsWith('deployment "web" successfully rolled out\n'));
    assert.ok((await replicaSets('web')).some((rs) => rs.spec.replicas === 2 && rs.spec.template.spec.containers[0].image === 'nginx:1.29'));
  });

  test('validation answers in kube\'s words', async () => {
    const bad = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'bad' }, spec: { selector: { matchLabels: { app: 'x' } }, strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }, template: { metadata: { labels: { app: 'y' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } };
    const r = await http(cluster, 'POST', '/apis/apps/v1/namespaces/default/deployments', bad);
    assert.equal(r.status, 422);
    assert.deepEqual(r.json().details.causes.map((c: any) => [c.field, c.message]), [
      ['spec.template.metadata.labels', 'Invalid value: {"app":"y"}: `selector` does not match template `labels`'],
      ['spec.strategy.rollingUpdate.maxUnavailable', 'Invalid value: 0: may not be 0 when `maxSurge` is 0'],
    ]);
    const rs = await http(cluster, 'POST', '/apis/apps/v1/namespaces/default/replicasets', { metadata: { name: 'rs' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } });
    assert.equal(rs.status, 422);
    assert.deepEqual(rs.json().details.causes.map((c: any) => c.field), ['spec.selector']);
  });

  test('set env and set resources roll out; the pods see the variable and request what they limit; rollout restart stamps the template', async () => {
    assert.equal(await ok('create', 'deployment', 'envs', '--image=nginx', '--replicas=2'), 'deployment.apps/envs created\n');
    assert.equal(await ok('set', 'env', 'deployment/envs', 'GREETING=hello'), 'deployment.apps/envs env updated\n');
    assert.equal(await ok('set', 'resources', 'deployment/envs', '-c', 'nginx', '--limits=cpu=200m,memory=512Mi'), 'deployment.apps/envs resource requirements updated\n');
    assert.ok((await ok('rollout', 'status', 'deployment/envs')).endsWith('deployment "envs" successfully rolled out\n'));
    assert.match(await ok('exec', 'deploy/envs', '--', 'env'), /^GREETING=hello$/m);
    const pods = (await http(cluster, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app=envs')).json().items.filter((p: any) => !p.metadata.deletionTimestamp);
    assert.equal(pods.length, 2);
    for (const pod of pods) {
      assert.deepEqual(pod.spec.containers[0].resources, { limits: { cpu: '200m', memory: '512Mi' }, requests: { cpu: '200m', memory: '512Mi' } });
      assert.equal(pod.status.qosClass, 'Guaranteed');
    }
    assert.equal(await ok('rollout', 'restart', 'deployment/envs'), 'deployment.apps/envs restarted\n');
    assert.ok((await ok('rollout', 'status', 'deployment/envs')).endsWith('deployment "envs" successfully rolled out\n'));
    const template = (await http(cluster, 'GET', '/apis/apps/v1/namespaces/default/deployments/envs')).json().spec.template;
    assert.match(template.metadata.annotations['kubectl.kubernetes.io/restartedAt'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal((await replicaSets('envs')).filter((rs) => rs.spec.replicas > 0).length, 1);
    const described = await ok('describe', 'deployment', 'envs');
    assert.match(described, /^Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable$/m);
    assert.match(described, /^ {4}Environment:\n {6}GREETING:\s+hello$/m);
    assert.match(described, /^ {2}Progressing\s+True\s+NewReplicaSetAvailable$/m);
    await ok('delete', 'deployment', 'envs');
  });

  test('a rollout that cannot progress times out; scaled meanwhile, its ReplicaSets share the change; undo records revision-history', async () => {
    const manifest = (selector: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: stuck }
spec:
  replicas: 4
  progressDeadlineSeconds: 3
  strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }
  selector: { matchLabels: { app: stuck } }
  template:
    metadata: { labels: { app: stuck } }
    spec:
      ${selector}
      containers: [{ name: web, image: nginx }]
`;
    await ok('apply', '-f', scratchFile('stuck.yaml', manifest('')));
    assert.ok((await ok('rollout', 'status', 'deployment/stuck')).endsWith('deployment "stuck" successfully rolled out\n'));
    // No node has the label: the new pod stays Pending, so nothing progresses.
    await ok('apply', '-f', scratchFile('stuck.yaml', manifest('nodeSelector: { nowhere: "true" }')));
    const status = await kubectl(v, cluster, ['rollout', 'status', 'deployment/stuck']);
    assert.equal(status.code, 1);
    assert.equal(status.stderr, 'error: deployment "stuck" exceeded its progress deadline\n');
    const stuck = (await http(cluster, 'GET', '/apis/apps/v1/namespaces/default/deployments/stuck')).json();
    const sets = await replicaSets('stuck');
    const bad = sets.find((rs) => rs.spec.template.spec.nodeSelector);
    assert.deepEqual(stuck.status.conditions.find((c: any) => c.type === 'Progressing'), {
      ...stuck.status.conditions.find((c: any) => c.type === 'Progressing'),
      status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${bad.metadata.name}" has timed out progressing.`,
    });
    assert.deepEqual(sets.map((rs) => rs.spec.replicas).sort(), [1, 4]);
    // 4 + 1 -> 8 + 1: the 4 more go 3 to the old set (4 of 5) and 1 to the new (1 of 5), as kube's proportional scaling.
    await ok('scale', 'deployment/stuck', '--replicas=8');
    const scaled = await eventually(async () => {
      const now = await replicaSets('stuck');
      return now.every((rs) => rs.metadata.annotations['deployment.kubernetes.io/desired-replicas'] === '8') && now;
    }, 5000, 'both sets sized for 8');
    assert.deepEqual(Object.fromEntries(scaled.map((rs) => [rs.spec.template.spec.nodeSelector ? 'new' : 'old', rs.spec.replicas])), { old: 7, new: 2 });
    assert.ok(scaled.every((rs) => rs.metadata.annotations['deployment.kubernetes.io/max-replicas'] === '9'));
    await ok('rollout', 'undo', 'deployment/stuck');
    assert.ok((await ok('rollout', 'status', 'deployment/stuck')).endsWith('deployment "stuck" successfully rolled out\n'));
    const back = (await replicaSets('stuck')).find((rs) => !rs.spec.template.spec.nodeSelector);
    assert.equal(back.metadata.annotations['deployment.kubernetes.io/revision'], '3');
    assert.equal(back.metadata.annotations['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(await ok('rollout', 'history', 'deployment/stuck'), 'deployment.apps/stuck \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n');
    await ok('delete', 'deployment', 'stuck');
  });

  test('a ReplicaSet of its own: get rs columns, scale subresource; deleting a Deployment takes its ReplicaSets and pods', async () => {
    const created = await kubectl(v, cluster, ['create', '-f', '-'], { stdin: FRONTEND });
    assert.equal(created.stdout, 'replicaset.apps/frontend created\n', created.stderr);
    assert.equal(await ok('scale', 'rs/frontend', '--replicas=3'), 'replicaset.apps/frontend scaled\n');
    const table = await eventually(async () => { const t = rows(await ok('get', 'rs', 'frontend')); return t[1]?.[3] === '3' && t; }, 5000, '3 ready');
    assert.deepEqual(table[0], ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    assert.deepEqual(table[1].slice(0, 4), ['frontend', '3', '3', '3']);
    const events = (await http(cluster, 'GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=frontend')).json().items;
    assert.deepEqual(events.map((e: any) => [e.reason, e.source.component]), Array(3).fill(['SuccessfulCreate', 'replicaset-controller']));
    assert.match(events[0].message, /^Created pod: frontend-[a-z0-9]{5}$/);
    await ok('delete', 'deployment', 'web');
    await eventually(async () => (await replicaSets('web')).length === 0, 5000, 'ReplicaSets collected');
    await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app=web')).json().items.length === 0, 8000, 'pods collected');
  });
});
