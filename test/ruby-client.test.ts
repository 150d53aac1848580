// Debian's ruby-kubeclient (4.9) against a running tinykube: CRUD, NotFound as its error class,
// and watches on the legacy /api/v1/watch/... paths it uses.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { runJSONScript, withCluster } from './helpers.js';

const available = spawnSync('ruby', ['-e', "require 'kubeclient'"], { encoding: 'utf8' }).status === 0;

describe('ruby-kubeclient', { skip: available ? false : 'ruby-kubeclient is not installed (apt-get install ruby-kubeclient)' }, () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster(); });
  after(async () => { await cluster.close(); });

  test('the client story: list, create, NotFound, legacy-path watch', async () => {
    const seen = await runJSONScript('ruby', [join(import.meta.dirname, 'ruby', 'client_story.rb'), cluster.url]);
    assert.deepEqual(seen.namespaces, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    assert.equal(seen.created, 'rb');
    assert.deepEqual(seen.not_found, [404, 'pods "nope" not found']);
    assert.deepEqual(seen.events, [['MODIFIED', 'rb'], ['DELETED', 'rb']]);
  });
});
