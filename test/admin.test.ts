// The admin API (--admin): the request recorder and fault injection, observed the way their users
// observe them: @kubernetes/client-node (1.4.0) and kubectl against a real tinykube over HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, withCluster } from './helpers.js';

const ns = 'default';
const pod = (name: string): k8s.V1Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'main', image: 'nginx:1.25' }] } });

describe('admin API', () => {
  let cluster: Cluster;
  let core: k8s.CoreV1Api;
  let kc: k8s.KubeConfig;
  const addFault = async (spec: object): Promise<{ id: string }> => {
    const r = await http(cluster, 'POST', '/tinykube/v1/faults', spec);
    assert.equal(r.status, 201, r.text);
    return r.json();
  };
  const requests = async (query: string): Promise<any[]> => {
    const r = await http(cluster, 'GET', `/tinykube/v1/requests?${query}`);
    assert.equal(r.status, 200, r.text);
    return r.json().items;
  };
  const rejected = async (call: Promise<unknown>): Promise<{ code: number; status: any; headers: Record<string, string> }> => {
    try {
      await call;
    } catch (e) {
      const err = e as k8s.ApiException<string>;
      return { code: err.code, status: JSON.parse(err.body), headers: err.headers };
    }
    throw new Error('the call succeeded');
  };

  before(async () => {
    cluster = await withCluster({ admin: true });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedPod({ namespace: ns, body: pod('a') });
  });
  after(async () => { await cluster.close(); });

  test('off unless asked for: a plain tinykube has no /tinykube/v1/', async () => {
    const plain = await withCluster();
    try {
      const r = await http(plain, 'GET', '/tinykube/v1/requests');
      assert.deepEqual([r.status, r.json().message], [404, 'the server could not find the requested resource']);
    } finally {
      await plain.close();
    }
  });

  test("the recorder shows a client's server-side apply: its content type, field manager and body", async () => {
    assert.equal((await http(cluster, 'DELETE', '/tinykube/v1/requests')).status, 200);
    const applied = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', labels: { owner: 'ctl' } } };
    await core.patchNamespacedPod({ namespace: ns, name: 'a', body: applied, fieldManager: 'my-controller', force: true },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply));
    const [patch, ...more] = await requests('verb=patch&resource=pods');
    assert.equal(more.length, 0);
    assert.deepEqual(
      [patch.method, patch.path, patch.query, patch.headers['content-type'], JSON.parse(patch.body), patch.status, patch.user, patch.namespace, patch.name],
      ['PATCH', '/api/v1/namespaces/default/pods/a', { fieldManager: 'my-controller', force: 'true' }, 'application/apply-patch+yaml', applied, 200, 'system:unsecured', 'default', 'a'],
    );
    assert.match(patch.headers['user-agent'], /node/i);
    // kubectl's server-side apply, in the same record shape.
    const r = await kubectl('1.33', cluster, ['apply', '--server-side', '-f', '-'], { stdin: JSON.stringify({ ...applied, metadata: { name: 'b' }, spec: pod('b').spec }) });
    assert.equal(r.code, 0, r.stderr);
    const [byKubectl] = await requests(`verb=patch&name=b&since=${patch.seq}`);
    assert.deepEqual([byKubectl.headers['content-type'], byKubectl.query.fieldManager, byKubectl.status], ['application/apply-patch+yaml', 'kubectl', 201]);
    assert.match(byKubectl.headers['user-agent'], /^kubectl/);
    // Filters and limits; admin requests themselves are not recorded.
    assert.deepEqual((await requests('limit=1')).map((x) => x.verb), ['patch']);
    assert.equal((await requests('path=/tinykube/v1/requests')).length, 0);
    assert.equal((await http(cluster, 'GET', '/tinykube/v1/requests?since=x')).json().message, 'since must be a whole number, not "x"');
  });

  test('error answers with Retry-After and kube Status bodies, `times` at a time', async () => {
    await addFault({ match: { verb: 'list', resource: 'pods' }, error: { code: 429, retryAfterSeconds: 2 }, times: 1 });
    const tooMany = await rejected(core.listNamespacedPod({ namespace: ns }));
    assert.deepEqual([tooMany.code, tooMany.headers['retry-after'], tooMany.status], [429, '2',
      { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Too many requests, please try again later.', reason: 'TooManyRequests', details: { retryAfterSeconds: 2 }, code: 429 }]);
    assert.equal((await core.listNamespacedPod({ namespace: ns })).items.length, 2, 'the fault acted once');
    for (const [code, reason, message] of [[500, 'InternalError', 'Internal error occurred: injected by tinykube'], [503, 'ServiceUnavailable', 'etcd is down'], [504, 'Timeout', 'Timeout: request did not complete within the allotted timeout']] as const) {
      await addFault({ match: { verb: 'get', resource: 'pods', name: 'a' }, error: { code, ...(code === 503 ? { message } : {}) }, times: 1 });
      const failed = await rejected(core.readNamespacedPod({ namespace: ns, name: 'a' }));
      assert.deepEqual([failed.code, failed.status.reason, failed.status.message], [code, reason, message]);
    }
    const shown = await requests('verb=get&name=a&limit=3');
    assert.deepEqual(shown.map((x) => x.status), [500, 503, 504]);
  });

  test('latency, and conflicts on the next updates', async () => {
    await addFault({ match: { verb: 'get', resource: 'pods', name: 'a' }, latencyMs: 400, times: 1 });
    const started = Date.now();
    await core.readNamespacedPod({ namespace: ns, name: 'a' });
    assert.ok(Date.now() - started >= 400, 'the answer took at least 400 ms');
    await addFault({ match: { resource: 'pods' }, conflict: true, times: 2 });
    const current = await core.readNamespacedPod({ namespace: ns, name: 'a' });
    for (let i = 0; i < 2; i++) {
      const conflict = await rejected(core.replaceNamespacedPod({ namespace: ns, name: 'a', body: current }));
      assert.deepEqual([conflict.code, conflict.status.reason, conflict.status.message], [409, 'Conflict',
        'Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again']);
    }
    current.metadata!.annotations = { retried: 'yes' };
    assert.equal((await core.replaceNamespacedPod({ namespace: ns, name: 'a', body: current })).metadata?.annotations?.retried, 'yes');
    assert.deepEqual((await http(cluster, 'GET', '/tinykube/v1/faults')).json().items, [], 'every rule retired');
  });

  test('an informer recovers from a dropped watch and a forced 410, resuming from the right resourceVersion', async () => {
    await http(cluster, 'DELETE', '/tinykube/v1/requests');
    await addFault({ match: { verb: 'watch', resource: 'pods', namespace: ns }, dropWatchAfterEvents: 1, times: 1 });
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/pods`, () => core.listNamespacedPod({ namespace: ns }));
    const errors: unknown[] = [];
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    await eventually(async () => (await requests('verb=watch&resource=pods')).length === 1, 5000, 'the first watch');
    await addFault({ match: { verb: 'watch', resource: 'pods' }, expireWatch: true, times: 1 });
    const c = await core.createNamespacedPod({ namespace: ns, body: pod('c') });
    await eventually(async () => (await requests('verb=watch&resource=pods')).length === 3, 5000, 'the watch dropped, resumed, expired and restarted');
    const d = await core.createNamespacedPod({ namespace: ns, body: pod('d') });
    await eventually(() => informer.get('d', ns), 5000, 'the informer watches again');
    assert.deepEqual(errors, [], 'the informer recovered by itself');
    await informer.stop(); // (client-node reports its own abort as an error)
    const calls = (await requests('resource=pods')).filter((x) => x.verb === 'list' || x.verb === 'watch');
    assert.deepEqual(calls.map((x) => x.verb), ['list', 'watch', 'watch', 'list', 'watch']);
    const [list1, watch1, watch2, list2, watch3] = calls;
    void list1; void list2;
    // The first watch starts where the list ended; the resume after the drop starts at the event
    // it last saw (pod c), gets 410 Expired, and the informer relists.
    assert.ok(Number(watch1.query.resourceVersion) < Number(c.metadata!.resourceVersion), 'the first watch started before c');
    assert.equal(watch2.query.resourceVersion, c.metadata!.resourceVersion);
    assert.ok(Number(watch3.query.resourceVersion) >= Number(c.metadata!.resourceVersion), 'the relist is newer than c');
    assert.ok(Number(watch3.query.resourceVersion) < Number(d.metadata!.resourceVersion), 'd came through the new watch');
    assert.deepEqual(informer.list(ns).map((p) => p.metadata?.name).sort(), ['a', 'b', 'c', 'd']);
  });

  test('watches dropped after some seconds; bad rules refused; rules removed by id', async () => {
    const { id } = await addFault({ match: { verb: 'watch' }, dropWatchAfterSeconds: 0.3 });
    const started = Date.now();
    const seen: string[] = [];
    const ended = await new Promise<unknown>((resolve) => {
      void new k8s.Watch(kc).watch(`/api/v1/namespaces/${ns}/pods`, { resourceVersion: '0' }, (type, obj) => seen.push(`${type} ${obj.metadata.name}`), resolve);
    });
    assert.ok(!ended, 'the stream ended cleanly, as when the server closes it');
    assert.ok(Date.now() - started >= 300 && Date.now() - started < 5000, 'the watch ended after 0.3 s');
    assert.deepEqual(seen, ['ADDED a', 'ADDED b', 'ADDED c', 'ADDED d']);
    assert.deepEqual((await http(cluster, 'DELETE', `/tinykube/v1/faults/${id}`)).status, 200);
    const gone = await http(cluster, 'DELETE', `/tinykube/v1/faults/${id}`);
    assert.deepEqual([gone.status, gone.json().message], [404, `faults.tinykube.io "${id}" not found`]);
    const bad = await http(cluster, 'POST', '/tinykube/v1/faults', { error: { code: 418 } });
    assert.deepEqual([bad.status, bad.json().reason, bad.json().message], [400, 'BadRequest', 'invalid fault: error.code must be 429, 500, 503 or 504']);
    const notJSON = await http(cluster, 'POST', '/tinykube/v1/faults', '{', { 'Content-Type': 'application/json' });
    assert.equal(notJSON.status, 400);
    assert.equal((await http(cluster, 'PUT', '/tinykube/v1/faults', {})).status, 405);
  });
});
