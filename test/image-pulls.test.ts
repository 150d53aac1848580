// Image pulls as a user reads them in `kubectl describe pod`: on one node, the first pod of a
// tagged image pulls it (Pulling, then "Successfully pulled"), the next finds it "already present
// on machine", and a pod with imagePullPolicy Always (or an untagged image, defaulted to Always)
// pulls again, as a kubelet with its image manager does.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, withCluster } from './helpers.js';

describe('image pulls, kubectl 1.33', () => {
  let cluster: Cluster;
  const k = async (...args: string[]) => {
    const r = await kubectl('1.33', cluster, args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const run = async (name: string, image: string, policy?: string) => {
    const manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'web', image, ...(policy ? { imagePullPolicy: policy } : {}) }] } };
    assert.equal((await kubectl('1.33', cluster, ['create', '-f', '-'], { stdin: JSON.stringify(manifest) })).stdout, `pod/${name} created\n`);
    await eventually(async () => (await http(cluster, 'GET', `/api/v1/namespaces/default/pods/${name}`)).json().status?.phase === 'Running', 10_000, `${name} Running`);
  };
  /** The pod's events as `kubectl describe pod` prints them: reason and message. */
  const described = async (name: string) => {
    const out = await k('describe', 'pod', name);
    return out.slice(out.indexOf('\nEvents:')).split('\n').slice(4).map((l) => l.trim().split(/\s{2,}/)).filter((cells) => cells.length >= 4)
      .map(([, reason, , , message]) => `${reason}: ${message}`);
  };

  before(async () => { cluster = await withCluster({ controlPlane: true, nodes: 1, loadBalancerAddress: false }); });
  after(async () => { await cluster.close(); });

  test('the first pod of an image on a node pulls it; the next finds it present', async () => {
    await run('first', 'nginx:1.27');
    assert.deepEqual(await described('first'), [
      'Scheduled: Successfully assigned default/first to node-1',
      'Pulling: Pulling image "nginx:1.27"',
      'Pulled: Successfully pulled image "nginx:1.27" in 502ms (502ms including waiting). Image size: 0 bytes.',
      'Created: Created container: web',
      'Started: Started container web',
    ]);
    await run('second', 'nginx:1.27');
    assert.deepEqual(await described('second'), [
      'Scheduled: Successfully assigned default/second to node-1',
      'Pulled: Container image "nginx:1.27" already present on machine',
      'Created: Created container: web',
      'Started: Started container web',
    ]);
  });

  test('imagePullPolicy Always, and an untagged image (defaulted to Always), pull every time', async () => {
    await run('always', 'nginx:1.27', 'Always');
    await run('untagged-1', 'nginx');
    await run('untagged-2', 'nginx');
    for (const [name, image] of [['always', 'nginx:1.27'], ['untagged-2', 'nginx']]) {
      assert.deepEqual((await described(name)).slice(1, 3), [`Pulling: Pulling image "${image}"`, `Pulled: Successfully pulled image "${image}" in 502ms (502ms including waiting). Image size: 0 bytes.`], name);
    }
  });
});
