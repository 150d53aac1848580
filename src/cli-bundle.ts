// dist/cli.js: the command's entry in the bundle. It runs dist/cli.cjs (src/cli.ts and all it
// imports) from V8's code cache (src/code-cache.ts); only a start that serves writes the cache, so
// that it holds the functions a server runs, not those of `tinykube version`. A start that will
// serve from a SQLite file starts the store's thread first (src/storage/sqlite-thread.ts), so that
// it boots on the other core while this one reads and compiles the bundle. Run directly (`node
// dist/cli.js`, the container) it starts at once; bin/tinykube.js imports it, decides whether the
// bundle is newer than the sources meanwhile, and then calls main() or discard().
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCommonJSBundle } from './code-cache.js';
import { isServeCommand, servesFromFile } from './serve-hint.js';
import { discardPrestartedEngineThread, prestartEngineThread } from './storage/sqlite-thread.js';

const argv = process.argv.slice(2);
if (servesFromFile(argv)) prestartEngineThread();

/** Runs the command. */
export function main(): void {
  runCommonJSBundle(fileURLToPath(new URL('./cli.cjs', import.meta.url)), { writeCache: isServeCommand(argv) });
}

/** Stops what importing started, for a command the sources run instead. */
export const discard: () => Promise<void> = discardPrestartedEngineThread;

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) main();
