// Snapshots: save a running cluster's state with `tinykube snapshot save`, check kubectl apply
// accepts the file, restore it into a fresh data directory with `tinykube snapshot restore`,
// start a server there and compare what kubectl shows.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { Cluster } from '../src/index.js';
import { eventually, FIXTURES, http, kubectl, withCluster } from './helpers.js';

/** Runs the tinykube command (asynchronously: the servers it talks to run in this process). */
function tinykube(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** `kubectl get -o yaml` as parsed JSON, without what a server assigns anew (as kube on a restore by apply). */
async function state(cluster: Cluster, kinds: string): Promise<unknown[]> {
  const r = await kubectl('1.33', cluster, ['get', kinds, '-A', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout).items as any[]).map((o) => {
    for (const f of ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields', 'generation']) delete o.metadata[f];
    for (const ref of o.metadata.ownerReferences ?? []) delete ref.uid;
    // The endpoints controller refers to the pods' new uids, and says when it last wrote.
    delete o.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'];
    for (const subset of o.subsets ?? []) for (const a of [...(subset.addresses ?? []), ...(subset.notReadyAddresses ?? [])]) delete a.targetRef?.uid;
    return o;
  });
}

test('snapshot save, kubectl apply of the file, restore into a fresh data directory, identical state', async () => {
  const dataA = mkdtempSync(join(tmpdir(), 'tinykube-a-'));
  const a = await withCluster({ store: 'sqlite', data: dataA, controlPlane: true, nodes: 2, fixtures: FIXTURES });
  const file = join(mkdtempSync(join(tmpdir(), 'tinykube-snap-')), 'snapshot.yaml');
  const kinds = 'namespaces,services,replicationcontrollers,pods,endpoints';
  let before: unknown[];
  try {
    await eventually(async () => {
      const pods = (await http(a, 'GET', '/api/v1/pods')).json().items as any[];
      const rc = (await http(a, 'GET', '/api/v1/namespaces/default/replicationcontrollers/kubia')).json();
      return pods.length === 4 && pods.every((p) => p.status.phase === 'Running') && rc.status.readyReplicas === 3;
    }, 20_000, 'the fixtures running');
    const saved = await tinykube(['snapshot', 'save', file, '--server', a.url]);
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stdout, new RegExp(`^tinykube: saved \\d+ objects from ${a.url} to ${file}\n$`));
    before = await state(a, kinds);
  } finally {
    await a.close();
  }
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^# tinykube snapshot of http:\/\/127\.0\.0\.1:\d+ at \S+: \d+ objects\napiVersion: v1\nkind: Namespace\n/);
  const docs = parseAllDocuments(text).map((d) => d.toJS());
  assert.deepEqual(docs.filter((o) => ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields'].some((f) => f in o.metadata)), [], 'nothing a server assigns');
  assert.deepEqual([...new Set(docs.map((o) => o.kind))], ['Namespace', 'Node', 'Lease', 'StorageClass', 'IngressClass', 'PriorityClass', 'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Service', 'Endpoints', 'EndpointSlice', 'ReplicationController', 'Pod', 'Event', 'ServiceAccount'], 'dependencies first');
  // Service accounts come after pods: a restored pod gets no token volume it did not have.
  assert.match(text, /kind: ReplicationController\nmetadata:\n {2}name: kubia\n/);

  // kubectl apply accepts the file as it is.
  const c = await withCluster();
  try {
    const applied = await kubectl('1.33', c, ['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /^replicationcontroller\/kubia created$/m);
    assert.match(applied.stdout, /^pod\/kubia-manual created$/m);
  } finally {
    await c.close();
  }

  const dataB = mkdtempSync(join(tmpdir(), 'tinykube-b-'));
  const restored = await tinykube(['snapshot', 'restore', file, '--data', dataB]);
  assert.equal(restored.code, 0, restored.stderr);
  assert.match(restored.stdout, new RegExp(`^tinykube: restored \\d+ objects from ${file} into ${dataB}\n$`));
  const b = await withCluster({ store: 'sqlite', data: dataB, controlPlane: true, nodes: 2 });
  try {
    // The replication controller finds its pods (re-pointed at its new uid) and makes no more.
    await new Promise((r) => setTimeout(r, 1500));
    const after = await state(b, kinds);
    const port = (o: any) => o.metadata.name === 'kubernetes' && o.metadata.namespace === 'default';
    assert.deepEqual(after.filter((o) => !port(o)), before.filter((o) => !port(o)));
    const ep = (await http(b, 'GET', '/api/v1/namespaces/default/endpoints/kubernetes')).json();
    assert.equal(ep.subsets[0].ports[0].port, Number(new URL(b.url).port), "the apiserver's endpoints follow the new port");
  } finally {
    await b.close();
  }
  const missing = await tinykube(['snapshot', 'restore', join(dataB, 'nope.yaml'), '--data', dataB]);
  assert.deepEqual([missing.code, missing.stderr], [1, `tinykube: ENOENT: no such file or directory, open '${join(dataB, 'nope.yaml')}'\n`]);
});
