// The container image, checked without a Docker engine. The Dockerfile is parsed: two stages, the
// compilers only in the build stage, a non-root user, a HEALTHCHECK on /readyz, and every file it
// copies from the build context present and not left out by .dockerignore. Then its steps run
// here: the build stage's RUN commands in a copy of what that stage copies (apt-get aside: this
// machine has the compilers), the runtime stage's files gathered from the build's tree and the
// context, and its ENTRYPOINT started from them, with a data directory and a port of the test's,
// as an unprivileged user where the test runs as root. It must serve, write the kubeconfig into
// the data directory, pass its own HEALTHCHECK (over HTTP, and over HTTPS with --tls) and stop on
// SIGTERM, as `docker stop` sends it.
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from './net.js';

const ROOT = join(import.meta.dirname, '..');

// ---- Parsing --------------------------------------------------------------------------------

interface Instruction { op: string; args: string; line: number }
interface Stage { image: string; name?: string; instructions: Instruction[] }

/** The Dockerfile's stages: instructions with their continuation lines joined, comments dropped. */
function parseDockerfile(text: string): Stage[] {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let line = lines[i];
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      line = line.replace(/\\\s*$/, '');
      const next = lines[++i];
      if (/^\s*#/.test(next)) { line += ' \\'; continue; } // a comment inside a continued instruction
      line += next;
    }
    const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(line);
    assert.ok(m, `Dockerfile line ${first}: not an instruction: ${line}`);
    const op = m[1].toUpperCase();
    const rest = m[2].trim();
    if (op === 'ARG' && !stages.length) {
      const [k, v = ''] = rest.split('=');
      args.set(k, v.replace(/^"(.*)"$/, '$1'));
    } else if (op === 'FROM') {
      const [image, as, name] = rest.replace(/\$\{?(\w+)\}?/g, (_, k) => args.get(k) ?? '').split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      assert.ok(stages.length, `Dockerfile line ${first}: ${op} before FROM`);
      stages.at(-1)!.instructions.push({ op, args: rest, line: first });
    }
  }
  return stages;
}

/** An exec-form array (`["node", "x"]`), or undefined for the shell form. */
function execForm(args: string): string[] | undefined {
  return args.startsWith('[') ? JSON.parse(args) : undefined;
}

interface Copy { from?: string; sources: string[]; dest: string }
function parseCopy(args: string): Copy {
  const words = execForm(args) ?? args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), dest: paths.at(-1)! };
}

/** Docker's path patterns (.dockerignore, COPY sources): `**` any directories, `*` and `?` within one. */
function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') { i++; re += '(?:.*/)?'; } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += '\\' + pattern[++i];
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      re += '[' + pattern.slice(i + 1, end).replace(/^[!^]/, '^') + ']';
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether .dockerignore leaves `path` (relative to the context) out: the last matching rule wins,
 *  and a rule matching a directory matches all that is in it. */
function dockerignore(text: string): (path: string) => boolean {
  const rules = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => {
    const negate = l.startsWith('!');
    const pattern = posix.normalize(negate ? l.slice(1).trim() : l).replace(/^\/+|\/+$/g, '');
    return { negate, re: globRegExp(pattern) };
  });
  return (path) => {
    const parts = path.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const r of rules) if (prefixes.some((p) => r.re.test(p))) excluded = !r.negate;
    return excluded;
  };
}

// ---- The repository's files -------------------------------------------------------------------

const STAGES = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const IGNORED = dockerignore(existsSync(join(ROOT, '.dockerignore')) ? readFileSync(join(ROOT, '.dockerignore'), 'utf8') : '');
const [BUILD, RUNTIME] = STAGES;
const COMPILERS = /apt-get|apk\s+add|\b(make|g\+\+|gcc|python3|build-essential)\b/;

