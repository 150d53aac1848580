// What a command line will do, guessed before its flags are parsed (src/cli-main.ts parses them):
// hints for work worth starting early. A wrong guess costs only that work.

/** Whether these arguments run `serve`: named, or implied by flags alone (`tinykube --port 1`). */
export function isServeCommand(argv: string[]): boolean {
  const [command] = argv;
  return command === undefined || command === 'serve' || command.startsWith('-');
}

/** Whether they serve with the SQLite store, the default: from a file, which a worker thread opens. */
export function servesFromFile(argv: string[]): boolean {
  if (!isServeCommand(argv)) return false;
  const at = argv.findIndex((a) => a === '--store' || a.startsWith('--store='));
  const store = at < 0 ? undefined : argv[at].startsWith('--store=') ? argv[at].slice('--store='.length) : argv[at + 1];
  return store === 'sqlite' || (store === undefined && !argv.some((a) => a.startsWith('--etcd-endpoints')));
}
