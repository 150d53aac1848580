// Builds dist/, what the published package runs: src/ and its pure-JS dependencies bundled by
// esbuild, so that `tinykube serve` starts without compiling TypeScript or resolving hundreds of
// CommonJS modules (most of startup otherwise), and the library's type declarations (dist/*.d.ts,
// by tsc from tsconfig.build.json). Native dependencies, and those loaded only on first use
// (src/lazy-modules.ts), stay in node_modules: every `external` below must be one of package.json's
// dependencies or peerDependencies (test/package.test.ts checks). Runs on `npm ci` and `npm pack`
// (the prepare script); in a checkout bin/tinykube.js falls back to tsx when dist/ is older than src/.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let build, parse, tsc;
try {
  ({ build } = await import('esbuild'));
  ({ parse } = await import('yaml'));
  tsc = require.resolve('typescript/bin/tsc');
} catch (e) {
  console.error(`scripts/build.js needs the dev dependencies (esbuild, typescript): run npm ci without --omit=dev (${e.message.split('\n')[0]})`);
  process.exit(1);
}

rmSync('dist', { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', 'etcd3', 'yaml', 'protobufjs', 'node-forge', '@marcbachmann/cel-js'],
  // Smaller to parse at every start; the source map keeps stack traces readable (src/stack-traces.ts
  // reads it when a stack is printed). Its mappings only: the sources are not in the package, and
  // their text was most of the maps' size.
  minify: process.env.TINYKUBE_BUILD_DEBUG !== "1",
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
};
// The kubelet's default lifecycle stages and the simulated apps, parsed now rather than at every start.
const defaults = {
  TINYKUBE_DEFAULT_STAGES: JSON.stringify(parse(readFileSync('src/kubelet/default-stages.yaml', 'utf8'))),
  TINYKUBE_DEFAULT_APPS: JSON.stringify(parse(readFileSync('src/kubelet/default-apps.yaml', 'utf8'))),
};

// The library (index.js) and cli.js, the command's entry (src/cli-bundle.ts).
await build({
  ...common,
  entryPoints: { cli: 'src/cli-bundle.ts', index: 'src/index.ts' },
  outdir: 'dist',
  splitting: true,
  format: 'esm',
  define: defaults,
  // Bundled CommonJS modules call require() for node's own modules.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});

// The command itself, one CommonJS script that cli.js compiles through V8's code cache
// (src/code-cache.ts): Node 20 keeps none for ES modules. The modules it loads only on first use
// (the control plane, the etcd store, the metrics library) are in it, initialized when imported.
const script = {
  ...common,
  format: 'cjs',
  // The sources locate their files (package.json, openapi/, the workers) from their own URL: the
  // bundle's, in dist/.
  define: { ...defaults, 'import.meta.url': '__tinykube_bundle_url', 'import.meta.resolve': '__tinykube_resolve' },
  banner: { js: "var __tinykube_bundle_url = require('node:url').pathToFileURL(__filename).href, __tinykube_resolve = (s) => require('node:url').pathToFileURL(require.resolve(s)).href;" },
};
await build({ ...script, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.cjs' });

// The controllers' worker thread (src/controller-thread.ts, with --controllers-in-worker): the
// registry and the controllers, one CommonJS script as the command is.
await build({ ...script, entryPoints: ['src/controller-worker.ts'], outfile: 'dist/controller-worker.cjs' });

// The SQLite store's worker thread, which src/storage/sqlite-thread.ts starts from beside the code
// that starts it (cli.cjs, or the library's chunk): one CommonJS script, which a new thread loads
// without the ES module loader's resolving (the thread's start is on the SQLite store's path to
// /readyz).
await build({
  ...common,
  entryPoints: ['src/storage/sqlite-worker.ts'],
  outfile: 'dist/sqlite-worker.cjs',
  format: 'cjs',
});

// The dashboard served at /ui/ (src/server/ui.ts bundles it the same way in a checkout whose
// src/ui/ is newer): one browser bundle, its page and its stylesheet, nothing fetched at run time.
await build({
  entryPoints: ['src/ui/main.ts'],
  outfile: 'dist/ui/app.js',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: process.env.TINYKUBE_BUILD_DEBUG !== "1",
  logLevel: 'warning',
});
mkdirSync('dist/ui', { recursive: true });
for (const f of ['index.html', 'style.css']) copyFileSync(`src/ui/${f}`, `dist/ui/${f}`);
copyFileSync(require.resolve('@xterm/xterm/css/xterm.css'), 'dist/ui/xterm.css');

// dist/index.d.ts and the declarations it refers to, for `import { startCluster } from 'tinykube'`.
// A type error does not stop the build (esbuild does not check types either): tsc still emits, and
// `npx tsc --noEmit` (CI) is the check that fails.
try {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
} catch (e) {
  if (!existsSync('dist/index.d.ts')) throw e;
  console.warn('scripts/build.js: type errors above; the declarations in dist/ were emitted anyway');
}
