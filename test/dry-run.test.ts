// Dry run on every write path. First kubectl's own node-management shape (test/cmd/node-management.sh):
// taint, cordon and drain with --dry-run=server and --dry-run=client change nothing, and drain
// --pod-selector evicts only the pods it selects, with kubectl 1.27 and 1.33 against a control
// plane whose kubelets run the pods. Then each write path over HTTP (eviction, binding, scale,
// status, finalize, deletecollection, delete): a dry run answers as kube-apiserver does, a watch
// opened before it sees nothing of it, and the object keeps its resourceVersion.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, readWatch, withCluster } from './helpers.js';

const VERSIONS = ['1.27', '1.33'];
const MERGE = { 'Content-Type': 'application/merge-patch+json' };
/** What a pods/eviction or a binding answers, dry run or not: a Status with the code of a create. */
const CREATED_STATUS = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
/** kube validates dryRun in each verb's options the same way: 422, naming the options kind. */
const unsupportedDryRun = (optionsKind: string, values: string[]) =>
  `${optionsKind}.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{${values.map((v) => `"${v}"`).join(', ')}}: supported values: "All"`;

const pod = (name: string, opts: { labels?: Record<string, string>; nodeName?: string; schedulerName?: string } = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, ...(opts.labels ? { labels: opts.labels } : {}) },
  spec: { ...(opts.nodeName ? { nodeName: opts.nodeName } : {}), ...(opts.schedulerName ? { schedulerName: opts.schedulerName } : {}), containers: [{ name: 'container-1', image: 'test-image' }] },
});

