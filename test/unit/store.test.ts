// The watch cache above the store (the Store itself is covered by test/store-contract.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SqliteStore } from '../../src/storage/sqlite.js';
import { valueText, type StoreValue } from '../../src/storage/store.js';
import { TooOldError, WatchCache } from '../../src/storage/watch-cache.js';

const memory = () => new SqliteStore({ path: ':memory:', compactIntervalMs: 0 });

test('watch cache: filtered watchers see ADDED/MODIFIED/DELETED transitions; old revisions give TooOldError', async () => {
  const s = memory();
  const cache = new WatchCache<{ v: string }>({ store: s, prefix: '/x/', capacity: 3, decode: (v) => ({ v }) });
  await cache.start();
  const r0 = cache.revision;
  const events: string[] = [];
  cache.watch({ matches: (o) => o.v.startsWith('yes'), deliver: (t, o) => events.push(`${t} ${o.key} ${o.object.v}`) });
  await s.create('/x/a', 'yes1');
  await s.update('/x/a', 'no');
  await s.update('/x/a', 'yes2');
  await s.delete('/x/a');
  assert.deepEqual(events, ['ADDED /x/a yes1', 'DELETED /x/a no', 'ADDED /x/a yes2', 'DELETED /x/a yes2']);
  assert.throws(() => cache.watch({ matches: () => true, deliver: () => {} }, r0), TooOldError);
  assert.deepEqual(cache.list('/x/', r0 + 3).map((o) => o.object.v), ['yes2']);
  await s.close();
});

test('watch cache: watchers filed under a trigger value are matched only against events whose object had or has it', async () => {
  const s = memory();
  // Values `node/phase`; the trigger is the node, as pods' spec.nodeName.
  const cache = new WatchCache<{ node: string; phase: string }>({ store: s, prefix: '/x/', decode: (v) => { const [node, phase] = v.split('/'); return { node, phase }; }, trigger: (o) => o.node });
  await cache.start();
  const asked: Record<string, number> = { a: 0, b: 0, all: 0 };
  const seen: Record<string, string[]> = { a: [], b: [], all: [] };
  const watcher = (node: string | undefined, name: string) => ({
    triggerValue: node,
    matches: (o: { node: string }) => { asked[name]++; return node === undefined || o.node === node; },
    deliver: (t: string, o: { object: { node: string; phase: string } }) => seen[name].push(`${t} ${o.object.node}/${o.object.phase}`),
  });
  cache.watch(watcher('a', 'a'));
  const stopB = cache.watch(watcher('b', 'b'));
  cache.watch(watcher(undefined, 'all'));
  assert.equal(cache.watcherCount, 3);
  await s.create('/x/p', '/Pending'); // unbound: no node's watchers asked
  await s.update('/x/p', 'a/Pending'); // bound to a
  await s.update('/x/p', 'a/Running');
  await s.update('/x/p', 'b/Running'); // moved: a's watcher sees it leave, b's arrive
  await s.delete('/x/p');
  assert.deepEqual(seen.a, ['ADDED a/Pending', 'MODIFIED a/Running', 'DELETED b/Running']);
  assert.deepEqual(seen.b, ['ADDED b/Running', 'DELETED b/Running']);
  assert.equal(seen.all.length, 5);
  // Each filed watcher was asked about its own node's events only (the state after and the one
  // before, a delete the one before alone); the unfiltered one about all five.
  assert.deepEqual(asked, { a: 6, b: 3, all: 8 });
  stopB();
  stopB();
  assert.equal(cache.watcherCount, 2);
  await s.create('/x/q', 'b/Pending');
  assert.deepEqual(seen.b, ['ADDED b/Running', 'DELETED b/Running']);
  await s.close();
});

test('watch cache: lists stay in key order as keys are added, deleted and added again between them', async () => {
  const s = memory();
  const cache = new WatchCache<string>({ store: s, prefix: '/x/', decode: (v) => v });
  await s.create('/x/m', 'before the start');
  await cache.start();
  const model = new Set(['/x/m']);
  let seed = 7;
  const random = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  for (let step = 0; step < 400; step++) {
    const key = `/x/${String.fromCharCode(97 + random(20))}${random(3) || ''}`;
    if (model.has(key)) { await s.delete(key); model.delete(key); } else { await s.create(key, key); model.add(key); }
    if (random(4) === 0) assert.deepEqual(cache.list('/x/').map((o) => o.key), [...model].sort(), `after step ${step}`);
  }
  assert.deepEqual(cache.list('/x/').map((o) => o.key), [...model].sort());
  assert.deepEqual(cache.list('/x/b').map((o) => o.key), [...model].filter((k) => k.startsWith('/x/b')).sort());
  // Deleted and added again between two lists: listed once.
  if (!model.has('/x/zz')) await s.create('/x/zz', 'zz');
  assert.equal(cache.list('/x/zz').length, 1);
  await s.delete('/x/zz');
  await s.create('/x/zz', 'again');
  assert.deepEqual(cache.list('/x/zz').map((o) => o.object), ['again']);
  await s.close();
});

