// Debian's python3-kubernetes (22.6) against a running tinykube: CRUD, errors as ApiException
// with the right status, patch, watch from a resourceVersion, the scale subresource.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { runJSONScript, withCluster } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const available = spawnSync(PYTHON, ['-c', 'import kubernetes'], { encoding: 'utf8' }).status === 0;

describe('python3-kubernetes', { skip: available ? false : 'python3-kubernetes is not installed (apt-get install python3-kubernetes)' }, () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster(); });
  after(async () => { await cluster.close(); });

  test('the client story: CRUD, ApiException, patch, watch, scale', async () => {
    const seen = await runJSONScript(PYTHON, [join(import.meta.dirname, 'python', 'client_story.py'), cluster.kubeconfigPath]);
    assert.deepEqual(seen.namespaces, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    assert.deepEqual(seen.created, ['py', 'Pending']);
    assert.deepEqual(seen.not_found, [404, 'pods "nope" not found']);
    assert.deepEqual(seen.already_exists, [409, 'AlreadyExists']);
    assert.deepEqual(seen.patched, { app: 'py', x: '1' });
    assert.deepEqual(seen.events, [['DELETED', 'py']]);
    assert.equal(seen.scale, 4);
  });
});
