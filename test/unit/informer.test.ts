// Informers over the watch cache hand updates and deletes the previous object; HTTP-style
// watchers that ignore it see what they saw before.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../src/api/objects.js';
import { builtinRegistry } from '../../src/builtin-kinds.js';
import type { Change } from '../../src/client/informer.js';
import { resources } from '../../src/client/resources.js';
import { typedResource } from '../../src/client/typed-resource.js';
import { SqliteStore } from '../../src/storage/sqlite.js';
import { WatchCache } from '../../src/storage/watch-cache.js';

test('watch cache: watchers get the previous state for MODIFIED and DELETED, also when a filter translates them', async () => {
  const s = new SqliteStore({ path: ':memory:', compactIntervalMs: 0 });
  const cache = new WatchCache<{ v: string }>({ store: s, prefix: '/x/', decode: (v) => ({ v }) });
  await cache.start();
  const all: string[] = [];
  const filtered: string[] = [];
  const show = (t: string, o: { object: { v: string } }, prev?: { object: { v: string } }) => `${t} ${o.object.v}${prev ? ` (was ${prev.object.v})` : ''}`;
  cache.watch({ deliver: (t, o, _rv, prev) => all.push(show(t, o, prev)) });
  cache.watch({ matches: (o) => o.v.startsWith('yes'), deliver: (t, o, _rv, prev) => filtered.push(show(t, o, prev)) });
  await s.create('/x/a', 'yes1');
  await s.update('/x/a', 'yes2');
  await s.update('/x/a', 'no');
  await s.delete('/x/a');
  assert.deepEqual(all, ['ADDED yes1', 'MODIFIED yes2 (was yes1)', 'MODIFIED no (was yes2)', 'DELETED no (was no)']);
  assert.deepEqual(filtered, ['ADDED yes1', 'MODIFIED yes2 (was yes1)', 'DELETED no (was yes2)']);
  cache.stop();
  await s.close();
});

test('informer: existing objects as ADDED, then changes with the previous object; listers read the cache', async () => {
  const store = new SqliteStore({ path: ':memory:', compactIntervalMs: 0 });
  const { registry } = await builtinRegistry(store);
  await registry.start();
  try {
    const { pods, namespaces } = resources(registry);
    await namespaces.create(undefined, { metadata: { name: 'demo' } }, { dryRun: false });
    const pod = (name: string, image: string): Pod => ({ metadata: { name, namespace: 'demo', labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image }] } });
    await pods.create('demo', pod('before', 'one'), { dryRun: false });
    const seen: string[] = [];
    const describe = (c: Change<Pod>) => c.type === 'ADDED'
      ? `ADDED ${c.object.metadata.name}`
      : `${c.type} ${c.object.metadata.name} ${c.prev.spec?.containers[0].image} -> ${c.object.spec?.containers[0].image}`;
    const stop = pods.informer.addHandler((c) => seen.push(describe(c)));
    await pods.update({ namespace: 'demo', name: 'before' }, (p) => { if (p.spec) p.spec.containers[0].image = 'two'; return p; }, { dryRun: false });
    await pods.create('demo', pod('after', 'three'), { dryRun: false });
    assert.deepEqual(pods.lister.list('demo').map((p) => p.metadata.name), ['after', 'before']);
    assert.equal(pods.lister.get('demo', 'before')?.spec?.containers[0].image, 'two');
    assert.deepEqual(pods.lister.list('elsewhere'), []);
    await pods.delete({ namespace: 'demo', name: 'before' }, { gracePeriodSeconds: 0 }, { dryRun: false });
    stop();
    await pods.delete({ namespace: 'demo', name: 'after' }, { gracePeriodSeconds: 0 }, { dryRun: false });
    assert.deepEqual(seen, ['ADDED before', 'MODIFIED before one -> two', 'ADDED after', 'DELETED before two -> two']);
    assert.throws(() => typedResource(registry, 'widgets', 'example.com'), /resource widgets.example.com is not registered/);
  } finally {
    registry.stop();
    await store.close();
  }
});