test('watch cache without history (the controllers\' thread): informers from the current state see every change with its previous state; nothing older resumes', async () => {
  const s = memory();
  const cache = new WatchCache<{ v: string }>({ store: s, prefix: '/x/', history: 'none', decode: (v) => ({ v }) });
  await cache.start();
  const events: string[] = [];
  cache.watch({ deliver: (t, o, revision, prev) => events.push(`${t} ${o.object.v} ${revision}${prev ? ` after ${prev.object.v}` : ''}`) });
  const a = await s.create('/x/a', 'a1');
  await s.update('/x/a', 'a2');
  const deleted = await s.delete('/x/a');
  assert.deepEqual(events, [`ADDED a1 ${a.modRevision}`, `MODIFIED a2 ${a.modRevision + 1} after a1`, `DELETED a2 ${deleted.revision} after a2`]);
  assert.equal(cache.oldestRevision, deleted.revision);
  assert.throws(() => cache.watch({ deliver: () => {} }, a.modRevision), TooOldError);
  assert.throws(() => cache.list('/x/', a.modRevision), TooOldError);
  // From the current revision: the next change, and nothing before it.
  const later: string[] = [];
  cache.watch({ deliver: (t, o) => later.push(`${t} ${o.object.v}`) }, deleted.revision);
  await s.create('/x/b', 'b1');
  assert.deepEqual(later, ['ADDED b1']);
  await s.close();
});

test('watch cache window: sized as kube sizes it (at least 100, doubling while the oldest event is fresh, halving when stale, capped)', async () => {
  const s = memory();
  let now = 0;
  const cache = new WatchCache<{ v: string }>({ store: s, prefix: '/x/', capacity: 400, freshMs: 75_000, now: () => now, decode: (v) => ({ v }) });
  await cache.start();
  const started = cache.revision;
  const resumable = (rv: number) => { try { cache.watch({ deliver: () => {} }, rv)(); return true; } catch (e) { if (e instanceof TooOldError) return false; throw e; } };
  await s.create('/x/a', '0');
  // 150 events within a second: the window grows past 100 rather than drop fresh events.
  for (let i = 1; i < 150; i++) { now += 5; await s.update('/x/a', String(i)); }
  assert.ok(resumable(started), 'nothing dropped while every event is fresh');
  // 500 more: it stops growing at the cap (400) and drops the oldest.
  for (let i = 0; i < 500; i++) { now += 5; await s.update('/x/a', `b${i}`); }
  assert.equal(resumable(started), false);
  const last = cache.revision;
  assert.ok(resumable(last - 400) && !resumable(last - 401), 'the newest 400 events are held');
  // After 75 s of quiet, a full window whose newest quarter is stale halves on the next event.
  now += 80_000;
  await s.update('/x/a', 'late');
  assert.ok(resumable(cache.revision - 200) && !resumable(cache.revision - 201), 'halved to 200');
  assert.throws(() => cache.watch({ deliver: () => {} }, started), (e: unknown) => e instanceof TooOldError && e.message === `too old resource version: ${started} (${cache.revision - 200})`);
  cache.stop();
  await s.close();
});

test('watch cache store history: starts at the oldest revision the store holds and keeps a fixed number of events', async () => {
  const s = memory();
  await s.create('/x/a', '1');
  const first = await s.currentRevision();
  await s.update('/x/a', '2');
  const windowed = new WatchCache<{ v: string }>({ store: s, prefix: '/x/', decode: (v) => ({ v }) });
  const stored = new WatchCache<{ v: string }>({ store: s, prefix: '/x/', history: 'store', decode: (v) => ({ v }) });
  await windowed.start();
  await stored.start();
  assert.throws(() => windowed.watch({ deliver: () => {} }, first), TooOldError, 'a window starts at the current revision');
  const replayed: string[] = [];
  stored.watch({ deliver: (t, o) => replayed.push(`${t} ${o.object.v}`) }, first)();
  assert.deepEqual(replayed, ['MODIFIED 2']);
  windowed.stop();
  stored.stop();
  await s.close();
});

