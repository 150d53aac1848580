// Logs people can follow: klog's text lines (or component-base's JSON) on the stream a cluster is
// given, at kube's verbosity levels: the start and progress at 0, controller actions at 2, one
// line per request at 3 and above (kube-apiserver's httplog). Without `logging`, nothing.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { startCluster, type ClusterOptions } from '../src/index.js';
import { createLogger, Duration, formatDuration, kref } from '../src/logging/log.js';
import { readManifestDir } from '../src/manifests.js';
import { restoreSnapshot, snapshotObjects, snapshotYAML } from '../src/snapshot.js';
import { eventually, FIXTURES, http, withCluster } from './helpers.js';

/** A stream that keeps what is written to it, line by line. */
function capture(): { stream: PassThrough; lines: () => string[] } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => { text += chunk; });
  return { stream, lines: () => text.split('\n').filter(Boolean) };
}

async function loggingCluster(verbosity: number, format: 'text' | 'json' = 'text', options: ClusterOptions = {}) {
  const out = capture();
  const cluster = await withCluster({ logging: { verbosity, format, stream: out.stream }, ...options });
  return { cluster, lines: out.lines };
}

/** klog's header: severity, MMDD, local time with microseconds, the pid in 7 columns, file:line. */
function header(severity: string, file: string): string {
  const now = new Date();
  const mmdd = `${String(now.getMonth() + 1).padStart(2, '0')}${String(now.getDate()).padStart(2, '0')}`;
  return `${severity}${mmdd} \\d\\d:\\d\\d:\\d\\d\\.\\d{6} ${String(process.pid).padStart(7, ' ')} ${file.replace('.', '\\.')}:0\\] `;
}

const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });

test('-v=4: one klog line per request with verb, URI, latency, user agent, audit-ID, source, user and status', async () => {
  const { cluster, lines } = await loggingCluster(4);
  try {
    const ua = { 'User-Agent': 'logging-test/1.0 (linux/amd64)' };
    assert.equal((await http(cluster, 'POST', '/api/v1/namespaces/default/pods', pod('web'), ua)).status, 201);
    assert.equal((await http(cluster, 'GET', '/api/v1/namespaces/default/pods?limit=500', undefined, ua)).status, 200);
    assert.equal((await http(cluster, 'GET', '/api/v1/namespaces/default/pods/missing', undefined, ua)).status, 404);
    assert.equal((await http(cluster, 'PATCH', '/api/v1/namespaces/default/pods/web?fieldManager=t', 'metadata:\n  labels: {a: b}\n', { ...ua, 'Content-Type': 'application/apply-patch+yaml' })).status, 200);
    assert.equal((await http(cluster, 'GET', '/healthz', undefined, ua)).status, 200);
    const httpLines = await eventually(() => { const l = lines().filter((x) => x.includes('] "HTTP" ')); return l.length === 5 && l; }, 5000, 'five request lines');
    const expected = [
      ['POST', '/api/v1/namespaces/default/pods', 201],
      ['LIST', '/api/v1/namespaces/default/pods?limit=500', 200],
      ['GET', '/api/v1/namespaces/default/pods/missing', 404],
      ['APPLY', '/api/v1/namespaces/default/pods/web?fieldManager=t', 200],
      ['GET', '/healthz', 200],
    ] as const;
    expected.forEach(([verb, uri, status], i) => {
      assert.match(httpLines[i], new RegExp(`^${header('I', 'httplog.ts')}"HTTP" verb="${verb}" URI="${uri.replace(/[?.]/g, '\\$&')}" latency="\\d+(\\.\\d+)?(µs|ms|s)" userAgent="logging-test/1\\.0 \\(linux/amd64\\)" audit-ID="" srcIP="127\\.0\\.0\\.1:\\d+" user="system:unsecured" resp=${status}$`));
    });
    assert.match(lines()[0], new RegExp(`^${header('I', 'cluster.ts')}"Starting tinykube" version="v1\\.33\\.1\\+tinykube" store="memory" data="[^"]+" pid=${process.pid}$`));
  } finally {
    await cluster.close();
  }
});

