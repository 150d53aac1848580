// PodDisruptionBudgets with real kubectl against tinykube's control plane: `kubectl create pdb`,
// the disruption controller's status in `get pdb` and `describe pdb`, validation, evictions that
// spend the budget (429 with kube's Status when it is exhausted, dry runs that spend nothing), and
// `kubectl drain` of a node running a Deployment's three pods under maxUnavailable 1: evicted one
// at a time (a watch never sees fewer than two of them available), retried on 429, finished.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, followWatch, http, kubectl, kubectlOk, rows, scratchFile, withCluster } from './helpers.js';

const PODS = '/api/v1/namespaces/default/pods';
const PDBS = '/apis/policy/v1/namespaces/default/poddisruptionbudgets';
const eviction = (name: string, deleteOptions?: unknown) => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, ...(deleteOptions ? { deleteOptions } : {}) });
const isReady = (pod: any): boolean => (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');

/** Follows the pods of `selector` and records after every event how many are ready and not deleting. */
function sampleAvailable(cluster: Cluster, selector: string): { stop(): Promise<{ available: number[]; disruptionTargets: any[] }> } {
  const pods = new Map<string, boolean>();
  const available: number[] = [];
  const disruptionTargets: any[] = [];
  const query = `labelSelector=${encodeURIComponent(selector)}`;
  const watch = followWatch(cluster, async () => {
    const list = (await http(cluster, 'GET', `${PODS}?${query}`)).json();
    for (const pod of list.items) pods.set(pod.metadata.name, isReady(pod) && !pod.metadata.deletionTimestamp);
    return `${PODS}?watch=true&${query}&resourceVersion=${list.metadata.resourceVersion}`;
  }, ({ type, object: pod }) => {
    if (type === 'DELETED') pods.delete(pod.metadata.name);
    else pods.set(pod.metadata.name, isReady(pod) && !pod.metadata.deletionTimestamp);
    const target = (pod.status?.conditions ?? []).find((c: any) => c.type === 'DisruptionTarget');
    if (target) disruptionTargets.push(target);
    available.push([...pods.values()].filter(Boolean).length);
  });
  return { async stop() { await watch.stop(); return { available, disruptionTargets }; } };
}

for (const v of ['1.27', '1.30', '1.33']) {
  describe(`PodDisruptionBudgets with kubectl ${v}`, () => {
    let cluster: Cluster;
    const ok = (...args: string[]) => kubectlOk(v, cluster, args);
    const pdb = async (name: string) => (await http(cluster, 'GET', `${PDBS}/${name}`)).json();

    before(async () => {
      cluster = await withCluster({ controlPlane: true, nodes: 3 });
      // All of web's pods on node-1, the node drained last.
      await ok('cordon', 'node-2');
      await ok('cordon', 'node-3');
      await ok('create', 'deployment', 'web', '--image=nginx', '--replicas=3');
      await eventually(async () => rows(await ok('get', 'deployment', 'web'))[1]?.[1] === '3/3', 20_000, 'web ready');
      await ok('uncordon', 'node-2');
      await ok('uncordon', 'node-3');
    });
    after(async () => { await cluster.close(); });

    test('create pdb; get pdb shows the columns once the controller computed the status; describe pdb', async () => {
      assert.equal(await ok('create', 'pdb', 'web-pdb', '--selector=app=web', '--max-unavailable=1'), 'poddisruptionbudget.policy/web-pdb created\n');
      const table = await eventually(async () => { const t = rows(await ok('get', 'pdb')); return t[1]?.[3] === '1' && t; }, 10_000, 'web-pdb computed');
      assert.deepEqual(table[0], ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']);
      assert.deepEqual(table[1].slice(0, 4), ['web-pdb', 'N/A', '1', '1']);
      const got = await pdb('web-pdb');
      assert.deepEqual(got.spec, { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } });
      const { conditions, ...counts } = got.status;
      assert.deepEqual(counts, { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 });
      assert.deepEqual(conditions.map((c: any) => [c.type, c.status, c.observedGeneration, c.reason, c.message]), [['DisruptionAllowed', 'True', 1, 'SufficientPods', '']]);
      const described = await ok('describe', 'pdb', 'web-pdb');
      const lines = described.split('\n').map((l) => l.replace(/\s+$/, ''));
      assert.deepEqual(lines.slice(0, 10).map((l) => l.replace(/:\s+/, ': ')), [
        'Name: web-pdb', 'Namespace: default', 'Max unavailable: 1', 'Selector: app=web', 'Status:',
        '    Allowed disruptions: 1', '    Current: 3', '    Desired: 2', '    Total: 3', 'Events: <none>',
      ]);

      assert.equal(await ok('create', 'pdb', 'half', '--selector=app=web', '--min-available=50%'), 'poddisruptionbudget.policy/half created\n');
      const half = rows(await eventually(async () => { const out = await ok('get', 'pdb', 'half'); return rows(out)[1]?.[3] === '1' && out; }, 10_000, 'half computed'));
      assert.deepEqual(half[1].slice(0, 4), ['half', '50%', 'N/A', '1']);
      assert.deepEqual((await pdb('half')).status.desiredHealthy, 2, '50% of 3 rounds up');
      await ok('delete', 'pdb', 'half');
    });

    test('validation answers 422 with kube\'s texts', async () => {
      const manifest = (spec: string) => scratchFile(`pdb-${v}-${Math.random().toString(36).slice(2)}.yaml`, `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: bad\nspec:\n${spec}`);
      const both = await kubectl(v, cluster, ['create', '-f', manifest('  minAvailable: 1\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app: web\n')]);
      assert.equal(both.code, 1);
      assert.match(both.stderr, /^The PodDisruptionBudget "bad" is invalid: spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set\n$/);
      const percent = await kubectl(v, cluster, ['create', '-f', manifest('  minAvailable: 150%\n  unhealthyPodEvictionPolicy: Sometimes\n')]);
      assert.equal(percent.stderr, 'The PodDisruptionBudget "bad" is invalid: \n* spec.minAvailable: Invalid value: "150%": must not be greater than 100%\n* spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"\n');
    });

    test('evictions spend the budget: 429 with kube\'s Status when none is left, a dry run writes nothing, two budgets are a 500', async () => {
      await ok('run', 'solo', '--image=nginx', '--labels=app=solo');
      await ok('create', 'pdb', 'solo-pdb', '--selector=app=solo', '--min-available=1');
      await eventually(async () => { const s = (await pdb('solo-pdb')).status; return s.currentHealthy === 1 && s.observedGeneration === 1; }, 10_000, 'solo-pdb computed');
      const refused = await http(cluster, 'POST', `${PODS}/solo/eviction`, eviction('solo'));
      assert.equal(refused.status, 429);
      assert.equal(refused.text, '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Cannot evict pod as it would violate the pod\'s disruption budget.","reason":"TooManyRequests","details":{"causes":[{"reason":"DisruptionBudget","message":"The disruption budget solo-pdb needs 1 healthy pods and has 1 currently"}]},"code":429}\n');
      assert.equal(refused.headers.get('retry-after'), null);
      assert.equal((await http(cluster, 'GET', `${PODS}/solo`)).status, 200);

      const before = await pdb('web-pdb');
      const [victim] = (await http(cluster, 'GET', `${PODS}?labelSelector=app%3Dweb`)).json().items;
      const dry = await http(cluster, 'POST', `${PODS}/${victim.metadata.name}/eviction?dryRun=All`, eviction(victim.metadata.name));
      assert.equal(dry.status, 201, dry.text);
      assert.equal((await pdb('web-pdb')).metadata.resourceVersion, before.metadata.resourceVersion, 'a dry run does not write the budget');
      assert.equal((await http(cluster, 'GET', `${PODS}/${victim.metadata.name}`)).json().metadata.deletionTimestamp, undefined);

      await ok('create', 'pdb', 'solo-too', '--selector=app=solo', '--max-unavailable=1');
      const two = await http(cluster, 'POST', `${PODS}/solo/eviction`, eviction('solo'));
      assert.equal(two.status, 500);
      assert.equal(two.text, '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.","code":500}\n');
      await ok('delete', 'pdb', 'solo-too', 'solo-pdb');
      await ok('delete', 'pod', 'solo', '--grace-period=0', '--force');
    });

    test('drain evicts the Deployment\'s pods one at a time within maxUnavailable 1, retrying on 429, and finishes', async () => {
      const onNode1 = (await http(cluster, 'GET', `${PODS}?labelSelector=app%3Dweb&fieldSelector=spec.nodeName%3Dnode-1`)).json().items.map((p: any) => p.metadata.name).sort();
      assert.equal(onNode1.length, 3);
      await eventually(async () => (await pdb('web-pdb')).status.disruptionsAllowed === 1, 10_000, 'budget of 1');
      const sampler = sampleAvailable(cluster, 'app=web');
      const drained = await kubectl(v, cluster, ['drain', 'node-1', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=180s'], { timeoutMs: 200_000 });
      const { available, disruptionTargets } = await sampler.stop();
      assert.equal(drained.code, 0, drained.stderr);
      const lines = drained.stdout.trim().split('\n');
      assert.equal(lines[0], 'node/node-1 cordoned');
      assert.equal(lines.at(-1), 'node/node-1 drained');
      assert.deepEqual(lines.filter((l) => l.endsWith(' evicted')).sort(), onNode1.map((n: string) => `pod/${n} evicted`));
      const retries = drained.stderr.split('\n').filter((l) => l.startsWith('error when evicting'));
      assert.ok(retries.length > 0, drained.stderr);
      for (const l of retries) assert.match(l, /^error when evicting pods\/"web-[a-z0-9]+-[a-z0-9]{5}" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\.$/);
      assert.ok(available.length > 6, `sampled ${available.length} events`);
      assert.ok(Math.min(...available) >= 2, `fewer than 2 of web's pods available: ${JSON.stringify(available)}`);
      assert.deepEqual([...new Set(disruptionTargets.map((c) => `${c.status} ${c.reason} ${c.message}`))], ['True EvictionByEvictionAPI Eviction API: evicting']);
      const moved = await eventually(async () => {
        const items = (await http(cluster, 'GET', `${PODS}?labelSelector=app%3Dweb`)).json().items.filter((p: any) => !p.metadata.deletionTimestamp && isReady(p));
        return items.length === 3 && items;
      }, 20_000, 'web back at 3');
      assert.ok(moved.every((p: any) => p.spec.nodeName !== 'node-1'));
    });
  });
}
