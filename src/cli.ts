// The `tinykube` command.
//   tinykube serve [--port 8080] [--address 127.0.0.1] [--data ./tinykube-data] [--store sqlite|memory]
import { parseArgs } from 'node:util';
import { startCluster, StartupError } from './cluster.js';

const USAGE = `Usage: tinykube serve [--port 8080] [--address 127.0.0.1] [--data ./tinykube-data] [--store sqlite|memory]`;

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '8080' },
      address: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string', default: './tinykube-data' },
      store: { type: 'string', default: 'sqlite' },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new StartupError(`--port must be a number from 0 to 65535, not "${values.port}"`);
  if (values.store !== 'sqlite' && values.store !== 'memory') throw new StartupError(`--store must be sqlite or memory, not "${values.store}"`);
  const started = Date.now();
  const cluster = await startCluster({ port, address: values.address, data: values.data, store: values.store });
  console.log(`tinykube serving at ${cluster.url} (${values.store} store${values.store === 'sqlite' ? ` in ${values.data}` : ''}, ready in ${Date.now() - started} ms)`);
  console.log(`export KUBECONFIG=${cluster.kubeconfigPath}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`tinykube: ${signal}, shutting down`);
    void cluster.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'serve' || command === undefined) return serve(rest);
  if (command === '--help' || command === '-h' || command === 'help') { console.log(USAGE); return; }
  throw new StartupError(`unknown command "${command}"\n${USAGE}`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof StartupError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`tinykube: ${(e as Error).message}`);
  } else {
    console.error('tinykube: failed to start:', e);
  }
  process.exit(1);
});
