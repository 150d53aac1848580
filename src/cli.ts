// The `tinykube` command's entry (bundled as dist/cli.cjs, which dist/cli.js runs: src/cli-bundle.ts).
// When the command will serve from a SQLite file, the store's worker thread starts first (unless
// dist/cli.js started it already), so it boots on the other core while this thread loads the rest
// of tinykube (cli-main.ts and all it imports); the store takes it when it opens the file, and a
// thread no store takes is stopped once the store is open. Run from the bundle, stack traces name
// the sources through the source maps, read only when one is printed.
import { fileURLToPath } from 'node:url';
import { servesFromFile } from './serve-hint.js';
import { prestartEngineThread } from './storage/sqlite-thread.js';
import { mapStacksUnder } from './stack-traces.js';

if (servesFromFile(process.argv.slice(2))) prestartEngineThread();
if (!import.meta.url.endsWith('.ts')) mapStacksUnder(fileURLToPath(new URL('.', import.meta.url)));
// Not awaited: the bundle (dist/cli.cjs) is a CommonJS script, which has no top-level await.
void import('./cli-main.js');
