// Where a tinykube allocated: a sampling heap profile written by TINYKUBE_BENCH_ALLOC_PROF (see
// bench/lib/allocation-sampling.ts; collected objects included, so this is the garbage the
// collector works through as well as what stays) summed by area of the source and by function.
// Native frames (JSON.parse, a string's flattening) count for the nearest JavaScript frame above
// them, and are listed with it.
// Usage: npx tsx bench/alloc-areas.ts FILE.heapprofile [--pods N] [--top N]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { areaOfSource, sourceOf, type CallFrame } from './lib/profile-sources.js';

interface HeapNode { id: number; callFrame: CallFrame; selfSize: number; children: HeapNode[] }
interface HeapProfile { head: HeapNode }

const { values, positionals } = parseArgs({ allowPositionals: true, options: { pods: { type: 'string' }, top: { type: 'string', default: '30' } } });
if (positionals.length !== 1) throw new Error('usage: alloc-areas.ts FILE.heapprofile [--pods N] [--top N]');
const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as HeapProfile;

const where = (frame: CallFrame) => {
  const { file, line } = sourceOf(frame);
  return `${frame.functionName || '(anonymous)'} ${file.replace(/^.*\/(src|node_modules)\//, '$1/')}:${line}`;
};

const perArea = new Map<string, number>();
const perFunction = new Map<string, number>();
let total = 0;
/** `js`: the nearest JavaScript frame at or above this node (natives count for it). */
function walk(node: HeapNode, js: CallFrame | undefined): void {
  const own = node.callFrame.url ? node.callFrame : js;
  if (node.selfSize) {
    total += node.selfSize;
    const area = own ? areaOfSource(sourceOf(own).file) : 'V8 (program)';
    perArea.set(area, (perArea.get(area) ?? 0) + node.selfSize);
    const fn = node.callFrame.url || !own ? where(node.callFrame) : `${node.callFrame.functionName || '(native)'} < ${where(own)}`;
    perFunction.set(fn, (perFunction.get(fn) ?? 0) + node.selfSize);
  }
  for (const child of node.children) walk(child, own);
}
walk(profile.head, undefined);

const pods = values.pods ? Number(values.pods) : undefined;
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
console.log(`${positionals[0]}: ${mb(total)} MiB allocated (sampled, collected objects included)${pods ? `; ${(total / pods / 1024).toFixed(1)} KiB per pod (${pods} pods)` : ''}\n`);
console.log(`| area | MiB | share |${pods ? ' KiB per pod |' : ''}`);
console.log(`|---|---|---|${pods ? '---|' : ''}`);
for (const [area, bytes] of [...perArea].sort((a, b) => b[1] - a[1])) {
  console.log(`| ${area} | ${mb(bytes)} | ${((bytes / total) * 100).toFixed(1)}% |${pods ? ` ${(bytes / pods / 1024).toFixed(2)} |` : ''}`);
}
const top = Number(values.top);
if (top > 0) {
  console.log(`\nTop ${top} functions by bytes allocated:`);
  for (const [fn, bytes] of [...perFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((bytes / total) * 100).toFixed(1).padStart(5)}%  ${mb(bytes).padStart(7)} MiB  ${fn}`);
}
