// Preloaded into a tinykube under memory measurement (node --expose-gc --import this): on SIGWINCH
// it runs a full GC and writes process.memoryUsage() before and after it, as JSON, to
// $TINYKUBE_MEMORY_REPORT. The difference is V8's slack: garbage the heap kept until its next GC.
import { writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

process.on('SIGWINCH', () => {
  const before = process.memoryUsage();
  globalThis.gc?.();
  globalThis.gc?.();
  const after = process.memoryUsage();
  // Each space's committed and used size after the GC: where V8's slack sits.
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]));
  writeFileSync(process.env.TINYKUBE_MEMORY_REPORT ?? 'memory-report.json', JSON.stringify({ before, after, spaces }));
});
