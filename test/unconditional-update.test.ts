// An update whose object carries metadata.resourceVersion "0" is unconditional, as one with no
// resourceVersion is, for every kind whose strategy allows unconditional updates (all tinykube
// serves): `kubectl get X -o yaml | sed 's/resourceVersion: .*/resourceVersion: "0"/' | kubectl
// replace -f -` goes through, with --dry-run=server changing nothing. A stale non-zero
// resourceVersion is still a conflict.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { http, kubectl, scratchFile, withCluster } from './helpers.js';

const VERSIONS = ['1.27', '1.33'];

describe('resourceVersion "0" on update', () => {
  let cluster: Cluster;
  before(async () => {
    // Node status reports are left to the end of the run, so the node changes only when a test changes it.
    cluster = await withCluster({ controlPlane: true, nodes: 1, kubelet: { statusUpdateMs: 600_000 } });
    const svc = await http(cluster, 'POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { app: 'web' } }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    assert.equal(svc.status, 201, svc.text);
  });
  after(async () => { await cluster.close(); });

  for (const v of VERSIONS) {
    test(`kubectl ${v}: replace -f of a Node and of a Service carrying resourceVersion "0" succeeds; with --dry-run=server it changes nothing`, async () => {
      const tag = `v${v.replace('.', '-')}`;
      const label = `replaced-${tag}`;
      for (const [resource, name, path] of [['node', 'node-1', '/api/v1/nodes/node-1'], ['service', 'web', '/api/v1/namespaces/default/services/web']]) {
        const k = (...args: string[]) => kubectl(v, cluster, args);
        const got = await k('get', resource, name, '-o', 'yaml');
        assert.equal(got.code, 0, got.stderr);
        // The sed, plus a label so the replace shows.
        const manifest = got.stdout.replace(/resourceVersion: .*/g, 'resourceVersion: "0"').replace(/^ {2}labels:\n/m, `  labels:\n    ${label}: "yes"\n`);
        assert.match(manifest, new RegExp(`^ {4}${label}: "yes"$`, 'm'));
        const file = scratchFile(`${resource}-${tag}.yaml`, manifest);
        const original = (await http(cluster, 'GET', path)).json();

        const dry = await k('replace', '-f', file, '--dry-run=server');
        assert.deepEqual([dry.code, dry.stdout, dry.stderr], [0, `${resource}/${name} replaced (server dry run)\n`, '']);
        const unchanged = (await http(cluster, 'GET', path)).json();
        assert.deepEqual([unchanged.metadata.resourceVersion, unchanged.metadata.labels[label]], [original.metadata.resourceVersion, undefined]);

        const real = await k('replace', '-f', file);
        assert.deepEqual([real.code, real.stdout, real.stderr], [0, `${resource}/${name} replaced\n`, '']);
        const replaced = (await http(cluster, 'GET', path)).json();
        assert.equal(replaced.metadata.labels[label], 'yes');
        assert.ok(Number(replaced.metadata.resourceVersion) > Number(original.metadata.resourceVersion));

        // Over HTTP too; a stale resourceVersion other than "0" is still refused.
        const put = await http(cluster, 'PUT', path, { ...replaced, metadata: { ...replaced.metadata, resourceVersion: '0', labels: { ...replaced.metadata.labels, put: tag } } });
        assert.equal(put.status, 200, put.text);
        assert.equal(put.json().metadata.labels.put, tag);
        const stale = await http(cluster, 'PUT', path, { ...replaced, metadata: { ...replaced.metadata, resourceVersion: original.metadata.resourceVersion } });
        assert.deepEqual([stale.status, stale.json().message], [409, `Operation cannot be fulfilled on ${resource}s "${name}": the object has been modified; please apply your changes to the latest version and try again`]);
      }
    });
  }
});