/** A COPY source in the build context, globs expanded: the context-relative paths it names. */
function contextPaths(source: string): string[] {
  const clean = posix.normalize(source).replace(/^\.\/|\/$/g, '') || '.';
  if (!/[*?[]/.test(clean)) return [clean];
  const dir = posix.dirname(clean);
  const re = globRegExp(posix.basename(clean));
  return readdirSync(join(ROOT, dir)).filter((n) => re.test(n)).map((n) => (dir === '.' ? n : `${dir}/${n}`));
}

const tracked = (() => {
  const r = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? new Set(r.stdout.split('\0')) : undefined;
})();

function one(stage: Stage, op: string): Instruction[] {
  return stage.instructions.filter((i) => i.op === op);
}

describe('Dockerfile', () => {
  test('two stages: a build stage with the compilers, a runtime stage on the same Node.js without them', () => {
    assert.equal(STAGES.length, 2, 'a build stage and a runtime stage');
    assert.ok(BUILD.name, 'the build stage is named, for COPY --from');
    assert.equal(RUNTIME.image, BUILD.image, 'the native addon is built for the Node.js that runs it');
    assert.match(RUNTIME.image, /^node:\d+(\.\d+)*-.*slim/, 'a slim official node image');
    const install = one(BUILD, 'RUN').map((r) => r.args).find((a) => /apt-get\s+install/.test(a));
    assert.ok(install, 'the build stage installs the compilers');
    for (const tool of ['python3', 'make', 'g++']) assert.match(install, new RegExp(`(^|\\s)${tool.replace(/\+/g, '\\+')}(\\s|$)`), tool);
    for (const run of one(RUNTIME, 'RUN')) assert.doesNotMatch(run.args, COMPILERS, `runtime stage line ${run.line} installs or uses a compiler`);
    assert.match(one(BUILD, 'RUN').map((r) => r.args).join('\n'), /npm prune --omit=dev/, 'dev dependencies are pruned');
    assert.match(one(BUILD, 'RUN').map((r) => r.args).join('\n'), /npm ci\b/, 'dependencies come from package-lock.json');
  });

  test('the runtime stage runs as a non-root user, checks /readyz, serves on 0.0.0.0:8080 with its data in /data', () => {
    const ops = RUNTIME.instructions.map((i) => i.op);
    const entry = ops.indexOf('ENTRYPOINT');
    assert.ok(entry >= 0 && entry === ops.lastIndexOf('ENTRYPOINT'), 'one ENTRYPOINT');
    const user = RUNTIME.instructions.slice(0, entry).filter((i) => i.op === 'USER').at(-1);
    assert.ok(user, 'a USER before the ENTRYPOINT');
    assert.doesNotMatch(user.args, /^(root|0)(:|$)/, 'not root');
    const [health] = one(RUNTIME, 'HEALTHCHECK');
    assert.ok(health, 'a HEALTHCHECK');
    assert.match(health.args, /\bCMD\s+\[/, 'exec form: the slim image needs no shell or curl for it');
    assert.match(health.args, /127\.0\.0\.1:8080\/readyz/);
    assert.deepEqual(one(RUNTIME, 'EXPOSE').map((i) => i.args), ['8080']);
    assert.deepEqual(one(RUNTIME, 'VOLUME').map((i) => i.args), ['/data']);
    const argv = execForm(RUNTIME.instructions[entry].args);
    assert.ok(argv, 'ENTRYPOINT in exec form, so that node is PID 1 and gets docker stop\'s SIGTERM');
    const flag = (name: string) => argv[argv.indexOf(name) + 1];
    assert.deepEqual([argv[0], argv.includes('serve'), flag('--address'), flag('--port'), flag('--data')], ['node', true, '0.0.0.0', '8080', '/data']);
  });

  test('every file COPY takes from the build context is in the repository and not left out by .dockerignore', () => {
    assert.ok(existsSync(join(ROOT, '.dockerignore')), '.dockerignore');
    for (const p of ['node_modules/x/index.js', 'dist/cli.js', '.git/HEAD', 'tinykube-data/kubeconfig', '.interop-results/a.json']) assert.ok(IGNORED(p), `.dockerignore leaves out ${p}`);
    for (const stage of STAGES) {
      for (const c of one(stage, 'COPY').map((i) => ({ ...parseCopy(i.args), line: i.line })).filter((c) => !c.from)) {
        for (const source of c.sources) {
          const paths = contextPaths(source);
          assert.ok(paths.length, `Dockerfile line ${c.line}: ${source} matches nothing`);
          for (const p of paths) {
            assert.ok(existsSync(join(ROOT, p)), `Dockerfile line ${c.line}: ${p} does not exist`);
            assert.ok(!IGNORED(p), `Dockerfile line ${c.line}: .dockerignore leaves out ${p}`);
            if (tracked && !/[*?[]/.test(source)) {
              const inGit = statSync(join(ROOT, p)).isDirectory() ? [...tracked].some((f) => f.startsWith(p + '/')) : tracked.has(p);
              assert.ok(inGit, `Dockerfile line ${c.line}: ${p} is not in git`);
            }
          }
        }
      }
    }
  });
});

// ---- The build, outside Docker ----------------------------------------------------------------

/** The environment a container would have: none of npm's or node:test's variables from this run. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|NODE_TEST_CONTEXT$|NODE_OPTIONS$|INIT_CWD$)/.test(k)));
  return { ...env, ...extra };
}

/** A stage's filesystem: its WORKDIR and the container paths under it, mapped to a temporary directory. */
class StageDir {
  workdir = '/';
  constructor(readonly dir: string) {}
  host(path: string): string {
    const abs = posix.resolve(this.workdir, path);
    return join(this.dir, abs);
  }
}

/** Docker's COPY: a directory's contents into the destination, files into it when it ends in / or
 *  there are several, or as the destination itself. */
function copy(sources: { path: string; isDir: boolean }[], dest: string, destIsDir: boolean, filter?: (src: string) => boolean) {
  for (const s of sources) {
    if (s.isDir) cpSync(s.path, dest, { recursive: true, filter });
    else {
      const target = destIsDir ? join(dest, basename(s.path)) : dest;
      mkdirSync(dirname(target), { recursive: true });
      cpSync(s.path, target);
    }
  }
}

function sh(command: string, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', command], { cwd, env: cleanEnv({ npm_config_prefer_offline: 'true' }), timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command}: ${err.message}\n${stdout}\n${stderr}`));
      else resolve();
    });
  });
}

