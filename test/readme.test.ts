// The README's CI guide, run as written: its node:test example (importing this checkout) and its
// Python example against a tinykube with the admin API.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { scratchFile, withCluster } from './helpers.js';
import { needs, PYTHON } from './peers.js';

const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

/** The first fenced block of `lang` after the line containing `after`. */
function example(after: string, lang: string): string {
  const from = README.indexOf(after);
  assert.ok(from >= 0, `README has "${after}"`);
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(README.slice(from));
  assert.ok(m, `a ${lang} block after "${after}"`);
  return m[1];
}

test("the CI guide's Python example: a fault injected over the admin API reaches the client", { skip: needs('python3-kubernetes') }, async () => {
  const cluster = await withCluster({ admin: true });
  try {
    const script = scratchFile('readme-example.py', example('From Python', 'python').replaceAll('http://127.0.0.1:8080', cluster.url) + '\nprint("ok")\n');
    const out = await new Promise<string>((resolve, reject) => {
      execFile(PYTHON, [script], { env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath }, timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(stderr || `${err.name}: ${err.message}`)) : resolve(stdout)));
    });
    assert.equal(out, 'ok\n');
    const [sent] = cluster.requests!.list({ verb: 'list', resource: 'pods' });
    assert.deepEqual([sent.status, sent.headers['user-agent'].startsWith('OpenAPI-Generator/')], [503, true]);
  } finally {
    await cluster.close();
  }
});

test("the CI guide's node:test example passes as written, against this checkout", async () => {
  const source = example('From a node:test suite', 'ts')
    .replace("from 'tinykube'", `from ${JSON.stringify(join(import.meta.dirname, '..', 'src', 'index.ts'))}`)
    .replace('// ... run the code under test against kc ...', [
      "const core = kc.makeApiClient(k8s.CoreV1Api);",
      "  await core.patchNamespacedPod({ namespace: 'default', name: 'p', fieldManager: 'my-controller', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },",
      "    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply));",
    ].join('\n'));
  const file = join(import.meta.dirname, `.readme-example-${process.pid}.ts`);
  writeFileSync(file, source);
  try {
    const out = await new Promise<string>((resolve, reject) => {
      // Without this suite's NODE_TEST_CONTEXT, the inner run reports as a run of its own would.
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT'));
      execFile(process.execPath, ['--import', 'tsx', '--test', '--test-reporter', 'tap', file], { timeout: 60_000, env }, (err, stdout) => (err ? reject(new Error(stdout)) : resolve(stdout)));
    });
    assert.match(out, /^# pass 1$/m);
    assert.match(out, /^# fail 0$/m);
  } finally {
    rmSync(file, { force: true });
  }
});
