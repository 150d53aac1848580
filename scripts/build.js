// Bundles src/ and its pure-JS dependencies into dist/, so that `tinykube serve` starts without
// compiling TypeScript or resolving hundreds of CommonJS modules (most of startup otherwise).
// Native dependencies, and those loaded only on first use (src/lazy-modules.ts), stay in
// node_modules. Runs on `npm ci` (the prepare script); bin/tinykube.js falls back to tsx when dist/ is missing or older than src/.
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';
import { parse } from 'yaml';

rmSync('dist', { recursive: true, force: true });

await build({
  entryPoints: ['src/cli.ts', 'src/index.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', 'etcd3', 'yaml', 'protobufjs', 'node-forge'],
  // The kubelet's default lifecycle stages, parsed now rather than at every start.
  define: { TINYKUBE_DEFAULT_STAGES: JSON.stringify(parse(readFileSync('src/kubelet/default-stages.yaml', 'utf8'))) },
  // Bundled CommonJS modules call require() for node's own modules.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  // Smaller to parse at every start; the source map keeps stack traces readable.
  minify: process.env.TINYKUBE_BUILD_DEBUG !== "1",
  sourcemap: true,
  logLevel: 'warning',
});