/** Runs a stage's instructions here. `stages` maps earlier stages' names to their directories. */
async function runStage(stage: Stage, root: string, stages: Map<string, StageDir>, skipped: string[]): Promise<StageDir> {
  const fs = new StageDir(root);
  for (const ins of stage.instructions) {
    if (ins.op === 'WORKDIR') {
      fs.workdir = posix.resolve(fs.workdir, ins.args);
      mkdirSync(fs.host('.'), { recursive: true });
    } else if (ins.op === 'COPY') {
      const c = parseCopy(ins.args);
      const destIsDir = c.dest.endsWith('/') || c.dest === '.' || c.sources.length > 1;
      if (c.from) {
        const from = stages.get(c.from);
        assert.ok(from, `COPY --from=${c.from}: no such stage`);
        const sources = c.sources.map((s) => from.host(s));
        for (const s of sources) assert.ok(existsSync(s), `line ${ins.line}: the ${c.from} stage made no ${posix.resolve(from.workdir, c.sources[sources.indexOf(s)])}`);
        copy(sources.map((path) => ({ path, isDir: statSync(path).isDirectory() })), fs.host(c.dest), destIsDir);
      } else {
        const paths = c.sources.flatMap(contextPaths);
        const filter = (src: string) => { const rel = relative(ROOT, src).split('\\').join('/'); return rel === '' || !IGNORED(rel); };
        copy(paths.map((p) => ({ path: join(ROOT, p), isDir: statSync(join(ROOT, p)).isDirectory() })), fs.host(c.dest), destIsDir || paths.length > 1, filter);
      }
    } else if (ins.op === 'RUN') {
      // What needs the image's root filesystem (apt-get, /data) is not run here.
      if (/apt-get|^mkdir \/|chown/.test(ins.args)) { skipped.push(ins.args); continue; }
      await sh(ins.args, fs.host('.'));
    }
  }
  return fs;
}

/** A Namespace with a label, as kube's protobuf body: the k8s magic, then a runtime.Unknown around the message. */
function protobufNamespace(name: string, key: string, value: string): Buffer {
  const field = (n: number, bytes: Buffer | string) => {
    const b = Buffer.from(bytes);
    assert.ok(b.length < 128, 'one-byte lengths');
    return Buffer.concat([Buffer.from([(n << 3) | 2, b.length]), b]);
  };
  const namespace = field(1, Buffer.concat([field(1, name), field(11, Buffer.concat([field(1, key), field(2, value)]))])); // metadata: name, labels
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), field(1, Buffer.concat([field(1, 'v1'), field(2, 'Namespace')])), field(2, namespace)]);
}

