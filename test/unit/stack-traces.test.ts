// Stack traces of a minified bundle name the sources through its source map, read on first use
// (src/stack-traces.ts, which `tinykube` installs when it runs from dist/). The bundle runs in
// plain node, as dist/ does: tsx would transform it again and move its positions.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { build } from 'esbuild';

test('a frame in the bundle reads as its source file, line and column; others stay as V8 prints them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tk-stack-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'boom.ts'), [
    `import { mapStacksUnder } from ${JSON.stringify(resolve('src/stack-traces.ts'))};`,
    "import { fileURLToPath } from 'node:url';",
    '',
    'class Thrower {',
    '  throwNow(what: string): never {',
    '    const message: string = `boom: ${what}`;',
    '    throw new TypeError(message);',
    '  }',
    '}',
    '',
    "mapStacksUnder(fileURLToPath(new URL('.', import.meta.url)));",
    'try {',
    "  new Thrower().throwNow('x');",
    '} catch (e) {',
    '  console.log((e as Error).stack);',
    '}',
    "console.log(new Error('outside').stack.split('\\n')[0]);",
    '',
  ].join('\n'));
  await build({ entryPoints: [join(dir, 'src', 'boom.ts')], outdir: join(dir, 'dist'), outExtension: { '.js': '.mjs' }, bundle: true, format: 'esm', platform: 'node', minify: true, sourcemap: true, logLevel: 'silent' });
  const lines = execFileSync(process.execPath, [join(dir, 'dist', 'boom.mjs')], { encoding: 'utf8' }).split('\n');
  assert.equal(lines[0], 'TypeError: boom: x');
  assert.equal(lines[1].replace(/at \S*throwNow/, 'at throwNow'), `    at throwNow (${join(dir, 'src', 'boom.ts')}:7:11)`);
  assert.equal(lines[2], `    at ${join(dir, 'src', 'boom.ts')}:13:17`);
  assert.ok(!lines.some((l) => l.includes('boom.mjs')), lines.join('\n'));
  assert.equal(lines.at(-2), 'Error: outside');
});
