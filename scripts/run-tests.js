// Runs test files with node:test through tsx: every *.test.ts under test/, or under the files and
// directories given. Node 20's runner does not expand globs itself, so the files are listed here.
// Other arguments starting with '-' are passed to node (e.g. --test-name-pattern).
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return testFiles(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

const paths = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const selected = (paths.length ? paths : ['test']).flatMap((p) => (statSync(p).isDirectory() ? testFiles(p) : [p])).sort();
// A full run of the interop suite starts the compatibility matrix's results afresh.
const interopFiles = testFiles(join('test', 'interop'));
if (!flags.length && interopFiles.every((f) => selected.includes(f))) rmSync('.interop-results', { recursive: true, force: true });
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...flags, ...selected], { stdio: 'inherit' });
process.exit(result.status ?? 1);
