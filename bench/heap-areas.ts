// Attributes a V8 heap snapshot (.heapsnapshot, as --heapsnapshot-signal writes it) to the parts of
// tinykube that own it: retained sizes (dominator tree) of each watch cache and what inside it
// (current objects decoded, their bytes, the history window, indexes), of the kubelets, scheduler,
// informers and other owners found by class name, plus strings held more than once. Given a
// second snapshot (--base, e.g. at 0 pods) and --pods N, it prints each area's growth per pod.
// Needs a build with class names (TINYKUBE_BUILD_DEBUG=1 npm run build).
//
//   npx tsx bench/heap-areas.ts SNAPSHOT [--base SNAPSHOT] [--pods N]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readSnapshot, type HeapSnapshot } from './lib/heap-snapshot.js';
import { dominators } from './lib/dominators.js';

/** Class names whose instances own a part of the heap worth naming. */
const OWNERS = [
  'SimulatedKubelets', 'Prober', 'ContainerLogs', 'PodNetwork', 'ServiceProxy', 'Scheduler', 'Informer', 'Lister',
  'WorkQueue', 'ReplicaController', 'EventRecorder', 'ResourceStore', 'SqliteStore', 'Database', 'Registry', 'ActivityFeed',
];

interface Analysis { areas: Map<string, number>; total: number }

function analyze(file: string): Analysis {
  const s = readSnapshot(readFileSync(file));
  const { idom, retained } = dominators(s);
  const areas = new Map<string, number>();
  const add = (name: string, bytes: number) => areas.set(name, (areas.get(name) ?? 0) + bytes);
  let total = 0;
  for (let n = 0; n < s.nodeCount; n++) total += s.selfSize(n);

  const owned = (parent: number, child: number) => idom[child] === parent;
  for (let n = 0; n < s.nodeCount; n++) {
    const name = s.className(n);
    if (name === 'WatchCache') watchCache(s, n, retained, owned, add);
    else if (OWNERS.includes(name)) {
      add(`${name} (all)`, retained[n]);
      for (const [edge, to] of s.edges(n)) if (owned(n, to) && retained[to] > 64 * 1024) add(`${name}.${edge}`, retained[to]);
    }
  }
  strings(s, add);
  for (const [name, bytes] of classHistogram(s)) add(`self: ${name}`, bytes);
  add('heap total (live)', total);
  return { areas, total };
}

/** A watch cache by its key prefix: its current objects (decoded and bytes), the history window, indexes. */
function watchCache(s: HeapSnapshot, n: number, retained: Float64Array, owned: (p: number, c: number) => boolean, add: (name: string, bytes: number) => void): void {
  const options = s.edge(n, 'options');
  const prefix = (options !== undefined && s.stringValue(s.edge(options, 'prefix'))) || '?';
  const area = `cache ${prefix}`;
  add(`${area} (all)`, retained[n]);
  const objects = s.edge(n, 'objects');
  if (objects !== undefined) {
    const cached = cachedObjects(s, objects);
    let decoded = 0, bytes = 0;
    for (const c of cached) {
      const d = s.edge(c, 'decoded'), b = s.edge(c, 'bytes');
      if (d !== undefined && owned(c, d)) {
        decoded += retained[d];
        fieldSizes(s, d, retained, owned, (field, bytes) => add(`${area} objects: decoded .${field}`, bytes));
      }
      if (b !== undefined && owned(c, b)) bytes += retained[b];
    }
    add(`${area} objects: decoded`, decoded);
    add(`${area} objects: bytes`, bytes);
    add(`${area} objects: map, keys and CachedObject shells`, retained[objects] - decoded - bytes);
    add(`${area} objects: count`, cached.length);
  }
  const history = s.edge(n, 'history');
  if (history !== undefined) add(`${area} history window`, retained[history]);
  const indexed = s.edge(n, 'indexed');
  if (indexed !== undefined) add(`${area} indexes`, retained[indexed]);
  for (const edge of ['pastList', 'watchers']) {
    const to = s.edge(n, edge);
    if (to !== undefined && owned(n, to)) add(`${area} ${edge}`, retained[to]);
  }
}

/** Retained bytes of a decoded object's top-level fields and of its metadata's fields. */
function fieldSizes(s: HeapSnapshot, o: number, retained: Float64Array, owned: (p: number, c: number) => boolean, add: (field: string, bytes: number) => void): void {
  for (const [name, to] of s.edges(o)) {
    if (!owned(o, to) || name === 'map' || name === '__proto__') continue;
    if (name === 'metadata') for (const [m, t] of s.edges(to)) { if (owned(to, t) && m !== 'map') add(`metadata.${m}`, retained[t]); }
    else add(name, retained[to]);
  }
}

/** The CachedObject values of a Map (reached through its table). */
function cachedObjects(s: HeapSnapshot, map: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  const walk = (n: number, depth: number) => {
    for (const [, to] of s.edges(n)) {
      if (seen.has(to)) continue;
      seen.add(to);
      if (s.className(to) === 'CachedObject') out.push(to);
      else if (depth < 2 && s.typeName(to) !== 'string') walk(to, depth + 1);
    }
  };
  walk(map, 0);
  return out;
}

/** Every string's bytes, and the bytes of copies beyond the first of each value. */
function strings(s: HeapSnapshot, add: (name: string, bytes: number) => void): void {
  const counts = new Map<string, { count: number; size: number }>();
  let all = 0;
  for (let n = 0; n < s.nodeCount; n++) {
    const type = s.typeName(n);
    if (type !== 'string' && type !== 'concatenated string' && type !== 'sliced string') continue;
    all += s.selfSize(n);
    const v = s.name(n);
    const c = counts.get(v);
    if (c) c.count++; else counts.set(v, { count: 1, size: s.selfSize(n) });
  }
  let duplicated = 0;
  for (const c of counts.values()) duplicated += (c.count - 1) * c.size;
  add('strings: all', all);
  add('strings: copies of a value already held', duplicated);
}

function classHistogram(s: HeapSnapshot): [string, number][] {
  const by = new Map<string, number>();
  for (let n = 0; n < s.nodeCount; n++) {
    const key = `${s.typeName(n)} ${s.className(n)}`.slice(0, 60);
    by.set(key, (by.get(key) ?? 0) + s.selfSize(n));
  }
  return [...by].sort((a, b) => b[1] - a[1]).slice(0, 25);
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { base: { type: 'string' }, pods: { type: 'string' } } });
const now = analyze(positionals[0]);
const base = values.base ? analyze(values.base) : undefined;
const pods = Number(values.pods ?? 0);
const kib = (b: number) => (b / 1024).toFixed(0).padStart(9);
const rows = [...now.areas].sort((a, b) => a[0].startsWith('self:') === b[0].startsWith('self:') ? b[1] - a[1] : a[0].startsWith('self:') ? 1 : -1);
process.stdout.write(`${'KiB'.padStart(9)} ${base ? `${'base KiB'.padStart(9)} ${pods ? 'B/pod'.padStart(7) : ''}` : ''} area\n`);
for (const [name, bytes] of rows) {
  if (name.endsWith('count') ? !bytes : bytes < 256 * 1024) continue;
  const was = base?.areas.get(name) ?? 0;
  const count = name.endsWith('count');
  const perPod = pods ? ((bytes - was) / pods).toFixed(count ? 2 : 0).padStart(7) : '';
  process.stdout.write(`${count ? String(bytes).padStart(9) : kib(bytes)} ${base ? `${count ? String(was).padStart(9) : kib(was)} ${perPod}` : ''} ${name}\n`);
}
