// The `tinykube` command as a person meets it: --help for each command lists every flag with its
// default, --version names tinykube's and Kubernetes' versions, a mistyped flag names the nearest
// one, and `tinykube --port N` serves as `tinykube serve --port N` does.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { eventually, freePort, type RunResult } from './helpers.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'tinykube.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

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
    assert.match(top.stdout, /^Commands:\n  serve {7}serve the API, the control plane and simulated nodes \(the default\)\n  snapshot {4}save or restore/m);
    const serve = await tinykube(['serve', '--help']);
    assert.equal(serve.code, 0);
    const flags = [...serve.stdout.matchAll(/^ {6}--([a-z-]+)/gm)].map((m) => m[1]);
    assert.deepEqual(flags, ['address', 'admin', 'api-only', 'clock', 'data', 'deterministic', 'etcd-endpoints', 'etcd-prefix', 'event-ttl', 'fault-seed', 'fixtures',
      'leader-lease-duration', 'node-cpu', 'node-memory', 'node-monitor-grace-period', 'node-pods', 'nodes', 'port', 'stages', 'store', 'tls', 'token-file',
      'watch-cache-capacity', 'watch-history']);
    assert.match(serve.stdout, /^ {6}--port number {3,}TCP port to listen on \(0 picks a free one\) \(default "8080"\)$/m);
    assert.match(serve.stdout, /^ {6}--store kind {3,}where objects are kept: sqlite, memory or etcd \(default "sqlite"\)$/m);
    assert.match(serve.stdout, /^ {2}-h, --help {3,}help for serve$/m);
    const snapshot = await tinykube(['snapshot', '--help']);
    assert.equal(snapshot.code, 0);
    assert.match(snapshot.stdout, /^Usage:\n  tinykube snapshot save\|restore FILE \[flags\]$/m);
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
    ];
    for (const [args, stderr] of cases) {
      const r = await tinykube(args);
      assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', stderr], args.join(' '));
    }
  });

  test('flags alone serve, as `tinykube serve` does', async () => {
    const port = await freePort();
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [BIN, '--port', String(port), '--store', 'memory', '--api-only'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      await eventually(() => out.includes('tinykube serving at'), 15_000, 'the start line');
      assert.match(out, new RegExp(`^tinykube serving at http://127\\.0\\.0\\.1:${port} \\(memory store, ready in \\d+ ms\\)\\n`));
      const ns = await (await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/default`)).json();
      assert.equal(ns.metadata.name, 'default');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
