// Debian's python3-kubernetes against a running tinykube: CRUD, errors as ApiException with the
// right status, patch, watch from a resourceVersion, the scale subresource. One script run; each
// part of what it saw is one cell of the matrix.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import type { Cluster } from '../../src/index.js';
import { runJSONScript, withCluster } from '../helpers.js';
import { needs, PYTHON } from '../peers.js';
import { clientStories } from './matrix.js';

describe('python3-kubernetes 22.6', { skip: needs('python3-kubernetes') }, () => {
  const { story, exactVersion } = clientStories('python', '22.6');
  let cluster: Cluster;
  let seen: any;
  before(async () => {
    cluster = await withCluster();
    seen = await runJSONScript(PYTHON, [join(import.meta.dirname, 'python', 'client_story.py'), cluster.kubeconfigPath]);
    exactVersion(seen.version);
  });
  after(async () => { await cluster.close(); });

  story('crud', async () => {
    assert.match(seen.version, /^22\.6\./);
    assert.deepEqual(seen.namespaces, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    assert.deepEqual(seen.created, ['py', 'Pending']);
    assert.deepEqual(seen.read, [true, 'Always']);
    assert.equal(seen.deleted, 'py');
  });
  story('errors', async () => {
    assert.deepEqual(seen.not_found, [404, 'pods "nope" not found']);
    assert.deepEqual(seen.already_exists, [409, 'AlreadyExists']);
    assert.deepEqual(seen.invalid, [422, 'Pod "bad" is invalid: spec.containers[0].image: Required value']);
  });
  story('patch', async () => {
    assert.deepEqual(seen.patched, { app: 'py', x: '1' });
  });
  story('watch', async () => {
    assert.deepEqual(seen.events, [['DELETED', 'py']]);
  });
  story('scale', async () => {
    assert.deepEqual(seen.scale, ['Scale', 4, 4]);
  });
});
