// Runs test files with node:test through tsx: every *.test.ts under test/, or under the files and
// directories given. Node 20's runner does not expand globs itself, so the files are listed here.
// Other arguments starting with '-' are passed to node (e.g. --test-name-pattern).
// Tests that need a peer the machine lacks (etcd-server, python3-kubernetes, ruby-kubeclient:
// test/peers.ts) are skipped, and the run ends by naming the packages that would run them; with
// TINYKUBE_REQUIRE_PEERS=1 (as .ci/run sets it) a missing peer fails the run instead.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
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
// Each test file that skips for want of a peer writes the package's name here (test/peers.ts).
const skipsDir = mkdtempSync(join(tmpdir(), 'tinykube-test-run-'));
const skips = join(skipsDir, 'peer-skips');
// Files run as many at a time as there are cores, up to 4 (each starts servers, kubectl and
// browsers of its own); TINYKUBE_TEST_CONCURRENCY sets it. On this project's 2-core machines, two
// at a time take the suite from about 23 to 14 minutes: most tests wait on simulated time.
const concurrency = Number(process.env.TINYKUBE_TEST_CONCURRENCY ?? Math.min(4, availableParallelism()));
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...flags, ...selected], {
  stdio: 'inherit',
  env: { ...process.env, TINYKUBE_PEER_SKIPS: skips },
});
const missing = existsSync(skips) ? [...new Set(readFileSync(skips, 'utf8').split('\n').filter(Boolean))].sort() : [];
rmSync(skipsDir, { recursive: true, force: true });
if (missing.length) {
  // After node's summary, whose counts leave skipped suites out.
  console.error(`\nSkipped the tests that need ${missing.join(', ')} (not installed): apt-get install ${missing.join(' ')}`);
}
process.exit(result.status ?? 1);
