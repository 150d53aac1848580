// StatefulSets with real kubectl against tinykube's control plane, as the StatefulSet basics
// tutorial walks through them: ordered creation (seen through a watch), stable names, hostnames
// and claims, reverse-order scale-down, a rolling update in reverse order with rollout status,
// history and undo, a partition, `get` and `describe`, validation, and deletion with and without
// orphaning.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, followWatch, http, kubectl, kubectlOk, rows, withCluster } from './helpers.js';

const V1 = 'registry.k8s.io/nginx-slim:0.8';
const V2 = 'registry.k8s.io/nginx-slim:0.9';
const V3 = 'registry.k8s.io/nginx-slim:0.10';

const manifest = (name: string, replicas: number, claims = true) => `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ${name}}
spec:
  serviceName: nginx
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: nginx, image: "${V1}"}]}
${claims ? `  volumeClaimTemplates:
  - metadata: {name: www}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}` : ''}
`;

interface PodEvent { type: string; name: string; ready: boolean; revision?: string }

/** Records every watch event of the pods labelled app=`app`, in order, until stopped. */
function watchPods(cluster: Cluster, app: string): { events: PodEvent[]; stop(): Promise<void> } {
  const events: PodEvent[] = [];
  const watch = followWatch(cluster, () => `/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3D${app}`, ({ type, object: pod }) => {
    const ready = pod.status?.phase === 'Running' && (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True') && !pod.metadata.deletionTimestamp;
    events.push({ type, name: pod.metadata.name, ready, revision: pod.metadata.labels?.['controller-revision-hash'] });
  });
  return { events, stop: () => watch.stop() };
}

for (const v of ['1.27', '1.30', '1.33']) {
  describe(`StatefulSets with kubectl ${v}`, () => {
    let cluster: Cluster;
    const ok = (...args: string[]) => kubectlOk(v, cluster, args, { timeoutMs: 90_000 });
    const apply = async (yaml: string) => {
      const r = await kubectl(v, cluster, ['apply', '-f', '-'], { stdin: yaml });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    const sts = async (name = 'web') => (await http(cluster, 'GET', `/apis/apps/v1/namespaces/default/statefulsets/${name}`)).json();
    const pods = async (app = 'web') => ((await http(cluster, 'GET', `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`)).json().items as any[])
      .filter((p) => !p.metadata.deletionTimestamp).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const events = async (name = 'web') => ((await http(cluster, 'GET', `/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=${name},involvedObject.kind=StatefulSet`)).json().items as any[]);
    before(async () => { cluster = await withCluster({ controlPlane: true, nodes: 2 }); });
    after(async () => { await cluster.close(); });

    test('3 replicas: web-0, web-1, web-2 created in order, each after the one before is Running and Ready', async () => {
      const watch = watchPods(cluster, 'web');
      assert.equal(await apply(manifest('web', 3)), 'statefulset.apps/web created\n');
      const status = await ok('rollout', 'status', 'statefulset/web');
      assert.ok(status.endsWith('partitioned roll out complete: 3 new pods have been updated...\n'), status);
      await watch.stop();
      const added = watch.events.filter((e) => e.type === 'ADDED').map((e) => e.name);
      assert.deepEqual(added, ['web-0', 'web-1', 'web-2']);
      for (const [prev, next] of [['web-0', 'web-1'], ['web-1', 'web-2']]) {
        const created = watch.events.findIndex((e) => e.type === 'ADDED' && e.name === next);
        assert.ok(watch.events.slice(0, created).some((e) => e.name === prev && e.ready), `${next} was created before ${prev} was Running and Ready`);
      }
      const s = await sts();
      const revision = s.status.currentRevision;
      assert.match(revision, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
      assert.deepEqual(s.status, { availableReplicas: 3, collisionCount: 0, currentReplicas: 3, currentRevision: revision, observedGeneration: 1, readyReplicas: 3, replicas: 3, updateRevision: revision, updatedReplicas: 3 });
      assert.deepEqual([s.spec.podManagementPolicy, s.spec.revisionHistoryLimit, s.spec.updateStrategy, s.spec.persistentVolumeClaimRetentionPolicy],
        ['OrderedReady', 10, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, { whenDeleted: 'Retain', whenScaled: 'Retain' }]);
      const [web0] = await pods();
      assert.deepEqual(web0.metadata.labels, { app: 'web', 'apps.kubernetes.io/pod-index': '0', 'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': 'web-0' });
      assert.deepEqual([web0.spec.hostname, web0.spec.subdomain], ['web-0', 'nginx']);
      assert.deepEqual(web0.spec.volumes.find((vol: any) => vol.name === 'www'), { name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } });
      assert.deepEqual(web0.metadata.ownerReferences.map((r: any) => [r.apiVersion, r.kind, r.name, r.controller, r.blockOwnerDeletion]), [['apps/v1', 'StatefulSet', 'web', true, true]]);
      const table = rows(await ok('get', 'statefulsets'));
      assert.deepEqual(table[0], ['NAME', 'READY', 'AGE']);
      assert.deepEqual(table[1].slice(0, 2), ['web', '3/3']);
      const wide = rows(await ok('get', 'sts', '-o', 'wide'));
      assert.deepEqual(wide[0], ['NAME', 'READY', 'AGE', 'CONTAINERS', 'IMAGES']);
      assert.deepEqual([wide[1][0], wide[1][1], wide[1][3], wide[1][4]], ['web', '3/3', 'nginx', V1]);
      const revisions = rows(await ok('get', 'controllerrevisions'));
      assert.deepEqual(revisions[0], ['NAME', 'CONTROLLER', 'REVISION', 'AGE']);
      assert.deepEqual(revisions[1].slice(0, 3), [revision, 'statefulset.apps/web', '1']);
      const messages = (await events()).map((e) => [e.reason, e.message, e.source.component]);
      const claimEvents = [0, 1, 2].map((i) => ['SuccessfulCreate', `create Claim www-web-${i} Pod web-${i} in StatefulSet web success`, 'statefulset-controller']);
      assert.deepEqual(messages, [0, 1, 2].flatMap((i) => [
        ...claimEvents.slice(i, i + 1),
        ['SuccessfulCreate', `create Pod web-${i} in StatefulSet web successful`, 'statefulset-controller'],
      ]));
    });

    test('the claims www-web-0.. are made from volumeClaimTemplates, labelled with the selector, and bound on their pod\'s node', async () => {
      const claims = ((await http(cluster, 'GET', '/api/v1/namespaces/default/persistentvolumeclaims')).json().items as any[]).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
      assert.deepEqual(claims.map((c) => c.metadata.name), ['www-web-0', 'www-web-1', 'www-web-2']);
      for (const c of claims) {
        assert.deepEqual(c.metadata.labels, { app: 'web' });
        assert.deepEqual(c.spec.accessModes, ['ReadWriteOnce']);
        assert.equal(c.spec.resources.requests.storage, '1Gi');
        assert.equal(c.metadata.ownerReferences, undefined, 'Retain: the claims outlive the set');
        // The default class (standard, WaitForFirstConsumer) provisions on the node the pod was scheduled to.
        assert.deepEqual([c.status.phase, c.spec.storageClassName, c.spec.volumeName], ['Bound', 'standard', `pvc-${c.metadata.uid}`]);
        const pod = (await http(cluster, 'GET', `/api/v1/namespaces/default/pods/${c.metadata.name.replace(/^www-/, '')}`)).json();
        assert.equal(c.metadata.annotations['volume.kubernetes.io/selected-node'], pod.spec.nodeName);
      }
      const table = rows(await ok('get', 'pvc'));
      assert.deepEqual(table.map((r) => [r[0], r[1]]), [['NAME', 'STATUS'], ['www-web-0', 'Bound'], ['www-web-1', 'Bound'], ['www-web-2', 'Bound']]);
    });

    test('scale down removes web-2 first, then web-1', async () => {
      const watch = watchPods(cluster, 'web');
      assert.equal(await ok('scale', 'sts', 'web', '--replicas=1'), 'statefulset.apps/web scaled\n');
      await eventually(async () => (await pods()).length === 1 && (await sts()).status.replicas === 1, 20_000, 'one pod left');
      await watch.stop();
      assert.deepEqual(watch.events.filter((e) => e.type === 'DELETED').map((e) => e.name), ['web-2', 'web-1']);
      const deletes = (await events()).filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
      assert.deepEqual(deletes, ['delete Pod web-2 in StatefulSet web successful', 'delete Pod web-1 in StatefulSet web successful']);
      await ok('scale', 'sts', 'web', '--replicas=3');
      const status = await ok('rollout', 'status', 'sts/web');
      assert.ok(status.endsWith('partitioned roll out complete: 3 new pods have been updated...\n'), status);
    });

    test('an image change rolls the pods in reverse ordinal order; rollout status returns', async () => {
      const before = (await sts()).status.currentRevision;
      const watch = watchPods(cluster, 'web');
      assert.equal(await ok('set', 'image', 'sts/web', `nginx=${V2}`), 'statefulset.apps/web image updated\n');
      const status = await ok('rollout', 'status', 'sts/web');
      assert.ok(status.endsWith('partitioned roll out complete: 3 new pods have been updated...\n'), status);
      await watch.stop();
      assert.deepEqual(watch.events.filter((e) => e.type === 'DELETED').map((e) => e.name), ['web-2', 'web-1', 'web-0']);
      const s = await sts();
      assert.notEqual(s.status.updateRevision, before);
      assert.equal(s.status.currentRevision, s.status.updateRevision);
      assert.deepEqual((await pods()).map((p) => [p.metadata.name, p.spec.containers[0].image, p.metadata.labels['controller-revision-hash']]),
        [0, 1, 2].map((i) => [`web-${i}`, V2, s.status.updateRevision]));
    });

    test('rollout history lists the ControllerRevisions; rollout undo restores the previous template', async () => {
      const history = await ok('rollout', 'history', 'sts/web');
      assert.deepEqual(rows(history), [['statefulset.apps/web'], ['REVISION', 'CHANGE-CAUSE'], ['1', '<none>'], ['2', '<none>']]);
      const one = await ok('rollout', 'history', 'sts/web', '--revision=1');
      assert.match(one, /^statefulset\.apps\/web with revision #1\nPod Template:\n {2}Labels:\tapp=web\n {2}Containers:\n {3}nginx:\n {4}Image:\tregistry\.k8s\.io\/nginx-slim:0\.8\n/);
      assert.equal(await ok('rollout', 'undo', 'sts/web'), 'statefulset.apps/web rolled back\n');
      await ok('rollout', 'status', 'sts/web');
      assert.deepEqual((await pods()).map((p) => p.spec.containers[0].image), [V1, V1, V1]);
      const revisions = ((await http(cluster, 'GET', '/apis/apps/v1/namespaces/default/controllerrevisions')).json().items as any[]).map((r) => [r.revision, r.data.spec.template.spec.containers[0].image]).sort();
      assert.deepEqual(revisions, [[2, V2], [3, V1]], 'the restored template is revision 3 now');
    });

    test('a partition holds the lower ordinals at their revision', async () => {
      await ok('patch', 'sts', 'web', '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}');
      await ok('set', 'image', 'sts/web', `nginx=${V3}`);
      const status = await ok('rollout', 'status', 'sts/web');
      assert.ok(status.endsWith('partitioned roll out complete: 1 new pods have been updated...\n'), status);
      assert.deepEqual((await pods()).map((p) => p.spec.containers[0].image), [V1, V1, V3]);
      const s = await sts();
      assert.notEqual(s.status.currentRevision, s.status.updateRevision);
      assert.deepEqual([s.status.currentReplicas, s.status.updatedReplicas], [2, 1]);
      // Deleted below the partition, a pod comes back at the current revision.
      await ok('delete', 'pod', 'web-0');
      await eventually(async () => (await pods()).find((p) => p.metadata.name === 'web-0' && p.status.phase === 'Running'), 20_000, 'web-0 back');
      assert.equal((await pods())[0].spec.containers[0].image, V1);
    });

    test('describe statefulset shows replicas, strategy, pods, the claim templates and events', async () => {
      const out = await ok('describe', 'statefulset', 'web');
      for (const line of [
        /^Name: +web$/m, /^Namespace: +default$/m, /^Selector: +app=web$/m, /^Replicas: +3 desired \| 3 total$/m,
        /^Update Strategy: +RollingUpdate$/m, /^ {2}Partition: +2$/m, /^Pods Status: +3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m,
        /^Volume Claims:$/m, /^ {2}Name: +www$/m, /^ {2}Capacity: +1Gi$/m, /^ {2}Access Modes: +\[ReadWriteOnce\]$/m,
        /Normal +SuccessfulCreate .* statefulset-controller +create Pod web-0 in StatefulSet web successful$/m,
      ]) assert.match(out, line);
    });

    test('bad specs get kube\'s 422s', async () => {
      const bad = manifest('bad', 1, false).replace('template:\n    metadata: {labels: {app: bad}}', 'template:\n    metadata: {labels: {app: other}}');
      const r = await kubectl(v, cluster, ['create', '-f', '-'], { stdin: bad });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /The StatefulSet "bad" is invalid: spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/);
      const res = await http(cluster, 'PATCH', '/apis/apps/v1/namespaces/default/statefulsets/web', { spec: { serviceName: 'other' } }, { 'Content-Type': 'application/merge-patch+json' });
      assert.equal(res.status, 422);
      assert.match(res.json().message, /spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden/);
      const policy = await http(cluster, 'POST', '/apis/apps/v1/namespaces/default/statefulsets', {
        apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'p' },
        spec: { podManagementPolicy: 'Sometimes', selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
      });
      assert.equal(policy.status, 422);
      assert.match(policy.json().message, /spec\.podManagementPolicy: Invalid value: "Sometimes": must be 'OrderedReady' or 'Parallel'/);
    });

    test('deleting the set removes its pods; --cascade=orphan keeps them, released', async () => {
      await apply(manifest('keep', 2, false));
      await ok('rollout', 'status', 'sts/keep');
      assert.equal(await ok('delete', 'sts', 'keep', '--cascade=orphan'), 'statefulset.apps "keep" deleted\n');
      const kept = await eventually(async () => { const p = await pods('keep'); return p.length === 2 && p.every((x) => !x.metadata.ownerReferences) && p; }, 20_000, 'orphaned pods');
      assert.deepEqual(kept.map((p) => p.metadata.name), ['keep-0', 'keep-1']);
      assert.equal(await ok('delete', 'sts', 'web'), 'statefulset.apps "web" deleted\n');
      await eventually(async () => (await pods('web')).length === 0, 20_000, 'the pods of web gone');
    });
  });
}

