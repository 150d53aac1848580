// PriorityClasses, priority admission and preemption, with real kubectl against a one-node
// cluster of 1 cpu: the built-in classes and a new one in `get pc`, a pod's class resolved to its
// priority, an unknown class refused, a high-priority pod preempting a low-priority one (the
// victim's Preempted event, the preemptor Running on its node) and a Never pod preempting nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, kubectlOk, rows, withCluster } from './helpers.js';

/** A pod asking for `cpu`, of class `className` when given. */
function podYaml(name: string, cpu: string, className?: string): string {
  return [
    'apiVersion: v1', 'kind: Pod', `metadata: {name: ${name}}`, 'spec:',
    ...(className ? [`  priorityClassName: ${className}`] : []),
    '  containers:', `  - {name: c, image: nginx, resources: {requests: {cpu: ${cpu}}}}`, '',
  ].join('\n');
}

for (const v of ['1.27', '1.30', '1.33']) {
  describe(`PriorityClasses and preemption with kubectl ${v}`, () => {
    let cluster: Cluster;
    const ok = (...args: string[]) => kubectlOk(v, cluster, args);
    const pod = async (name: string) => { const r = await http(cluster, 'GET', `/api/v1/namespaces/default/pods/${name}`); return r.status === 200 ? r.json() : undefined; };

    before(async () => { cluster = await withCluster({ controlPlane: true, nodes: 1, kubelet: { cpu: '1' }, loadBalancerAddress: false }); });
    after(async () => { await cluster.close(); });

    test('create priorityclass; get pc shows the system classes and the new one with kube\'s columns', async () => {
      assert.equal(await ok('create', 'priorityclass', 'high', '--value=1000', '--description=important'), 'priorityclass.scheduling.k8s.io/high created\n');
      assert.equal(await ok('create', 'priorityclass', 'polite', '--value=500', '--preemption-policy=Never'), 'priorityclass.scheduling.k8s.io/polite created\n');
      const table = rows(await ok('get', 'pc'));
      assert.deepEqual(table[0], ['NAME', 'VALUE', 'GLOBAL-DEFAULT', 'AGE', 'PREEMPTIONPOLICY']);
      const byName = new Map(table.slice(1).map((r) => [r[0], [r[1], r[2], r[4]]]));
      assert.deepEqual([...byName.keys()], ['high', 'polite', 'system-cluster-critical', 'system-node-critical']);
      assert.deepEqual(byName.get('high'), ['1000', 'false', 'PreemptLowerPriority']);
      assert.deepEqual(byName.get('polite'), ['500', 'false', 'Never']);
      assert.deepEqual(byName.get('system-cluster-critical'), ['2000000000', 'false', 'PreemptLowerPriority']);
      assert.deepEqual(byName.get('system-node-critical'), ['2000001000', 'false', 'PreemptLowerPriority']);
      const refused = await kubectl(v, cluster, ['delete', 'pc', 'system-node-critical']);
      assert.equal(refused.stderr, 'Error from server (Forbidden): priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted\n');
    });

    test('a pod naming no class gets priority 0; an unknown class is refused with kube\'s message', async () => {
      assert.equal((await kubectl(v, cluster, ['create', '-f', '-'], { stdin: podYaml('classless', '0') })).code, 0);
      assert.equal(await ok('get', 'pod', 'classless', '-o', 'jsonpath={.spec.priority} {.spec.preemptionPolicy}'), '0 PreemptLowerPriority');
      await ok('delete', 'pod', 'classless', '--wait=false');
      const refused = await kubectl(v, cluster, ['create', '-f', '-'], { stdin: podYaml('stray', '100m', 'nonexistent') });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /pods "stray" is forbidden: no PriorityClass with name nonexistent was found\n$/);
      assert.equal(await pod('stray'), undefined);
    });

    test('on a full node a high-priority pod preempts a low-priority one and runs there; a Never pod preempts nothing', async () => {
      for (const name of ['low-1', 'low-2']) assert.equal(await kubectlOk(v, cluster, ['create', '-f', '-'], { stdin: podYaml(name, '500m') }), `pod/${name} created\n`);
      await eventually(async () => (await pod('low-1'))?.status?.phase === 'Running' && (await pod('low-2'))?.status?.phase === 'Running', 20_000, 'the low-priority pods running');

      // preemptionPolicy Never: it waits, preempting nothing, and says why.
      await kubectlOk(v, cluster, ['create', '-f', '-'], { stdin: podYaml('polite-pod', '500m', 'polite') });
      assert.equal(await ok('get', 'pod', 'polite-pod', '-o', 'jsonpath={.spec.priority} {.spec.preemptionPolicy}'), '500 Never');
      const never = await eventually(async () => rows(await ok('get', 'events', '--field-selector', 'involvedObject.name=polite-pod,reason=FailedScheduling')).find((r) => r[1] === 'Warning'), 20_000, 'the Never pod\'s FailedScheduling');
      assert.equal(never.at(-1), '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.');
      assert.ok(await pod('low-1') && await pod('low-2'), 'a Never pod preempts nothing');

      await kubectlOk(v, cluster, ['create', '-f', '-'], { stdin: podYaml('important', '500m', 'high') });
      assert.equal(await ok('get', 'pod', 'important', '-o', 'jsonpath={.spec.priority} {.spec.priorityClassName}'), '1000 high');
      const running = await eventually(async () => { const p = await pod('important'); return p?.status?.phase === 'Running' && p; }, 30_000, 'the preemptor running');
      assert.equal(running.spec.nodeName, 'node-1');
      assert.equal(running.status.nominatedNodeName, 'node-1');
      const left = [await pod('low-1'), await pod('low-2')].filter(Boolean);
      assert.equal(left.length, 1, 'exactly one victim');
      const victim = left[0].metadata.name === 'low-1' ? 'low-2' : 'low-1';
      const events = rows(await ok('get', 'events', '--field-selector', 'reason=Preempted'));
      assert.deepEqual(events[0], ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
      assert.deepEqual(events.slice(1).map((r) => r.slice(1)), [['Normal', 'Preempted', `pod/${victim}`, `Preempted by pod ${running.metadata.uid} on node node-1`]]);
      // The Never pod still waits: the room went to the pod that preempted for it.
      assert.equal((await pod('polite-pod'))?.spec?.nodeName, undefined);
    });
  });
}
