// `npm run bench [-- --quick] [-- --only NAME,...]`: every benchmark against a real tinykube over
// loopback HTTP, each with its baseline measured in the same run, printed as one table.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { kubectl } from './cases/kubectl.js';
import { lists } from './cases/lists.js';
import { reads } from './cases/reads.js';
import { running } from './cases/running.js';
import { scale } from './cases/scale.js';
import { scheduler } from './cases/scheduler.js';
import { startup } from './cases/startup.js';
import { watchFanout } from './cases/watch-fanout.js';
import { writes } from './cases/writes.js';
import { table, type Row } from './lib/report.js';
import { uiScale } from './cases/ui-scale.js';

const CASES: Record<string, (quick: boolean) => Promise<Row[]>> = { startup, reads, writes, lists, 'watch-fanout': watchFanout, scheduler, running, kubectl, scale, 'ui-scale': (quick) => uiScale(quick) };

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
const names = values.only ? values.only.split(',') : Object.keys(CASES);
for (const n of names) if (!CASES[n]) throw new Error(`no benchmark ${n}; there are ${Object.keys(CASES).join(', ')}`);

const started = performance.now();
const rows: Row[] = [];
for (const name of names) {
  const t = performance.now();
  try {
    rows.push(...await CASES[name](values.quick));
  } catch (e) {
    rows.push({ figure: `${name}: did not complete (${(e as Error).message})`, value: NaN, unit: '', target: '-', pass: false });
  }
  console.error(`bench: ${name} took ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
console.log(`\n${cpus().length} cpus (${cpus()[0]?.model.trim()}), Node ${process.version}, ${values.quick ? 'quick' : 'full'} run in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
console.log(table(rows));
const failed = rows.filter((r) => r.pass === false).length;
console.log(`\n${rows.filter((r) => r.pass).length} targets met, ${failed} missed`);
// Figures are reported, not gated: machines are shared and noisy (see bench/RESULTS.md).
process.exit(0);
