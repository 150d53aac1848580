// Events expire a TTL after their last write (kube's --event-ttl), watchers seeing them DELETED.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, http, readWatch, sleep, withCluster } from './helpers.js';

const event = (name: string) => ({
  apiVersion: 'v1', kind: 'Event', metadata: { name }, involvedObject: { kind: 'Pod', namespace: 'default', name: 'p' },
  reason: 'Tested', message: 'hello', type: 'Normal', count: 1,
});

test('events go a TTL after their last write; a write keeps an event longer', async () => {
  const cluster = await withCluster({ eventTTLMs: 1500 });
  try {
    const path = '/api/v1/namespaces/default/events';
    const rv = (await http(cluster, 'GET', path)).json().metadata.resourceVersion;
    const watched = readWatch(cluster, `${path}?watch=1&resourceVersion=${rv}`, 5, 8000);
    for (const name of ['first', 'second']) assert.equal((await http(cluster, 'POST', path, event(name))).status, 201);
    await sleep(1000);
    const bumped = await http(cluster, 'PATCH', `${path}/second`, { count: 2 }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(bumped.status, 200);
    await eventually(async () => (await http(cluster, 'GET', `${path}/first`)).status === 404, 5000, 'the first event expired');
    assert.equal((await http(cluster, 'GET', `${path}/second`)).status, 200, 'the second, written again since, is still there');
    await eventually(async () => (await http(cluster, 'GET', `${path}/second`)).status === 404, 5000, 'the second event expired too');
    const events = await watched;
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED first', 'ADDED second', 'MODIFIED second', 'DELETED first', 'DELETED second']);
  } finally {
    await cluster.close();
  }
});
