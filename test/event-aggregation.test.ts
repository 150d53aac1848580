// Events aggregated as kube's recorders aggregate them, read with real kubectl: an RC's pod creates
// (client-go's legacy recorder: 9 Events, then one combined Event counted up to the spam filter's
// burst), a crash-looping container's BackOff counted on one Event, and the scheduler's
// events.k8s.io Events (action, eventTime, reporting instance, no count).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectlOk, withCluster } from './helpers.js';

const rcManifest = JSON.stringify({
  apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'web' },
  spec: { replicas: 30, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});
const crashManifest = JSON.stringify({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'crash' },
  spec: { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'exit 1'] }] },
});

/** The lines under `Events:` in `kubectl describe`, cells split on runs of spaces. */
function describedEvents(out: string): string[][] {
  return out.slice(out.indexOf('\nEvents:')).split('\n').slice(4).filter((l) => l.trim()).map((l) => l.trim().split(/\s{2,}/));
}

describe('events aggregated as kube records them', () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster({ controlPlane: true, nodes: 3, loadBalancerAddress: false }); });
  after(async () => { await cluster.close(); });
  const events = async (selector: string) => (await http(cluster, 'GET', `/api/v1/namespaces/default/events?fieldSelector=${selector}`)).json().items;

  test('an RC of 30: 9 SuccessfulCreate Events, then one combined Event counted to 16 (the spam filter\'s burst of 25)', async () => {
    assert.equal(await kubectlOk('1.33', cluster, ['create', '-f', '-'], { stdin: rcManifest }), 'replicationcontroller/web created\n');
    const combined = await eventually(async () => (await events('involvedObject.name=web')).find((e: any) => e.message.startsWith('(combined') && e.count === 16), 20_000, 'the combined event counted to 16');
    await eventually(async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app=web')).json().items.length === 30, 8000, '30 pods');
    const all = await events('involvedObject.name=web');
    assert.equal(all.length, 10, JSON.stringify(all.map((e: any) => [e.reason, e.message, e.count])));
    assert.deepEqual([combined.reportingComponent, combined.reportingInstance, combined.source], ['', '', { component: 'replication-controller' }]);
    assert.match(combined.message, /^\(combined from similar events\): Created pod: web-[a-z0-9]{5}$/);
    for (const v of ['1.27', '1.30', '1.33']) {
      const table = (await kubectlOk(v, cluster, ['get', 'events', '--field-selector', 'involvedObject.name=web'])).trimEnd().split('\n');
      assert.match(table[0], /^LAST SEEN +TYPE +REASON +OBJECT +MESSAGE$/, v);
      assert.equal(table.length, 11, `kubectl ${v}: ${table.join('\n')}`);
      for (const line of table.slice(1, 10)) assert.match(line, /^\d+s +Normal +SuccessfulCreate +replicationcontroller\/web +Created pod: web-[a-z0-9]{5}$/, v);
      assert.match(table[10], /^\d+s +Normal +SuccessfulCreate +replicationcontroller\/web +\(combined from similar events\): Created pod: web-[a-z0-9]{5}$/, v);
      const described = describedEvents(await kubectlOk(v, cluster, ['describe', 'rc', 'web']));
      assert.equal(described.length, 10, v);
      for (const [type, reason, , from, message] of described.slice(0, 9)) assert.deepEqual([type, reason, from, /^Created pod: web-[a-z0-9]{5}$/.test(message)], ['Normal', 'SuccessfulCreate', 'replication-controller', true], v);
      const [type, reason, age, from, message] = described[9];
      assert.deepEqual([type, reason, from, message], ['Normal', 'SuccessfulCreate', 'replication-controller', combined.message], v);
      assert.match(age, /^\S+ \(x16 over \S+\)$/, v);
    }
  });

  test('the scheduler\'s Scheduled is an events.k8s.io Event: action Binding, eventTime, its reporting instance, no count', async () => {
    const pod = (await http(cluster, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app=web')).json().items[0];
    const [scheduled] = await eventually(async () => { const e = await events(`involvedObject.name=${pod.metadata.name},reason=Scheduled`); return e.length && e; }, 8000, 'Scheduled');
    assert.deepEqual([scheduled.action, scheduled.reportingComponent, scheduled.type, scheduled.count, scheduled.firstTimestamp, scheduled.source], ['Binding', 'default-scheduler', 'Normal', undefined, undefined, {}]);
    assert.match(scheduled.reportingInstance, /^default-scheduler-.+/);
    assert.match(scheduled.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const described = describedEvents(await kubectlOk('1.33', cluster, ['describe', 'pod', pod.metadata.name]));
    assert.deepEqual(described[0].filter((_, i) => i !== 2), ['Normal', 'Scheduled', 'default-scheduler', `Successfully assigned default/${pod.metadata.name} to ${pod.spec.nodeName}`]);
  });

  test('the scheduler\'s FailedScheduling, repeated for the same pod version, becomes a series on the first Event (made again as it was when it is gone): count 2', async () => {
    const nowhere = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nowhere' }, spec: { nodeSelector: { 'example.com/missing': 'yes' }, containers: [{ name: 'c', image: 'nginx' }] } };
    assert.equal((await http(cluster, 'POST', '/api/v1/namespaces/default/pods', nowhere)).status, 201);
    type Failed = { metadata: { name: string; uid: string }; involvedObject: { resourceVersion: string }; message?: string; series?: { count: number; lastObservedTime: string } } & Record<string, unknown>;
    const failed = async (): Promise<Failed[]> => (await http(cluster, 'GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=nowhere,reason=FailedScheduling')).json().items;
    const podVersion = async () => (await http(cluster, 'GET', '/api/v1/namespaces/default/pods/nowhere')).json().metadata.resourceVersion;
    // A pod deleted makes the scheduler try the unschedulable ones again.
    const retry = async (name: string) => {
      const other = { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
      assert.equal((await http(cluster, 'POST', '/api/v1/namespaces/default/pods', other)).status, 201);
      assert.equal((await http(cluster, 'DELETE', `/api/v1/namespaces/default/pods/${name}?gracePeriodSeconds=0`)).status, 200);
    };
    // Each attempt's Event regards the pod as it was: the first as created; the next after its
    // PodScheduled condition was written, as it stays from then on.
    await eventually(async () => (await failed()).length, 8000, 'FailedScheduling');
    await retry('short-1');
    const first = await eventually(async () => { const version = await podVersion(); return (await failed()).find((e) => e.involvedObject.resourceVersion === version); }, 8000, 'FailedScheduling for the pod as it is');
    assert.equal(first.series, undefined);
    // Gone before it repeats, the Event is created again as the series' first: as it was, from what the recorder kept.
    assert.equal((await http(cluster, 'DELETE', `/api/v1/namespaces/default/events/${first.metadata.name}`)).status, 200);
    await retry('short-2');
    const series = await eventually(async () => (await failed()).find((e) => e.metadata.name === first.metadata.name && e.series), 8000, 'a series');
    const fields = (e: Record<string, unknown>) => ['eventTime', 'message', 'type', 'action', 'reason', 'reportingComponent', 'reportingInstance', 'involvedObject', 'source'].map((k) => e[k]);
    assert.deepEqual(fields(series), fields(first), 'the first Event as it was, now a series');
    assert.notEqual(series.metadata.uid, first.metadata.uid, 'created again');
    assert.match(series.message ?? '', /^0\/3 nodes are available: 3 node\(s\) didn't match Pod's node affinity\/selector\./);
    assert.equal(series.series?.count, 2);
    assert.match(series.series?.lastObservedTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.equal((await failed()).filter((e) => e.involvedObject.resourceVersion === first.involvedObject.resourceVersion).length, 1, 'one Event for that version');
    assert.equal((await http(cluster, 'DELETE', '/api/v1/namespaces/default/pods/nowhere?gracePeriodSeconds=0')).status, 200);
  });

  test('a crash-looping container: each BackOff counts on one Event, which describe shows as (xN over ...)', async () => {
    assert.equal(await kubectlOk('1.33', cluster, ['create', '-f', '-'], { stdin: crashManifest }), 'pod/crash created\n');
    // The first restart is at once, the next after 10 s: the second BackOff comes about 10 s in.
    const backOff = await eventually(async () => { const e = await events('involvedObject.name=crash,reason=BackOff'); return e[0]?.count >= 2 && e; }, 60_000, 'a second BackOff');
    assert.equal(backOff.length, 1, 'one Event');
    const uid = (await http(cluster, 'GET', '/api/v1/namespaces/default/pods/crash')).json().metadata.uid;
    for (const v of ['1.27', '1.30', '1.33']) {
      const described = describedEvents(await kubectlOk(v, cluster, ['describe', 'pod', 'crash']));
      const row = described.find((cells) => cells[1] === 'BackOff');
      assert.ok(row, v);
      const [type, , age, from, message] = row;
      assert.deepEqual([type, from, message], ['Warning', 'kubelet', `Back-off restarting failed container c in pod crash_default(${uid})`], v);
      assert.match(age, /^\S+ \(x([2-9]|\d\d+) over \S+\)$/, v);
      assert.equal(described.filter((cells) => cells[1] === 'BackOff').length, 1, v);
    }
  });
});
