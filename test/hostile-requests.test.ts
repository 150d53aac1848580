// A corpus of hostile and malformed requests: every answer is a 4xx Status (never a 500, an empty
// body or a hang), and a connection answered early stays usable or is closed, never stuck.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { withCluster } from './helpers.js';

interface Answer { status: number; body: string; connection?: string }

/** One request on `agent` (keep-alive), failing the test instead of hanging past 5 s. */
function request(cluster: Cluster, agent: http.Agent, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  const url = new URL(cluster.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, agent, headers: { ...(body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } : {}), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body: text, connection: res.headers.connection }));
    });
    req.setTimeout(5000, () => req.destroy(new Error(`${method} ${path}: no answer within 5 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

function assertStatus(a: Answer, code: number, reason: string, what: string): void {
  assert.equal(a.status, code, what);
  const s = JSON.parse(a.body);
  assert.deepEqual([s.kind, s.apiVersion, s.status, s.code, s.reason], ['Status', 'v1', 'Failure', code, reason], what);
  assert.ok(s.message, `${what}: a message`);
}

describe('hostile requests', () => {
  let cluster: Cluster;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  before(async () => {
    cluster = await withCluster();
    const made = await request(cluster, agent, 'POST', '/api/v1/namespaces/default/pods', JSON.stringify({ metadata: { name: 'victim' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }));
    assert.equal(made.status, 201);
  });
  after(async () => { agent.destroy(); await cluster.close(); });

  test('a 4 MiB body gets 413 and the keep-alive connection answers the next request', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(4 * 1024 * 1024) });
    for (let i = 0; i < 3; i++) {
      const tooLarge = await request(cluster, agent, 'POST', '/api/v1/namespaces/default/pods', big);
      assertStatus(tooLarge, 413, 'RequestEntityTooLarge', '413');
      assert.equal(tooLarge.connection, 'close', 'the rest of the body is not read as a request');
      const next = await request(cluster, agent, 'GET', '/api/v1/namespaces/default/pods/victim');
      assert.equal(next.status, 200);
    }
  });

  test('a client that stops sending its body after the 413 is not left waiting', async () => {
    const url = new URL(cluster.url);
    const socket = net.connect(Number(url.port), url.hostname);
    let received = '';
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (d) => { received += d; });
    socket.on('error', () => { /* the server may reset what it no longer reads */ });
    socket.write('POST /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4194304\r\n\r\n');
    socket.write('x'.repeat(64 * 1024));
    const timer = setTimeout(() => socket.destroy(), 5000);
    await closed;
    clearTimeout(timer);
    assert.match(received, /^HTTP\/1\.1 413 /);
    assert.match(received, /\r\nConnection: close\r\n/i);
    assert.match(received, /"reason":"RequestEntityTooLarge"/);
  });

  test('DeleteOptions of the wrong types are a 400 Status, and nothing is deleted', async () => {
    const cases: [string, string][] = [
      ['{"gracePeriodSeconds":"x"}', 'json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64'],
      ['{"gracePeriodSeconds":1.5}', 'json: cannot unmarshal number 1.5 into Go struct field DeleteOptions.gracePeriodSeconds of type int64'],
      ['{"preconditions":{"uid":5}}', 'json: cannot unmarshal number into Go struct field Preconditions.preconditions.uid of type string'],
      ['{"orphanDependents":"yes"}', 'json: cannot unmarshal string into Go struct field DeleteOptions.orphanDependents of type bool'],
      ['{"dryRun":"All"}', 'json: cannot unmarshal string into Go struct field DeleteOptions.dryRun of type []string'],
      ['[1]', 'json: cannot unmarshal array into Go value of type v1.DeleteOptions'],
    ];
    for (const [body, message] of cases) {
      for (const path of ['/api/v1/namespaces/default/pods/victim', '/api/v1/namespaces/default/pods']) {
        const a = await request(cluster, agent, 'DELETE', path, body);
        assertStatus(a, 400, 'BadRequest', `${path} ${body}`);
        assert.equal(JSON.parse(a.body).message, message);
      }
    }
    const q = await request(cluster, agent, 'DELETE', '/api/v1/namespaces/default/pods/victim?gracePeriodSeconds=x');
    assertStatus(q, 400, 'BadRequest', 'query');
    assert.equal(JSON.parse(q.body).message, 'strconv.ParseInt: parsing "x": invalid syntax');
    assert.equal((await request(cluster, agent, 'GET', '/api/v1/namespaces/default/pods/victim')).status, 200, 'still there');
  });

  test('malformed requests of every kind are 4xx Status answers', async () => {
    const pods = '/api/v1/namespaces/default/pods';
    const cases: [string, string, string | undefined, Record<string, string>, number, string][] = [
      ['POST', pods, '{"metadata": ', {}, 400, 'BadRequest'],
      ['POST', pods, '', {}, 400, 'BadRequest'],
      ['POST', pods, '[1,2]', {}, 400, 'BadRequest'],
      ['POST', pods, '"pod"', {}, 400, 'BadRequest'],
      ['POST', pods, 'null', {}, 400, 'BadRequest'],
      ['POST', pods, '{"metadata":{"name":"x"},"spec":{"containers":"nginx"}}', {}, 400, 'BadRequest'],
      ['POST', pods, '\u0000\u0001\u0002', {}, 400, 'BadRequest'],
      ['POST', pods, 'x', { 'Content-Type': 'text/plain' }, 415, 'UnsupportedMediaType'],
      ['POST', pods, 'kind: [', { 'Content-Type': 'application/yaml' }, 400, 'BadRequest'],
      ['PATCH', `${pods}/victim`, '{', { 'Content-Type': 'application/merge-patch+json' }, 400, 'BadRequest'],
      ['PATCH', `${pods}/victim`, '[{"op":"nope","path":"/x"}]', { 'Content-Type': 'application/json-patch+json' }, 422, 'Invalid'],
      ['PATCH', `${pods}/victim`, '{}', { 'Content-Type': 'application/xml' }, 415, 'UnsupportedMediaType'],
      ['PUT', `${pods}/victim`, '{"metadata":{"name":"other"},"spec":{"containers":[{"name":"c","image":"i"}]}}', {}, 400, 'BadRequest'],
      ['GET', `${pods}?labelSelector=a%20in%20(`, undefined, {}, 400, 'BadRequest'],
      ['GET', `${pods}?fieldSelector=spec.bogus%3Dx`, undefined, {}, 400, 'BadRequest'],
      ['GET', `${pods}?watch=1&resourceVersion=abc`, undefined, {}, 400, 'BadRequest'],
      ['GET', `${pods}?limit=5&continue=garbage`, undefined, {}, 400, 'BadRequest'],
      ['POST', `${pods}?dryRun=Some`, '{"metadata":{"name":"dry"},"spec":{"containers":[{"name":"c","image":"i"}]}}', {}, 422, 'Invalid'],
      ['GET', '/api/v1/namespaces', undefined, { Accept: 'application/xml' }, 406, 'NotAcceptable'],
      ['GET', '/api/v1/namespaces/default/widgets', undefined, {}, 404, 'NotFound'],
      ['DELETE', pods, 'not json', {}, 400, 'BadRequest'],
    ];
    for (const [method, path, body, headers, code, reason] of cases) {
      const a = await request(cluster, agent, method, path, body, headers);
      assertStatus(a, code, reason, `${method} ${path} ${JSON.stringify(body)}`);
    }
  });
});
