// A raw websocket watch client, as Java's fabric8 client watches by default: GET ...?watch=true
// with Upgrade: websocket and no subprotocol, one JSON event per text message. Each story is a
// cell of the matrix.
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import WebSocket from 'ws';
import type { Cluster } from '../../src/index.js';
import { eventually, http, readWatch, sleep, withCluster } from '../helpers.js';
import { clientStories } from './matrix.js';

interface Watcher { events: any[]; textFrames: boolean; closed: Promise<number> }

/** Opens a websocket watch and collects its events until the server closes it. */
async function websocketWatch(cluster: Cluster, path: string): Promise<Watcher & { ws: WebSocket }> {
  const ws = new WebSocket(cluster.url.replace(/^http/, 'ws') + path);
  const w = { ws, events: [] as any[], textFrames: true, closed: new Promise<number>((r) => ws.on('close', (code) => r(code))) };
  ws.on('message', (data, isBinary) => {
    if (isBinary) w.textFrames = false;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    w.events.push(JSON.parse(bytes.toString('utf8')));
  });
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  return w;
}

/** The HTTP answer to an upgrade the server refuses. */
function refusedUpgrade(cluster: Cluster, path: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(cluster.url.replace(/^http/, 'ws') + path);
    ws.on('open', () => { ws.close(); reject(new Error('the upgrade was accepted')); });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
    });
    ws.on('error', () => {});
  });
}

describe('raw websocket watch', () => {
  const { story } = clientStories('websocket', 'RFC 6455');
  let cluster: Cluster;
  const pods = '/api/v1/namespaces/default/pods';
  const create = (name: string, labels: Record<string, string>) => http(cluster, 'POST', pods, { metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  const relabel = (name: string, labels: Record<string, string>) => http(cluster, 'PATCH', `${pods}/${name}`, { metadata: { labels } }, { 'Content-Type': 'application/merge-patch+json' });
  const currentRV = async () => (await http(cluster, 'GET', pods)).json().metadata.resourceVersion as string;

  before(async () => { cluster = await withCluster({ watchCacheCapacity: 20, bookmarkIntervalMs: 300 }); });
  after(async () => { await cluster.close(); });

  story('watch', async () => {
    const path = `${pods}?watch=true&resourceVersion=${await currentRV()}&labelSelector=ws=yes`;
    const ws = await websocketWatch(cluster, path);
    const chunked = readWatch(cluster, path, 3, 5000);
    await sleep(200);
    await create('w', { ws: 'yes' });
    await relabel('w', { ws: 'yes', more: '1' });
    await http(cluster, 'DELETE', `${pods}/w`);
    const httpEvents = await chunked;
    await eventually(() => ws.events.length >= 3, 5000, '3 websocket events');
    ws.ws.close();
    const summary = (es: any[]) => es.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`);
    assert.deepEqual(summary(ws.events), summary(httpEvents));
    assert.deepEqual(ws.events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
    assert.equal(ws.textFrames, true, 'JSON events travel as text messages');
  });

  story('bookmarks', async () => {
    const ws = await websocketWatch(cluster, `${pods}?watch=true&resourceVersion=${await currentRV()}&labelSelector=never=seen&allowWatchBookmarks=true`);
    await create('b', { other: 'yes' });
    const after = Number(await currentRV());
    const bookmark = await eventually(() => ws.events.find((e) => e.type === 'BOOKMARK' && Number(e.object.metadata.resourceVersion) >= after), 5000, 'a bookmark');
    ws.ws.close();
    assert.deepEqual([bookmark.object.kind, bookmark.object.apiVersion, Object.keys(bookmark.object.metadata)], ['Pod', 'v1', ['resourceVersion']]);
  });

  story('expired', async () => {
    const old = await currentRV();
    for (let i = 0; i < 30; i++) await relabel('b', { other: 'yes', n: String(i) });
    const ws = await websocketWatch(cluster, `${pods}?watch=true&resourceVersion=${old}`);
    const code = await ws.closed;
    assert.equal(ws.events.length, 1);
    const [{ type, object }] = ws.events;
    assert.deepEqual([type, object.kind, object.code, object.reason], ['ERROR', 'Status', 410, 'Expired']);
    assert.match(object.message, /^too old resource version: \d+ \(\d+\)$/);
    assert.equal(code, 1000);
  });

  story('refused', async () => {
    const bad = await refusedUpgrade(cluster, `${pods}?watch=true&labelSelector=a%3D%3D%3Db`);
    assert.deepEqual([bad.status, bad.body.kind, bad.body.reason], [400, 'Status', 'BadRequest']);
    const missing = await refusedUpgrade(cluster, '/api/v1/namespaces/default/widgets?watch=true');
    assert.deepEqual([missing.status, missing.body.reason], [404, 'NotFound']);
    const unwatchable = await refusedUpgrade(cluster, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews?watch=true');
    assert.equal(unwatchable.status, 405);
  });

  story('timeout', async () => {
    const started = Date.now();
    const ws = await websocketWatch(cluster, `${pods}?watch=true&resourceVersion=${await currentRV()}&timeoutSeconds=1`);
    const code = await ws.closed;
    const elapsed = Date.now() - started;
    assert.equal(code, 1000);
    assert.ok(elapsed >= 900 && elapsed < 3000, `closed after ${elapsed} ms`);
    assert.deepEqual(ws.events, []);
  });
});
