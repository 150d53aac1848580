// Secrets with kubectl 1.27, 1.30 and 1.33 (1.32+ may send protobuf): create generic, tls and
// docker-registry, get as a table and YAML, describe (sizes, never values); kube's validation
// texts; and pods taking env from ConfigMaps and Secrets: envFrom seen by `kubectl exec -- env`,
// and a missing ConfigMap holding the container in CreateContainerConfigError until it appears.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, kubectl, kubectlOk, rows, scratchFile, withCluster } from './helpers.js';

const VERSIONS = ['1.27', '1.30', '1.33'];
const IMMUTABLE = 'field is immutable when `immutable` is set';

describe('Secrets', () => {
  let cluster: Cluster;
  let pair: { cert: string; key: string };
  before(async () => {
    cluster = await withCluster({ controlPlane: true, nodes: 1, loadBalancerAddress: false, tls: true });
    pair = cluster.issueClientCertificate('web.example.com');
  });
  after(async () => { await cluster.close(); });

  for (const v of VERSIONS) {
    const tag = v.replace('.', '-');
    const k = (args: string[]) => kubectl(v, cluster, args);
    const ok = (...args: string[]) => kubectlOk(v, cluster, args);

    test(`kubectl ${v}: create secret generic, get as a table and YAML, describe`, async () => {
      const name = `db-${tag}`;
      const file = scratchFile(`ca-${tag}.pem`, 'line one\nline two\n');
      assert.equal(await ok('create', 'secret', 'generic', name, '--from-literal=password=hunter2', `--from-file=ca.pem=${file}`), `secret/${name} created\n`);
      assert.match(await ok('get', 'secret', name), new RegExp(`^NAME +TYPE +DATA +AGE\\n${name} +Opaque +2 +\\d+s\\n$`));
      const yaml = await ok('get', 'secret', name, '-o', 'yaml');
      assert.ok(yaml.startsWith(`apiVersion: v1\ndata:\n  ca.pem: ${Buffer.from('line one\nline two\n').toString('base64')}\n  password: aHVudGVyMg==\nkind: Secret\nmetadata:\n`), yaml);
      assert.ok(yaml.endsWith('type: Opaque\n'), yaml);
      // kubectl walks the data map in Go's random order: the keys' lines are compared as a set.
      const [head, data] = (await ok('describe', 'secret', name)).split('====\n');
      assert.equal(head, `Name:         ${name}\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\n\nType:  Opaque\n\nData\n`);
      assert.deepEqual(data.split('\n').sort(), ['', 'ca.pem:    18 bytes', 'password:  7 bytes']);
    });

    test(`kubectl ${v}: create secret tls and docker-registry`, async () => {
      const cert = scratchFile(`tls-${tag}.crt`, pair.cert);
      const key = scratchFile(`tls-${tag}.key`, pair.key);
      assert.equal(await ok('create', 'secret', 'tls', `web-${tag}`, `--cert=${cert}`, `--key=${key}`), `secret/web-${tag} created\n`);
      assert.equal(await ok('create', 'secret', 'docker-registry', `pull-${tag}`, '--docker-server=registry.example.com', '--docker-username=ci', '--docker-password=s3cret'), `secret/pull-${tag} created\n`);
      const table = rows(await ok('get', 'secrets', `web-${tag}`, `pull-${tag}`));
      assert.deepEqual(table.map((r) => r.slice(0, 3)), [['NAME', 'TYPE', 'DATA'], [`web-${tag}`, 'kubernetes.io/tls', '2'], [`pull-${tag}`, 'kubernetes.io/dockerconfigjson', '1']]);
      const config = JSON.parse(Buffer.from(await ok('get', 'secret', `pull-${tag}`, '-o', 'jsonpath={.data.\\.dockerconfigjson}'), 'base64').toString());
      assert.deepEqual(config, { auths: { 'registry.example.com': { username: 'ci', password: 's3cret', auth: Buffer.from('ci:s3cret').toString('base64') } } });
      assert.equal(Buffer.from(await ok('get', 'secret', `web-${tag}`, '-o', 'jsonpath={.data.tls\\.crt}'), 'base64').toString(), pair.cert);
    });

    test(`kubectl ${v}: stringData is written into data and not kept; an immutable secret refuses changes`, async () => {
      const name = `frozen-${tag}`;
      const manifest = scratchFile(`secret-${tag}.yaml`, `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\nstringData:\n  token: abc\nimmutable: true\n`);
      assert.equal(await ok('apply', '-f', manifest), `secret/${name} created\n`);
      const stored = JSON.parse(await ok('get', 'secret', name, '-o', 'json'));
      assert.deepEqual([stored.data, stored.stringData, stored.type], [{ token: 'YWJj' }, undefined, 'Opaque']);
      const patched = await k(['patch', 'secret', name, '-p', '{"stringData":{"token":"xyz"}}']);
      assert.deepEqual([patched.code, patched.stderr], [1, `The Secret "${name}" is invalid: data: Forbidden: ${IMMUTABLE}\n`]);
    });

    test(`kubectl ${v}: envFrom a ConfigMap and a Secret, seen by kubectl exec -- env`, async () => {
      const pod = `envfrom-${tag}`;
      await ok('create', 'configmap', `settings-${tag}`, '--from-literal=MODE=fast');
      await ok('create', 'secret', 'generic', `creds-${tag}`, '--from-literal=PASSWORD=hunter2');
      const manifest = scratchFile(`${pod}.yaml`, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${pod}\nspec:\n  containers:\n  - name: app\n    image: busybox\n    command: [sleep, '3600']\n    envFrom:\n    - configMapRef: {name: settings-${tag}}\n      prefix: APP_\n    - secretRef: {name: creds-${tag}}\n    env:\n    - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: creds-${tag}, key: PASSWORD}}}\n`);
      await ok('apply', '-f', manifest);
      await ok('wait', '--for=condition=Ready', `pod/${pod}`, '--timeout=20s');
      const env = (await ok('exec', pod, '--', 'env')).split('\n');
      for (const line of ['APP_MODE=fast', 'PASSWORD=hunter2', 'DB_PASSWORD=hunter2', `HOSTNAME=${pod}`]) assert.ok(env.includes(line), `${line} in ${env.join(' ')}`);
    });

    test(`kubectl ${v}: a missing ConfigMap holds the container in CreateContainerConfigError until it is created`, async () => {
      const pod = `waits-${tag}`;
      const cm = `late-${tag}`;
      const manifest = scratchFile(`${pod}.yaml`, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${pod}\nspec:\n  containers:\n  - name: app\n    image: busybox\n    command: [sleep, '3600']\n    env:\n    - {name: LEVEL, valueFrom: {configMapKeyRef: {name: ${cm}, key: level}}}\n`);
      await ok('apply', '-f', manifest);
      await eventually(async () => rows(await ok('get', 'pod', pod))[1]?.[2] === 'CreateContainerConfigError', 10_000, 'CreateContainerConfigError');
      const waiting = JSON.parse(await ok('get', 'pod', pod, '-o', 'jsonpath={.status.containerStatuses[0].state}'));
      assert.deepEqual(waiting, { waiting: { reason: 'CreateContainerConfigError', message: `configmap "${cm}" not found` } });
      const events = await ok('get', 'events', '--field-selector', `involvedObject.name=${pod},reason=Failed`, '-o', 'jsonpath={.items[*].message}');
      assert.equal(events, `Error: configmap "${cm}" not found`);
      await ok('create', 'configmap', cm, '--from-literal=level=debug');
      await eventually(async () => rows(await ok('get', 'pod', pod))[1]?.[2] === 'Running', 10_000, 'Running');
      assert.ok((await ok('exec', pod, '--', 'env')).includes('LEVEL=debug\n'));
    });
  }

  test("kube's validation texts for typed secrets", async () => {
    const create = async (name: string, body: string) => kubectl('1.33', cluster, ['create', '-f', scratchFile(`${name}.yaml`, `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n${body}`)]);
    const results = await Promise.all([
      create('half', 'type: kubernetes.io/tls\ndata:\n  tls.crt: Yw==\n'),
      create('tok', 'type: kubernetes.io/service-account-token\n'),
      create('dock', "type: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: '{'\n"),
    ]);
    assert.deepEqual(results.map((r) => [r.code, r.stderr]), [
      [1, 'The Secret "half" is invalid: data[tls.key]: Required value\n'],
      [1, 'The Secret "tok" is invalid: metadata.annotations[kubernetes.io/service-account.name]: Required value\n'],
      [1, 'The Secret "dock" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": unexpected end of JSON input\n'],
    ]);
  });
});
