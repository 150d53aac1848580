// Where a tinykube's main thread spent its time: a .cpuprofile (node --cpu-prof, see
// TINYKUBE_BENCH_NODE_ARGS in bench/lib/processes.ts) summed by self time per area of the source.
// Frames of the bundle in dist/ are mapped to src/ through its source maps (so a minified build
// works too; TINYKUBE_BUILD_DEBUG=1 only makes --top readable). Native frames (JSON.parse, a
// statement's run) count for the nearest JavaScript frame above them, except SQLite's own calls,
// which are their own area. The profiler samples the thread, so a blocking fsync counts as time
// in SQLite like CPU does.
// Usage: npx tsx bench/profile-areas.ts FILE.cpuprofile [--from MS] [--to MS] [--pods N] [--top N]
//   --from/--to: a window in ms after the profile's start (the cases print theirs after spawn, a
//   few ms earlier than the profiler's start); --pods: also print the time per pod.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { areaOfSource, sourceOf, type CallFrame } from './lib/profile-sources.js';

interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface Profile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

const SQLITE_CALLS = new Set(['run', 'get', 'all', 'iterate', 'exec', 'prepare', 'pragma', 'transaction', 'bind', 'raw']);
const SQLITE_CALLERS = /\/src\/storage\/sqlite[^/]*$|\/node_modules\/better-sqlite3\//;

const { values, positionals } = parseArgs({ allowPositionals: true, options: { from: { type: 'string' }, to: { type: 'string' }, pods: { type: 'string' }, top: { type: 'string', default: '0' } } });
if (positionals.length !== 1) throw new Error('usage: profile-areas.ts FILE.cpuprofile [--from MS] [--to MS] [--pods N] [--top N]');
const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const sources = new Map<number, { file: string; line: number }>();
const located = (n: ProfileNode) => { let s = sources.get(n.id); if (s === undefined) sources.set(n.id, (s = sourceOf(n.callFrame))); return s; };
const source = (n: ProfileNode) => located(n).file;

/** The area a sample in this node counts for. */
const areas = new Map<number, string>();
function areaOf(n: ProfileNode): string {
  const known = areas.get(n.id);
  if (known) return known;
  const { functionName, url } = n.callFrame;
  let area: string;
  if (functionName === '(idle)') area = 'idle';
  else if (functionName === '(garbage collector)') area = 'GC';
  else if (functionName === '(program)' || functionName === '(root)') area = 'V8 (program)';
  else if (url) area = areaOfSource(source(n));
  else {
    // A native frame: the nearest JavaScript frame above it says whose work it is.
    let up = parent.get(n.id);
    while (up !== undefined && !byId.get(up)!.callFrame.url) up = parent.get(up);
    const caller = up === undefined ? undefined : byId.get(up)!;
    area = !caller ? 'V8 (program)' : SQLITE_CALLS.has(functionName) && SQLITE_CALLERS.test(source(caller)) ? 'better-sqlite3/native' : areaOf(caller);
  }
  areas.set(n.id, area);
  return area;
}

const from = values.from === undefined ? -Infinity : Number(values.from) * 1000;
const to = values.to === undefined ? Infinity : Number(values.to) * 1000;
const perArea = new Map<string, number>();
const perFunction = new Map<string, number>();
let at = 0;
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i];
  if (at < from || at > to) continue;
  // A sample lasts until the next one.
  const us = profile.timeDeltas[i + 1] ?? 0;
  const n = byId.get(profile.samples[i])!;
  const area = areaOf(n);
  perArea.set(area, (perArea.get(area) ?? 0) + us);
  if (area !== 'idle') {
    const where = n.callFrame.url ? `${source(n).replace(/^.*\/(src|node_modules)\//, '$1/')}:${located(n).line}` : 'native';
    const fn = `${n.callFrame.functionName || '(anonymous)'} ${where}`;
    perFunction.set(fn, (perFunction.get(fn) ?? 0) + us);
  }
}

const busy = [...perArea].filter(([a]) => a !== 'idle').reduce((s, [, us]) => s + us, 0);
const pods = values.pods ? Number(values.pods) : undefined;
const window = `${values.from ?? 'start'} to ${values.to ?? 'end'} ms`;
console.log(`${positionals[0]} (${window}): ${(busy / 1000).toFixed(0)} ms busy, ${((perArea.get('idle') ?? 0) / 1000).toFixed(0)} ms idle${pods ? `; ${(busy / pods).toFixed(0)} us busy per pod (${pods} pods)` : ''}\n`);
console.log(`| area | ms | share of busy |${pods ? ' us per pod |' : ''}`);
console.log(`|---|---|---|${pods ? '---|' : ''}`);
for (const [area, us] of [...perArea].filter(([a]) => a !== 'idle').sort((a, b) => b[1] - a[1])) {
  console.log(`| ${area} | ${(us / 1000).toFixed(0)} | ${((us / busy) * 100).toFixed(1)}% |${pods ? ` ${(us / pods).toFixed(0)} |` : ''}`);
}
const top = Number(values.top);
if (top > 0) {
  console.log(`\nTop ${top} functions by self time:`);
  for (const [fn, us] of [...perFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((us / busy) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${fn}`);
}