describe('dry run', () => {
  let cluster: Cluster;
  before(async () => {
    // Node status reports are left to the end of the run, so nodes change only when a test changes them.
    cluster = await withCluster({ controlPlane: true, nodes: 2, kubelet: { heartbeatMs: 1000, statusUpdateMs: 600_000 } });
  });
  after(async () => { await cluster.close(); });

  const get = async (path: string) => {
    const r = await http(cluster, 'GET', path);
    assert.equal(r.status, 200, `GET ${path}: ${r.text}`);
    return r.json();
  };
  const create = async (collection: string, body: unknown) => {
    const r = await http(cluster, 'POST', collection, body);
    assert.equal(r.status, 201, `POST ${collection}: ${r.text}`);
    return r.json();
  };
  const namespace = (name: string) => create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const running = (path: string) => eventually(async () => {
    const p = await get(path);
    return p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') && p;
  }, 8000, `${path} running`);

  let markers = 0;
  /**
   * Watches object `name` of `collection` from `rv` while `act` runs, then labels it for real: the
   * first event the watch sees must be that label, so `act` wrote nothing anyone could watch.
   */
  const unseen = async (collection: string, name: string, rv: string, act: () => Promise<void>) => {
    const marker = `m${++markers}`;
    let failed: { error: unknown } | undefined;
    const events = await readWatch(cluster, `${collection}?watch=1&resourceVersion=${rv}&fieldSelector=metadata.name%3D${name}`, 1, 8000, {}, async () => {
      try {
        await act();
      } catch (error) {
        failed = { error };
      }
      const r = await http(cluster, 'PATCH', `${collection}/${name}`, { metadata: { labels: { sentinel: marker } } }, MERGE);
      assert.equal(r.status, 200, r.text);
    });
    if (failed) throw failed.error;
    assert.equal(events.length, 1, 'the watch saw the sentinel');
    assert.deepEqual([events[0].type, events[0].object.metadata.labels?.sentinel], ['MODIFIED', marker], 'the first event is the sentinel, not the dry run');
  };

  VERSIONS.forEach((v, i) => {
    test(`kubectl ${v}: taint, cordon and drain with --dry-run change nothing; drain --pod-selector evicts only the pods it selects`, async () => {
      const node = `node-${i + 1}`;
      const ns = `nodes-${v.replace('.', '-')}`;
      const k = async (...args: string[]) => {
        const r = await kubectl(v, cluster, ['-n', ns, ...args], { timeoutMs: 60_000 });
        assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
        return r.stdout;
      };
      await namespace(ns);
      const pods = `/api/v1/namespaces/${ns}/pods`;
      await create(pods, pod('test-pod-1', { labels: { e: 'f', type: 'test-pod' }, nodeName: node }));
      await create(pods, pod('test-pod-2', { labels: { c: 'd', type: 'test-pod' }, nodeName: node }));
      const uid1 = (await running(`${pods}/test-pod-1`)).metadata.uid;
      const uid2 = (await running(`${pods}/test-pod-2`)).metadata.uid;
      const taints = async () => ((await get(`/api/v1/nodes/${node}`)).spec.taints ?? []).filter((t: any) => t.key === 'dedicated').map((t: any) => `${t.key}=${t.value ?? ''}:${t.effect}`);
      const unschedulable = async () => (await get(`/api/v1/nodes/${node}`)).spec.unschedulable;
      const bothUntouched = async () => {
        for (const [name, uid] of [['test-pod-1', uid1], ['test-pod-2', uid2]]) {
          const p = await get(`${pods}/${name}`);
          assert.deepEqual([p.metadata.uid, p.metadata.deletionTimestamp], [uid, undefined], `${name} is neither deleted nor being deleted`);
        }
      };

      // taint/untaint
      assert.deepEqual(await taints(), []);
      await k('taint', 'node', node, '--dry-run=client', 'dedicated=foo:PreferNoSchedule');
      await k('taint', 'node', node, '--dry-run=server', 'dedicated=foo:PreferNoSchedule');
      assert.deepEqual(await taints(), []);
      await k('taint', 'node', node, 'dedicated=foo:PreferNoSchedule');
      assert.deepEqual(await taints(), ['dedicated=foo:PreferNoSchedule']);
      await k('taint', 'node', node, 'dedicated-');
      await k('taint', 'node', node, 'dedicated:PreferNoSchedule');
      assert.deepEqual(await taints(), ['dedicated=:PreferNoSchedule']);
      await k('taint', 'node', node, '--dry-run=client', 'dedicated-');
      await k('taint', 'node', node, '--dry-run=server', 'dedicated-');
      assert.deepEqual(await taints(), ['dedicated=:PreferNoSchedule']);
      await k('taint', 'node', node, 'dedicated-');
      assert.deepEqual(await taints(), []);

      // cordon and drain with --dry-run leave the node schedulable and its pods alone
      assert.equal(await unschedulable(), undefined);
      await k('cordon', node, '--dry-run=client');
      await k('cordon', node, '--dry-run=server');
      assert.equal(await unschedulable(), undefined);
      await k('drain', node, '--dry-run=client', '--force');
      const serverDrain = await k('drain', node, '--dry-run=server', '--force');
      assert.match(serverDrain, new RegExp(`^evicting pod ${ns}/test-pod-1 \\(server dry run\\)$`, 'm'));
      assert.match(serverDrain, new RegExp(`^node/${node} drained \\(server dry run\\)$`, 'm'));
      assert.equal(await unschedulable(), undefined);
      await bothUntouched();

      // drain --pod-selector: dry runs change nothing, then only the selected pod is evicted
      await k('drain', node, '--pod-selector', 'e in (f)', '--dry-run=client', '--force');
      await k('drain', node, '--pod-selector', 'e in (f)', '--dry-run=server', '--force');
      await bothUntouched();
      const drained = await k('drain', node, '--force', '--pod-selector', 'e in (f)', '--skip-wait-for-delete-timeout=1', '--timeout=30s');
      assert.match(drained, new RegExp(`evicting pod ${ns}/test-pod-1`));
      assert.doesNotMatch(drained, /test-pod-2/);
      const evicted = await http(cluster, 'GET', `${pods}/test-pod-1`);
      assert.ok(evicted.status === 404 || evicted.json().metadata.deletionTimestamp, 'test-pod-1 was evicted');
      const kept = await get(`${pods}/test-pod-2`);
      assert.deepEqual([kept.metadata.uid, kept.metadata.deletionTimestamp], [uid2, undefined], 'test-pod-2 is untouched');
      assert.equal(await unschedulable(), true);

      // uncordon, and uncordon with --dry-run on a schedulable node is a no-op
      await k('uncordon', node);
      assert.equal(await unschedulable(), undefined);
      assert.match(await k('uncordon', node, '--dry-run=client'), /already uncordoned/);
      assert.match(await k('uncordon', node, '--dry-run=server'), /already uncordoned/);
      assert.equal(await unschedulable(), undefined);
    });
  });

  describe('each write path over HTTP', () => {
    const ns = 'dry';
    const pods = `/api/v1/namespaces/${ns}/pods`;
    before(async () => { await namespace(ns); });

    test('pods/eviction: dryRun in the query or the Eviction\'s deleteOptions answers 201 Success and evicts nothing', async () => {
      await create(pods, pod('evictee', { nodeName: 'node-2' }));
      const p = await running(`${pods}/evictee`);
      const rv = p.metadata.resourceVersion;
      const eviction = (deleteOptions?: unknown) => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'evictee', namespace: ns }, ...(deleteOptions ? { deleteOptions } : {}) });
      await unseen(pods, 'evictee', rv, async () => {
        for (const [query, body] of [['', eviction({ dryRun: ['All'] })], ['?dryRun=All', eviction()], ['?dryRun=All', eviction({ dryRun: ['All'] })], ['?dryRun=All', eviction({ gracePeriodSeconds: 0 })]] as const) {
          const r = await http(cluster, 'POST', `${pods}/evictee/eviction${query}`, body);
          assert.deepEqual([r.status, r.json()], [201, CREATED_STATUS], `${query} ${JSON.stringify(body)}`);
        }
        const bad = await http(cluster, 'POST', `${pods}/evictee/eviction`, eviction({ dryRun: ['Nope'] }));
        assert.deepEqual([bad.status, bad.json().reason, bad.json().message], [422, 'Invalid', unsupportedDryRun('DeleteOptions', ['Nope'])]);
        const badQuery = await http(cluster, 'POST', `${pods}/evictee/eviction?dryRun=Nope`, eviction());
        assert.deepEqual([badQuery.status, badQuery.json().message], [422, unsupportedDryRun('CreateOptions', ['Nope'])]);
        const mismatch = await http(cluster, 'POST', `${pods}/evictee/eviction?dryRun=All`, eviction({ dryRun: ['All', 'All'] }));
        assert.deepEqual([mismatch.status, mismatch.json().message], [400, 'Non-matching dry-run options in request and content: [All] and [All All]']);
      });
      const untouched = await get(`${pods}/evictee`);
      assert.deepEqual([untouched.metadata.uid, untouched.metadata.deletionTimestamp], [p.metadata.uid, undefined]);

      // A real eviction answers the same, and the pod goes.
      const r = await http(cluster, 'POST', `${pods}/evictee/eviction`, eviction());
      assert.deepEqual([r.status, r.json()], [201, CREATED_STATUS]);
      const gone = await http(cluster, 'GET', `${pods}/evictee`);
      assert.ok(gone.status === 404 || gone.json().metadata.deletionTimestamp, 'evicted');
    });

    test('pods/binding and the bindings collection: a dry run answers 201 Success and binds nothing', async () => {
      await create(pods, pod('unbound', { schedulerName: 'nobody' }));
      const p = await get(`${pods}/unbound`);
      const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'unbound' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } };
      await unseen(pods, 'unbound', p.metadata.resourceVersion, async () => {
        for (const path of [`${pods}/unbound/binding?dryRun=All`, `/api/v1/namespaces/${ns}/bindings?dryRun=All`]) {
          const r = await http(cluster, 'POST', path, binding);
          assert.deepEqual([r.status, r.json()], [201, CREATED_STATUS], path);
        }
        const bad = await http(cluster, 'POST', `${pods}/unbound/binding?dryRun=Nope`, binding);
        assert.deepEqual([bad.status, bad.json().message], [422, unsupportedDryRun('CreateOptions', ['Nope'])]);
      });
      const unchanged = await get(`${pods}/unbound`);
      assert.equal(unchanged.spec.nodeName, undefined);

      // The real binding goes through; a dry run of another one is still refused.
      const r = await http(cluster, 'POST', `/api/v1/namespaces/${ns}/bindings`, binding);
      assert.deepEqual([r.status, r.json()], [201, CREATED_STATUS]);
      assert.equal((await get(`${pods}/unbound`)).spec.nodeName, 'node-1');
      const again = await http(cluster, 'POST', `${pods}/unbound/binding?dryRun=All`, { ...binding, target: { name: 'node-2' } });
      assert.deepEqual([again.status, again.json().message], [409, 'Operation cannot be fulfilled on pods/binding "unbound": pod unbound is already assigned to node "node-1"']);
      assert.equal((await get(`${pods}/unbound`)).spec.nodeName, 'node-1');
    });

    test('replicationcontrollers/scale: a dry-run update or patch answers the new Scale and scales nothing', async () => {
      const rcs = `/api/v1/namespaces/${ns}/replicationcontrollers`;
      await create(rcs, { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'web' }, spec: { replicas: 0, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } });
      const rc = await eventually(async () => { const o = await get(`${rcs}/web`); return o.status?.observedGeneration === o.metadata.generation && o; }, 8000, 'the RC observed');
      const rv = rc.metadata.resourceVersion;
      await unseen(rcs, 'web', rv, async () => {
        const put = await http(cluster, 'PUT', `${rcs}/web/scale?dryRun=All`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: ns }, spec: { replicas: 3 } });
        assert.equal(put.status, 200, put.text);
        assert.deepEqual([put.json().kind, put.json().spec.replicas, put.json().metadata.resourceVersion], ['Scale', 3, rv]);
        const patch = await http(cluster, 'PATCH', `${rcs}/web/scale?dryRun=All`, { spec: { replicas: 2 } }, MERGE);
        assert.deepEqual([patch.status, patch.json().spec.replicas], [200, 2]);
        const badPut = await http(cluster, 'PUT', `${rcs}/web/scale?dryRun=Nope`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: ns }, spec: { replicas: 3 } });
        assert.deepEqual([badPut.status, badPut.json().message], [422, unsupportedDryRun('UpdateOptions', ['Nope'])]);
        const badPatch = await http(cluster, 'PATCH', `${rcs}/web/scale?dryRun=Nope`, { spec: { replicas: 2 } }, MERGE);
        assert.deepEqual([badPatch.status, badPatch.json().message], [422, unsupportedDryRun('PatchOptions', ['Nope'])]);
      });
      assert.equal((await get(`${rcs}/web`)).spec.replicas, 0);
      assert.deepEqual((await get(`${pods}?labelSelector=app%3Dweb`)).items, []);
    });

    test('pods/status: a dry-run update or patch answers the new status and stores nothing', async () => {
      await create(pods, pod('statusy', { schedulerName: 'nobody' }));
      const p = await get(`${pods}/statusy`);
      await unseen(pods, 'statusy', p.metadata.resourceVersion, async () => {
        const put = await http(cluster, 'PUT', `${pods}/statusy/status?dryRun=All`, { ...p, status: { ...p.status, message: 'put' } });
        assert.deepEqual([put.status, put.json().status.message, put.json().metadata.resourceVersion], [200, 'put', p.metadata.resourceVersion]);
        const patch = await http(cluster, 'PATCH', `${pods}/statusy/status?dryRun=All`, { status: { message: 'patched' } }, MERGE);
        assert.deepEqual([patch.status, patch.json().status.message], [200, 'patched']);
        const bad = await http(cluster, 'PATCH', `${pods}/statusy/status?dryRun=Nope`, { status: { message: 'patched' } }, MERGE);
        assert.deepEqual([bad.status, bad.json().message], [422, unsupportedDryRun('PatchOptions', ['Nope'])]);
      });
      assert.equal((await get(`${pods}/statusy`)).status.message, undefined);
    });

    test('namespaces/finalize: a dry run answers the finalized namespace and keeps its finalizers', async () => {
      const n = await namespace('fin');
      await unseen('/api/v1/namespaces', 'fin', n.metadata.resourceVersion, async () => {
        const r = await http(cluster, 'PUT', '/api/v1/namespaces/fin/finalize?dryRun=All', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fin' }, spec: { finalizers: [] } });
        assert.deepEqual([r.status, r.json().spec, r.json().metadata.resourceVersion], [200, {}, n.metadata.resourceVersion]);
        const bad = await http(cluster, 'PUT', '/api/v1/namespaces/fin/finalize?dryRun=Nope', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fin' }, spec: { finalizers: [] } });
        assert.deepEqual([bad.status, bad.json().message], [422, unsupportedDryRun('UpdateOptions', ['Nope'])]);
      });
      assert.deepEqual((await get('/api/v1/namespaces/fin')).spec, { finalizers: ['kubernetes'] });
    });

    test('deletecollection: dryRun in the query or the DeleteOptions body deletes nothing; a bad value in the body is refused', async () => {
      await namespace('dc');
      const dc = '/api/v1/namespaces/dc/pods';
      const a = await create(dc, pod('a', { labels: { batch: 'x' }, schedulerName: 'nobody' }));
      const b = await create(dc, pod('b', { labels: { batch: 'x' }, schedulerName: 'nobody' }));
      await unseen(dc, 'a', a.metadata.resourceVersion, async () => {
        for (const [query, body] of [['', { apiVersion: 'v1', kind: 'DeleteOptions', dryRun: ['All'] }], ['&dryRun=All', undefined]] as const) {
          const r = await http(cluster, 'DELETE', `${dc}?labelSelector=batch%3Dx${query}`, body);
          assert.equal(r.status, 200, r.text);
          assert.deepEqual([r.json().kind, r.json().items.map((o: any) => o.metadata.name)], ['PodList', ['a', 'b']]);
        }
        const bad = await http(cluster, 'DELETE', `${dc}?labelSelector=batch%3Dx`, { apiVersion: 'v1', kind: 'DeleteOptions', dryRun: ['Nope'] });
        assert.deepEqual([bad.status, bad.json().reason, bad.json().message], [422, 'Invalid', unsupportedDryRun('DeleteOptions', ['Nope'])]);
        const badQuery = await http(cluster, 'DELETE', `${dc}?labelSelector=batch%3Dx&dryRun=Nope`);
        assert.deepEqual([badQuery.status, badQuery.json().message], [422, unsupportedDryRun('DeleteOptions', ['Nope'])]);
      });
      assert.equal((await get(`${dc}/b`)).metadata.resourceVersion, b.metadata.resourceVersion);
      assert.deepEqual((await get(`${dc}?labelSelector=batch%3Dx`)).items.map((o: any) => o.metadata.uid), [a.metadata.uid, b.metadata.uid]);
    });

    test('delete: dryRun in the query or the DeleteOptions body deletes nothing; a bad value in either is refused as kube does', async () => {
      const p = await create(pods, pod('victim', { schedulerName: 'nobody' }));
      await unseen(pods, 'victim', p.metadata.resourceVersion, async () => {
        for (const [query, body] of [['', { apiVersion: 'v1', kind: 'DeleteOptions', dryRun: ['All'] }], ['?dryRun=All', undefined]] as const) {
          const r = await http(cluster, 'DELETE', `${pods}/victim${query}`, body);
          assert.deepEqual([r.status, r.json().kind, r.json().metadata.uid], [200, 'Pod', p.metadata.uid], r.text);
        }
        const bad = await http(cluster, 'DELETE', `${pods}/victim`, { apiVersion: 'v1', kind: 'DeleteOptions', dryRun: ['All', 'Nope'] });
        assert.deepEqual([bad.status, bad.json().reason, bad.json().message], [422, 'Invalid', unsupportedDryRun('DeleteOptions', ['All', 'Nope'])]);
        assert.deepEqual(bad.json().details.causes, [{ reason: 'FieldValueNotSupported', message: 'Unsupported value: []string{"All", "Nope"}: supported values: "All"', field: 'dryRun' }]);
        const badQuery = await http(cluster, 'DELETE', `${pods}/victim?dryRun=Nope`);
        assert.deepEqual([badQuery.status, badQuery.json().message], [422, unsupportedDryRun('DeleteOptions', ['Nope'])]);
      });
      assert.equal((await get(`${pods}/victim`)).metadata.uid, p.metadata.uid);
    });

    test('create, update and patch refuse a bad dryRun value as kube does', async () => {
      const cm = pod('other', { schedulerName: 'nobody' });
      const c = await http(cluster, 'POST', `${pods}?dryRun=Nope`, cm);
      assert.deepEqual([c.status, c.json().reason, c.json().message], [422, 'Invalid', unsupportedDryRun('CreateOptions', ['Nope'])]);
      const p = await create(pods, cm);
      const u = await http(cluster, 'PUT', `${pods}/other?dryRun=All&dryRun=x`, p);
      assert.deepEqual([u.status, u.json().message], [422, unsupportedDryRun('UpdateOptions', ['All', 'x'])]);
      const m = await http(cluster, 'PATCH', `${pods}/other?dryRun=`, { metadata: { labels: { a: 'b' } } }, MERGE);
      assert.deepEqual([m.status, m.json().message], [422, unsupportedDryRun('PatchOptions', [''])]);
    });
  });
});
