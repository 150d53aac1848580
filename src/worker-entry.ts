// Where a worker thread's module is: its CommonJS bundle beside the code that starts it (dist/,
// scripts/build.js), or its TypeScript source when the sources run through tsx (the tests;
// bin/tinykube.js in a checkout newer than dist/). On Node 20 a worker does not get tsx's hooks
// from `--import tsx` in its execArgv, so a small script registers tsx in the worker first (which
// costs the worker about 0.3 s to start).

/**
 * The entry of a worker: `dist/<bundled>.cjs` or `source`, both relative to `base` (the starting
 * module's import.meta.url); `eval` when it is a script to run rather than a file.
 */
export function workerEntry(bundled: string, source: string, base: string): { entry: string | URL; eval: boolean } {
  if (!base.endsWith('.ts')) return { entry: new URL(`./${bundled}.cjs`, base), eval: false };
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const href = JSON.stringify(new URL(source, base).href);
  return { entry: `import(${tsx}).then(({ register }) => { register(); return import(${href}); });`, eval: true };
}