test('watch cache: a list at a past revision undoes only its prefix, and the pages of one paginated list share one rebuild', async () => {
  const s = memory();
  const cache = new WatchCache<{ v: string }>({ store: s, prefix: '/x/', capacity: 50, decode: (v) => ({ v }) });
  await cache.start();
  await s.create('/x/ns1/a', 'a1');
  await s.create('/x/ns1/b', 'b1');
  await s.create('/x/ns2/c', 'c1');
  await new Promise((r) => setTimeout(r, 50));
  const at = cache.revision;
  await s.update('/x/ns1/a', 'a2');
  await s.delete('/x/ns1/b');
  await s.create('/x/ns1/d', 'd1');
  await s.update('/x/ns2/c', 'c2');
  await new Promise((r) => setTimeout(r, 50));
  const first = cache.list('/x/ns1/', at);
  assert.deepEqual(first.map((o) => `${o.key}=${o.object.v}`), ['/x/ns1/a=a1', '/x/ns1/b=b1']);
  assert.deepEqual(cache.list('/x/ns2/', at).map((o) => `${o.key}=${o.object.v}`), ['/x/ns2/c=c1']);
  assert.deepEqual(cache.list('/x/', at).map((o) => o.object.v), ['a1', 'b1', 'c1']);
  // The next page of the same list: the same snapshot, not a rebuild.
  const again = cache.list('/x/', at);
  assert.equal(again, cache.list('/x/', at));
  assert.deepEqual(cache.list('/x/ns1/').map((o) => o.object.v), ['a2', 'd1']);
  await s.close();
});

test('watch cache: a version whose JSON the writer gave answers with that text in its turn, and lets it go after', async () => {
  const s = memory();
  // The writer's text for value 'given' differs from JSON.stringify's, so the test can tell which was
  // used; for a value written as bytes, the writer gives its JSON as bytes too.
  const decodeWithJson = (value: StoreValue) => {
    const v = valueText(value);
    return { object: { v }, json: v === 'given' ? '{"v":"given","by":"writer"}' : typeof value === 'string' ? undefined : Buffer.from(`{"v":"${v}","as":"bytes"}`) };
  };
  const cache = new WatchCache<{ v: string }>({ store: s, prefix: '/x/', decode: (v) => ({ v }), decodeWithJson });
  await cache.start();
  const sent: string[] = [];
  const stop = cache.watch({ matches: () => true, deliver: (_t, o) => sent.push(o.jsonBytes().toString()) });
  await s.create('/x/a', 'given');
  await s.create('/x/b', 'other');
  await s.create('/x/d', Buffer.from('bytes ✓'));
  assert.deepEqual(sent, ['{"v":"given","by":"writer"}', '{"v":"other"}', '{"v":"bytes ✓","as":"bytes"}']);
  assert.equal((await s.get('/x/d'))!.value, 'bytes ✓', 'a value written as bytes reads back as its text');
  assert.equal(cache.get('/x/a')!.jsonBytes().toString(), '{"v":"given","by":"writer"}', 'the bytes made once are kept');
  stop();
  // No one asks in the write's turn: the writer's text is let go, and the object is encoded when asked.
  await s.create('/x/c', 'given');
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(cache.get('/x/c')!.jsonBytes().toString(), '{"v":"given"}');
  await s.close();
});

test('watch cache over a store that reads its log back: versions held as their revisions, the log retained for the replaced ones; old ones take their bytes and the log lets them go', async () => {
  const s = new SqliteStore({ path: ':memory:', compactIntervalMs: 10, historyRevisions: 1 });
  const read: number[] = [];
  const log = s.log!;
  Object.defineProperty(s, 'log', { value: { ...log, valueAt: (revision: number) => { read.push(revision); return log.valueAt(revision); } } });
  const cache = new WatchCache<{ v: string }>({
    store: s, prefix: '/x/', compact: true, logRetainRevisions: 5, logRetainMs: 1000, now: () => clock, decode: (v) => JSON.parse(v) as { v: string },
    valueJson: (value, revision) => `${value.slice(0, -1)},"rv":${revision}}`,
  });
  let clock = 0;
  await cache.start();
  const tick = () => new Promise((r) => setTimeout(r, 60));
  const a1 = await s.create('/x/a', '{"v":"a1"}');
  await new Promise((r) => setImmediate(r));
  assert.equal(cache.get('/x/a')!.jsonBytes().toString(), `{"v":"a1","rv":${a1.modRevision}}`);
  assert.deepEqual(read, [a1.modRevision], 'a current version: read back, not held');
  const replaced = cache.get('/x/a')!;
  const a2 = await s.update('/x/a', '{"v":"a2"}');
  await tick();
  assert.deepEqual(read, [a1.modRevision], 'a replaced version holds nothing either');
  assert.equal(log.valueAt(a1.modRevision), '{"v":"a1"}', 'retained: compaction keeps what the history reads back');
  assert.deepEqual(cache.list('/x/', a1.modRevision).map((o) => o.jsonBytes().toString()), [`{"v":"a1","rv":${a1.modRevision}}`]);
  // Five revisions on (elsewhere), and the retention time later, the history's replaced versions
  // take their bytes and the log lets them go. (One key written again and again: compaction keeps
  // as many revisions as there are live keys.)
  await s.create('/y/f', '0');
  for (let i = 1; i < 10; i++) await s.update('/y/f', String(i));
  await tick();
  await s.update('/y/f', 'again');
  await tick();
  assert.equal(log.valueAt(a1.modRevision), '{"v":"a1"}', 'not yet retained for its time: still read back from the log');
  assert.deepEqual(read, [a1.modRevision]);
  clock = 2000;
  await s.update('/y/f', 'last');
  await tick();
  assert.equal(log.valueAt(a1.modRevision), undefined);
  assert.equal(replaced.jsonBytes().toString(), `{"v":"a1","rv":${a1.modRevision}}`);
  assert.deepEqual(cache.list('/x/', a1.modRevision).map((o) => o.jsonBytes().toString()), [`{"v":"a1","rv":${a1.modRevision}}`]);
  assert.equal(cache.get('/x/a')!.object.v, 'a2');
  assert.equal(cache.get('/x/a')!.revision, a2.modRevision);
  cache.stop();
  await s.close();
});

