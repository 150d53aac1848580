// ConfigMaps, the first kind added as a Strategy alone (docs/adding-a-kind.md): kubectl 1.27 and
// 1.33 create them from literals and files, show them as YAML and in tables, edit them; an
// immutable one refuses changes with kube's message; client-node reads and writes them.
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, scratchFile, withCluster } from './helpers.js';

const VERSIONS = ['1.27', '1.33'];
const EDITOR = scratchFile('configmap-editor.sh', "#!/bin/sh\nsed -i 's/level: debug/level: info/' \"$1\"\n");
chmodSync(EDITOR, 0o755);
const IMMUTABLE = 'field is immutable when `immutable` is set';

describe('ConfigMaps', () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster(); });
  after(async () => { await cluster.close(); });

  for (const v of VERSIONS) {
    const tag = v.replace('.', '-');
    const k = (args: string[], env?: Record<string, string>) => kubectl(v, cluster, args, env ? { env } : {});

    test(`kubectl ${v}: create --from-literal and --from-file, get as a table and as YAML, edit`, async () => {
      const name = `settings-${tag}`;
      const file = scratchFile(`app-${tag}.conf`, 'level: debug\nport: 8080\n');
      const created = await k(['create', 'configmap', name, '--from-literal=mode=fast', '--from-literal=replicas=3', `--from-file=app.conf=${file}`]);
      assert.deepEqual([created.code, created.stdout, created.stderr], [0, `configmap/${name} created\n`, '']);

      const table = await k(['get', 'cm', name]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, new RegExp(`^NAME +DATA +AGE\\n${name} +3 +\\d+s\\n$`));

      const yaml = await k(['get', 'configmap', name, '-o', 'yaml']);
      assert.equal(yaml.code, 0, yaml.stderr);
      assert.ok(yaml.stdout.startsWith('apiVersion: v1\ndata:\n  app.conf: |\n    level: debug\n    port: 8080\n  mode: fast\n  replicas: "3"\nkind: ConfigMap\nmetadata:\n'), yaml.stdout);
      assert.match(yaml.stdout, new RegExp(`^  name: ${name}\\n  namespace: default\\n  resourceVersion: "\\d+"\\n  uid: [0-9a-f-]{36}\\n$`, 'm'));

      const edited = await k(['edit', 'configmap', name], { EDITOR });
      assert.deepEqual([edited.code, edited.stdout], [0, `configmap/${name} edited\n`], edited.stderr);
      const conf = await k(['get', 'cm', name, '-o', 'jsonpath={.data.app\\.conf}']);
      assert.deepEqual([conf.code, conf.stdout], [0, 'level: info\nport: 8080\n']);
    });

    test(`kubectl ${v}: an immutable ConfigMap refuses changes to data and to the flag, with kube's message`, async () => {
      const name = `frozen-${tag}`;
      const manifest = scratchFile(`frozen-${tag}.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  key: value\nimmutable: true\n`);
      const created = await k(['apply', '-f', manifest]);
      assert.deepEqual([created.code, created.stdout], [0, `configmap/${name} created\n`], created.stderr);

      const patched = await k(['patch', 'configmap', name, '-p', '{"data":{"key":"other"}}']);
      assert.deepEqual([patched.code, patched.stderr], [1, `The ConfigMap "${name}" is invalid: data: Forbidden: ${IMMUTABLE}\n`]);
      const thawed = await k(['patch', 'configmap', name, '--type=merge', '-p', '{"immutable":false,"binaryData":{"b":"AAE="}}']);
      assert.deepEqual([thawed.code, thawed.stderr], [1, `The ConfigMap "${name}" is invalid: \n* immutable: Forbidden: ${IMMUTABLE}\n* binaryData: Forbidden: ${IMMUTABLE}\n`]);
      // Labels may still change, and the object may be deleted.
      const labelled = await k(['label', 'configmap', name, 'team=core']);
      assert.deepEqual([labelled.code, labelled.stdout], [0, `configmap/${name} labeled\n`], labelled.stderr);
      const deleted = await k(['delete', 'configmap', name]);
      assert.deepEqual([deleted.code, deleted.stdout], [0, `configmap "${name}" deleted\n`], deleted.stderr);
    });
  }

  test('keys and sizes are validated as kube validates them', async () => {
    const bad = await http(cluster, 'POST', '/api/v1/namespaces/default/configmaps', {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad' }, data: { 'a b': '1', same: 'x' }, binaryData: { same: 'AAE=', '..up': 'AAE=' },
    });
    assert.equal(bad.status, 422);
    assert.equal(bad.json().message, 'ConfigMap "bad" is invalid: [data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, \'-\', \'_\' or \'.\' (e.g. \'key.name\',  or \'KEY_NAME\',  or \'key-name\', regex used for validation is \'[-._a-zA-Z0-9]+\'), data[same]: Invalid value: "same": duplicate of key present in binaryData, binaryData[..up]: Invalid value: "..up": must not start with \'..\']');
    const big = await http(cluster, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { a: 'x'.repeat(1024 * 1024 + 1) } });
    assert.deepEqual([big.status, big.json().message], [422, 'ConfigMap "big" is invalid: : Too long: must have at most 1048576 bytes']);
  });

  test('@kubernetes/client-node: create, read, replace and list', async () => {
    const core = cluster.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.CoreV1Api);
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'from-client' }, data: { greeting: 'hello' }, binaryData: { raw: Buffer.from([0, 1, 2]).toString('base64') } } });
    assert.deepEqual([created.kind, created.data, created.binaryData], ['ConfigMap', { greeting: 'hello' }, { raw: 'AAEC' }]);
    const read = await core.readNamespacedConfigMap({ namespace: 'default', name: 'from-client' });
    read.data = { greeting: 'hi' };
    const replaced = await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'from-client', body: read });
    assert.equal(replaced.data?.greeting, 'hi');
    const list = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: '' });
    assert.ok(list.items.some((c) => c.metadata?.name === 'from-client'));
  });
});

