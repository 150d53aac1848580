// The kubectl story, the same for every kubectl we can run (1.27 to 1.33), against a tinykube with
// its control plane and two simulated nodes. Each story is one cell of the compatibility matrix;
// later stories build on what earlier ones created, as a user's session would.
import assert from 'node:assert/strict';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import type { Cluster } from '../../src/index.js';
import { eventually, FIXTURES, http, httpGet, kubectl, kubectlPortForward, rows, scratchFile, sleep, TEST_DATA, withCluster } from '../helpers.js';
import { KUBECTL_ALL_VERSIONS } from './clients.js';
import { clientStories } from './matrix.js';

const rcManifest = (labels: string, images: [string, string][]) => `apiVersion: v1
kind: ReplicationController
metadata:
  name: web
  labels:
${labels}
spec:
  replicas: 2
  selector:
    app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
${images.map(([n, i]) => `      - name: ${n}\n        image: ${i}`).join('\n')}
`;
const RC_V1 = scratchFile('rc-v1.yaml', rcManifest('    app: web\n    stage: beta', [['main', 'nginx:1.25']]));
const RC_V2 = scratchFile('rc-v2.yaml', rcManifest('    app: web', [['main', 'nginx:1.26'], ['sidecar', 'busybox']]));
const SSA_POD = (image: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ssa\n  labels:\n    app: ssa\nspec:\n  containers:\n  - name: main\n    image: ${image}\n`;
const UNKNOWN_FIELD = scratchFile('unknown-field.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n  - name: c\n    image: nginx\n    bogus: 1\n');
const EDITOR = scratchFile('editor.sh', "#!/bin/sh\nsed -i 's/image: nginx:1.26/image: nginx:1.27/' \"$1\"\n");
chmodSync(EDITOR, 0o755);

for (const v of KUBECTL_ALL_VERSIONS) {
  describe(`kubectl ${v}`, () => {
    const { story, exactVersion } = clientStories('kubectl', v);
    let cluster: Cluster;
    const k = (args: string[], opts: Parameters<typeof kubectl>[3] = {}) => kubectl(v, cluster, args, opts);
    const ok = async (...args: string[]) => {
      const r = await k(args);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const get = async (path: string) => (await http(cluster, 'GET', path)).json();
    const pods = async (selector: string) => ((await get(`/api/v1/namespaces/default/pods?labelSelector=${selector}`)).items as any[]).filter((p) => !p.metadata.deletionTimestamp);
    const running = async (n: number, selector: string) => {
      const items = await pods(selector);
      return items.length === n && items.every((p) => p.status.phase === 'Running') && items;
    };
    const rcPath = '/api/v1/namespaces/default/replicationcontrollers/web';

    // A loopback address of its own for load balancers, so that versions run side by side never collide.
    const lbAddress = `127.${2 + Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
    before(async () => {
      cluster = await withCluster({ controlPlane: true, nodes: 2, loadBalancerAddress: lbAddress });
    });
    after(async () => { await cluster.close(); });

    story('discovery', async () => {
      const version = JSON.parse(await ok('version', '-o', 'json'));
      assert.match(version.clientVersion.gitVersion, new RegExp(`^v${v.replace('.', '\\.')}\\.\\d+$`));
      exactVersion(version.clientVersion.gitVersion);
      assert.equal(version.serverVersion.gitVersion, 'v1.33.1+tinykube');
      assert.equal(await ok('api-versions'), 'admissionregistration.k8s.io/v1\napiextensions.k8s.io/v1\napps/v1\nauthentication.k8s.io/v1\nauthorization.k8s.io/v1\nautoscaling/v1\nautoscaling/v2\nbatch/v1\ncertificates.k8s.io/v1\ncoordination.k8s.io/v1\ndiscovery.k8s.io/v1\nevents.k8s.io/v1\nmetrics.k8s.io/v1beta1\nnetworking.k8s.io/v1\nnode.k8s.io/v1\npolicy/v1\nrbac.authorization.k8s.io/v1\nscheduling.k8s.io/v1\nstorage.k8s.io/v1\nv1\n');
      const table = rows(await ok('api-resources'));
      const byName = (name: string, group: string) => table.find((r) => r[0] === name && r.includes(group));
      assert.deepEqual(byName('pods', 'v1'), ['pods', 'po', 'v1', 'true', 'Pod']);
      assert.deepEqual(byName('services', 'v1'), ['services', 'svc', 'v1', 'true', 'Service']);
      assert.deepEqual(byName('replicationcontrollers', 'v1'), ['replicationcontrollers', 'rc', 'v1', 'true', 'ReplicationController']);
      assert.deepEqual(byName('nodes', 'v1'), ['nodes', 'no', 'v1', 'false', 'Node']);
      assert.deepEqual(byName('deployments', 'apps/v1'), ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment']);
      assert.deepEqual(byName('replicasets', 'apps/v1'), ['replicasets', 'rs', 'apps/v1', 'true', 'ReplicaSet']);
      assert.deepEqual(byName('leases', 'coordination.k8s.io/v1'), ['leases', 'coordination.k8s.io/v1', 'true', 'Lease']);
      assert.deepEqual(byName('endpointslices', 'discovery.k8s.io/v1'), ['endpointslices', 'discovery.k8s.io/v1', 'true', 'EndpointSlice']);
      assert.deepEqual(byName('selfsubjectreviews', 'authentication.k8s.io/v1'), ['selfsubjectreviews', 'authentication.k8s.io/v1', 'false', 'SelfSubjectReview']);
      const ns = rows(await ok('get', 'ns'));
      assert.deepEqual(ns.map((r) => `${r[0]} ${r[1]}`), ['NAME STATUS', 'default Active', 'kube-node-lease Active', 'kube-public Active', 'kube-system Active']);
      const svc = rows(await ok('get', 'svc'));
      assert.deepEqual(svc[0], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      assert.deepEqual(svc[1].slice(0, 5), ['kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP']);
    });

    story('explain', async () => {
      const image = await ok('explain', 'pods.spec.containers.image');
      assert.match(image, /^KIND:\s+Pod$/m);
      assert.match(image, /^FIELD: image <string>$/m);
      assert.match(image, /The container image to run\./);
      assert.match(await ok('explain', 'rc.spec.replicas'), /^FIELD: replicas <integer>$/m);
    });

    story('create', async () => {
      assert.equal(await ok('create', '-f', join(FIXTURES, 'kubia-pod.yaml')), 'pod/kubia created\n');
      assert.equal(await ok('create', '-f', join(FIXTURES, 'kubia-svc.yaml')), 'service/kubia created\n');
      assert.equal(await ok('create', '-f', join(FIXTURES, 'kubia-rc.yaml')), 'replicationcontroller/kubia created\n');
      assert.equal(await ok('create', 'namespace', 'story'), 'namespace/story created\n');
      const ns = await get('/api/v1/namespaces/story');
      assert.deepEqual([ns.status.phase, ns.spec.finalizers, ns.metadata.labels], ['Active', ['kubernetes'], { 'kubernetes.io/metadata.name': 'story' }]);
      assert.equal(await ok('create', 'service', 'clusterip', 'pb', '--tcp=80:8080'), 'service/pb created\n');
      const pb = await get('/api/v1/namespaces/default/services/pb');
      assert.deepEqual(pb.spec.ports, [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }]);
      assert.deepEqual([pb.spec.selector, pb.spec.type, pb.spec.sessionAffinity], [{ app: 'pb' }, 'ClusterIP', 'None']);
      assert.equal(pb.metadata.generateName, undefined, 'zero values on the wire do not become fields');
      assert.equal(await ok('run', 'front', '--image=nginx:1.25', '--labels=app=front,tier=front'), 'pod/front created\n');
    });

    story('wait', async () => {
      assert.equal(await ok('wait', '--for=condition=Ready', 'pod/kubia', '--timeout=20s'), 'pod/kubia condition met\n');
      await eventually(() => pods('app=kubia').then((p) => p.length === 3), 5000, 'the RC adopted kubia and made 2 more');
      const all = await ok('wait', '--for=condition=Ready', 'pods', '-l', 'app=kubia', '--timeout=20s');
      assert.equal(all.trim().split('\n').length, 3);
      for (const line of all.trim().split('\n')) assert.match(line, /^pod\/kubia(-[a-z0-9]{5})? condition met$/);
      await ok('run', 'doomed', '--image=nginx');
      await ok('wait', '--for=condition=Ready', 'pod/doomed', '--timeout=20s');
      const waiting = k(['wait', '--for=delete', 'pod/doomed', '--timeout=20s']);
      await sleep(300);
      await ok('delete', 'pod', 'doomed', '--wait=false');
      const deleted = await waiting;
      assert.deepEqual([deleted.code, deleted.stdout], [0, 'pod/doomed condition met\n'], deleted.stderr);
      assert.equal((await http(cluster, 'GET', '/api/v1/namespaces/default/pods/doomed')).status, 404);
    });

    story('get', async () => {
      const table = rows(await ok('get', 'pod', 'kubia'));
      assert.deepEqual(table[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      assert.deepEqual(table[1].slice(0, 4), ['kubia', '1/1', 'Running', '0']);
      const wide = rows(await ok('get', 'pod', 'kubia', '-o', 'wide'));
      assert.deepEqual(wide[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
      assert.match(wide[1][5], /^10\.244\.\d+\.\d+$/);
      assert.match(wide[1][6], /^node-[12]$/);
      assert.deepEqual(wide[1].slice(7), ['<none>', '<none>']);
      const yaml = await ok('get', 'pod', 'kubia', '-o', 'yaml');
      assert.match(yaml, /^kind: Pod$/m);
      assert.match(yaml, /^ {2}- image: luksa\/kubia$/m);
      assert.match(yaml, /^ {2}phase: Running$/m);
      const json = JSON.parse(await ok('get', 'pod', 'kubia', '-o', 'json'));
      assert.deepEqual([json.metadata.name, json.spec.containers[0].imagePullPolicy, json.metadata.ownerReferences[0].name], ['kubia', 'Always', 'kubia']);
      assert.match(json.metadata.resourceVersion, /^\d+$/);
      assert.equal(await ok('get', 'pods', '-l', 'app=front', '-o', 'jsonpath={.items[*].metadata.name}'), 'front');
      assert.equal(await ok('get', 'pods', '-l', 'app=front', '-o', 'name'), 'pod/front\n');
      assert.equal(await ok('get', 'pods', '-l', 'app=front', '-o', 'custom-columns=NAME:.metadata.name,PHASE:.status.phase'), 'NAME    PHASE\nfront   Running\n');
      // ServiceAccount admission mounted the `default` account's token volume (its name ends in a random suffix).
      assert.match(await ok('get', 'pods', '-l', 'app=front', '-o', 'go-template={{range .items}}{{.metadata.name}}/{{.spec.containers}}{{end}}'), /^front\/\[map\[image:nginx:1\.25 imagePullPolicy:IfNotPresent name:front resources:map\[\] terminationMessagePath:\/dev\/termination-log terminationMessagePolicy:File volumeMounts:\[map\[mountPath:\/var\/run\/secrets\/kubernetes\.io\/serviceaccount name:kube-api-access-[b-z2-9]{5} readOnly:true\]\]\]\]$/);
      assert.deepEqual(rows(await ok('get', 'pods', '-l', 'app=front', '--show-labels')).map((r) => r.at(-1)), ['LABELS', 'app=front,tier=front']);
      const all = rows(await ok('get', 'pods', '-A', '--sort-by=.metadata.name'));
      assert.deepEqual(all[0].slice(0, 2), ['NAMESPACE', 'NAME']);
      // kubectl sorts names naturally (kubia-9x before kubia-25x); front sorts first either way.
      const names = all.slice(1).map((r) => r[1]);
      assert.deepEqual([names.length, names[0], names[1]], [4, 'front', 'kubia'], names.join());
      const byKey = [...names].sort(); // the server lists in key order
      const selected = async (...args: string[]) => (await ok('get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}', ...args)).split(' ').filter(Boolean).sort();
      assert.deepEqual(await selected('-l', 'app in (kubia,front),!tier'), byKey.filter((n) => n.startsWith('kubia')));
      assert.deepEqual(await selected('-l', 'app notin (kubia)'), ['front']);
      assert.deepEqual(await selected('-l', 'tier'), ['front']);
      assert.deepEqual(await selected('-l', 'app!=front'), byKey.filter((n) => n !== 'front'));
      assert.deepEqual(await selected('--field-selector', 'metadata.name=front'), ['front']);
      assert.deepEqual(await selected('--field-selector', 'status.phase=Running,metadata.name!=front'), byKey.filter((n) => n !== 'front'));
      assert.deepEqual(rows(await ok('get', 'pods', '--chunk-size=1')).slice(1).map((r) => r[0]), byKey);
    });

    story('describe', async () => {
      const pod = await ok('describe', 'pod', 'kubia');
      assert.match(pod, /^Name:\s+kubia$/m);
      assert.match(pod, /^Namespace:\s+default$/m);
      assert.match(pod, /^Node:\s+node-[12]\/172\.18\.0\.[23]$/m);
      assert.match(pod, /^Status:\s+Running$/m);
      assert.match(pod, /^Controlled By:\s+ReplicationController\/kubia$/m);
      assert.match(pod, /^\s+Image:\s+luksa\/kubia$/m);
      assert.match(pod, /^\s+Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/kubia to node-[12]$/m);
      const reasons = pod.slice(pod.indexOf('Events:')).split('\n').slice(3).map((l) => l.trim().split(/\s+/)[1]).filter(Boolean);
      assert.deepEqual(reasons, ['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started'], 'events in the order they happened');
      const svc = await ok('describe', 'svc', 'kubia');
      assert.match(svc, /^Selector:\s+app=kubia$/m);
      assert.match(svc, /^TargetPort:\s+8080\/TCP$/m);
      const rc = await ok('describe', 'rc', 'kubia');
      assert.match(rc, /^Replicas:\s+3 current \/ 3 desired$/m);
      assert.match(rc, /^Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
      const node = await ok('describe', 'node', 'node-2');
      assert.match(node, /^Capacity:\n\s+cpu:\s+4\n/m);
      assert.match(node, /^PodCIDR:\s+10\.244\.1\.0\/24$/m);
    });

    story('watch', async () => {
      const watch = k(['get', 'pods', '-w', '--output-watch-events', '-l', 'app=watched'], { timeoutMs: 10_000, until: (out) => out.includes('DELETED') });
      await sleep(1000);
      await ok('run', 'watched', '--image=nginx', '--labels=app=watched');
      await ok('label', 'pod', 'watched', 'extra=yes');
      await ok('delete', 'pod', 'watched', '--grace-period=0', '--force');
      const events = rows((await watch).stdout).map((r) => `${r[0]} ${r[1]}`);
      // The kubelet's status updates add MODIFIED events of their own; the order is what matters.
      assert.equal(events[0], 'EVENT NAME');
      assert.equal(events[1], 'ADDED watched');
      assert.equal(events.at(-1), 'DELETED watched');
      assert.ok(events.slice(2, -1).every((e) => e === 'MODIFIED watched'), events.join('\n'));
    });

    story('apply', async () => {
      assert.equal(await ok('apply', '-f', RC_V1), 'replicationcontroller/web created\n');
      assert.equal(await ok('apply', '-f', RC_V2), 'replicationcontroller/web configured\n');
      const stored = await get(rcPath);
      assert.deepEqual(stored.metadata.labels, { app: 'web' });
      assert.deepEqual(stored.spec.template.spec.containers.map((c: any) => `${c.name}=${c.image}`), ['main=nginx:1.26', 'sidecar=busybox']);
      assert.equal(stored.metadata.generation, 2);
      const managers = stored.metadata.managedFields.map((m: any) => `${m.manager}/${m.operation}`);
      assert.ok(managers.includes('kubectl-client-side-apply/Update'), managers.join());
      assert.equal(await ok('apply', '-f', RC_V2), 'replicationcontroller/web unchanged\n');
      const same = await k(['diff', '-f', RC_V2]);
      assert.deepEqual([same.code, same.stdout], [0, '']);
      const changed = await k(['diff', '-f', RC_V1]);
      assert.equal(changed.code, 1);
      assert.match(changed.stdout, /^-\s+- image: nginx:1\.26$/m);
      assert.match(changed.stdout, /^\+\s+- image: nginx:1\.25$/m);
      assert.equal((await get(rcPath)).metadata.generation, 2, 'neither unchanged apply nor diff persisted anything');
    });

    story('apply-server-side', async () => {
      assert.equal(await ok('apply', '--server-side', '-f', scratchFile(`ssa-${v}-1.yaml`, SSA_POD('nginx:1.25'))), 'pod/ssa serverside-applied\n');
      const podPath = '/api/v1/namespaces/default/pods/ssa';
      const applied = (await get(podPath)).metadata.managedFields.find((m: any) => m.manager === 'kubectl');
      assert.equal(applied.operation, 'Apply');
      assert.deepEqual(applied.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"main"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } });
      await ok('apply', '--server-side', '-f', scratchFile(`ssa-${v}-2.yaml`, SSA_POD('nginx:1.26')));
      assert.equal((await get(podPath)).spec.containers[0].image, 'nginx:1.26');
      const other = scratchFile(`ssa-${v}-3.yaml`, SSA_POD('nginx:1.27'));
      const conflict = await k(['apply', '--server-side', '--field-manager=other', '-f', other]);
      assert.equal(conflict.code, 1);
      assert.match(conflict.stderr, /^error: Apply failed with 1 conflict: conflict with "kubectl": \.spec\.containers\[name="main"\]\.image$/m);
      assert.equal((await get(podPath)).spec.containers[0].image, 'nginx:1.26');
      await ok('apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', other);
      const pod = await get(podPath);
      assert.equal(pod.spec.containers[0].image, 'nginx:1.27');
      const byManager = Object.fromEntries(pod.metadata.managedFields.map((m: any) => [m.manager, m.fieldsV1]));
      assert.equal(byManager.kubectl['f:spec']['f:containers']['k:{"name":"main"}']['f:image'], undefined, 'the forced field moved to the new manager');
      assert.deepEqual(byManager.other['f:spec']['f:containers']['k:{"name":"main"}']['f:image'], {});
    });

    story('patch', async () => {
      assert.equal(await ok('patch', 'rc', 'web', '--type', 'strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}'), 'replicationcontroller/web patched\n');
      let stored = await get(rcPath);
      assert.deepEqual(stored.spec.template.spec.containers.map((c: any) => `${c.name}=${c.image}`), ['main=nginx:1.26', 'sidecar=busybox:1.36']);
      await ok('patch', 'rc', 'web', '--type', 'merge', '-p', '{"metadata":{"labels":{"temp":"x"}}}');
      await ok('patch', 'rc', 'web', '--type', 'merge', '-p', '{"metadata":{"labels":{"temp":null}}}');
      stored = await get(rcPath);
      assert.deepEqual(stored.metadata.labels, { app: 'web' });
      const failed = await k(['patch', 'rc', 'web', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":9},{"op":"test","path":"/metadata/name","value":"other"}]']);
      assert.equal(failed.code, 1);
      assert.match(failed.stderr, /the server rejected our request due to an error in our request/);
      assert.deepEqual([(await get(rcPath)).spec.replicas, (await get(rcPath)).metadata.generation], [2, stored.metadata.generation]);
      await ok('patch', 'rc', 'web', '--type', 'json', '-p', '[{"op":"test","path":"/spec/replicas","value":2},{"op":"replace","path":"/spec/replicas","value":3}]');
      assert.equal((await get(rcPath)).spec.replicas, 3);
    });

    story('edit', async () => {
      const r = await k(['edit', 'rc', 'web'], { env: { EDITOR } });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'replicationcontroller/web edited\n');
      assert.equal((await get(rcPath)).spec.template.spec.containers[0].image, 'nginx:1.27');
    });

    story('label', async () => {
      assert.equal(await ok('label', 'rc', 'web', 'tier=front'), 'replicationcontroller/web labeled\n');
      const refused = await k(['label', 'rc', 'web', 'tier=back']);
      assert.equal(refused.code, 1);
      assert.equal(refused.stderr, "error: 'tier' already has a value (front), and --overwrite is false\n");
      await ok('label', 'rc', 'web', 'tier=back', '--overwrite');
      const labeled = (await get(rcPath)).metadata;
      assert.equal(labeled.labels.tier, 'back');
      assert.deepEqual(labeled.managedFields.find((m: any) => m.manager === 'kubectl-label')?.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:tier': {} } } });
      await ok('label', 'rc', 'web', 'tier-');
      assert.equal((await get(rcPath)).metadata.labels.tier, undefined);
      // kubectl before 1.30 says "annotate", later ones "annotated".
      assert.match(await ok('annotate', 'rc', 'web', 'note=hi'), /^replicationcontroller\/web annotated?\n$/);
      await ok('annotate', 'rc', 'web', 'note=bye', '--overwrite');
      assert.equal((await get(rcPath)).metadata.annotations.note, 'bye');
      await ok('annotate', 'rc', 'web', 'note-');
      assert.equal((await get(rcPath)).metadata.annotations.note, undefined);
      const managers = (await get(rcPath)).metadata.managedFields.map((m: any) => m.manager);
      assert.ok(!managers.includes('kubectl-label'), `a manager that owns nothing is dropped: ${managers.join()}`);
    });

    story('dry-run', async () => {
      // Controllers write status meanwhile, so what must not change is what the commands touch.
      const rcBefore = await get(rcPath);
      assert.equal(await ok('run', 'dry', '--image=nginx', '--dry-run=server'), 'pod/dry created (server dry run)\n');
      assert.equal((await http(cluster, 'GET', '/api/v1/namespaces/default/pods/dry')).status, 404);
      assert.equal(await ok('apply', '-f', RC_V1, '--dry-run=server'), 'replicationcontroller/web configured (server dry run)\n');
      assert.equal(await ok('patch', 'pod', 'ssa', '-p', '{"metadata":{"labels":{"dry":"run"}}}', '--dry-run=server'), 'pod/ssa patched\n', 'kubectl does not mark patch dry runs');
      assert.equal(await ok('delete', 'pod', 'ssa', '--dry-run=server'), 'pod "ssa" deleted (server dry run)\n');
      const rcAfter = await get(rcPath);
      assert.deepEqual([rcAfter.metadata.generation, rcAfter.metadata.labels, rcAfter.spec], [rcBefore.metadata.generation, rcBefore.metadata.labels, rcBefore.spec]);
      const ssa = await get('/api/v1/namespaces/default/pods/ssa');
      assert.deepEqual([ssa.metadata.labels, ssa.metadata.deletionTimestamp], [{ app: 'ssa' }, undefined]);
    });

    story('scale', async () => {
      assert.equal(await ok('scale', 'rc', 'kubia', '--replicas=4'), 'replicationcontroller/kubia scaled\n');
      await eventually(() => running(4, 'app=kubia'), 8000, '4 running kubia pods');
      const wrong = await k(['scale', 'rc', 'kubia', '--current-replicas=2', '--replicas=3']);
      assert.deepEqual([wrong.code, wrong.stderr], [1, 'error: Expected replicas to be 2, was 4\n']);
      await ok('scale', 'rc', 'kubia', '--current-replicas=4', '--replicas=3');
      await eventually(() => running(3, 'app=kubia'), 8000, '3 running kubia pods');
      assert.equal(rows(await ok('get', 'rc', 'kubia'))[1].slice(1, 4).join(' '), '3 3 3');
    });

    story('expose', async () => {
      assert.equal(await ok('expose', 'rc', 'kubia', '--port=80', '--target-port=8080', '--name=kubia-exposed'), 'service/kubia-exposed exposed\n');
      const svc = await get('/api/v1/namespaces/default/services/kubia-exposed');
      assert.deepEqual([svc.spec.selector, svc.spec.ports], [{ app: 'kubia' }, [{ protocol: 'TCP', port: 80, targetPort: 8080 }]]);
      const ips = (await running(3, 'app=kubia') || []).map((p: any) => p.status.podIP).sort();
      await eventually(async () => {
        const ep = await get('/api/v1/namespaces/default/endpoints/kubia-exposed');
        return JSON.stringify((ep.subsets?.[0]?.addresses ?? []).map((a: any) => a.ip).sort()) === JSON.stringify(ips);
      }, 5000, 'endpoints of the 3 pods');
      assert.equal(await ok('expose', 'pod', 'front', '--port=80'), 'service/front exposed\n');
      assert.deepEqual((await get('/api/v1/namespaces/default/services/front')).spec.selector, { app: 'front', tier: 'front' });
      const reply = await ok('get', '--raw', '/api/v1/namespaces/default/services/kubia-exposed:80/proxy/');
      assert.match(reply, /^You've hit kubia(-[a-z0-9]{5})?\n$/);
    });

    story('load-balancer', async () => {
      assert.equal(await ok('expose', 'rc', 'kubia', '--type=LoadBalancer', '--name=kubia-lb'), 'service/kubia-lb exposed\n');
      const row = await eventually(async () => {
        const line = rows(await ok('get', 'svc', 'kubia-lb'))[1];
        return line?.[3] === lbAddress && line;
      }, 5000, 'an EXTERNAL-IP');
      assert.deepEqual(row.slice(0, 2), ['kubia-lb', 'LoadBalancer']);
      assert.match(row[4], /^8080:3\d{4}\/TCP$/);
      const reply = await eventually(async () => {
        const r = await fetch(`http://${lbAddress}:8080/`).catch(() => undefined);
        return r?.ok && r.text();
      }, 5000, 'the load balancer answering');
      assert.match(reply, /^You've hit kubia(-[a-z0-9]{5})?\n$/);
    });

    story('top', async () => {
      const nodes = rows(await ok('top', 'nodes'));
      assert.deepEqual(nodes.map((r) => r[0]), ['NAME', 'node-1', 'node-2']);
      for (const r of nodes.slice(1)) assert.match(`${r[1]} ${r[2]} ${r[3]} ${r[4]}`, /^\d+m \d+% \d+Mi \d+%$/);
      const top = rows(await ok('top', 'pod', 'kubia'));
      assert.deepEqual(top, [['NAME', 'CPU(cores)', 'MEMORY(bytes)'], ['kubia', '1m', '8Mi']]);
    });

    story('logs', async () => {
      const logs = await ok('logs', 'kubia');
      assert.match(logs, /^tinykube: container kubia started from image luksa\/kubia on node-[12]$/m);
      const tail = await ok('logs', 'kubia', '--tail=1', '--timestamps');
      assert.match(tail, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \S.*\n$/);
      const following = k(['logs', '-f', 'kubia'], { timeoutMs: 10_000, until: (out) => out.includes('Received request') });
      await sleep(800);
      await ok('get', '--raw', '/api/v1/namespaces/default/pods/kubia:8080/proxy/');
      assert.match((await following).stdout, /Received request from [^\n]+\n$/);
      const wrong = await k(['logs', 'kubia', '-c', 'nope']);
      assert.equal(wrong.stderr.trim(), 'error: container nope is not valid for pod kubia');
    });

    story('exec', async () => {
      assert.equal(await ok('exec', 'kubia', '--', 'echo', 'hi'), 'hi\n');
      const cat = await k(['exec', '-i', 'kubia', '--', 'cat'], { stdin: 'from stdin\n' });
      assert.deepEqual([cat.code, cat.stdout], [0, 'from stdin\n'], cat.stderr);
      const exit3 = await k(['exec', 'kubia', '--', 'sh', '-c', 'exit 3']);
      assert.deepEqual([exit3.code, exit3.stderr], [3, 'command terminated with exit code 3\n']);
      const wrong = await k(['exec', 'kubia', '-c', 'nope', '--', 'true']);
      assert.deepEqual([wrong.code, wrong.stderr], [1, 'Error from server (BadRequest): container nope is not valid for pod kubia\n']);
    });

    story('port-forward', async () => {
      const pod = await kubectlPortForward(v, cluster, 'pod/kubia', 8080, async (local) => {
        assert.deepEqual(await httpGet(local), { status: 200, body: "You've hit kubia\n" });
      });
      assert.match(pod.stdout, /^Forwarding from 127\.0\.0\.1:(\d+) -> 8080\nHandling connection for \1\n$/);
      await kubectlPortForward(v, cluster, 'svc/kubia', 80, async (local) => {
        assert.match((await httpGet(local)).body, /^You've hit kubia(-[a-z0-9]{5})?\n$/);
      });
    });

    story('cp', async () => {
      const contents = `bytes for kubectl ${v}\n`.repeat(200);
      const local = scratchFile(`cp-in-${v}.txt`, contents);
      assert.equal(await ok('cp', local, 'kubia:/tmp/in.txt'), '');
      assert.equal(await ok('exec', 'kubia', '--', 'cat', '/tmp/in.txt'), contents);
      const back = scratchFile(`cp-back-${v}.txt`, '');
      const copied = await k(['cp', 'kubia:/tmp/in.txt', back]);
      assert.equal(copied.code, 0, copied.stderr);
      assert.equal(readFileSync(back, 'utf8'), contents);
      assert.match(await ok('exec', 'kubia', '--', 'curl', '-s', 'http://kubia'), /^You've hit kubia(-[a-z0-9]{5})?\n$/);
    });

    story('debug', async () => {
      const r = await k(['debug', 'kubia', '-it', '--image=busybox', '--', 'echo', 'hi']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Defaulting debug container name to debugger-[a-z0-9]{5}\.\nhi\n$/);
      const names = await ok('get', 'pod', 'kubia', '-o', 'jsonpath={.spec.ephemeralContainers[*].name}');
      assert.match(names, /^debugger-[a-z0-9]{5}$/);
    });

    story('auth', async () => {
      assert.equal(await ok('auth', 'can-i', 'list', 'pods'), 'yes\n');
      assert.equal(await ok('auth', 'can-i', 'delete', 'nodes', '--all-namespaces'), 'yes\n');
    });

    story('errors', async () => {
      const missing = await k(['get', 'pod', 'nope']);
      assert.deepEqual([missing.code, missing.stderr], [1, 'Error from server (NotFound): pods "nope" not found\n']);
      const file = join(FIXTURES, 'kubia-pod.yaml');
      const dup = await k(['create', '-f', file]);
      assert.deepEqual([dup.code, dup.stderr], [1, `Error from server (AlreadyExists): error when creating "${file}": pods "kubia" already exists\n`]);
      const invalid = await k(['create', '-f', join(TEST_DATA, 'invalid-pod.yaml')]);
      assert.deepEqual([invalid.code, invalid.stderr], [1, 'The Pod "broken" is invalid: spec.containers[0].image: Required value\n']);
      const strict = await k(['create', '-f', UNKNOWN_FIELD]);
      assert.deepEqual([strict.code, strict.stderr], [1, `Error from server (BadRequest): error when creating "${UNKNOWN_FIELD}": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].bogus"\n`]);
      const warn = await k(['create', '-f', UNKNOWN_FIELD, '--validate=warn']);
      assert.deepEqual([warn.code, warn.stdout, warn.stderr], [0, 'pod/bad created\n', 'Warning: unknown field "spec.containers[0].bogus"\n']);
      const selector = await k(['get', 'pods', '--field-selector', 'spec.nope=1']);
      assert.equal(selector.code, 1);
      // kubectl wraps the server's message in words of its own, which differ between versions.
      assert.match(selector.stderr.trim(), /^Error from server \(BadRequest\): .*field label not supported: spec\.nope$/);
    });

    story('delete', async () => {
      assert.equal(await ok('delete', 'pod', 'front', 'bad'), 'pod "front" deleted\npod "bad" deleted\n');
      assert.equal(await ok('delete', 'svc', 'front', 'pb'), 'service "front" deleted\nservice "pb" deleted\n');
      assert.equal(await ok('delete', 'rc', 'web'), 'replicationcontroller "web" deleted\n');
      await eventually(async () => (await pods('app=web')).length === 0, 8000, 'the RC\'s pods deleted with it');
      assert.equal(await ok('-n', 'story', 'run', 'inside', '--image=nginx'), 'pod/inside created\n');
      assert.equal(await ok('delete', 'namespace', 'story', '--timeout=30s'), 'namespace "story" deleted\n');
      assert.equal((await http(cluster, 'GET', '/api/v1/namespaces/story')).status, 404);
      assert.deepEqual((await get('/api/v1/namespaces/story/pods')).items, []);
      const gone = await k(['delete', 'pod', 'front']);
      assert.deepEqual([gone.code, gone.stderr], [1, 'Error from server (NotFound): pods "front" not found\n']);
    });

    story('drain', async () => {
      assert.equal(await ok('cordon', 'node-2'), 'node/node-2 cordoned\n');
      assert.deepEqual(rows(await ok('get', 'nodes')).map((r) => `${r[0]} ${r[1]}`), ['NAME STATUS', 'node-1 Ready', 'node-2 Ready,SchedulingDisabled']);
      assert.equal(await ok('uncordon', 'node-2'), 'node/node-2 uncordoned\n');
      const onNode2 = (await get('/api/v1/namespaces/default/pods?fieldSelector=spec.nodeName=node-2')).items.map((p: any) => p.metadata.name).sort();
      assert.ok(onNode2.length > 0, 'the scheduler spread pods over both nodes');
      const drained = await k(['drain', 'node-2', '--ignore-daemonsets', '--force', '--timeout=30s']);
      assert.equal(drained.code, 0, drained.stderr);
      const lines = drained.stdout.trim().split('\n');
      assert.equal(lines[0], 'node/node-2 cordoned');
      assert.equal(lines.at(-1), 'node/node-2 drained');
      assert.deepEqual(lines.filter((l) => l.endsWith(' evicted')).sort(), onNode2.map((n: string) => `pod/${n} evicted`));
      const moved = await eventually(() => running(3, 'app=kubia'), 8000, 'the RC replaced the evicted pods');
      assert.deepEqual(moved.map((p: any) => p.spec.nodeName), ['node-1', 'node-1', 'node-1']);
      await ok('uncordon', 'node-2');
      await ok('run', 'pinned', '--image=nginx', '--overrides={"spec":{"nodeName":"node-2"}}');
      const deleted = await k(['drain', 'node-2', '--disable-eviction', '--force', '--grace-period=1', '--timeout=30s']);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.match(deleted.stdout, /^pod\/pinned deleted$/m);
      await ok('uncordon', 'node-2');
    });
  });
}