test('-v=2: scheduling and replication controller actions, and no request lines', async () => {
  const { cluster, lines } = await loggingCluster(2, 'text', { controlPlane: true, nodes: 1 });
  try {
    const rc = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'web' }, spec: { replicas: 1, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } };
    assert.equal((await http(cluster, 'POST', '/api/v1/namespaces/default/replicationcontrollers', rc)).status, 201);
    const created = await eventually(() => lines().find((l) => l.includes('"Created pod"')), 8000, 'the RC creating a pod');
    const m = new RegExp(`^${header('I', 'replication.ts')}"Created pod" replicationController="default/web" pod="default/(web-[a-z0-9]{5})" replicas=1 want=1$`).exec(created);
    assert.ok(m, created);
    const scheduled = await eventually(() => lines().find((l) => l.includes('"Pod scheduled"')), 8000, 'the scheduler binding the pod');
    assert.match(scheduled, new RegExp(`^${header('I', 'scheduler.ts')}"Pod scheduled" pod="default/${m[1]}" node="node-1" evaluatedNodes=1 feasibleNodes=1$`));
    assert.ok(lines().some((l) => new RegExp(`^${header('I', 'kubelet.ts')}"Registered nodes" nodes=1 created=1 existing=0 duration="[^"]+"$`).test(l)), lines().join('\n'));
    assert.ok(lines().some((l) => new RegExp(`^${header('I', 'kubelet.ts')}"Kubelet started, node Ready" node="node-1" podCIDR="10\\.244\\.0\\.0/24"$`).test(l)));
    await http(cluster, 'GET', '/api/v1/pods');
    assert.deepEqual(lines().filter((l) => l.includes('"HTTP"') || l.includes('"Event recorded"')), [], 'requests are logged at 3, events at 3');
  } finally {
    await cluster.close();
  }
});

test('-v=0: the start and the summary of long work, no requests, no controller actions', async () => {
  const { cluster, lines } = await loggingCluster(0, 'text', { fixtures: FIXTURES, controlPlane: true, nodes: 1 });
  try {
    await http(cluster, 'GET', '/api/v1/namespaces/default/pods');
    await http(cluster, 'GET', '/api/v1/namespaces/missing');
    const text = lines().map((l) => l.replace(/^I\d{4} [\d:.]+ +\d+ /, ''));
    const manifests = readManifestDir(FIXTURES);
    const files = new Set(manifests.map((m) => m.source)).size;
    assert.deepEqual(text.map((l) => l.replace(/(data|dir|url|kubeconfig)="[^"]*"/g, '$1=…').replace(/(duration)="[^"]*"/g, '$1=…')), [
      'cluster.ts:0] "Starting tinykube" version="v1.33.1+tinykube" store="memory" data=… pid=' + process.pid,
      `fixtures.ts:0] "Loading fixtures" dir=… files=${files} objects=${manifests.length}`,
      `fixtures.ts:0] "Loaded fixtures" dir=… objects=${manifests.length} created=${manifests.length} existing=0 duration=…`,
      'cluster.ts:0] "Serving" url=… kubeconfig=… duration=…',
      // Over plain HTTP there is no CA to sign CertificateSigningRequests with.
      'csrsigning.ts:0] "Skipping CSR signer controller: the cluster has no CA (start it with --tls); approved requests stay unsigned"',
      'cluster.ts:0] "Started the control plane" controllers=[namespace serviceaccount root-ca-cert-publisher garbage-collector scheduler replication replicaset deployment statefulset daemonset job cronjob ttl-after-finished horizontalpodautoscaling endpoints node-lifecycle persistentvolume-binder pvc-protection clusterrole-aggregation disruption resourcequota csrsigning]',
      'kubelet.ts:0] "Registered nodes" nodes=1 created=1 existing=0 duration=…',
    ]);
  } finally {
    await cluster.close();
  }
  assert.match(lines().at(-1)!, new RegExp(`^${header('I', 'cluster.ts')}"Shutting down" url="${cluster.url}"$`));
});

test('--logging-format=json: one object per line, with ts, caller, msg, v and the keys in order', async () => {
  const { cluster, lines } = await loggingCluster(4, 'json');
  try {
    const before = Date.now();
    assert.equal((await http(cluster, 'GET', '/api/v1/namespaces/default', undefined, { 'User-Agent': 'json-test' })).status, 200);
    const line = await eventually(() => lines().find((l) => l.includes('"msg":"HTTP"')), 5000, 'the request line');
    for (const l of lines()) assert.doesNotThrow(() => JSON.parse(l), l);
    const entry = JSON.parse(line);
    assert.deepEqual(Object.keys(entry), ['ts', 'caller', 'msg', 'v', 'verb', 'URI', 'latency', 'userAgent', 'audit-ID', 'srcIP', 'user', 'resp']);
    assert.deepEqual({ ...entry, ts: 0, latency: '', srcIP: '' }, {
      ts: 0, caller: 'logging/httplog.ts:0', msg: 'HTTP', v: 3, verb: 'GET', URI: '/api/v1/namespaces/default', latency: '',
      userAgent: 'json-test', 'audit-ID': '', srcIP: '', user: 'system:unsecured', resp: 200,
    });
    // component-base writes ts as milliseconds since the epoch, with a fraction.
    assert.ok(entry.ts >= before - 1 && entry.ts <= Date.now() + 1, String(entry.ts));
    assert.match(entry.latency, /^\d+(\.\d+)?(µs|ms)$/);
    assert.match(entry.srcIP, /^127\.0\.0\.1:\d+$/);
    const start = JSON.parse(lines()[0]);
    assert.deepEqual(Object.keys(start), ['ts', 'caller', 'msg', 'v', 'version', 'store', 'data', 'pid']);
    assert.deepEqual([start.caller, start.msg, start.v, start.pid], ['cluster.ts:0', 'Starting tinykube', 0, process.pid]);
  } finally {
    await cluster.close();
  }
});

