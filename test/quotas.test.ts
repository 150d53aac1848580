// ResourceQuotas and LimitRanges with real kubectl: `create quota`, the controller filling
// status.used (`get quota`, `describe quota`), quota admission refusing with kube's exact texts
// (pods, count/deployments.apps, a requests.cpu quota and a pod without requests), and the
// LimitRanger defaulting a container's resources and refusing one above max.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, kubectl, kubectlOk, rows, scratchFile, withCluster } from './helpers.js';

const LIMIT_RANGE = `apiVersion: v1
kind: LimitRange
metadata:
  name: cpu
spec:
  limits:
  - type: Container
    min: {cpu: 100m}
    max: {cpu: "1"}
    default: {cpu: 500m}
    defaultRequest: {cpu: 200m}
`;

const pod = (name: string, resources: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  containers:
  - name: c1
    image: nginx
    resources: ${resources}
`;

for (const v of ['1.27', '1.30', '1.33']) {
  describe(`ResourceQuotas and LimitRanges with kubectl ${v}`, () => {
    let cluster: Cluster;
    const ok = (...args: string[]) => kubectlOk(v, cluster, args);
    const fails = async (...args: string[]) => {
      const r = await kubectl(v, cluster, args);
      assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} should fail`);
      return r.stderr;
    };
    /** Waits until the controller has written status.used for every hard resource. */
    const counted = (ns: string, name: string) => eventually(async () => {
      const used = await ok('get', 'quota', name, '-n', ns, '-o', 'jsonpath={.status.used}');
      return used.length > 2 && used;
    }, 10_000, `quota ${ns}/${name} counted`);

    before(async () => { cluster = await withCluster({ controlPlane: true, nodes: 1 }); });
    after(async () => { await cluster.close(); });

    test('a pods=2 quota refuses the third pod with kube\'s message; get and describe show the use', async () => {
      await ok('create', 'namespace', 'qa');
      assert.equal(await ok('create', 'quota', 'q', '--hard=pods=2', '-n', 'qa'), 'resourcequota/q created\n');
      await counted('qa', 'q');
      await ok('run', 'p1', '--image=nginx', '-n', 'qa');
      await ok('run', 'p2', '--image=nginx', '-n', 'qa');
      assert.equal(await fails('run', 'p3', '--image=nginx', '-n', 'qa'),
        'Error from server (Forbidden): pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2\n');
      const table = rows(await ok('get', 'quota', '-n', 'qa'));
      assert.deepEqual(table[0], ['NAME', 'AGE', 'REQUEST', 'LIMIT']);
      assert.equal(table[1][0], 'q');
      assert.equal(table[1][2], 'pods: 2/2');
      assert.equal(await ok('describe', 'quota', 'q', '-n', 'qa'), [
        'Name:       q',
        'Namespace:  qa',
        'Resource    Used  Hard',
        '--------    ----  ----',
        'pods        2     2',
        '',
      ].join('\n'));
      // Deleting a pod gives its place back once the controller recounts.
      await ok('delete', 'pod', 'p1', '-n', 'qa', '--grace-period=0', '--force');
      await eventually(async () => (await ok('get', 'quota', 'q', '-n', 'qa', '-o', 'jsonpath={.status.used.pods}')) === '1', 10_000, 'the pod uncounted');
      await ok('run', 'p3', '--image=nginx', '-n', 'qa');
    });

    test('a count/deployments.apps=1 quota refuses a second deployment', async () => {
      await ok('create', 'namespace', 'qd');
      await ok('create', 'quota', 'd', '--hard=count/deployments.apps=1', '-n', 'qd');
      await counted('qd', 'd');
      await ok('create', 'deployment', 'a', '--image=nginx', '-n', 'qd');
      assert.equal(await fails('create', 'deployment', 'b', '--image=nginx', '-n', 'qd'),
        'error: failed to create deployment: deployments.apps "b" is forbidden: exceeded quota: d, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1\n');
      assert.equal(rows(await ok('get', 'quota', 'd', '-n', 'qd'))[1][2], 'count/deployments.apps: 1/1');
    });

    test('a requests.cpu quota refuses a pod that requests no cpu, and counts one that does', async () => {
      await ok('create', 'namespace', 'qc');
      await ok('create', 'quota', 'c', '--hard=requests.cpu=1,limits.cpu=2', '-n', 'qc');
      await counted('qc', 'c');
      assert.equal(await fails('run', 'p', '--image=nginx', '-n', 'qc'),
        'Error from server (Forbidden): pods "p" is forbidden: failed quota: c: must specify limits.cpu for: p; requests.cpu for: p\n');
      await ok('create', '-n', 'qc', '-f', scratchFile(`cpu-${v}.yaml`, pod('cpu', '{requests: {cpu: 300m}, limits: {cpu: 600m}}')));
      await eventually(async () => rows(await ok('get', 'quota', 'c', '-n', 'qc'))[1]?.slice(2).join('|') === 'requests.cpu: 300m/1|limits.cpu: 600m/2', 10_000, 'the pod counted');
    });

    test('a Deployment whose pods a quota refuses: FailedCreate events and ReplicaFailure on the ReplicaSet and the Deployment, until the template asks for cpu', async () => {
      await ok('create', 'namespace', 'qf');
      await ok('create', 'quota', 'f', '--hard=requests.cpu=1', '-n', 'qf');
      await counted('qf', 'f');
      await ok('create', 'deployment', 'web', '--image=nginx', '-n', 'qf');
      const rs = await eventually(async () => (await ok('get', 'rs', '-n', 'qf', '-o', 'name')).trim().replace('replicaset.apps/', ''), 10_000, 'the ReplicaSet');
      const refused = new RegExp(`^Error creating: pods "${rs}-[b-z2-9]{5}" is forbidden: failed quota: f: must specify requests.cpu for: nginx$`);
      await eventually(async () => (await ok('get', 'rs', rs, '-n', 'qf', '-o', 'jsonpath={.status.conditions[0].type}')) === 'ReplicaFailure', 10_000, 'ReplicaFailure');
      const condition = JSON.parse(await ok('get', 'rs', rs, '-n', 'qf', '-o', 'jsonpath={.status.conditions[0]}'));
      assert.deepEqual([condition.status, condition.reason], ['True', 'FailedCreate']);
      assert.match(condition.message, /^pods "web-[a-z0-9]+-[b-z2-9]{5}" is forbidden: failed quota: f: must specify requests.cpu for: nginx$/);
      const events = (await ok('get', 'events', '-n', 'qf', '--field-selector', 'reason=FailedCreate', '-o', 'jsonpath={range .items[*]}{.type} {.involvedObject.name} {.message}{"\\n"}{end}')).trim().split('\n');
      assert.ok(events.length >= 1, 'a FailedCreate event');
      for (const e of events) {
        const [type, involved, ...message] = e.split(' ');
        assert.deepEqual([type, involved], ['Warning', rs]);
        assert.match(message.join(' '), refused);
      }
      await eventually(async () => (await ok('get', 'deployment', 'web', '-n', 'qf', '-o', 'jsonpath={.status.conditions[?(@.type=="ReplicaFailure")].reason}')) === 'FailedCreate', 10_000, "the Deployment's ReplicaFailure");
      // Asking for cpu: the new ReplicaSet's pod is admitted and the Deployment's condition goes.
      await ok('set', 'resources', 'deployment', 'web', '-n', 'qf', '--requests=cpu=100m');
      await eventually(async () => (await ok('get', 'deployment', 'web', '-n', 'qf', '-o', 'jsonpath={.status.availableReplicas}')) === '1', 20_000, 'the pod running');
      await eventually(async () => !(await ok('get', 'deployment', 'web', '-n', 'qf', '-o', 'jsonpath={.status.conditions[*].type}')).includes('ReplicaFailure'), 20_000, 'ReplicaFailure gone');
    });

    test('a LimitRange defaults a container\'s cpu and refuses one above max', async () => {
      await ok('create', 'namespace', 'ql');
      assert.equal(await ok('create', '-n', 'ql', '-f', scratchFile(`lr-${v}.yaml`, LIMIT_RANGE)), 'limitrange/cpu created\n');
      assert.deepEqual(rows(await ok('get', 'limits', '-n', 'ql'))[0], ['NAME', 'CREATED AT']);
      assert.equal(await ok('describe', 'limitrange', 'cpu', '-n', 'ql'), [
        'Name:       cpu',
        'Namespace:  ql',
        'Type        Resource  Min   Max  Default Request  Default Limit  Max Limit/Request Ratio',
        '----        --------  ---   ---  ---------------  -------------  -----------------------',
        'Container   cpu       100m  1    200m             500m           -',
        '',
      ].join('\n'));
      await ok('run', 'plain', '--image=nginx', '-n', 'ql');
      assert.equal(await ok('get', 'pod', 'plain', '-n', 'ql', '-o', 'jsonpath={.spec.containers[0].resources}'), '{"limits":{"cpu":"500m"},"requests":{"cpu":"200m"}}');
      assert.equal(await ok('get', 'pod', 'plain', '-n', 'ql', '-o', 'jsonpath={.metadata.annotations.kubernetes\\.io/limit-ranger}'),
        'LimitRanger plugin set: cpu request for container plain; cpu limit for container plain');
      assert.equal(await fails('create', '-n', 'ql', '-f', scratchFile(`big-${v}.yaml`, pod('big', '{limits: {cpu: "2"}}'))),
        'Error from server (Forbidden): error when creating "' + scratchFile(`big-${v}.yaml`, pod('big', '{limits: {cpu: "2"}}')) + '": pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2\n');
      assert.equal(await fails('create', '-n', 'ql', '-f', scratchFile(`small-${v}.yaml`, pod('small', '{requests: {cpu: 50m}}'))),
        'Error from server (Forbidden): error when creating "' + scratchFile(`small-${v}.yaml`, pod('small', '{requests: {cpu: 50m}}')) + '": pods "small" is forbidden: minimum cpu usage per Container is 100m, but request is 50m\n');
    });
  });
}
