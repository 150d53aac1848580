// startCluster's steps share one shutdown stack: a start that fails part-way undoes what it
// started (the port, the store's lock, the data directory it made), as close() does.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startCluster, StartupError } from '../src/index.js';

const TEST_DATA = join(import.meta.dirname, 'data');

test('a start that fails after listening frees its port and its sqlite store for the next start', async () => {
  const fixtures = mkdtempSync(join(tmpdir(), 'tinykube-fixtures-'));
  const data = mkdtempSync(join(tmpdir(), 'tinykube-data-'));
  copyFileSync(join(TEST_DATA, 'invalid-pod.yaml'), join(fixtures, 'invalid-pod.yaml'));
  try {
    const first = await startCluster({ data, store: 'sqlite', controlPlane: false });
    const port = Number(new URL(first.url).port);
    await first.close();
    await assert.rejects(startCluster({ data, store: 'sqlite', port, fixtures, controlPlane: false }), StartupError);
    const again = await startCluster({ data, store: 'sqlite', port, controlPlane: false });
    assert.equal(again.url, first.url);
    await again.close();
    assert.ok(existsSync(data), 'a data directory the caller gave is kept');
  } finally {
    rmSync(fixtures, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
});

test('a failed start removes the data directory it made for itself', async () => {
  // A private temporary directory, so that other processes' clusters do not show up in it.
  const scratch = mkdtempSync(join(tmpdir(), 'tinykube-scratch-'));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = scratch;
  try {
    await assert.rejects(startCluster({ tokenFile: join(scratch, 'no-such-token-file.csv') }), /cannot read --token-file/);
    // tsx's compile cache (tsx-UID), made there by the store's worker thread as it registers tsx
    // when the sources run through it, is not the cluster's.
    assert.deepEqual(readdirSync(scratch).filter((f) => !/^tsx-\d+$/.test(f)), []);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = saved;
    rmSync(scratch, { recursive: true, force: true });
  }
});
