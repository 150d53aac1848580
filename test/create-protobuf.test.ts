// kubectl 1.32+ sends every `kubectl create <kind>` body as protobuf; kubectl 1.27 sends JSON. The
// same command through either must store the same object: each subcommand is run with both into
// namespaces of their own and the stored objects compared, less what the server assigns.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { http, kubectl, withCluster } from './helpers.js';

/** A self-signed certificate and key for `create secret tls`. */
function tlsFiles(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tinykube-tls-'));
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=example.com', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

/** Each subcommand, the resource path it makes (under the namespace), and its arguments. */
function subcommands(files: { cert: string; key: string }): [string, string, string[]][] {
  return [
    ['deployment', 'apis/apps/v1/namespaces/NS/deployments/web', ['create', 'deployment', 'web', '--image=nginx:1.25', '--port=80', '--replicas=2']],
    ['secret generic', 'api/v1/namespaces/NS/secrets/generic', ['create', 'secret', 'generic', 'generic', '--from-literal=user=admin', '--type=Opaque']],
    ['secret docker-registry', 'api/v1/namespaces/NS/secrets/registry', ['create', 'secret', 'docker-registry', 'registry', '--docker-username=u', '--docker-password=p', '--docker-server=r.example.com']],
    ['secret tls', 'api/v1/namespaces/NS/secrets/tls', ['create', 'secret', 'tls', 'tls', `--cert=${files.cert}`, `--key=${files.key}`]],
    ['configmap', 'api/v1/namespaces/NS/configmaps/settings', ['create', 'configmap', 'settings', '--from-literal=mode=fast']],
    ['job', 'apis/batch/v1/namespaces/NS/jobs/once', ['create', 'job', 'once', '--image=busybox', '--', 'echo', 'hi']],
    ['cronjob', 'apis/batch/v1/namespaces/NS/cronjobs/tick', ['create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date']],
    ['serviceaccount', 'api/v1/namespaces/NS/serviceaccounts/robot', ['create', 'serviceaccount', 'robot']],
    ['service clusterip', 'api/v1/namespaces/NS/services/inside', ['create', 'service', 'clusterip', 'inside', '--tcp=80:8080']],
    ['service nodeport', 'api/v1/namespaces/NS/services/outside', ['create', 'service', 'nodeport', 'outside', '--tcp=80:8080']],
  ];
}

/** What the server assigns or what differs by namespace and time: left out of the comparison. */
function comparable(o: any, ns: string): unknown {
  const { uid, resourceVersion, creationTimestamp, managedFields, namespace, labels, ...metadata } = o.metadata;
  void uid; void resourceVersion; void creationTimestamp; void namespace;
  const fields = managedFields?.map((m: any) => ({ ...m, time: undefined }));
  const spec = o.spec && { ...o.spec, clusterIP: undefined, clusterIPs: undefined, ports: o.spec.ports?.map((p: any) => ({ ...p, nodePort: undefined })) };
  // A Job's generated selector and labels carry its uid.
  const text = JSON.stringify({ ...o, metadata: { ...metadata, labels, managedFields: fields }, spec }).replaceAll(ns, 'NS').replaceAll(uid, 'UID');
  return JSON.parse(text);
}

describe('kubectl create: the protobuf body of 1.33 stores what the JSON body of 1.27 stores', () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster(); });
  after(async () => { await cluster.close(); });

  test('every create subcommand of a served kind', async () => {
    const files = tlsFiles();
    for (const v of ['1.27', '1.33']) assert.equal((await kubectl(v, cluster, ['create', 'namespace', `via-${v.replace('.', '-')}`])).code, 0);
    for (const [name, path, args] of subcommands(files)) {
      const stored: unknown[] = [];
      for (const v of ['1.27', '1.33']) {
        const ns = `via-${v.replace('.', '-')}`;
        const r = await kubectl(v, cluster, ['-n', ns, ...args]);
        assert.equal(r.code, 0, `${v} create ${name}: ${r.stderr}`);
        const got = await http(cluster, 'GET', `/${path.replace('NS', ns)}`);
        assert.equal(got.status, 200, `${v} create ${name}: ${got.text}`);
        stored.push(comparable(got.json(), ns));
      }
      assert.deepEqual(stored[1], stored[0], `create ${name}`);
    }
  });
});
