// Debian's ruby-kubeclient against a running tinykube: CRUD, NotFound as its error class, and
// watches on the legacy /api/v1/watch/... paths it uses. One script run; each part of what it
// saw is one cell of the matrix.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import type { Cluster } from '../../src/index.js';
import { runJSONScript, withCluster } from '../helpers.js';
import { needs } from '../peers.js';
import { clientStories } from './matrix.js';

describe('ruby-kubeclient 4.9', { skip: needs('ruby-kubeclient') }, () => {
  const { story, exactVersion } = clientStories('ruby', '4.9');
  let cluster: Cluster;
  let seen: any;
  before(async () => {
    cluster = await withCluster();
    seen = await runJSONScript('ruby', [join(import.meta.dirname, 'ruby', 'client_story.rb'), cluster.url]);
    exactVersion(seen.version);
  });
  after(async () => { await cluster.close(); });

  story('crud', async () => {
    assert.match(seen.version, /^4\.9\./);
    assert.deepEqual(seen.namespaces, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    assert.deepEqual([seen.created, seen.read], ['rb', 'nginx']);
    assert.deepEqual(seen.patched, { app: 'rb', x: '1' });
    assert.deepEqual(seen.deleted, []);
  });
  story('errors', async () => {
    assert.deepEqual(seen.not_found, [404, 'pods "nope" not found']);
    assert.deepEqual(seen.already_exists, [409, 'pods "rb" already exists']);
  });
  story('watch', async () => {
    assert.deepEqual(seen.events, [['MODIFIED', 'rb'], ['DELETED', 'rb']]);
  });
});
