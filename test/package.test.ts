// tinykube as its users get it: `npm pack` (which builds dist/), the tarball installed into an empty
// project, and there used from plain `node` without tsx: the library, the `tinykube` command, the
// etcd store's message when its optional client is missing, and the type declarations under tsc.
// Once on this machine's Node and once on another LTS line, from the `node` package on npm.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';

const ROOT = join(import.meta.dirname, '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string; dependencies: Record<string, string>; peerDependencies?: Record<string, string>; devDependencies: Record<string, string>;
};
// The client-node line this repo's tests use (its newest, 2.x, brings undici 8, which needs Node 22).
const CLIENT_NODE = `@kubernetes/client-node@${PKG.devDependencies['@kubernetes/client-node']}`;
/**
 * An LTS line besides this machine's Node, fetched as the `node` package from npm. Not 24: from
 * 24.19 on, better-sqlite3 12's addon (built against those headers) aborts the process when the
 * garbage collector frees a statement ("Assertion failed: (env) != nullptr" in
 * RemoveEnvironmentCleanupHook, nodejs/node#65446); better-sqlite3 13 does not, but needs Node 22+.
 * 22 and 26 run its consumer script cleanly (24.21 aborted in 2 of 4 runs).
 */
const LTS_MAJOR = 22;
// One npm cache for every install here (npm's own, shared with `npm ci`), preferring what it holds.
const NPM = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

interface Run { code: number; stdout: string; stderr: string }

function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeout?: number }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { ...opts, timeout: opts.timeout ?? 240_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function ok(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeout?: number }): Promise<string> {
  const r = await run(cmd, args, opts);
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')} in ${opts.cwd} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * An environment as a user's shell has it: `bin` (a Node's directory) first on PATH, and none of
 * this test run's loaders (tsx through NODE_OPTIONS), test-runner context or npm script variables.
 */
function userEnv(bin: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
    k !== 'NODE_OPTIONS' && k !== 'NODE_TEST_CONTEXT' && !k.startsWith('TSX_') && !/^npm_/i.test(k)));
  return { ...env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, ...extra };
}

/** A Node to test under: its binary and the environment that puts it first. */
interface NodeUnderTest { node: string; env: NodeJS.ProcessEnv }

/** An empty project with the tarball and @kubernetes/client-node (for its script) installed under `nut`. */
async function consumerProject(dir: string, tarball: string, nut: NodeUnderTest): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
  // better-sqlite3 builds its addon here for this Node's ABI when no prebuilt binary can be fetched.
  await ok('npm', ['install', tarball, CLIENT_NODE, ...NPM], { cwd: dir, env: nut.env, timeout: 480_000 });
  return dir;
}

/** What a user's script does: start a cluster from the package, create a pod, close it. */
const CONSUMER_SCRIPT = `
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startCluster, StartupError } from 'tinykube';

const cluster = await startCluster({ controlPlane: false });
const kc = new k8s.KubeConfig();
kc.loadFromFile(cluster.kubeconfigPath);
const core = kc.makeApiClient(k8s.CoreV1Api);
await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } });
const pod = await core.readNamespacedPod({ namespace: 'default', name: 'web' });
const dir = dirname(cluster.kubeconfigPath);
const dirBefore = existsSync(dir);
await cluster.close();
// With the control plane and a simulated node: the default lifecycle stages come with the bundle.
const busy = await startCluster({ nodes: 1 });
const busyKc = new k8s.KubeConfig();
busyKc.loadFromFile(busy.kubeconfigPath);
const busyCore = busyKc.makeApiClient(k8s.CoreV1Api);
await busyCore.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } });
let phase;
for (let i = 0; i < 150 && phase !== 'Running'; i++) {
  await new Promise((r) => setTimeout(r, 100));
  phase = (await busyCore.readNamespacedPod({ namespace: 'default', name: 'web' })).status?.phase;
}
await busy.close();
let etcd;
try {
  await startCluster({ store: 'etcd', etcd: { endpoints: ['http://127.0.0.1:1'] } });
} catch (e) {
  etcd = { startupError: e instanceof StartupError, message: e.message };
}
console.log(JSON.stringify({
  node: process.version, execArgv: process.execArgv, resolved: import.meta.resolve('tinykube'),
  pod: pod.metadata?.name, uid: !!pod.metadata?.uid, dir, dirBefore, dirAfter: existsSync(dir), phase, etcd,
}));
`;