test('no logging option: a library cluster writes nothing', async () => {
  const writes: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => { writes.push(String(chunk)); return original(chunk, ...rest); });
  try {
    const cluster = await startCluster({ controlPlane: true, nodes: 1 });
    await http(cluster, 'POST', '/api/v1/namespaces/default/pods', pod('quiet'));
    await http(cluster, 'GET', '/api/v1/namespaces/default/pods/nope');
    await cluster.close();
  } finally {
    process.stderr.write = original;
  }
  assert.deepEqual(writes, []);
});

test('warnings and errors at any verbosity; values printed as klog prints them', () => {
  const out = capture();
  const log = createLogger({ verbosity: 0, stream: out.stream }, 'controllers/scheduler.ts');
  log.V(1).info('not at 0');
  log.warning('Lost the leader lease', { lease: kref('kube-system', 'tinykube-control-plane') });
  log.error(new Error('binding failed: "node-9" is gone'), 'Binding failed, will retry', { pod: kref('default', 'web'), attempt: 2, ok: false, nodes: ['a', 'b'], took: new Duration(1_234_567), body: 'line 1\nline 2' });
  const lines = out.lines();
  assert.equal(lines.length, 5);
  assert.match(lines[0], new RegExp(`^${header('W', 'scheduler.ts')}"Lost the leader lease" lease="kube-system/tinykube-control-plane"$`));
  assert.match(lines[1], new RegExp(`^${header('E', 'scheduler.ts')}"Binding failed, will retry" err="binding failed: \\\\"node-9\\\\" is gone" pod="default/web" attempt=2 ok=false nodes=\\[a b\\] took="1\\.234567ms" body=<$`));
  assert.deepEqual(lines.slice(2), ['\tline 1', '\tline 2', ' >'], 'a multi-line value as klog writes it');
  assert.deepEqual([formatDuration(0), formatDuration(999), formatDuration(1500), formatDuration(2_000_000), formatDuration(1.5e9), formatDuration(90e9), formatDuration(3600e9)],
    ['0s', '999ns', '1.5µs', '2ms', '1.5s', '1m30s', '1h0m0s']);
});

test('progress of long work: snapshot save and restore log counts and a summary at level 0', async () => {
  const source = await withCluster();
  const target = await withCluster();
  try {
    for (let i = 0; i < 3; i++) assert.equal((await http(source, 'POST', '/api/v1/namespaces/default/pods', pod(`p${i}`))).status, 201);
    const out = capture();
    const log = createLogger({ verbosity: 0, stream: out.stream }, 'snapshot.ts');
    const objects = await snapshotObjects(source.url, log);
    // Restored into a running cluster here (as the CLI restores into an unused data directory): its pods only.
    const text = snapshotYAML(objects.filter((o) => o.kind === 'Pod'), 'test snapshot');
    const { created, existing } = await restoreSnapshot(target.registry, text, 'snap.yaml', log);
    const lines = out.lines().map((l) => l.replace(/^I\d{4} [\d:.]+ +\d+ /, '').replace(/(duration)="[^"]*"/, '$1=…'));
    assert.deepEqual(lines, [
      `snapshot.ts:0] "Saving a snapshot" server="${source.url}"`,
      `snapshot.ts:0] "Read the snapshot" objects=${objects.length} kinds=${new Set(objects.map((o) => o.kind)).size} duration=…`,
      'snapshot.ts:0] "Restoring a snapshot" file="snap.yaml" objects=3',
      'snapshot.ts:0] "Restored the snapshot" file="snap.yaml" objects=3 created=3 existing=0 duration=…',
    ]);
    assert.deepEqual({ created, existing }, { created: 3, existing: 0 });
  } finally {
    await source.close();
    await target.close();
  }
});