describe('kube-root-ca.crt in every namespace (the root CA publisher)', () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster({ controlPlane: true, tls: true }); });
  after(async () => { await cluster.close(); });
  // Over HTTPS with the kubeconfig's credentials, as everything else here.
  const rootCA = async (ns: string) => {
    const r = await kubectl('1.33', cluster, ['get', 'configmap', 'kube-root-ca.crt', '-n', ns, '-o', 'json']);
    return r.code === 0 ? JSON.parse(r.stdout) : undefined;
  };

  test('a new namespace gets it, holding the CA kubectl trusts; deleted it comes back, edited it is set back', async () => {
    for (const v of VERSIONS) {
      const ns = `ca-${v.replace('.', '-')}`;
      assert.equal((await kubectl(v, cluster, ['create', 'namespace', ns])).code, 0);
      const cm = await eventually(() => rootCA(ns), 5000, 'the ConfigMap');
      assert.deepEqual(Object.keys(cm.data), ['ca.crt']);
      assert.match(cm.data['ca.crt'], /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
      assert.equal(cm.data['ca.crt'], cluster.caCertificate);
      assert.equal(cm.metadata.annotations['kubernetes.io/description'], 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.');
      const table = await kubectl(v, cluster, ['get', 'configmaps', '-n', ns]);
      assert.match(table.stdout, /^NAME\s+DATA\s+AGE\nkube-root-ca\.crt\s+1\s+\S+\n$/);
      assert.equal((await kubectl(v, cluster, ['delete', 'configmap', 'kube-root-ca.crt', '-n', ns])).code, 0);
      await eventually(async () => { const again = await rootCA(ns); return again && again.metadata.uid !== cm.metadata.uid; }, 5000, 'the ConfigMap made again');
      assert.equal((await kubectl(v, cluster, ['patch', 'configmap', 'kube-root-ca.crt', '-n', ns, '-p', '{"data":{"ca.crt":"x","extra":"y"}}'])).code, 0);
      await eventually(async () => { const back = await rootCA(ns); return back && Object.keys(back.data).length === 1 && back.data['ca.crt'] === cluster.caCertificate; }, 5000, 'the CA set back');
    }
  });
});
