// Preloaded into a tinykube under memory measurement (node --expose-gc --import this): on SIGWINCH
// it runs a full GC and writes process.memoryUsage() before and after it, as JSON, to
// $TINYKUBE_MEMORY_REPORT. The difference is V8's slack: garbage the heap kept until its next GC.
import { writeFileSync } from 'node:fs';

process.on('SIGWINCH', () => {
  const before = process.memoryUsage();
  globalThis.gc?.();
  globalThis.gc?.();
  const after = process.memoryUsage();
  writeFileSync(process.env.TINYKUBE_MEMORY_REPORT ?? 'memory-report.json', JSON.stringify({ before, after }));
});
