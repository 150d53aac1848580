// DaemonSets with real kubectl against tinykube's control plane: a pod on every node, pinned by
// node affinity with the tolerations kube adds; a new node gains one, a removed node loses it; a
// nodeSelector limits them; a rolling update with rollout status, history and undo; `get` and
// `describe`; validation; deletion with and without orphaning.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, kubectlOk, rows, withCluster } from './helpers.js';

const V1 = 'fluentd:v1';
const V2 = 'fluentd:v2';

const manifest = (name: string) => `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ${name}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: fluentd, image: "${V1}"}]}
`;

for (const v of ['1.27', '1.30', '1.33']) {
  describe(`DaemonSets with kubectl ${v}`, () => {
    let cluster: Cluster;
    const ok = (...args: string[]) => kubectlOk(v, cluster, args, { timeoutMs: 90_000 });
    const create = async (yaml: string) => {
      const r = await kubectl(v, cluster, ['create', '-f', '-'], { stdin: yaml });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    const ds = async (name = 'fluentd') => (await http(cluster, 'GET', `/apis/apps/v1/namespaces/default/daemonsets/${name}`)).json();
    const pods = async (app = 'fluentd') => ((await http(cluster, 'GET', `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`)).json().items as any[])
      .filter((p) => !p.metadata.deletionTimestamp);
    const nodesOf = async (app = 'fluentd') => (await pods(app)).map((p) => p.spec.nodeName).sort();
    const deleteEvents = async () => ((await http(cluster, 'GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind=DaemonSet,reason=SuccessfulDelete')).json().items as any[]);
    const rolledOut = async (name = 'fluentd') => {
      const out = await ok('rollout', 'status', `daemonset/${name}`);
      assert.ok(out.endsWith(`daemon set "${name}" successfully rolled out\n`), out);
    };

    before(async () => { cluster = await withCluster({ controlPlane: true, nodes: 2 }); });
    after(async () => { await cluster.close(); });

    test('one pod per node, pinned by matchFields affinity, with the daemon tolerations', async () => {
      assert.equal(await create(manifest('fluentd')), 'daemonset.apps/fluentd created\n');
      await rolledOut();
      assert.deepEqual(await nodesOf(), ['node-1', 'node-2']);
      const d = await ds();
      const hash = d.status && (await pods())[0].metadata.labels['controller-revision-hash'];
      assert.deepEqual(d.status, { currentNumberScheduled: 2, desiredNumberScheduled: 2, numberAvailable: 2, numberMisscheduled: 0, numberReady: 2, observedGeneration: 1, updatedNumberScheduled: 2 });
      assert.deepEqual(d.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
      assert.equal(d.metadata.annotations['deprecated.daemonset.template.generation'], '1');
      for (const p of await pods()) {
        assert.deepEqual(p.spec.affinity, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec.nodeName] }] }] } } });
        assert.deepEqual(p.spec.tolerations.map((t: any) => `${t.key}:${t.effect}`), [
          'node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/disk-pressure:NoSchedule',
          'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule',
        ]);
        assert.deepEqual(p.metadata.labels, { app: 'fluentd', 'controller-revision-hash': hash, 'pod-template-generation': '1' });
        assert.match(p.metadata.name, /^fluentd-[a-z0-9]{5}$/);
      }
      const table = rows(await ok('get', 'daemonsets'));
      assert.deepEqual(table[0], ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE']);
      assert.deepEqual(table[1].slice(0, 7), ['fluentd', '2', '2', '2', '2', '2', '<none>']);
      const wide = rows(await ok('get', 'ds', '-o', 'wide'));
      assert.deepEqual(wide[0].slice(8), ['CONTAINERS', 'IMAGES', 'SELECTOR']);
      assert.deepEqual(wide[1].slice(8), ['fluentd', V1, 'app=fluentd']);
      const revisions = rows(await ok('get', 'controllerrevisions'));
      assert.deepEqual(revisions[1].slice(0, 3), [`fluentd-${hash}`, 'daemonset.apps/fluentd', '1']);
      const events = (await http(cluster, 'GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind=DaemonSet')).json().items as any[];
      assert.deepEqual(events.map((e) => [e.reason, e.source.component]), [['SuccessfulCreate', 'daemonset-controller'], ['SuccessfulCreate', 'daemonset-controller']]);
      assert.deepEqual(events.map((e) => e.message).sort(), (await pods()).map((p) => `Created pod: ${p.metadata.name}`).sort());
    });

    test('a node added gains a pod; a node removed loses it', async () => {
      await create('apiVersion: v1\nkind: Node\nmetadata: {name: node-3, labels: {disk: ssd}}\n');
      await eventually(async () => (await nodesOf()).join() === 'node-1,node-2,node-3' && (await ds()).status.numberReady === 3, 20_000, 'a pod on node-3');
      assert.deepEqual(rows(await ok('get', 'ds'))[1].slice(0, 6), ['fluentd', '3', '3', '3', '3', '3']);
      await ok('delete', 'node', 'node-3');
      await eventually(async () => (await nodesOf()).join() === 'node-1,node-2' && (await ds()).status.desiredNumberScheduled === 2, 20_000, 'the pod of node-3 gone');
      await create('apiVersion: v1\nkind: Node\nmetadata: {name: node-3, labels: {disk: ssd}}\n');
      await eventually(async () => (await ds()).status.numberReady === 3, 20_000, 'node-3 back');
    });

    test('set image rolls the pods one node at a time; rollout status, history and undo', async () => {
      const deletesBefore = (await deleteEvents()).length;
      assert.equal(await ok('set', 'image', 'ds/fluentd', `fluentd=${V2}`), 'daemonset.apps/fluentd image updated\n');
      await rolledOut();
      assert.deepEqual((await pods()).map((p) => p.spec.containers[0].image), [V2, V2, V2]);
      assert.equal((await ds()).metadata.annotations['deprecated.daemonset.template.generation'], '2');
      const deletes = (await deleteEvents()).slice(deletesBefore);
      assert.equal(deletes.length, 3);
      assert.ok(deletes.every((e) => /^Deleted pod: fluentd-[a-z0-9]{5}$/.test(e.message)));
      assert.deepEqual(rows(await ok('rollout', 'history', 'ds/fluentd')), [['daemonset.apps/fluentd'], ['REVISION', 'CHANGE-CAUSE'], ['1', '<none>'], ['2', '<none>']]);
      assert.equal(await ok('rollout', 'undo', 'ds/fluentd'), 'daemonset.apps/fluentd rolled back\n');
      await rolledOut();
      assert.deepEqual((await pods()).map((p) => p.spec.containers[0].image), [V1, V1, V1]);
    });

    test('a nodeSelector limits the pods to the matching nodes', async () => {
      await ok('patch', 'ds', 'fluentd', '-p', '{"spec":{"template":{"spec":{"nodeSelector":{"disk":"ssd"}}}}}');
      await eventually(async () => (await nodesOf()).join() === 'node-3' && (await ds()).status.currentNumberScheduled === 1, 20_000, 'only node-3');
      await rolledOut();
      assert.deepEqual(rows(await ok('get', 'ds'))[1].slice(0, 7), ['fluentd', '1', '1', '1', '1', '1', 'disk=ssd']);
    });

    test('describe daemonset shows the node counts, the template and events', async () => {
      // kubectl counts the pods its selector finds, terminating ones too: wait for the old ones to go.
      const out = await eventually(async () => { const o = await ok('describe', 'daemonset', 'fluentd'); return o.includes('Pods Status:  1 Running') && o; }, 20_000, 'one pod left');
      for (const line of [
        /^Name: +fluentd$/m, /^Selector: +app=fluentd$/m, /^Node-Selector: +disk=ssd$/m,
        /^Desired Number of Nodes Scheduled: 1$/m, /^Current Number of Nodes Scheduled: 1$/m,
        /^Number of Nodes Scheduled with Up-to-date Pods: 1$/m, /^Number of Nodes Scheduled with Available Pods: 1$/m,
        /^Number of Nodes Misscheduled: 0$/m, /^Pods Status: +1 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m,
        /Normal +SuccessfulCreate .* daemonset-controller +Created pod: fluentd-[a-z0-9]{5}$/m,
      ]) assert.match(out, line);
    });

    test('bad specs get kube\'s 422s', async () => {
      const res = await http(cluster, 'POST', '/apis/apps/v1/namespaces/default/daemonsets', {
        apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'bad' },
        spec: { selector: { matchLabels: { a: 'b' } }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } }, template: { metadata: { labels: { a: 'c' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
      });
      assert.equal(res.status, 422);
      assert.match(res.json().message, /spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/);
      assert.match(res.json().message, /spec\.updateStrategy\.rollingUpdate\.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero/);
    });

    test('deleting the DaemonSet removes its pods; --cascade=orphan keeps them', async () => {
      await create(manifest('keep'));
      await rolledOut('keep');
      assert.equal(await ok('delete', 'ds', 'keep', '--cascade=orphan'), 'daemonset.apps "keep" deleted\n');
      await eventually(async () => { const p = await pods('keep'); return p.length === 3 && p.every((x) => !x.metadata.ownerReferences); }, 20_000, 'orphaned pods');
      assert.equal(await ok('delete', 'ds', 'fluentd'), 'daemonset.apps "fluentd" deleted\n');
      await eventually(async () => (await pods()).length === 0, 20_000, 'the pods of fluentd gone');
    });
  });
}
