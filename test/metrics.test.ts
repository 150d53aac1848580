// /metrics as kube-apiserver serves it: apiserver_request_total and the duration histogram with
// kube's labels and buckets, open watches in apiserver_longrunning_requests, object counts, store
// request durations, process metrics; one registry per cluster; read by kubectl get --raw.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, http, kubectl, scratchFile, withCluster } from './helpers.js';
import type { Cluster } from '../src/index.js';

const BUCKETS = ['0.005', '0.025', '0.05', '0.1', '0.2', '0.4', '0.6', '0.8', '1', '1.25', '1.5', '2', '3', '4', '5', '6', '8', '10', '15', '20', '30', '45', '60', '+Inf'];

const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });

async function scrape(cluster: Cluster): Promise<string[]> {
  const res = await http(cluster, 'GET', '/metrics');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return res.text.split('\n');
}

/** The sample lines of one metric whose labels include all of `labels` (as written: k="v"). */
function samples(lines: string[], name: string, ...labels: string[]): string[] {
  return lines.filter((l) => l.startsWith(`${name}{`) && labels.every((x) => l.includes(x)));
}

test('apiserver_request_total and apiserver_request_duration_seconds count requests with kube\'s labels', async () => {
  const cluster = await withCluster();
  try {
    assert.equal((await http(cluster, 'POST', '/api/v1/namespaces/default/pods', pod('web'))).status, 201);
    assert.equal((await http(cluster, 'POST', '/api/v1/namespaces/default/pods?dryRun=All', pod('dry'))).status, 201);
    assert.equal((await http(cluster, 'GET', '/api/v1/namespaces/default/pods')).status, 200);
    assert.equal((await http(cluster, 'GET', '/api/v1/namespaces/default/pods?limit=1')).status, 200);
    assert.equal((await http(cluster, 'GET', '/api/v1/pods')).status, 200);
    assert.equal((await http(cluster, 'GET', '/api/v1/namespaces/default/pods/missing')).status, 404);
    assert.equal((await http(cluster, 'PATCH', '/api/v1/namespaces/default/pods/web?fieldManager=m', 'metadata:\n  labels: {a: b}\n', { 'Content-Type': 'application/apply-patch+yaml' })).status, 200);
    assert.equal((await http(cluster, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases')).status, 200);
    assert.equal((await http(cluster, 'DELETE', '/api/v1/namespaces/default/pods/web')).status, 200);
    assert.equal((await http(cluster, 'GET', '/readyz')).status, 200);
    const lines = await scrape(cluster);
    assert.deepEqual(lines.filter((l) => l.startsWith('apiserver_request_total')).sort(), [
      'apiserver_request_total{code="200",component="",dry_run="",group="",resource="",scope="",subresource="/readyz",verb="GET",version=""} 1',
      'apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1"} 1',
      'apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"} 2',
      'apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="resource",subresource="",verb="APPLY",version="v1"} 1',
      'apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="resource",subresource="",verb="DELETE",version="v1"} 1',
      'apiserver_request_total{code="200",component="apiserver",dry_run="",group="coordination.k8s.io",resource="leases",scope="namespace",subresource="",verb="LIST",version="v1"} 1',
      'apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="pods",scope="resource",subresource="",verb="POST",version="v1"} 1',
      'apiserver_request_total{code="201",component="apiserver",dry_run="All",group="",resource="pods",scope="resource",subresource="",verb="POST",version="v1"} 1',
      'apiserver_request_total{code="404",component="apiserver",dry_run="",group="",resource="pods",scope="resource",subresource="",verb="GET",version="v1"} 1',
    ]);
    assert.ok(lines.includes('# HELP apiserver_request_total [STABLE] Requests answered, by verb, dry run, group, version, resource, subresource, scope, component and HTTP status code.'));
    assert.ok(lines.includes('# TYPE apiserver_request_total counter'));
    assert.ok(lines.includes('# TYPE apiserver_request_duration_seconds histogram'));
    const series = 'component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"';
    const buckets = samples(lines, 'apiserver_request_duration_seconds_bucket', series);
    assert.deepEqual(buckets.map((l) => /le="([^"]+)"/.exec(l)![1]), BUCKETS, 'kube\'s buckets, in order');
    assert.match(buckets[0], new RegExp(`^apiserver_request_duration_seconds_bucket\\{${series},le="0.005"\\} [0-2]$`));
    assert.equal(buckets.at(-1), `apiserver_request_duration_seconds_bucket{${series},le="+Inf"} 2`);
    assert.ok(lines.includes(`apiserver_request_duration_seconds_count{${series}} 2`));
    assert.match(samples(lines, 'apiserver_request_duration_seconds_sum', series)[0], /^apiserver_request_duration_seconds_sum\{.*\} 0\.\d+(e-\d+)?$/);
  } finally {
    await cluster.close();
  }
});

test('apiserver_longrunning_requests counts open watches; the watch is counted in request_total when it ends', async () => {
  const cluster = await withCluster();
  const watching = 'apiserver_longrunning_requests{component="apiserver",group="",resource="pods",scope="namespace",subresource="",verb="WATCH",version="v1"}';
  try {
    const controller = new AbortController();
    const res = await fetch(`${cluster.url}/api/v1/namespaces/default/pods?watch=true`, { signal: controller.signal });
    assert.equal(res.status, 200);
    assert.ok((await scrape(cluster)).includes(`${watching} 1`));
    controller.abort();
    await res.body?.cancel().catch(() => {});
    const after = await eventually(async () => { const l = await scrape(cluster); return l.includes(`${watching} 0`) && l; }, 5000, 'the watch to end');
    assert.ok(after.includes('apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="WATCH",version="v1"} 1'), after.join('\n'));
  } finally {
    await cluster.close();
  }
});

test('apiserver_storage_objects, etcd_request_duration_seconds and the process metrics', async () => {
  const cluster = await withCluster();
  try {
    const before = await scrape(cluster);
    const count = (lines: string[], resource: string) => Number(lines.find((l) => l.startsWith(`apiserver_storage_objects{resource="${resource}"} `))?.split(' ')[1]);
    const pods = count(before, 'pods');
    for (const name of ['a', 'b']) assert.equal((await http(cluster, 'POST', '/api/v1/namespaces/default/pods', pod(name))).status, 201);
    const lines = await scrape(cluster);
    assert.ok(lines.includes(`apiserver_storage_objects{resource="pods"} ${pods + 2}`), lines.join('\n'));
    assert.ok(lines.includes('apiserver_storage_objects{resource="namespaces"} 4'));
    assert.ok(lines.some((l) => /^apiserver_storage_objects\{resource="leases\.coordination\.k8s\.io"\} \d+$/.test(l)));
    assert.ok(lines.includes('# TYPE apiserver_storage_objects gauge'));
    assert.ok(lines.includes(`etcd_requests_total{operation="create",type="pods"} ${Number(before.find((l) => l.startsWith('etcd_requests_total{operation="create",type="pods"}'))?.split(' ')[1] ?? 0) + 2}`));
    assert.ok(lines.includes('# TYPE etcd_request_duration_seconds histogram'));
    assert.deepEqual(samples(lines, 'etcd_request_duration_seconds_bucket', 'operation="create"', 'type="pods"').map((l) => /le="([^"]+)"/.exec(l)![1]), BUCKETS);
    const value = (name: string) => Number(lines.find((l) => l.startsWith(`${name} `))?.split(' ')[1]);
    assert.ok(value('process_cpu_seconds_total') > 0.1, 'CPU since the process started');
    assert.ok(value('process_resident_memory_bytes') > 10e6);
    assert.ok(Math.abs(value('process_start_time_seconds') - (Date.now() / 1000 - process.uptime())) < 5);
    assert.ok(value('process_open_fds') > 0);
    assert.ok(lines.includes('# TYPE process_cpu_seconds_total counter'));
  } finally {
    await cluster.close();
  }
});

test("etcd_requests_total names a custom resource's writes by its GroupResource, whenever its CRD came", async () => {
  const cluster = await withCluster();
  try {
    await scrape(cluster); // the store's keys were named before the CRD existed
    const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'gauges.metrics.example.com' }, spec: { group: 'metrics.example.com', scope: 'Namespaced', names: { plural: 'gauges', singular: 'gauge', kind: 'Gauge' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] } };
    assert.equal((await http(cluster, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
    const create = (name: string) => http(cluster, 'POST', '/apis/metrics.example.com/v1/namespaces/default/gauges', { apiVersion: 'metrics.example.com/v1', kind: 'Gauge', metadata: { name } });
    await eventually(async () => (await create('g0')).status === 201, 5000, 'the custom resource served');
    for (const name of ['g1', 'g2']) assert.equal((await create(name)).status, 201);
    const lines = (await scrape(cluster)).filter((l) => l.startsWith('etcd_requests_total{') && l.includes('gauges'));
    assert.deepEqual(lines.filter((l) => l.includes('operation="create"')), ['etcd_requests_total{operation="create",type="gauges.metrics.example.com"} 3']);
    assert.deepEqual(lines.filter((l) => !l.includes('type="gauges.metrics.example.com"')), [], 'no series named by a key');
  } finally {
    await cluster.close();
  }
});

test('each cluster counts its own requests: two in one process neither share nor clash', async () => {
  const a = await withCluster();
  const b = await withCluster();
  try {
    for (let i = 0; i < 3; i++) await http(a, 'GET', '/api/v1/namespaces/default/pods');
    await http(b, 'GET', '/api/v1/namespaces/default/pods');
    const line = (n: number) => `apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"} ${n}`;
    assert.ok((await scrape(a)).includes(line(3)));
    assert.ok((await scrape(b)).includes(line(1)));
  } finally {
    await a.close();
    await b.close();
  }
});

test('/metrics needs credentials when authentication is on', async () => {
  // In system:masters: authorization is on with authentication, and this user reads an object too.
  const cluster = await withCluster({ tokenFile: scratchFile('metrics-tokens.csv', 'm3tr1cs,prometheus,1,system:masters\n') });
  try {
    assert.equal((await http(cluster, 'GET', '/metrics')).status, 401);
    assert.equal((await http(cluster, 'GET', '/api/v1/namespaces/default', undefined, { Authorization: 'Bearer m3tr1cs' })).status, 200);
    const res = await http(cluster, 'GET', '/metrics', undefined, { Authorization: 'Bearer m3tr1cs' });
    assert.equal(res.status, 200);
    assert.ok(res.text.includes('\napiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="namespaces",scope="resource",subresource="",verb="GET",version="v1"} 1\n'), res.text);
  } finally {
    await cluster.close();
  }
});

for (const version of ['1.27', '1.33']) {
  test(`kubectl ${version} get --raw /metrics`, async () => {
    const cluster = await withCluster();
    try {
      const got = await kubectl(version, cluster, ['get', 'pods']);
      assert.equal(got.code, 0, got.stderr);
      const raw = await kubectl(version, cluster, ['get', '--raw', '/metrics']);
      assert.equal(raw.code, 0, raw.stderr);
      const lines = raw.stdout.split('\n');
      assert.ok(lines.includes('# TYPE apiserver_request_total counter'));
      assert.ok(lines.includes('apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"} 1'), raw.stdout);
      assert.ok(lines.some((l) => l.startsWith('process_resident_memory_bytes ')));
    } finally {
      await cluster.close();
    }
  });
}
