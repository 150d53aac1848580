// A corpus of hostile and malformed requests: every answer is a 4xx Status (never a 500, an empty
// body or a hang), and a connection answered early stays usable or is closed, never stuck. The
// mistyped bodies are made from the served OpenAPI for every kind discovery lists, so a kind added
// later is covered without a line here.
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

  test('every kind discovery serves: a body with a field of the wrong JSON type is a 400, never a 5xx', async () => {
    const get = async (path: string) => JSON.parse((await request(cluster, agent, 'GET', path)).body);
    const groupVersions = ['v1', ...(await get('/apis')).groups.flatMap((g: any) => g.versions.map((v: any) => v.groupVersion))];
    const failures: string[] = [];
    let sent = 0;
    const kinds = new Set<string>();
    for (const gv of groupVersions) {
      const base = gv === 'v1' ? '/api/v1' : `/apis/${gv}`;
      const doc = await get(`/openapi/v3${base}`);
      const schemas: Record<string, Schema> = doc.components?.schemas ?? {};
      for (const r of (await get(base)).resources as any[]) {
        if (r.name.includes('/') || !r.verbs.includes('create')) continue;
        const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv];
        const schema = Object.values(schemas).find((x) => x['x-kubernetes-group-version-kind']?.some((k: any) => k.group === group && k.version === version && k.kind === r.kind));
        if (!schema) continue;
        kinds.add(`${gv} ${r.kind}`);
        const collection = `${base}${r.namespaced ? '/namespaces/default' : ''}/${r.name}`;
        for (const [path, field] of fieldsOf(schema, schemas)) {
          for (const wrong of mistyped(field, schemas)) {
            const body: Record<string, unknown> = { apiVersion: gv, kind: r.kind, metadata: { name: `hostile-${sent}` } };
            setPath(body, path, wrong);
            sent++;
            const a = await request(cluster, agent, 'POST', collection, JSON.stringify(body));
            let status: any;
            try { status = JSON.parse(a.body); } catch { /* reported below */ }
            if (a.status !== 400 || status?.kind !== 'Status' || status?.reason !== 'BadRequest') {
              failures.push(`POST ${collection} ${path.join('.')}=${JSON.stringify(wrong)}: ${a.status} ${a.body.slice(0, 160)}`);
            }
          }
        }
      }
    }
    assert.deepEqual(failures, []);
    for (const kind of ['v1 Pod', 'v1 Secret', 'v1 ServiceAccount', 'apps/v1 Deployment', 'apps/v1 ReplicaSet']) assert.ok(kinds.has(kind), `${kind} covered`);
    assert.ok(sent > 400, `${sent} requests`);
    const overflow = await request(cluster, agent, 'POST', '/apis/apps/v1/namespaces/default/deployments', JSON.stringify({ metadata: { name: 'd' }, spec: { replicas: 2147483648 } }));
    assert.equal(JSON.parse(overflow.body).message, 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32');
    // Create-only kinds are decoded as Go decodes them too, in kube's words.
    const binding = await request(cluster, agent, 'POST', '/api/v1/namespaces/default/pods/victim/binding', JSON.stringify({ metadata: { name: 'victim' }, target: 'node-1' }));
    assert.equal(JSON.parse(binding.body).message, 'Binding in version "v1" cannot be handled as a Binding: json: cannot unmarshal string into Go struct field Binding.target of type v1.ObjectReference');
  });
});

interface Schema {
  type?: string;
  format?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  allOf?: Schema[];
  $ref?: string;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

const resolve = (s: Schema, schemas: Record<string, Schema>): Schema => {
  const ref = s.$ref ?? s.allOf?.[0]?.$ref;
  return ref ? schemas[ref.replace('#/components/schemas/', '')] ?? {} : s;
};

/** The fields to mistype: the kind's own (but its identity and status), and those of its spec. */
function fieldsOf(kind: Schema, schemas: Record<string, Schema>): [string[], Schema][] {
  const out: [string[], Schema][] = [];
  for (const [name, field] of Object.entries(kind.properties ?? {})) {
    if (['apiVersion', 'kind', 'metadata', 'status'].includes(name)) continue;
    out.push([[name], field]);
    if (name !== 'spec') continue;
    for (const [inner, f] of Object.entries(resolve(field, schemas).properties ?? {})) out.push([[name, inner], f]);
  }
  return out;
}

/** Values of a JSON type the field's Go type cannot take; none for fields that take any JSON. */
function mistyped(field: Schema, schemas: Record<string, Schema>): unknown[] {
  const s = resolve(field, schemas);
  if (s['x-kubernetes-preserve-unknown-fields'] || field['x-kubernetes-preserve-unknown-fields']) return [];
  // IntOrString and Quantity take a string or a number.
  if (s['x-kubernetes-int-or-string'] || s.format === 'int-or-string' || (s.type === undefined && !s.properties)) return [[]];
  switch (s.type) {
    // Beyond the Go type's range is a decode error too.
    case 'integer': return ['7', true, [], {}, 1.5, s.format === 'int32' ? 2147483648 : 1e19];
    case 'number': return ['7', true, []];
    case 'boolean': return ['yes', 1, {}];
    case 'string': return [5, true, [], {}];
    case 'array': return ['x', 5, {}];
    default: return ['x', 5, []];
  }
}

function setPath(body: Record<string, unknown>, path: string[], value: unknown): void {
  let at = body;
  for (const key of path.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
  at[path[path.length - 1]] = value;
}
