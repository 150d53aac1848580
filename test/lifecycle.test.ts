// Signals and lifecycle: however tinykube was started (README's CI recipe through npm, or node
// directly), stopping it frees its port; a second start on a busy port or data directory names
// the process in the way.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { eventually, freePort } from './helpers.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'tinykube.js');

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

function sh(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
  });
}

test("README's CI recipe: killing the npm (npx) it started frees the port", async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = /^ {10}(nohup (?:npm start|npx tinykube) .*&)$/m.exec(readme)?.[1];
  const wait = /^ {10}(for i in \$\(seq 100\); do curl .*done)$/m.exec(readme)?.[1];
  assert.ok(start && wait, 'the recipe is in README');
  // npx's first run here installs the package into its cache, which under load has taken longer
  // than the recipe's 10 s wait; in a user's CI the package is installed already (npm ci).
  if (start.includes('npx tinykube')) assert.match((await sh('npx tinykube version')).stdout, /^tinykube version /);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tinykube-recipe-'));
  const line = start.replace('/tmp/tinykube.log', join(dir, 'log')).replace('/tmp/tinykube', join(dir, 'data')).replace(/ &$/, ` --port ${port} &`);
  const r = await sh(`${line}\necho $!\n${wait.replace('localhost:8080', `localhost:${port}`)}`);
  const npmPid = Number(r.stdout.trim().split('\n')[0]);
  try {
    assert.ok(await listening(port), `serving on ${port}`);
    process.kill(npmPid, 'SIGTERM');
    // How fast is bench's business; on a loaded machine a shutdown has taken over 5 s.
    await eventually(async () => !(await listening(port)), 20_000, 'the port freed');
    await eventually(() => /tinykube: (npm exited|SIGTERM), shutting down/.test(readFileSync(join(dir, 'log'), 'utf8')), 20_000, 'the server saying it stopped');
  } finally {
    // A server left behind by a failure would hold its port for the rest of the run.
    const serverPid = Number(/"Starting tinykube" .* pid=(\d+)/.exec(readFileSync(join(dir, 'log'), 'utf8'))?.[1]);
    for (const pid of [npmPid, serverPid].filter((p) => p > 0)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} stops \`node bin/tinykube.js serve\` cleanly`, async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--store', 'memory', '--api-only'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await eventually(() => out.includes('export KUBECONFIG='), 15_000, 'started');
    child.kill(signal);
    assert.equal(await exited, 0);
    assert.match(out, new RegExp(`tinykube: ${signal}, shutting down\\n$`));
    assert.equal(await listening(port), false);
  });
}

test('a second start on a busy port or data directory names the process holding it', async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tinykube-busy-'));
  const first = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--data', dir, '--api-only'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  first.stdout.on('data', (d) => { out += d; });
  const exited = new Promise((r) => first.once('exit', r));
  try {
    await eventually(() => out.includes('export KUBECONFIG='), 15_000, 'the first started');
    const holder = `pid ${first.pid} (${process.execPath} ${BIN} serve --port ${port} --data ${dir} --api-only)`;
    // The last line on stderr says why (log lines of the start may come before it).
    const lastLine = (text: string) => text.trimEnd().split('\n').pop();
    const busyPort = await sh(`node ${BIN} serve --port ${port} --store memory --api-only`);
    assert.deepEqual([busyPort.code, lastLine(busyPort.stderr)], [1, `tinykube: cannot listen on 127.0.0.1:${port}: the address is already in use by ${holder}`]);
    const busyData = await sh(`node ${BIN} serve --port 0 --data ${dir} --api-only`);
    assert.deepEqual([busyData.code, lastLine(busyData.stderr)], [1, `tinykube: cannot open the store ${join(dir, 'tinykube.db')}: it is in use by another tinykube process: ${holder}`]);
  } finally {
    first.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