/** The script, `npx tinykube --version`, `serve --help` and `serve --store etcd` in an installed project. */
async function checkInstalled(project: string, nut: NodeUnderTest): Promise<void> {
  const major = (await ok(nut.node, ['--version'], { cwd: project, env: nut.env })).trim();
  writeFileSync(join(project, 'consumer.mjs'), CONSUMER_SCRIPT);
  const out = JSON.parse(await ok(nut.node, ['consumer.mjs'], { cwd: project, env: nut.env, timeout: 60_000 }));
  assert.equal(out.node, major);
  assert.deepEqual(out.execArgv, [], 'no loader: plain node');
  assert.equal(out.resolved, `file://${join(project, 'node_modules', 'tinykube', 'dist', 'index.js')}`);
  assert.deepEqual([out.pod, out.uid], ['web', true]);
  assert.deepEqual([out.dirBefore, out.dirAfter], [true, false], `the cluster's temporary directory ${out.dir} is removed on close`);
  assert.ok(out.dir.startsWith(tmpdir()), out.dir);
  assert.equal(out.phase, 'Running', 'a pod on a simulated node runs');
  assert.deepEqual(out.etcd, { startupError: true, message: 'the etcd store needs the etcd client, which is not installed: run npm install etcd3' });
  assert.ok(!existsSync(join(project, 'node_modules', 'etcd3')), 'etcd3, an optional peer dependency, is not installed with tinykube');

  const version = await run('npx', ['--no', '--', 'tinykube', '--version'], { cwd: project, env: nut.env, timeout: 30_000 });
  assert.deepEqual([version.code, version.stderr], [0, ''], version.stderr);
  assert.match(version.stdout, new RegExp(`^tinykube version v${PKG.version.replaceAll('.', '\\.')}\\n`));
  const help = await run('npx', ['--no', '--', 'tinykube', 'serve', '--help'], { cwd: project, env: nut.env, timeout: 30_000 });
  assert.deepEqual([help.code, help.stderr], [0, ''], help.stderr);
  assert.match(help.stdout, /--store/);
  const etcd = await run('npx', ['--no', '--', 'tinykube', 'serve', '--store', 'etcd', '--etcd-endpoints', 'http://127.0.0.1:1', '--port', '0'], { cwd: project, env: nut.env, timeout: 30_000 });
  assert.notEqual(etcd.code, 0);
  assert.match(etcd.stderr, /npm install etcd3/);
}

/** The `node` package of the LTS line, installed into `dir`; undefined (with why) when it cannot be. */
async function ltsNode(dir: string): Promise<NodeUnderTest | string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'lts-node', private: true }));
  const r = await run('npm', ['install', `node@${LTS_MAJOR}`, ...NPM], { cwd: dir, env: userEnv(dirname(process.execPath)), timeout: 180_000 });
  const node = join(dir, 'node_modules', 'node', 'bin', 'node');
  if (r.code !== 0 || !existsSync(node)) return `npm install node@${LTS_MAJOR} failed: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`;
  // Its headers, for node-gyp: npm's nodedir (set on this machine to the system Node's) must be this one's.
  const platformPackage = [join(dir, 'node_modules', 'node', 'node_modules'), join(dir, 'node_modules')]
    .flatMap((d) => (existsSync(d) ? readdirSync(d).filter((n) => n.startsWith(`node-${process.platform}-`)).map((n) => join(d, n)) : []))
    .find((d) => existsSync(join(d, 'include', 'node', 'node_version.h')));
  if (!platformPackage) return `node@${LTS_MAJOR} installed without its headers (include/node), so native addons cannot be built for it`;
  return { node, env: userEnv(dirname(node), { npm_config_nodedir: platformPackage }) };
}

