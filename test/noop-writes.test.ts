// Writes that change nothing, as kube-apiserver answers them: the stored object comes back with its
// resourceVersion and managedFields as they were, nothing is written and no watcher hears of it.
// kubectl patch then says "(no change)", which it decides by comparing the answer with its GET.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { http, kubectlOk, readWatch, withCluster } from './helpers.js';

const PODS = '/api/v1/namespaces/default/pods';
const MERGE = { 'Content-Type': 'application/merge-patch+json' };

describe('no-op writes', () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster(); });
  after(async () => { await cluster.close(); });

  const create = async (name: string) => {
    const res = await http(cluster, 'POST', `${PODS}?fieldManager=creator`, { metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    assert.equal(res.status, 201, res.text);
    return res.json();
  };

  for (const v of ['1.27', '1.30', '1.33']) {
    test(`kubectl ${v}: a patch that changes nothing says "(no change)" and keeps resourceVersion and managedFields`, async () => {
      const name = `noop-${v.replace('.', '-')}`;
      const created = await create(name);
      const merge = await kubectlOk(v, cluster, ['patch', 'pod', name, '--type=merge', '-p', '{"metadata":{"labels":{"app":"web"}}}']);
      assert.equal(merge, `pod/${name} patched (no change)\n`);
      const strategic = await kubectlOk(v, cluster, ['patch', 'pod', name, '-p', '{"spec":{"containers":[{"name":"c","image":"nginx"}]}}']);
      assert.equal(strategic, `pod/${name} patched (no change)\n`);
      const now = (await http(cluster, 'GET', `${PODS}/${name}`)).json();
      assert.equal(now.metadata.resourceVersion, created.metadata.resourceVersion);
      assert.deepEqual(now.metadata.managedFields, created.metadata.managedFields);
      const changed = await kubectlOk(v, cluster, ['patch', 'pod', name, '--type=merge', '-p', '{"metadata":{"labels":{"app":"api"}}}']);
      assert.equal(changed, `pod/${name} patched\n`);
    });
  }

  test('a no-op PATCH answers 200 with the stored bytes; no watch event, no new manager; the next real change is the next event', async () => {
    const created = await create('noop-watch');
    const rv = created.metadata.resourceVersion;
    const stored = (await http(cluster, 'GET', `${PODS}/noop-watch`)).text;
    const answers: string[] = [];
    const events = await readWatch(cluster, `${PODS}?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Dnoop-watch`, 1, 20_000, {}, async () => {
      // A manager that never wrote, a label as it is, an empty patch, and the status subresource as it is.
      for (const [path, patch] of [
        [`${PODS}/noop-watch?fieldManager=newcomer`, { metadata: { labels: { app: 'web' } } }],
        [`${PODS}/noop-watch`, {}],
        [`${PODS}/noop-watch/status?fieldManager=newcomer`, { status: { phase: 'Pending' } }],
      ] as const) {
        const res = await http(cluster, 'PATCH', path, patch, MERGE);
        assert.equal(res.status, 200, res.text);
        answers.push(res.text);
      }
      const put = await http(cluster, 'PUT', `${PODS}/noop-watch?fieldManager=newcomer`, stored);
      assert.equal(put.status, 200, put.text);
      answers.push(put.text);
      assert.equal((await http(cluster, 'PATCH', `${PODS}/noop-watch?fieldManager=newcomer`, { metadata: { labels: { tier: 'front' } } }, MERGE)).status, 200);
    });
    for (const answer of answers) assert.equal(answer, stored);
    assert.equal(events.length, 1);
    assert.equal(events[0].type, 'MODIFIED');
    assert.deepEqual(events[0].object.metadata.labels, { app: 'web', tier: 'front' });
    assert.ok(Number(events[0].object.metadata.resourceVersion) > Number(rv));
    assert.deepEqual(events[0].object.metadata.managedFields.map((m: any) => m.manager), ['creator', 'newcomer']);
    assert.deepEqual(events[0].object.metadata.managedFields[0], created.metadata.managedFields[0]);
  });
});
