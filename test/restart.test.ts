// The sqlite store across restarts: every object is kept and resourceVersions keep increasing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startCluster } from '../src/index.js';
import { breakdownRule, type PolicyRule } from '../src/server/auth/rbac-rules.js';
import { http } from './helpers.js';

test('restart on the sqlite store keeps every object and resourceVersions keep increasing', async () => {
  const data = mkdtempSync(join(tmpdir(), 'tinykube-restart-'));
  const first = await startCluster({ port: 0, store: 'sqlite', data, controlPlane: false });
  const created = [];
  for (const name of ['one', 'two', 'three']) {
    const r = await http(first, 'POST', '/api/v1/namespaces/default/pods', { metadata: { name, labels: { n: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    assert.equal(r.status, 201);
    created.push(r.json());
  }
  assert.equal((await http(first, 'DELETE', '/api/v1/namespaces/default/pods/two')).status, 200);
  const before = (await http(first, 'GET', '/api/v1/namespaces/default/pods')).json();
  await first.close();

  const second = await startCluster({ port: 0, store: 'sqlite', data, controlPlane: false });
  try {
    const after = (await http(second, 'GET', '/api/v1/namespaces/default/pods')).json();
    assert.deepEqual(after.items, before.items);
    assert.deepEqual(after.items.map((p: any) => p.metadata.name), ['one', 'three']);
    assert.ok(Number(after.metadata.resourceVersion) >= Number(before.metadata.resourceVersion));
    const namespaces = (await http(second, 'GET', '/api/v1/namespaces')).json();
    assert.equal(namespaces.items.length, 4, 'bootstrap objects are not created twice');
    const next = await http(second, 'POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'four' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    assert.equal(next.status, 201);
    assert.ok(Number(next.json().metadata.resourceVersion) > Number(before.metadata.resourceVersion), 'revisions never go backwards');
    const one = (await http(second, 'GET', '/api/v1/namespaces/default/pods/one')).json();
    assert.equal(one.metadata.uid, created[0].metadata.uid);
    assert.equal(one.metadata.resourceVersion, created[0].metadata.resourceVersion);
  } finally {
    await second.close();
  }
});

test('a second process on the same data directory is refused with a clear error', async () => {
  const data = mkdtempSync(join(tmpdir(), 'tinykube-lock-'));
  const first = await startCluster({ port: 0, store: 'sqlite', data, controlPlane: false });
  try {
    await assert.rejects(startCluster({ port: 0, store: 'sqlite', data, controlPlane: false }), /cannot open the store .*tinykube\.db: it is in use by another tinykube process/);
  } finally {
    await first.close();
  }
});

test('the CLI refuses a corrupt store or an unusable data directory with a clear error and exit code 1', async () => {
  const { spawnSync } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const serve = (data: string) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--port', '0', '--data', data], { encoding: 'utf8', timeout: 20_000 });
  const corrupt = mkdtempSync(join(tmpdir(), 'tinykube-corrupt-'));
  writeFileSync(join(corrupt, 'tinykube.db'), 'this is not a database, just some text that is long enough to look like a header.'.repeat(20));
  const bad = serve(corrupt);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr.trim(), `tinykube: cannot open the store ${join(corrupt, 'tinykube.db')}: it is not a valid tinykube database (corrupt?)`);
  const file = join(mkdtempSync(join(tmpdir(), 'tinykube-file-')), 'plain-file');
  writeFileSync(file, 'x');
  const notDir = serve(file);
  assert.equal(notDir.status, 1);
  assert.match(notDir.stderr.trim(), new RegExp(`^tinykube: cannot create the data directory ${file}: `));
});

test("a restart reconciles kube's bootstrap RBAC: what a kept role or binding lacks is added back, autoupdate=false is left alone", async () => {
  const data = mkdtempSync(join(tmpdir(), 'tinykube-rbac-reconcile-'));
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  const mergePatch = { 'content-type': 'application/merge-patch+json' };
  const first = await startCluster({ port: 0, store: 'sqlite', data, controlPlane: false });
  let shipped: { rules: PolicyRule[] };
  try {
    shipped = (await http(first, 'GET', `${rbac}/clusterroles/system:controller:job-controller`)).json();
    // As an older tinykube (or a user) left them: a rule short, the shipped subject gone, and a role its owner froze.
    const edits: [string, unknown][] = [
      ['clusterroles/system:controller:job-controller', { rules: shipped.rules.slice(1) }],
      ['clusterrolebindings/system:basic-user', { subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'carol' }] }],
      ['clusterroles/system:discovery', { metadata: { annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }, rules: [] }],
    ];
    for (const [path, patch] of edits) {
      const r = await http(first, 'PATCH', `${rbac}/${path}`, patch, mergePatch);
      assert.equal(r.status, 200, r.text);
    }
  } finally {
    await first.close();
  }
  const second = await startCluster({ port: 0, store: 'sqlite', data, controlPlane: false });
  try {
    const role = (await http(second, 'GET', `${rbac}/clusterroles/system:controller:job-controller`)).json();
    // kube appends what is missing as Covers finds it: one verb of one resource per rule.
    assert.deepEqual(role.rules, [...shipped.rules.slice(1), ...breakdownRule(shipped.rules[0])]);
    const binding = (await http(second, 'GET', `${rbac}/clusterrolebindings/system:basic-user`)).json();
    assert.deepEqual(binding.subjects.map((s: { name: string }) => s.name), ['carol', 'system:authenticated']);
    const discovery = (await http(second, 'GET', `${rbac}/clusterroles/system:discovery`)).json();
    assert.deepEqual(discovery.rules, [], 'autoupdate=false is left alone');
  } finally {
    await second.close();
    rmSync(data, { recursive: true, force: true });
  }
});
