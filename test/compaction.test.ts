// History compaction keeps a churned SQLite file within a few times its live data.
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '../src/storage/sqlite.js';

test('30,000 updates to 1,000 objects keep the file within a few times the live data', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'tk-compact-')), 'db');
  const store = new SqliteStore({ path, compactIntervalMs: 20 });
  const value = (i: number, n: number) => JSON.stringify({ n, i, pad: 'x'.repeat(1000) });
  for (let i = 0; i < 1000; i++) await store.create(`/o/${i}`, value(i, 0));
  const live = 1000 * value(0, 0).length;
  let longest = 0;
  for (let n = 1; n <= 30; n++) {
    for (let i = 0; i < 1000; i++) {
      const started = performance.now();
      await store.update(`/o/${i}`, value(i, n));
      longest = Math.max(longest, performance.now() - started);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  await new Promise((r) => setTimeout(r, 100));
  // The WAL is bounded on its own (checkpoints every 256 pages of 8 KiB, truncated to 1 MiB after).
  const size = statSync(path).size;
  const wal = existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0;
  const ratio = size / live;
  t.diagnostic(`live ${(live / 1e6).toFixed(1)} MB, database ${(size / 1e6).toFixed(1)} MB (${ratio.toFixed(1)}x) + WAL ${(wal / 1e6).toFixed(1)} MB, history from revision ${await store.compactedRevision()} to ${await store.currentRevision()}, slowest write ${longest.toFixed(1)} ms`);
  assert.ok(ratio < 5, `the database is ${ratio.toFixed(1)} times the live data`);
  assert.ok(wal < 8 * 2 ** 20, `the WAL is ${wal} bytes`);
  assert.ok((await store.currentRevision()) - (await store.compactedRevision()) <= 1100);
  await store.close();
});
