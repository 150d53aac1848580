// Bodies byte for byte as kube-apiserver writes them: the JSON encoder's trailing newline on every
// answer, Status fields in the Go struct's order, and decode errors in Go's encoding/json words
// with the Go types the schema implies. Clients compare these bytes (the Python client's
// ApiException text embeds the body; kubectl prints the message).
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Cluster } from '../src/index.js';
import { http, kubectl, scratchFile, withCluster } from './helpers.js';

const pod = (name: string, spec: unknown = { containers: [{ name: 'c', image: 'nginx' }] }, metadata: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, ...metadata }, spec });
const cannot = (why: string) => `Pod in version "v1" cannot be handled as a Pod: ${why}`;

/** A GET as sent, read as received: node:http asks for no encoding and decodes none. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject).end();
  });
}

describe('wire bytes', () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster(); });
  after(async () => { await cluster.close(); });

  test('Status bodies: Go field order (details before code, name/group/kind), then a newline', async () => {
    const cases: [string, string, unknown, string][] = [
      ['GET', '/api/v1/namespaces/default/pods/nope', undefined,
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","kind":"pods"},"code":404}\n'],
      ['GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases/x', undefined,
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"leases.coordination.k8s.io \\"x\\" not found","reason":"NotFound","details":{"name":"x","group":"coordination.k8s.io","kind":"leases"},"code":404}\n'],
      ['POST', '/api/v1/namespaces/default/pods', pod('Bad_Name'),
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Pod \\"Bad_Name\\" is invalid: metadata.name: Invalid value: \\"Bad_Name\\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')","reason":"Invalid","details":{"name":"Bad_Name","kind":"Pod","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \\"Bad_Name\\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')","field":"metadata.name"}]},"code":422}\n'],
      ['GET', '/api/v1/widgets', undefined,
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}\n'],
    ];
    for (const [method, path, body, bytes] of cases) {
      const r = await http(cluster, method, path, body);
      assert.equal(r.text, bytes, `${method} ${path}`);
      assert.equal(r.headers.get('content-length'), String(Buffer.byteLength(bytes)));
    }
    assert.equal((await http(cluster, 'POST', '/api/v1/namespaces/default/pods', pod('dup'))).status, 201);
    const dup = await http(cluster, 'POST', '/api/v1/namespaces/default/pods', pod('dup'));
    assert.equal(dup.text, '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"dup\\" already exists","reason":"AlreadyExists","details":{"name":"dup","kind":"pods"},"code":409}\n');
  });

  test('objects, lists, Tables and discovery end with the encoder\'s newline; /version is indented without one', async () => {
    for (const [path, accept] of [
      ['/api/v1/namespaces/default/pods/dup', 'application/json'],
      ['/api/v1/namespaces/default/pods', 'application/json'],
      ['/api/v1/namespaces', 'application/json;as=Table;v=v1;g=meta.k8s.io'],
      ['/api/v1', 'application/json'],
      ['/apis', 'application/json'],
      ['/api', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'],
    ]) {
      const r = await http(cluster, 'GET', path, undefined, { Accept: accept });
      assert.equal(r.status, 200, path);
      assert.ok(r.text.endsWith('}\n') && !r.text.endsWith('\n\n'), `${path} ends with one newline`);
      assert.doesNotThrow(() => r.json(), path);
    }
    const deleted = await http(cluster, 'DELETE', '/api/v1/namespaces/default/pods/dup?gracePeriodSeconds=0');
    assert.ok(deleted.text.endsWith('}\n'));
    const version = await http(cluster, 'GET', '/version');
    assert.match(version.text, /^\{\n {2}"major": "1",\n {2}"minor": "33",\n[^]*\n\}$/);
  });

  test('decode errors name the struct, the field path and the Go type', async () => {
    const cases: [unknown, string][] = [
      [pod('a', undefined, { labels: 'abc' }), 'json: cannot unmarshal string into Go struct field ObjectMeta.metadata.labels of type map[string]string'],
      [pod('a', undefined, { labels: { a: 1 } }), 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string'],
      [pod('a', { containers: 'nginx' }), 'json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container'],
      [pod('a', 'x'), 'json: cannot unmarshal string into Go struct field Pod.spec of type v1.PodSpec'],
      [pod('a', { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: '80' }] }] }), 'json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32'],
      [pod('a', { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 1.5 }] }] }), 'json: cannot unmarshal number 1.5 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32'],
      [pod('a', { terminationGracePeriodSeconds: true, containers: [] }), 'json: cannot unmarshal bool into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64'],
      [pod('a', { containers: [{ name: 'c', image: 'i', tty: 'yes' }] }), 'json: cannot unmarshal string into Go struct field Container.spec.containers.tty of type bool'],
      [pod('a', { containers: [{ name: 'c', image: 'i', command: 'sh' }] }), 'json: cannot unmarshal string into Go struct field Container.spec.containers.command of type []string'],
      [pod('a', { nodeSelector: ['a'], containers: [] }), 'json: cannot unmarshal array into Go struct field PodSpec.spec.nodeSelector of type map[string]string'],
      // The first wrong value in the body's order is the one Go reports.
      [pod('a', { containers: [{ name: 5, image: 6 }] }), 'json: cannot unmarshal number into Go struct field Container.spec.containers.name of type string'],
    ];
    for (const [body, message] of cases) {
      const r = await http(cluster, 'POST', '/api/v1/namespaces/default/pods', body);
      assert.deepEqual([r.status, r.json().reason, r.json().message], [400, 'BadRequest', cannot(message)], message);
    }
  });

  for (const version of ['1.27', '1.33']) {
    test(`kubectl ${version} prints the server's decode error`, async () => {
      const file = scratchFile(`bad-port-${version}.yaml`, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n  - name: c\n    image: nginx\n    ports:\n    - containerPort: "80"\n');
      const r = await kubectl(version, cluster, ['create', '-f', file]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), `Error from server (BadRequest): error when creating "${file}": ${cannot('json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32')}`);
      const applied = await kubectl(version, cluster, ['apply', '--server-side', '-f', file]);
      assert.equal(applied.stderr.trim(), `Error from server (BadRequest): ${cannot('json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32')}`);
    });
  }

  test('an answer over 128 KiB is gzipped when the request accepts gzip, as kube-apiserver does (APIResponseCompression)', async () => {
    // 50 ConfigMaps of 3 KB: a list of about 160 KB.
    const value = 'v'.repeat(3000);
    for (let i = 0; i < 50; i++) {
      assert.equal((await http(cluster, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: `big-${i}`, labels: { big: 'yes' } }, data: { value } })).status, 201);
    }
    const list = `${cluster.url}/api/v1/namespaces/default/configmaps?labelSelector=big%3Dyes`;
    const plain = await rawGet(list, {});
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.headers['content-length'], String(plain.body.length));
    assert.ok(plain.body.length > 128 * 1024, `${plain.body.length} bytes`);

    const gzipped = await rawGet(list, { 'Accept-Encoding': 'deflate, gzip' });
    assert.equal(gzipped.status, 200);
    assert.equal(gzipped.headers['content-encoding'], 'gzip');
    assert.equal(gzipped.headers.vary, 'Accept-Encoding');
    assert.equal(gzipped.headers['content-type'], 'application/json');
    assert.equal(gzipped.headers['content-length'], undefined);
    assert.equal(gzipped.headers['transfer-encoding'], 'chunked');
    assert.ok(gzipped.body.length < plain.body.length / 10, `${gzipped.body.length} compressed bytes`);
    assert.equal(gunzipSync(gzipped.body).toString(), plain.body.toString());

    // kube takes a token equal to "gzip" and nothing else; small answers and watches go as they are.
    for (const encoding of ['gzip;q=1.0', 'deflate', 'br', 'x-gzip']) {
      const r = await rawGet(list, { 'Accept-Encoding': encoding });
      assert.deepEqual([r.headers['content-encoding'], r.body.length], [undefined, plain.body.length], encoding);
    }
    const one = await rawGet(`${cluster.url}/api/v1/namespaces/default/configmaps/big-0`, { 'Accept-Encoding': 'gzip' });
    assert.equal(one.headers['content-encoding'], undefined);
    assert.equal(JSON.parse(one.body.toString()).data.value, value);
    const table = await rawGet(`${list}&includeObject=Object`, { 'Accept-Encoding': 'gzip', Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    assert.equal(table.headers['content-encoding'], 'gzip');
    assert.equal(JSON.parse(gunzipSync(table.body).toString()).rows.length, 50);

    // kubectl (Go's transport asks for gzip, below what -v=8 logs, and decodes it) reads the compressed list.
    const got = await kubectl('1.33', cluster, ['get', 'configmaps', '-l', 'big=yes', '-o', 'json']);
    assert.equal(got.code, 0, got.stderr);
    const items = (JSON.parse(got.stdout) as { items: { data: { value: string } }[] }).items;
    assert.deepEqual([items.length, items.every((i) => i.data.value === value)], [50, true]);
  });
});
