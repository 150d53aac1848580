// Table answers assembled from cached bytes (src/api/table-encoding.ts) against a real server on
// a fixed clock: every body is byte for byte what JSON.stringify of the same Table gives, for
// lists, single objects and watches, and the ages advance with the clock, in kubectl too.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/cluster.js';
import { humanDuration, table, tableRow, type IncludeObject } from '../src/api/table.js';
import type { KObject, TableConvertor } from '../src/api/types.js';
import { podStrategy } from '../src/resources/pods.js';
import { http, kubectlOk, readWatch, rows, withCluster } from './helpers.js';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const START = '2026-03-01T12:00:00Z';
const PODS = '/api/v1/namespaces/default/pods';
const convertor: TableConvertor = podStrategy.table!;

function expected(items: KObject[], include: IncludeObject, listMeta: Record<string, unknown>, now: number, withColumns = true): string {
  const rowsOf = items.map((o) => tableRow(convertor, o, include, 'meta.k8s.io/v1', now));
  return JSON.stringify(table(convertor, rowsOf, 'meta.k8s.io/v1', listMeta, withColumns));
}

describe('Tables from cached bytes', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await withCluster({ clock: new Date(START) });
    const container = { name: 'c', image: 'busybox' };
    const made = [
      { metadata: { name: 'plain' }, spec: { containers: [container] } },
      { metadata: { name: 'annotated', labels: { app: 'web' }, annotations: { note: '{"metadata":{"name":"x"}} \\ "q" ünïcode 🐎' } }, spec: { nodeName: 'node-1', containers: [container, { name: 'd', image: 'busybox' }] } },
      { metadata: { name: 'done' }, spec: { containers: [container] } },
      { metadata: { name: 'broken' }, spec: { containers: [container] } },
    ];
    for (const p of made) assert.equal((await http(cluster, 'POST', PODS, p)).status, 201);
    const finish = async (name: string, phase: string, exitCode: number) => {
      const current = (await http(cluster, 'GET', `${PODS}/${name}`)).json();
      current.status = { phase, containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 1, state: { terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed', finishedAt: START } } }] };
      assert.equal((await http(cluster, 'PUT', `${PODS}/${name}/status`, current)).status, 200);
    };
    await finish('done', 'Succeeded', 0);
    await finish('broken', 'Failed', 2);
  });
  after(() => cluster.close());

  const now = () => cluster.clock!.now().getTime();

  test('a list as a Table is byte-identical to the straightforward encoding, for every includeObject', async () => {
    for (const step of [0, 90, 3600]) {
      if (step) cluster.clock!.advance(step * 1000);
      const list = (await http(cluster, 'GET', PODS)).json();
      for (const include of [undefined, 'None', 'Metadata', 'Object'] as const) {
        const res = await http(cluster, 'GET', `${PODS}${include ? `?includeObject=${include}` : ''}`, undefined, { Accept: TABLE });
        assert.equal(res.status, 200);
        assert.equal(res.text, expected(list.items, include ?? 'Metadata', { resourceVersion: list.metadata.resourceVersion }, now()) + '\n', `${include} at +${step}s`);
      }
    }
    const paged = (await http(cluster, 'GET', `${PODS}?limit=2`, undefined, { Accept: TABLE })).json();
    assert.equal(paged.rows.length, 2);
    assert.equal(paged.metadata.remainingItemCount, 2);
  });

  test('ages advance with the clock', async () => {
    const ages = async () => (await http(cluster, 'GET', PODS, undefined, { Accept: TABLE })).json().rows.map((r: { cells: unknown[] }) => r.cells[4]);
    const created = Date.parse((await http(cluster, 'GET', `${PODS}/plain`)).json().metadata.creationTimestamp);
    const before = await ages();
    assert.deepEqual(before, Array(4).fill(humanDuration(now() - created)));
    cluster.clock!.advance(150_000);
    const later = await ages();
    assert.notDeepEqual(later, before);
    assert.deepEqual(later, Array(4).fill(humanDuration(now() - created)));
  });

  test('one object and a watch as Tables, byte-identical', async () => {
    const pod = (await http(cluster, 'GET', `${PODS}/annotated`)).json();
    const one = await http(cluster, 'GET', `${PODS}/annotated?includeObject=Object`, undefined, { Accept: TABLE });
    assert.equal(one.text, expected([pod], 'Object', { resourceVersion: pod.metadata.resourceVersion }, now()) + '\n');
    const events = await readWatch(cluster, `${PODS}?watch=1&fieldSelector=metadata.name%3Dannotated`, 2, 5000, { Accept: TABLE }, async () => {
      await http(cluster, 'PATCH', `${PODS}/annotated`, { metadata: { labels: { touched: 'yes' } } }, { 'Content-Type': 'application/merge-patch+json' });
    });
    const touched = (await http(cluster, 'GET', `${PODS}/annotated`)).json();
    assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED']);
    assert.equal(JSON.stringify(events[0].object), expected([pod], 'Metadata', { resourceVersion: pod.metadata.resourceVersion }, now()));
    assert.equal(JSON.stringify(events[1].object), expected([touched], 'Metadata', { resourceVersion: touched.metadata.resourceVersion }, now(), false));
  });

  for (const version of ['1.27', '1.30', '1.33']) {
    test(`kubectl ${version} get pods: rows and ages from the cached cells`, async () => {
      const first = rows(await kubectlOk(version, cluster, ['get', 'pods']));
      cluster.clock!.advance(60_000);
      const second = rows(await kubectlOk(version, cluster, ['get', 'pods']));
      assert.deepEqual(first[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      assert.deepEqual(second.slice(1).map((r) => r.slice(0, 3)), [['annotated', '0/2', 'Pending'], ['broken', '0/1', 'Error'], ['done', '0/1', 'Completed'], ['plain', '0/1', 'Pending']]);
      assert.notDeepEqual(second.map((r) => r[r.length - 1]), first.map((r) => r[r.length - 1]));
    });
  }

  test("an unknown includeObject is kube's 400, for a list and for one object; an empty one means Metadata", async () => {
    for (const path of [`${PODS}?includeObject=Everything`, `${PODS}/annotated?includeObject=Everything`]) {
      const r = await http(cluster, 'GET', path, undefined, { Accept: TABLE });
      assert.deepEqual([r.status, r.json().reason, r.json().message], [400, 'BadRequest', `Unable to convert to Table as requested: includeObject: Invalid value: "Everything": must be 'Metadata', 'Object', 'None', or empty`], path);
    }
    const empty = await http(cluster, 'GET', `${PODS}?includeObject=`, undefined, { Accept: TABLE });
    assert.equal(empty.status, 200);
    assert.equal(empty.json().rows[0].object.kind, 'PartialObjectMetadata');
    // Only a Table takes table options: a plain list ignores the parameter, as kube does.
    assert.equal((await http(cluster, 'GET', `${PODS}?includeObject=Everything`)).status, 200);
  });
});
