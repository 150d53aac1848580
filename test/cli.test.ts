// The `tinykube` command as a person meets it: --help for each command lists every flag with its
// default, --version names tinykube's and Kubernetes' versions, a mistyped flag names the nearest
// one, and `tinykube --port N` serves as `tinykube serve --port N` does.
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { describe, test } from 'node:test';
import { startEtcd } from './etcd.js';
import { eventually, freePort, kubectlBinary, scratchFile, type RunResult } from './helpers.js';
import { needs } from './peers.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'tinykube.js');
const BAD_APPS = scratchFile('cli-bad-apps.yaml', '- name: broken\n  images: [example/broken]\n  http: {status: 200}\n');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** `tinykube ARGS` running until stop(), once it printed its start lines. */
async function serve(args: string[], env: Record<string, string> = {}): Promise<{ out: string; err: () => string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => child.once('exit', r));
  await eventually(() => out.includes('export KUBECONFIG=') || child.exitCode !== null, 15_000, 'the start lines');
  if (child.exitCode !== null) throw new Error(`tinykube exited: ${err}`);
  return { out, err: () => err, stop: async () => { child.kill('SIGTERM'); await exited; } };
}

/** The newest kubectl with a given kubeconfig. */
function kubectlWith(kubeconfig: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(kubectlBinary('1.33'), ['--kubeconfig', kubeconfig, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

function tinykube(args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe('tinykube command', () => {
  test('--version and version print both versions', async () => {
    for (const args of [['--version'], ['version']]) {
      const r = await tinykube(args);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, `tinykube version v${VERSION}\nKubernetes version v1.33.1\n`, ''], args.join(' '));
    }
  });

  test('--help names the commands; serve --help and snapshot --help list every flag with its default', async () => {
    const top = await tinykube(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /^Commands:\n {2}serve {7}serve the API, the control plane and simulated nodes \(the default\)\n {2}snapshot {4}save or restore/m);
    const serve = await tinykube(['serve', '--help']);
    assert.equal(serve.code, 0);
    const flags = [...serve.stdout.matchAll(/^ {6}--([a-z-]+)/gm)].map((m) => m[1]);
    assert.deepEqual(flags, ['address', 'admin', 'api-only', 'apps', 'bind-address', 'clock', 'controllers-in-worker', 'data', 'data-dir', 'deterministic', 'etcd-endpoints', 'etcd-prefix', 'etcd-servers',
      'event-ttl', 'fault-seed', 'fixtures', 'ingress-port', 'kubeconfig', 'leader-elect-lease-duration', 'leader-lease-duration', 'load-balancer-address', 'logging-format', 'name', 'node-cpu', 'node-memory',
      'node-monitor-grace-period', 'node-pods', 'nodes', 'port', 'stages', 'store', 'tls', 'tls-cert-file', 'tls-private-key-file', 'token-auth-file', 'token-file',
      'ui', 'watch-cache-capacity', 'watch-history', 'write-kubeconfig']);
    assert.match(serve.stdout, /^ {6}--bind-address ip {3,}the same as --address$/m);
    assert.match(serve.stdout, /^ {6}--node-monitor-grace-period duration {3,}how long a node may miss heartbeats before it is NotReady \(default "40s"\)$/m);
    assert.match(serve.stdout, /^Each flag can also be set in the environment: TINYKUBE_NODE_CPU for --node-cpu; a flag given wins\.$/m);
    assert.match(serve.stdout, /^ {6}--port number {3,}TCP port to listen on \(0 picks a free one\) \(default "8080"\)$/m);
    assert.match(serve.stdout, /^ {6}--store kind {3,}where objects are kept: sqlite, memory or etcd \(default sqlite; etcd when --etcd-endpoints is given\)$/m);
    assert.match(serve.stdout, /^ {2}-h, --help {3,}help for serve$/m);
    assert.match(serve.stdout, /^ {2}-v, --v level {3,}log verbosity: 0 the start and progress, 2 each controller action, 3 each request \(default "0"\)$/m);
    const snapshot = await tinykube(['snapshot', '--help']);
    assert.equal(snapshot.code, 0);
    assert.match(snapshot.stdout, /^Usage:\n {2}tinykube snapshot save\|restore FILE \[flags\]$/m);
    assert.match(snapshot.stdout, /^ {6}--server url {3,}the server to save from \(default "http:\/\/127\.0\.0\.1:8080"\)$/m);
  });

  test('mistakes are named, with the nearest flag, exit code 1', async () => {
    const cases: [string[], string][] = [
      [['serve', '--prot', '1'], 'tinykube: unknown flag --prot for "tinykube serve"; did you mean --port? (see tinykube serve --help)\n'],
      [['--adress', 'x'], 'tinykube: unknown flag --adress for "tinykube serve"; did you mean --address? (see tinykube serve --help)\n'],
      [['serve', '--zzzzzzzz'], 'tinykube: unknown flag --zzzzzzzz for "tinykube serve" (see tinykube serve --help)\n'],
      [['serve', '--port'], 'tinykube: flag --port needs a value (see tinykube serve --help)\n'],
      [['serve', 'extra'], 'tinykube: unexpected argument "extra" for "tinykube serve" (see tinykube serve --help)\n'],
      [['snapshot', 'take', 'f'], 'tinykube: snapshot takes save or restore and a file (see tinykube snapshot --help)\n'],
      [['bogus'], 'tinykube: unknown command "bogus" for "tinykube"; the commands are serve, snapshot and version (see tinykube --help)\n'],
      [['serve', '--watch-history', 'all'], 'tinykube: --watch-history must be window or store, not "all"\n'],
      [['serve', '--ui=maybe'], 'tinykube: --ui must be true or false, not "maybe"\n'],
      [['serve', '--store', 'memory', '--port', '0', '--apps', BAD_APPS], `tinykube: bad --apps file: ${BAD_APPS}: app 1 (broken): http: is neither echo nor a reply with a body\n`],
    ];
    for (const [args, stderr] of cases) {
      const r = await tinykube(args);
      assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', stderr], args.join(' '));
    }
  });

  test('flags alone serve, as `tinykube serve` does', async () => {
    const port = await freePort();
    const server = await serve(['--port', String(port), '--store', 'memory', '--api-only']);
    try {
      assert.match(server.out, new RegExp(`^tinykube serving at http://127\\.0\\.0\\.1:${port} \\(memory store, ready in \\d+ ms\\)\\n`));
      const ns = await (await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/default`)).json();
      assert.equal(ns.metadata.name, 'default');
    } finally {
      await server.stop();
    }
  });

  test('the dashboard is served at /ui/ unless --ui=false', async () => {
    for (const [flag, status] of [[[], 200], [['--ui=false'], 404], [['--ui=false', '--ui=true'], 200]] as const) {
      const port = await freePort();
      const server = await serve(['--port', String(port), '--store', 'memory', '--api-only', ...flag]);
      try {
        assert.equal((await fetch(`http://127.0.0.1:${port}/ui/`)).status, status, flag.join(' '));
      } finally {
        await server.stop();
      }
    }
  });

  test("kube's flag names, Go durations and TINYKUBE_ variables", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinykube-cli-'));
    const port = await freePort();
    const kubeconfig = join(dir, 'out', 'config');
    const server = await serve(['--bind-address', '127.0.0.1', '--data-dir', join(dir, 'data'), '--store', 'memory', '--api-only', '--name', 'kind-x',
      '--write-kubeconfig', kubeconfig, '--node-monitor-grace-period', '1m30s', '--event-ttl', '500ms'], { TINYKUBE_PORT: String(port), TINYKUBE_NODES: '0' });
    try {
      assert.match(server.out, new RegExp(`^tinykube serving at http://127\\.0\\.0\\.1:${port} `));
      assert.match(server.out, new RegExp(`^export KUBECONFIG=${kubeconfig}$`, 'm'));
      const r = await kubectlWith(kubeconfig, ['config', 'current-context']);
      assert.equal(r.stdout, 'kind-x\n');
      const ns = await kubectlWith(kubeconfig, ['get', 'namespace', 'default', '-o', 'name']);
      assert.equal(ns.stdout, 'namespace/default\n');
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("kube-apiserver's flags on etcd: --bind-address --data-dir --etcd-servers -v 4 logs one line per request; --logging-format=json one object per line", { skip: needs('etcd-server') }, async () => {
    const etcd = await startEtcd();
    const dir = mkdtempSync(join(tmpdir(), 'tinykube-etcd-cli-'));
    try {
      for (const format of ['text', 'json'] as const) {
        const port = await freePort();
        const server = await serve(['--bind-address', '127.0.0.1', '--data-dir', join(dir, format), '--etcd-servers', etcd.endpoint, '--etcd-prefix', `/${format}`,
          '-v', '4', '--logging-format', format, '--port', String(port), '--api-only']);
        try {
          assert.match(server.out, new RegExp(`^tinykube serving at http://127\\.0\\.0\\.1:${port} \\(etcd store at ${etcd.endpoint.replace(/[.]/g, '\\.')}, ready`));
          const r = await kubectlWith(join(dir, format, 'kubeconfig'), ['get', 'namespace', 'kube-system', '-o', 'name']);
          assert.equal(r.stdout, 'namespace/kube-system\n');
          const requests = await eventually(() => {
            const lines = server.err().split('\n').filter((l) => l.includes('/api/v1/namespaces/kube-system'));
            return lines.length ? lines : undefined;
          }, 5000, 'the request logged');
          assert.equal(requests.length, 1, 'one line per request');
          if (format === 'text') {
            assert.match(requests[0], /^I\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ httplog\.ts:0\] "HTTP" verb="GET" URI="\/api\/v1\/namespaces\/kube-system" latency="[^"]+" userAgent="kubectl[^/"]*\/v1\.33[^"]*" audit-ID="" srcIP="127\.0\.0\.1:\d+" user="system:unsecured" resp=200$/);
          } else {
            for (const line of server.err().trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), line);
            const entry = JSON.parse(requests[0]);
            assert.deepEqual([entry.msg, entry.v, entry.verb, entry.URI, entry.resp], ['HTTP', 3, 'GET', '/api/v1/namespaces/kube-system', 200]);
          }
        } finally {
          await server.stop();
        }
      }
    } finally {
      await etcd.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--tls-cert-file and --tls-private-key-file serve the given certificate, and the kubeconfig trusts it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinykube-tls-'));
    const cert = join(dir, 'server.crt');
    const key = join(dir, 'server.key');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=tinykube-given', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const port = await freePort();
    const server = await serve(['--port', String(port), '--data', join(dir, 'data'), '--store', 'memory', '--api-only', '--tls-cert-file', cert, '--tls-private-key-file', key]);
    try {
      assert.match(server.out, new RegExp(`^tinykube serving at https://127\\.0\\.0\\.1:${port} `));
      const kubeconfig = join(dir, 'data', 'kubeconfig');
      const whoami = await kubectlWith(kubeconfig, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
      assert.deepEqual([whoami.code, whoami.stdout], [0, 'tinykube-admin']);
      const presented = await new Promise<string>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => { resolve(socket.getPeerX509Certificate()!.subject); socket.end(); });
        socket.on('error', reject);
      });
      assert.equal(presented, 'CN=tinykube-given');
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