/** An unprivileged user to run the server as when the test runs as root, as the image's USER does. */
function unprivileged(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

describe('the image, built and started outside Docker', { timeout: 360_000 }, () => {
  const temp = mkdtempSync(join(tmpdir(), 'tinykube-docker-'));
  const skipped: string[] = [];
  const user = unprivileged();
  let runtime: StageDir;
  let entrypoint: string[];
  let healthcheck: string[];
  let data: string;
  let server: ChildProcess | undefined;
  let port: number;
  let stderr = '';

  before(async () => {
    const stages = new Map<string, StageDir>();
    stages.set(BUILD.name!, await runStage(BUILD, join(temp, 'build'), stages, skipped));
    runtime = await runStage(RUNTIME, join(temp, 'runtime'), stages, skipped);
    entrypoint = execForm(one(RUNTIME, 'ENTRYPOINT')[0].args)!;
    healthcheck = execForm(one(RUNTIME, 'HEALTHCHECK')[0].args.replace(/^.*?\bCMD\s+/, ''))!;
    data = join(temp, 'data');
    mkdirSync(data);
    // mkdtemp makes the directory private: the unprivileged user must reach the runtime tree.
    chmodSync(temp, 0o755);
    if (user) chownSync(data, user.uid, user.gid);
  });
  after(async () => {
    server?.kill('SIGKILL');
    rmSync(temp, { recursive: true, force: true });
  });

  /** The ENTRYPOINT with this test's port and data directory (and `extra` flags, as `docker run IMAGE ...` adds). */
  async function start(extra: string[] = []): Promise<void> {
    port = await freePort();
    const argv = entrypoint.map((a, i) => (entrypoint[i - 1] === '--port' ? String(port) : entrypoint[i - 1] === '--data' ? data : a));
    assert.equal(argv[0], 'node');
    stderr = '';
    server = spawn(process.execPath, [...argv.slice(1), ...extra], { cwd: runtime.host('.'), env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'], ...user });
    server.stderr!.on('data', (d) => { stderr += d; });
  }

  /** The HEALTHCHECK command against this test's port: its exit code. */
  function health(): Promise<number> {
    const argv = healthcheck.map((a) => a.replaceAll('127.0.0.1:8080/', `127.0.0.1:${port}/`));
    assert.equal(argv[0], 'node');
    return new Promise((resolve) => {
      execFile(process.execPath, argv.slice(1), { env: cleanEnv(), timeout: 10_000, ...user }, (err) => resolve(err ? (typeof err.code === 'number' ? err.code : -1) : 0));
    });
  }

  async function until<T>(f: () => Promise<T | undefined>, what: string): Promise<T> {
    for (let i = 0; i < 300; i++) {
      if (server?.exitCode !== null) throw new Error(`the server exited (${server?.exitCode}) before ${what}: ${stderr}`);
      const v = await f().catch(() => undefined);
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}: ${stderr}`);
  }

  async function stop(): Promise<number | null> {
    const proc = server!;
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    server = undefined;
    return code;
  }

  test('the runtime tree: the bundle and run-time dependencies, no sources, no dev dependencies, no compilers run', () => {
    assert.ok(skipped.some((c) => /apt-get\s+install/.test(c)), 'only the apt-get install was left to Docker');
    assert.ok(existsSync(runtime.host('dist/cli.js')), 'dist/cli.js');
    assert.ok(!existsSync(runtime.host('src')), 'no src/');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    for (const dev of ['typescript', 'tsx', 'esbuild']) {
      if (pkg.devDependencies?.[dev] && !pkg.dependencies?.[dev]) assert.ok(!existsSync(runtime.host(`node_modules/${dev}`)), `${dev} is pruned`);
    }
    const require = createRequire(runtime.host('package.json'));
    for (const dep of [...Object.keys(pkg.dependencies ?? {}), 'etcd3']) assert.ok(require.resolve(dep), dep);
  });

  test('the ENTRYPOINT serves: /readyz ok, the kubeconfig in the data directory, OpenAPI, protobuf bodies, /metrics, the HEALTHCHECK passes', async () => {
    await start();
    const body = await until(async () => { const r = await fetch(`http://127.0.0.1:${port}/readyz`); return r.ok ? r.text() : undefined; }, '/readyz');
    assert.equal(body, 'ok');
    assert.match(readFileSync(join(data, 'kubeconfig'), 'utf8'), new RegExp(`^    server: http://127\\.0\\.0\\.1:${port}$`, 'm'));
    assert.equal(await health(), 0, `HEALTHCHECK: ${stderr}`);
    const nodes = await (await fetch(`http://127.0.0.1:${port}/api/v1/nodes`)).json() as { items: unknown[] };
    assert.ok(nodes.items.length > 0, 'simulated nodes registered');
    // What openapi/ and proto/ in the image serve.
    const openapi = await fetch(`http://127.0.0.1:${port}/openapi/v3/api/v1`);
    assert.equal(openapi.status, 200);
    assert.ok(((await openapi.json()) as { components: { schemas: object } }).components.schemas);
    const proto = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces`, { method: 'POST', headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' }, body: new Uint8Array(protobufNamespace('from-proto', 'k', 'v')) });
    assert.equal(proto.status, 201, await proto.clone().text());
    assert.deepEqual(((await proto.json()) as { metadata: { labels: object } }).metadata.labels, { k: 'v', 'kubernetes.io/metadata.name': 'from-proto' });
    // /metrics: prom-client, loaded on the first scrape, is in the bundle or node_modules.
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^apiserver_request_total\{/m);
  });

  test('SIGTERM (docker stop) stops it cleanly; the HEALTHCHECK then fails', async () => {
    assert.equal(await stop(), 0);
    assert.notEqual(await health(), 0);
  });

  test('started again with --tls and the fixtures in the image: the HEALTHCHECK passes over HTTPS', async () => {
    await start(['--tls', '--fixtures', runtime.host('fixtures')]);
    await until(async () => ((await health()) === 0 ? true : undefined), 'the HEALTHCHECK over HTTPS');
    assert.match(readFileSync(join(data, 'kubeconfig'), 'utf8'), new RegExp(`^    server: https://127\\.0\\.0\\.1:${port}$`, 'm'));
    assert.equal(await stop(), 0);
  });
});
