// --fixtures: manifests created at start through the API, dependencies first, kept across restarts.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { StartupError } from '../src/index.js';
import { FIXTURES, http, kubectl, TEST_DATA, withCluster } from './helpers.js';

describe('fixtures', () => {
  test("the shipped fixtures: the tutorial's kubia pod, RC and service, and a pod in its own namespace", async () => {
    const cluster = await withCluster({ fixtures: FIXTURES });
    try {
      const r = await kubectl('1.33', cluster, ['get', 'namespaces,pods,services,replicationcontrollers', '-A', '-o', 'custom-columns=KIND:.kind,NAMESPACE:.metadata.namespace,NAME:.metadata.name', '--sort-by=.metadata.name']);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/).join(' ')).filter((l) => /kubia|custom/.test(l));
      assert.deepEqual(lines.sort(), [
        'Namespace <none> custom-namespace',
        'Pod custom-namespace kubia-manual',
        'Pod default kubia',
        'ReplicationController default kubia',
        'Service default kubia',
      ]);
      const pod = (await http(cluster, 'GET', '/api/v1/namespaces/default/pods/kubia')).json();
      assert.equal(pod.metadata.managedFields[0].manager, 'tinykube-fixtures');
    } finally {
      await cluster.close();
    }
  });

  test('multi-document files and Lists, created namespaces first whatever the file order; kept on restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinykube-fixtures-'));
    writeFileSync(join(dir, 'a-pods.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: p1, namespace: team}\nspec: {containers: [{name: c, image: busybox}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p2, namespace: team}\nspec: {containers: [{name: c, image: busybox}]}\n');
    writeFileSync(join(dir, 'b-list.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'team' }, spec: { ports: [{ port: 80 }] } }] }));
    writeFileSync(join(dir, 'z-namespace.yml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n');
    writeFileSync(join(dir, 'README.md'), 'not a manifest');
    const data = mkdtempSync(join(tmpdir(), 'tinykube-data-'));
    for (let start = 0; start < 2; start++) {
      const cluster = await withCluster({ store: 'sqlite', data, fixtures: dir });
      try {
        const pods = (await http(cluster, 'GET', '/api/v1/namespaces/team/pods')).json();
        assert.deepEqual(pods.items.map((p: any) => p.metadata.name), ['p1', 'p2']);
        const svc = (await http(cluster, 'GET', '/api/v1/namespaces/team/services/web')).json();
        assert.equal(svc.spec.ports[0].port, 80);
        if (start === 0) await http(cluster, 'PATCH', '/api/v1/namespaces/team/pods/p1', { metadata: { labels: { edited: 'yes' } } }, { 'Content-Type': 'application/merge-patch+json' });
        else assert.equal(pods.items[0].metadata.labels?.edited, 'yes', 'the restart kept the edited object');
      } finally {
        await cluster.close();
      }
    }
  });

  test('a fixture the API refuses stops the start, naming the file and the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinykube-fixtures-'));
    copyFileSync(join(TEST_DATA, 'invalid-pod.yaml'), join(dir, 'invalid-pod.yaml'));
    await assert.rejects(withCluster({ fixtures: dir }), (e: Error) => {
      assert.ok(e instanceof StartupError, 'a StartupError');
      assert.equal(e.message, `${join(dir, 'invalid-pod.yaml')}: Pod "broken" is invalid: spec.containers[0].image: Required value`);
      return true;
    });
    writeFileSync(join(dir, 'invalid-pod.yaml'), 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n');
    await assert.rejects(withCluster({ fixtures: dir }), { message: `${join(dir, 'invalid-pod.yaml')}: tinykube does not serve Widget in example.com/v1` });
  });
});
