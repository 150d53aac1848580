#!/usr/bin/env node
// The `tinykube` command. An installed package has no src/ and runs the bundle in dist/. In a
// checkout (built by `npm ci`, see scripts/build.js) it runs the bundle when it is newer than every
// file in src/, and the TypeScript sources through tsx (a dev dependency, loaded only then)
// otherwise, so an edit never runs stale code and a fresh install starts without compiling anything.
// The bundle's entry is imported before that check: it starts the SQLite store's thread, which
// boots on the other core meanwhile (src/cli-bundle.ts).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'cli.js');
const sources = join(root, 'src');

/** The newest modification time of the files under `dir`. */
function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    // Joined by hand: path.join's normalizing costs more than the stat, 287 times at every start.
    const p = `${dir}/${e.name}`;
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

async function runSources() {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch (e) {
    if (e.code !== 'ERR_MODULE_NOT_FOUND') throw e;
    process.stderr.write(`tinykube: src/ is newer than dist/ and tsx (a dev dependency) is not installed: run npm run build\n`);
    process.exit(1);
  }
  register();
  await import('../src/cli.ts');
}

const checkout = existsSync(join(sources, 'cli.ts'));
if (existsSync(bundle)) {
  const cli = await import(bundle);
  if (!checkout || statSync(bundle).mtimeMs >= newestSource(sources)) {
    cli.main();
  } else {
    await cli.discard();
    await runSources();
  }
} else if (checkout) {
  await runSources();
} else {
  process.stderr.write(`tinykube: ${bundle} is missing: run npm run build\n`);
  process.exit(1);
}
