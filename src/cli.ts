// The `tinykube` command's entry. When the command will serve from a SQLite file, the store's
// worker thread starts first, so it boots on the other core while this thread loads the rest of
// tinykube (cli-main.ts and all it imports: most of the time to /readyz); the store takes it when it
// opens the file, and a thread no store takes is stopped once the store is open. Run from the
// bundle, stack traces name the sources through the source maps, read only when one is printed.
import { fileURLToPath } from 'node:url';
import { prestartEngineThread } from './storage/sqlite-thread.js';
import { mapStacksUnder } from './stack-traces.js';

if (servesFromFile(process.argv.slice(2))) prestartEngineThread();
if (import.meta.url.endsWith('.js')) mapStacksUnder(fileURLToPath(new URL('.', import.meta.url)));
await import('./cli-main.js');

/**
 * Whether these arguments look like `serve` with the SQLite store, its default: a hint read before
 * the flags are parsed (cli-main.ts parses them, and a wrong guess costs only a thread).
 */
function servesFromFile(argv: string[]): boolean {
  const [command] = argv;
  if (command !== undefined && command !== 'serve' && !command.startsWith('-')) return false;
  const at = argv.findIndex((a) => a === '--store' || a.startsWith('--store='));
  const store = at < 0 ? undefined : argv[at].startsWith('--store=') ? argv[at].slice('--store='.length) : argv[at + 1];
  return store === 'sqlite' || (store === undefined && !argv.some((a) => a.startsWith('--etcd-endpoints')));
}