describe('the npm package', () => {
  const work = mkdtempSync(join(tmpdir(), 'tinykube-package-'));
  const machine: NodeUnderTest = { node: process.execPath, env: userEnv(dirname(process.execPath)) };
  const ltsWanted = Number(process.versions.node.split('.')[0]) !== LTS_MAJOR;
  let tarball = '';
  let files: string[] = [];
  let machineProject: Promise<string>;
  let ltsProject: Promise<{ nut: NodeUnderTest; project: string } | string>;
  const started = Date.now();

  before(async () => {
    // `npm pack` runs the prepare script, `npm run build`, as `npm publish` does.
    await ok('npm', ['pack', '--pack-destination', work, '--loglevel=error'], { cwd: ROOT, env: userEnv(dirname(process.execPath)), timeout: 120_000 });
    const name = readdirSync(work).find((f) => f.endsWith('.tgz'));
    assert.ok(name, `npm pack left a tarball in ${work}`);
    tarball = join(work, name);
    files = (await ok('tar', ['tzf', tarball], { cwd: work, env: process.env })).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    // Both installs at once: most of their time is better-sqlite3's compile, one core each.
    machineProject = consumerProject(join(work, 'machine'), tarball, machine);
    ltsProject = ltsWanted
      ? ltsNode(join(work, 'lts-node')).then(async (nut) => (typeof nut === 'string' ? nut : { nut, project: await consumerProject(join(work, 'lts'), tarball, nut) }))
      : Promise.resolve(`this machine's Node is already ${LTS_MAJOR}`);
    machineProject.catch(() => {});
    ltsProject.catch(() => {});
  });

  after(async () => {
    await Promise.allSettled([machineProject, ltsProject]);
    rmSync(work, { recursive: true, force: true });
    console.log(`package test: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });

  test('the tarball holds dist/ with its declarations, bin/, openapi/ and proto/, and no tests, benchmarks, scripts or sources', () => {
    for (const f of ['package.json', 'README.md', 'bin/tinykube.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cluster.d.ts', 'dist/cli.js', 'openapi/index.json', 'proto/index.json']) {
      assert.ok(files.includes(f), `${f} is in the tarball`);
    }
    assert.deepEqual([...new Set(files.filter((f) => f.includes('/')).map((f) => f.split('/')[0]))].sort(), ['bin', 'dist', 'openapi', 'proto']);
    assert.deepEqual(files.filter((f) => !f.includes('/') && !['package.json', 'README.md', 'LICENSE'].includes(f)), []);
    assert.ok(files.filter((f) => f.endsWith('.d.ts')).length > 1, 'declarations');
    const size = statSync(tarball).size;
    console.log(`${files.length} files, ${(size / 1024).toFixed(0)} KiB packed`);
    assert.ok(size < 4 << 20, `${size} bytes`);
  });

  test('what the bundle loads from node_modules is in dependencies or peerDependencies', async () => {
    const dist = join(await machineProject, 'node_modules', 'tinykube', 'dist');
    const loaded = new Set<string>();
    for (const f of readdirSync(dist).filter((n) => n.endsWith('.js'))) {
      for (const m of readFileSync(join(dist, f), 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"'./][^"']*)["']/g)) loaded.add(m[1]);
    }
    // And those src/lazy-modules.ts requires on first use (not visible in the bundle's imports).
    for (const m of readFileSync(join(ROOT, 'src', 'lazy-modules.ts'), 'utf8').matchAll(/onFirstUse<[^>]*>\('([^']+)'\)/g)) loaded.add(m[1]);
    const packages = [...loaded].filter((s) => /^(@[\w.-]+\/)?[\w.-]+(\/[\w./-]*)?$/.test(s) && !s.startsWith('node:') && !builtinModules.includes(s)).map((s) => s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]);
    const declared = new Set([...Object.keys(PKG.dependencies), ...Object.keys(PKG.peerDependencies ?? {})]);
    assert.deepEqual([...new Set(packages)].filter((p) => !declared.has(p)), []);
    assert.ok(packages.includes('better-sqlite3') && packages.includes('etcd3'), [...loaded].join(' '));
  });

  test(`installed, in plain node ${process.version}: startCluster, a pod through @kubernetes/client-node, npx tinykube`, async () => {
    await checkInstalled(await machineProject, machine);
  });

  test('installed, its declarations type-check a consumer under tsc (NodeNext, no skipLibCheck)', async () => {
    const project = await machineProject;
    writeFileSync(join(project, 'consumer.ts'), [
      "import { startCluster, StartupError, type Cluster, type ClusterOptions } from 'tinykube';",
      "const options: ClusterOptions = { controlPlane: false, store: 'memory', nodes: 0 };",
      'const cluster: Cluster = await startCluster(options);',
      'const url: string = cluster.url;',
      'const kubeconfig: string = cluster.kubeconfigPath;',
      'console.log(url, kubeconfig, new StartupError("x") instanceof Error);',
      '// @ts-expect-error: not an option',
      'await startCluster({ nodez: 1 });',
      '// @ts-expect-error: not a store',
      "await startCluster({ store: 'postgres' });",
      'await cluster.close();',
      '',
    ].join('\n'));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
      files: ['consumer.ts'],
    }));
    const r = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: project, env: machine.env, timeout: 120_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  test(`installed, on LTS Node ${LTS_MAJOR} (the node package from npm): the same`, async (t) => {
    const lts = await ltsProject;
    if (typeof lts === 'string') {
      t.skip(lts);
      return;
    }
    await checkInstalled(lts.project, lts.nut);
  });
});
