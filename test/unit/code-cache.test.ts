// The command's bundle runs through V8's code cache (src/code-cache.ts): the first serving start
// writes the cache beside the bundle as it exits, later starts compile from it, a cache V8 refuses
// is made again, and a start that may not write runs without one. Each run is its own process,
// in plain node as dist/ runs (the module is bundled by esbuild first, as scripts/build.js does).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { isAscii } from 'node:buffer';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';

const BUNDLE_LINES = [
  "'use strict';",
  "const { basename } = require('node:path');",
  'exports.answer = 42;',
  'function where() { return new Error(`line`).stack.split(`\\n`)[1]; }',
  'console.log(JSON.stringify({ file: basename(__filename), dir: basename(__dirname), exports: module.exports.answer, frame: where(), thisIsExports: this === module.exports }));',
];

describe('the bundle through V8\'s code cache', () => {
  let dir: string;
  let bundle: string;
  let cacheFile: string;
  let runner: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tk-code-cache-'));
    mkdirSync(join(dir, 'dist'));
    bundle = join(dir, 'dist', 'app.cjs');
    writeFileSync(bundle, BUNDLE_LINES.join('\n') + '\n');
    cacheFile = `${bundle}.${process.version}-${process.arch}.v8cache`;
    await build({ entryPoints: [resolve('src/code-cache.ts')], outfile: join(dir, 'code-cache.mjs'), bundle: true, format: 'esm', platform: 'node', logLevel: 'silent' });
    runner = join(dir, 'run.mjs');
    writeFileSync(runner, [
      "import { runCommonJSBundle, codeCachePath } from './code-cache.mjs';",
      "const [bundle, write] = process.argv.slice(2);",
      "const use = runCommonJSBundle(bundle, { writeCache: write === 'write' });",
      "console.log(JSON.stringify({ ...use, path: codeCachePath(bundle) }));",
    ].join('\n'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function run(write: 'write' | 'no-write'): { program: Record<string, unknown>; cache: string; path: string } {
    const [program, use] = execFileSync(process.execPath, [runner, bundle, write], { encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    return { program, cache: String(use.cache), path: String(use.path) };
  }

  test('the bundle runs as a CommonJS module would, with its own line numbers', () => {
    const { program, path } = run('no-write');
    assert.deepEqual(program, { file: 'app.cjs', dir: 'dist', exports: 42, frame: `    at where (${bundle}:4:27)`, thisIsExports: true });
    assert.equal(path, cacheFile);
    assert.ok(!existsSync(cacheFile), 'a start told not to write leaves no cache');
  });

  test('the first start writes the cache as it exits; the next takes it and writes nothing', () => {
    assert.equal(run('write').cache, 'none');
    assert.ok(statSync(cacheFile).size > 0);
    const written = statSync(cacheFile).mtimeMs;
    const second = run('write');
    assert.equal(second.cache, 'accepted');
    assert.equal(second.program.exports, 42);
    assert.equal(statSync(cacheFile).mtimeMs, written, 'an accepted cache is not written again');
  });

  test('a cache V8 refuses (another source, or garbage) is made again', () => {
    writeFileSync(cacheFile, Buffer.from('not a code cache at all'));
    const refused = run('write');
    assert.equal(refused.cache, 'rejected');
    assert.equal(refused.program.exports, 42);
    assert.equal(run('write').cache, 'accepted');
    // Another bundle at the same path: V8 checks the source the cache was made from.
    writeFileSync(bundle, BUNDLE_LINES.join('\n') + '\n// changed\n');
    assert.equal(run('write').cache, 'rejected');
    assert.equal(run('write').cache, 'accepted');
  });

  test('where the cache cannot be written the bundle still runs, without one, and leaves nothing behind', () => {
    rmSync(cacheFile, { force: true });
    // Its name taken by a directory: the write's rename fails, as in a read-only dist/.
    mkdirSync(cacheFile);
    try {
      const blocked = run('write');
      assert.equal(blocked.cache, 'none');
      assert.equal(blocked.program.exports, 42);
      assert.deepEqual(readdirSync(join(dir, 'dist')).sort(), ['app.cjs', basename(cacheFile)]);
    } finally {
      rmSync(cacheFile, { recursive: true, force: true });
    }
  });

  test('the command\'s bundle is ASCII, read as one-byte text', { skip: existsSync('dist/cli.cjs') ? false : 'no dist/ (npm run build)' }, () => {
    const bytes = readFileSync('dist/cli.cjs');
    assert.ok(isAscii(bytes), `dist/cli.cjs has a byte above 127 at ${bytes.findIndex((b) => b > 127)}`);
  });
});