test('watch cache (not compact) over a store that reads its log back: current objects stay decoded, replaced ones are read back from the log', async () => {
  const s = memory();
  const read: number[] = [];
  const log = s.log!;
  Object.defineProperty(s, 'log', { value: { ...log, valueAt: (revision: number) => { read.push(revision); return log.valueAt(revision); } } });
  const cache = new WatchCache<{ v: string }>({
    store: s, prefix: '/x/', decode: (v) => JSON.parse(v) as { v: string },
    valueJson: (value, revision) => `${value.slice(0, -1)},"rv":${revision}}`,
  });
  await cache.start();
  const a1 = await s.create('/x/a', '{"v":"a1"}');
  await s.update('/x/a', '{"v":"a2"}');
  await new Promise((r) => setImmediate(r));
  const current = cache.get('/x/a')!;
  assert.equal(current.object.v, 'a2');
  assert.equal(current.jsonBytes().toString(), '{"v":"a2"}', 'encoded from the object it holds');
  assert.deepEqual(read, [], 'the current object is held decoded');
  assert.deepEqual(cache.list('/x/', a1.modRevision).map((o) => o.jsonBytes().toString()), [`{"v":"a1","rv":${a1.modRevision}}`]);
  assert.deepEqual(read, [a1.modRevision], 'the replaced one is read back');
  cache.stop();
  await s.close();
});

test('watch cache, compact: a version\'s readers in the turn of its write share the object it was written from; later ones decode its bytes again, and nothing of it is held weakly', async () => {
  const s = memory();
  const cache = new WatchCache<{ v: string }>({ store: s, prefix: '/x/', compact: true, decode: (v) => JSON.parse(v) as { v: string } });
  await cache.start();
  const filtered: { v: string }[] = [];
  cache.watch({ matches: (o) => { filtered.push(o); return true; }, deliver: () => {} });
  await s.create('/x/a', '{"v":"a1"}');
  const written = cache.get('/x/a')!;
  assert.equal(written.object, filtered[0], 'the watcher\'s filter and a read in the same turn: one decoding');
  await new Promise((r) => setImmediate(r));
  const later = written.object;
  assert.notEqual(later, filtered[0], 'after the turn: decoded again, though the first decoding is still alive here');
  assert.deepEqual(later, { v: 'a1' });
  cache.stop();
  await s.close();
});

test('watch cache: a replaced version\'s decoding is shared by readers in the turn it was replaced (informers\' previous state), then let go', async () => {
  const s = memory();
  const cache = new WatchCache<{ v: string }>({ store: s, prefix: '/x/', decode: (v) => JSON.parse(v) as { v: string } });
  await cache.start();
  await s.create('/x/a', '{"v":"a1"}');
  const current = cache.get('/x/a')!.object;
  const before: { v: string }[] = [];
  cache.watch({ deliver: (_t, _o, _r, prev) => { queueMicrotask(() => { if (prev) before.push(prev.object); }); } });
  await s.update('/x/a', '{"v":"a2"}');
  await new Promise((r) => setImmediate(r));
  assert.equal(before[0], current, 'read in the turn of the change: the object that was current');
  assert.notEqual(cache.list('/x/', cache.revision - 1)[0].object, current, 'after the turn: read back and decoded anew');
  assert.deepEqual(cache.list('/x/', cache.revision - 1)[0].object, { v: 'a1' });
  cache.stop();
  await s.close();
});
