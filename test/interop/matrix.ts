// Interop stories as cells of the compatibility matrix. Each story is a node:test test; its
// outcome is also written to .interop-results/ when the test process exits, and `npm run compat`
// builds README's matrix from those files, never from hand-edited text.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLIENTS, type ClientId, type FeatureOf } from './clients.js';

export type Outcome = 'pass' | 'fail' | 'n/a';

export interface CellResult { feature: string; outcome: Outcome; note?: string }

/** What one client version's stories found: written as .interop-results/<client>@<version>.json. */
export interface ClientRun { client: ClientId; version: string; exactVersion?: string; cells: CellResult[] }

export const RESULTS_DIR = join(import.meta.dirname, '..', '..', '.interop-results');

const runs: ClientRun[] = [];
process.on('exit', () => {
  if (!runs.length) return;
  mkdirSync(RESULTS_DIR, { recursive: true });
  // A run filtered to other tests (--test-name-pattern) found nothing, and must not replace a real one.
  for (const run of runs.filter((r) => r.cells.some((c) => c.outcome !== 'n/a'))) writeFileSync(join(RESULTS_DIR, `${run.client}@${run.version}.json`), JSON.stringify(run, null, 2) + '\n');
});

export interface Stories<C extends ClientId> {
  /** Records the version the client reports of itself, shown beside the matrix. */
  exactVersion(version: string): void;
  /** One cell: a node:test test whose pass or fail is the cell's outcome. */
  story(feature: FeatureOf<C>, fn: () => Promise<void>): void;
  /** A cell that does not apply to this version, with the evidence why. */
  notApplicable(feature: FeatureOf<C>, why: string): void;
}

/** The cells of one client version; call inside that version's describe(). */
export function clientStories<C extends ClientId>(client: C, version: string): Stories<C> {
  if (!(CLIENTS[client].versions as readonly string[]).includes(version)) throw new Error(`${client} ${version} is not in test/interop/clients.ts`);
  const run: ClientRun = { client, version, cells: [] };
  runs.push(run);
  const known = (feature: string) => {
    if (!(feature in CLIENTS[client].features)) throw new Error(`${client} has no feature ${feature} in test/interop/clients.ts`);
    return feature;
  };
  return {
    exactVersion(v) { run.exactVersion = v; },
    story(feature, fn) {
      test(known(feature), async () => {
        try {
          await fn();
        } catch (e) {
          run.cells.push({ feature, outcome: 'fail' });
          throw e;
        }
        run.cells.push({ feature, outcome: 'pass' });
      });
    },
    notApplicable(feature, why) {
      test(known(feature), { skip: why }, () => {});
      run.cells.push({ feature, outcome: 'n/a', note: why });
    },
  };
}
