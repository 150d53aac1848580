// Real kubectl 1.27, 1.30 and 1.33 against a running tinykube: discovery, explain, create from
// fixtures, every get output, selectors, chunking, describe, watch, delete and the error lines.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { FIXTURES, KUBECTL_VERSIONS, kubectl, rows, sleep, withCluster } from './helpers.js';

for (const v of KUBECTL_VERSIONS) {
  describe(`kubectl ${v}`, () => {
    let cluster: Cluster;
    const k = (...args: string[]) => kubectl(v, cluster, args);
    const ok = async (...args: string[]) => {
      const r = await k(...args);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
      return r.stdout;
    };

    before(async () => { cluster = await withCluster(); });
    after(async () => { await cluster.close(); });

    test('get ns lists the bootstrap namespaces and get svc shows kubernetes', async () => {
      const ns = rows(await ok('get', 'ns'));
      assert.deepEqual(ns.map((r) => r[0]), ['NAME', 'default', 'kube-node-lease', 'kube-public', 'kube-system']);
      assert.deepEqual(ns.slice(1).map((r) => r[1]), ['Active', 'Active', 'Active', 'Active']);
      const svc = rows(await ok('get', 'svc'));
      assert.deepEqual(svc[0], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      assert.deepEqual(svc[1].slice(0, 5), ['kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP']);
    });

    test('api-resources lists the served resources with short names', async () => {
      const table = rows(await ok('api-resources'));
      const byName = (name: string, group: string) => table.find((r) => r[0] === name && r.includes(group));
      assert.deepEqual(byName('pods', 'v1'), ['pods', 'po', 'v1', 'true', 'Pod']);
      assert.deepEqual(byName('services', 'v1'), ['services', 'svc', 'v1', 'true', 'Service']);
      assert.deepEqual(byName('replicationcontrollers', 'v1'), ['replicationcontrollers', 'rc', 'v1', 'true', 'ReplicationController']);
      assert.deepEqual(byName('nodes', 'v1'), ['nodes', 'no', 'v1', 'false', 'Node']);
      assert.deepEqual(byName('namespaces', 'v1'), ['namespaces', 'ns', 'v1', 'false', 'Namespace']);
      assert.deepEqual(byName('leases', 'coordination.k8s.io/v1'), ['leases', 'coordination.k8s.io/v1', 'true', 'Lease']);
      assert.deepEqual(byName('endpointslices', 'discovery.k8s.io/v1'), ['endpointslices', 'discovery.k8s.io/v1', 'true', 'EndpointSlice']);
    });

    test('explain reads our OpenAPI documents', async () => {
      const out = await ok('explain', 'pods.spec.containers.image');
      assert.match(out, /^KIND:\s+Pod$/m);
      assert.match(out, /^FIELD: image <string>$/m);
      assert.match(out, /The container image to run\./);
    });

    test('create -f from fixtures: a pod, a service and an RC', async () => {
      assert.equal(await ok('create', '-f', join(FIXTURES, 'kubia-pod.yaml')), 'pod/kubia created\n');
      assert.equal(await ok('create', '-f', join(FIXTURES, 'kubia-svc.yaml')), 'service/kubia created\n');
      assert.equal(await ok('create', '-f', join(FIXTURES, 'kubia-rc.yaml')), 'replicationcontroller/kubia created\n');
      const svc = rows(await ok('get', 'svc', 'kubia', '-o', 'wide'));
      assert.deepEqual(svc[0], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
      assert.equal(svc[1][1], 'ClusterIP');
      assert.match(svc[1][2], /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
      assert.deepEqual([svc[1][3], svc[1][4], svc[1][6]], ['<none>', '80/TCP', 'app=kubia']);
      const rc = rows(await ok('get', 'rc', '-o', 'wide'));
      assert.deepEqual(rc[0], ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
      assert.deepEqual([rc[1][0], rc[1][1], rc[1][5], rc[1][6], rc[1][7]], ['kubia', '3', 'kubia', 'luksa/kubia', 'app=kubia']);
    });

    test('get pods in every output format', async () => {
      const wide = rows(await ok('get', 'pods', '-o', 'wide'));
      assert.deepEqual(wide[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
      assert.deepEqual([...wide[1].slice(0, 4), ...wide[1].slice(5)], ['kubia', '0/1', 'Pending', '0', '<none>', '<none>', '<none>', '<none>']);
      const yaml = await ok('get', 'pod', 'kubia', '-o', 'yaml');
      assert.match(yaml, /^kind: Pod$/m);
      assert.match(yaml, /^ {2}- image: luksa\/kubia$/m);
      assert.match(yaml, /^ {2}phase: Pending$/m);
      const json = JSON.parse(await ok('get', 'pod', 'kubia', '-o', 'json'));
      assert.equal(json.metadata.name, 'kubia');
      assert.equal(json.spec.containers[0].imagePullPolicy, 'Always');
      assert.match(json.metadata.resourceVersion, /^\d+$/);
      assert.equal(await ok('get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}'), 'kubia');
      assert.equal(await ok('get', 'pods', '-o', 'name'), 'pod/kubia\n');
    });

    test('label selectors in full syntax and field selectors', async () => {
      await ok('run', 'web', '--image=nginx:1.25', '--labels=app=web,tier=front');
      const names = async (...args: string[]) => (await ok('get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}', ...args)).split(' ').filter(Boolean).sort();
      assert.deepEqual(await names('-l', 'app in (kubia,web)'), ['kubia', 'web']);
      assert.deepEqual(await names('-l', 'app notin (kubia)'), ['web']);
      assert.deepEqual(await names('-l', 'tier'), ['web']);
      assert.deepEqual(await names('-l', '!tier'), ['kubia']);
      assert.deepEqual(await names('-l', 'app!=web'), ['kubia']);
      assert.deepEqual(await names('--field-selector', 'metadata.name=web'), ['web']);
      assert.deepEqual(await names('--field-selector', 'status.phase=Pending,metadata.name!=web'), ['kubia']);
      const bad = await k('get', 'pods', '--field-selector', 'spec.nope=1');
      assert.equal(bad.code, 1);
      // kubectl wraps the server's message in its own words, which differ between versions.
      assert.match(bad.stderr.trim(), /^Error from server \(BadRequest\): .*field label not supported: spec\.nope$/);
    });

    test('--chunk-size pages through the list', async () => {
      const out = rows(await ok('get', 'pods', '--chunk-size=1'));
      assert.deepEqual(out.map((r) => r[0]), ['NAME', 'kubia', 'web']);
    });

    test('describe pod, service and rc', async () => {
      const pod = await ok('describe', 'pod', 'kubia');
      assert.match(pod, /^Name:\s+kubia$/m);
      assert.match(pod, /^Namespace:\s+default$/m);
      assert.match(pod, /^Status:\s+Pending$/m);
      assert.match(pod, /^\s+Image:\s+luksa\/kubia$/m);
      const svc = await ok('describe', 'svc', 'kubia');
      assert.match(svc, /^Selector:\s+app=kubia$/m);
      assert.match(svc, /^TargetPort:\s+8080\/TCP$/m);
      const rc = await ok('describe', 'rc', 'kubia');
      assert.match(rc, /^Replicas:\s+0 current \/ 3 desired$/m);
    });

    test('get -w prints ADDED, MODIFIED and DELETED', async () => {
      const watch = kubectl(v, cluster, ['get', 'pods', '-w', '--output-watch-events', '-l', 'app=watched'], { timeoutMs: 6000 });
      await sleep(1500);
      await ok('run', 'watched', '--image=nginx', '--labels=app=watched');
      await ok('label', 'pod', 'watched', 'extra=yes');
      await ok('delete', 'pod', 'watched');
      const out = (await watch).stdout;
      const events = rows(out).map((r) => `${r[0]} ${r[1]}`);
      assert.deepEqual(events, ['EVENT NAME', 'ADDED watched', 'MODIFIED watched', 'DELETED watched']);
    });

    test('delete answers as kube does', async () => {
      assert.equal(await ok('delete', 'pod', 'web'), 'pod "web" deleted\n');
      assert.equal(await ok('delete', 'rc', 'kubia'), 'replicationcontroller "kubia" deleted\n');
      assert.equal(await ok('get', 'pods', '-o', 'name'), 'pod/kubia\n');
    });

    test('error lines for NotFound, AlreadyExists and an invalid object', async () => {
      const missing = await k('get', 'pod', 'nope');
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, 'Error from server (NotFound): pods "nope" not found\n');
      const file = join(FIXTURES, 'kubia-pod.yaml');
      const dup = await k('create', '-f', file);
      assert.equal(dup.code, 1);
      assert.equal(dup.stderr, `Error from server (AlreadyExists): error when creating "${file}": pods "kubia" already exists\n`);
      const invalid = await k('create', '-f', join(FIXTURES, 'invalid-pod.yaml'));
      assert.equal(invalid.code, 1);
      assert.equal(invalid.stderr, 'The Pod "broken" is invalid: spec.containers[0].image: Required value\n');
    });
  });
}
