// kubernetes.utils from Debian's python3-kubernetes, as the client's own e2e suite drives it: the
// exception text embeds the server's Status body, so it matches only if the bytes are kube's
// (fields in the Go struct's order, the encoder's trailing newline).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { runJSONScript, TEST_DATA, withCluster } from './helpers.js';
import { needs, PYTHON } from './peers.js';

describe('python3-kubernetes utils.create_from_yaml', { skip: needs('python3-kubernetes') }, () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster(); });
  after(async () => { await cluster.close(); });

  test('a multi-resource file with a conflict: the exact exception text, the rest still created; hostile bodies on the same connection pool', async () => {
    const data = join(TEST_DATA, 'python');
    const seen = await runJSONScript(PYTHON, [join(import.meta.dirname, 'python', 'create_from_yaml.py'), cluster.kubeconfigPath, join(data, 'conflict-first.yaml'), join(data, 'conflict-multi.yaml')]);
    assert.equal(seen.error, 'Error from server (Conflict): {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
      + '"message":"services \\"dup-svc\\" already exists","reason":"AlreadyExists","details":{"name":"dup-svc","kind":"services"},"code":409}\n');
    assert.equal(seen.rc, 'dup-rc');
    assert.deepEqual(seen.services, ['dup-svc', 'kubernetes']);
    // On the same keep-alive pool: a 413 closes its connection, the next request is answered.
    assert.deepEqual(seen.too_large, [413, 'RequestEntityTooLarge', 'close']);
    assert.deepEqual(seen.after_too_large, ['dup-svc', 'kubernetes']);
    assert.deepEqual(seen.bad_delete_options, [400, 'json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64']);
    assert.equal(seen.still_there, 'dup-svc');
  });
});
