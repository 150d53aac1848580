// kubectl debug as on a cluster, with kubectl 1.27, 1.30 and 1.33: an ephemeral container added
// to a running pod through pods/ephemeralcontainers, started by the simulated kubelet (statuses,
// events, describe), kube's refusal of a name already taken, a copy of the pod with a debug
// container, and a node debugging pod in the host's namespaces with its filesystem mounted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Pod } from '../src/api/objects.js';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, withCluster } from './helpers.js';

const VERSIONS = ['1.27', '1.30', '1.33'];

/** What kubectl 1.33 says on stderr for every debug without --profile. */
const LEGACY_PROFILE = '--profile=legacy is deprecated and will be removed in the future. It is recommended to explicitly specify a profile, for example "--profile=general".\n';
const profileWarning = (v: string) => (v === '1.33' ? LEGACY_PROFILE : '');

for (const v of VERSIONS) {
  describe(`kubectl debug, kubectl ${v}`, () => {
    let cluster: Cluster;
    const k = (...args: string[]) => kubectl(v, cluster, args);
    const getPod = async (name: string): Promise<Pod> => (await http(cluster, 'GET', `/api/v1/namespaces/default/pods/${name}`)).json();
    const running = (name: string) => eventually(async () => (await getPod(name)).status?.phase === 'Running', 8000, `pod ${name} Running`);
    /** The debug container's name from kubectl's first line. */
    const defaulted = (stdout: string) => {
      const m = /^Defaulting debug container name to (debugger-[a-z0-9]{5})\.\n/.exec(stdout);
      assert.ok(m, stdout);
      return m[1];
    };

    before(async () => {
      cluster = await withCluster({ controlPlane: true, nodes: 1, loadBalancerAddress: false });
      const created = await k('run', 'web', '--image=nginx');
      assert.equal(created.code, 0, created.stderr);
      await running('web');
    });
    after(async () => { await cluster.close(); });

    test('debug POD adds an ephemeral container that runs, logs events and shows in get and describe', async () => {
      const r = await k('debug', 'web', '--image=busybox', '--', 'echo', 'hi');
      assert.deepEqual([r.code, r.stderr], [0, profileWarning(v)]);
      const name = defaulted(r.stdout);
      assert.equal(r.stdout, `Defaulting debug container name to ${name}.\n`);

      const names = await k('get', 'pod', 'web', '-o', 'jsonpath={.spec.ephemeralContainers[*].name}');
      assert.deepEqual([names.code, names.stdout], [0, name]);
      const spec = (await getPod('web')).spec?.ephemeralContainers;
      assert.deepEqual(spec, [{
        command: ['echo', 'hi'], image: 'busybox', imagePullPolicy: 'Always', name, resources: {},
        terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
      }]);

      // echo ends at once: the container runs, then terminates with exit code 0.
      const status = await eventually(async () => {
        const s = (await getPod('web')).status?.ephemeralContainerStatuses?.[0];
        return s?.state?.terminated && s;
      }, 5000, 'the debug container terminated');
      assert.deepEqual({ ...status, state: undefined }, {
        name, image: 'busybox', imageID: `docker.io/library/busybox@sha256:${'0'.repeat(64)}`, containerID: status.containerID,
        lastState: {}, ready: false, restartCount: 0, state: undefined,
      });
      assert.match(status.containerID ?? '', /^tinykube:\/\/[0-9a-f-]{36}-debugger-/);
      assert.deepEqual({ ...status.state?.terminated, startedAt: undefined, finishedAt: undefined }, {
        exitCode: 0, reason: 'Completed', containerID: status.containerID, startedAt: undefined, finishedAt: undefined,
      });
      // The pod itself is untouched: still Running, its own container still ready.
      const table = await k('get', 'pod', 'web');
      assert.match(table.stdout, /^NAME +READY +STATUS +RESTARTS +AGE\nweb +1\/1 +Running +0 +\d+s\n$/);

      const describe = await k('describe', 'pod', 'web');
      assert.equal(describe.code, 0, describe.stderr);
      const section = describe.stdout.slice(describe.stdout.indexOf('Ephemeral Containers:'), describe.stdout.indexOf('Conditions:'));
      assert.match(section, new RegExp([
        '^Ephemeral Containers:', `  ${name}:`, `    Container ID:  ${status.containerID}`, '    Image:         busybox',
        `    Image ID:      docker.io/library/busybox@sha256:0{64}`, '    Port:          <none>', '    Host Port:     <none>',
        '    Command:', '      echo', '      hi', '    State:          Terminated', '      Reason:       Completed', '      Exit Code:    0',
        '      Started:      .+', '      Finished:     .+', '    Ready:          False', '    Restart Count:  0', '    Environment:    <none>', '    Mounts:         <none>', '$',
      ].join('\\n')));

      const events = (await http(cluster, 'GET', `/api/v1/namespaces/default/events?fieldSelector=involvedObject.fieldPath=spec.ephemeralContainers%7B${name}%7D`)).json().items;
      assert.deepEqual(events.map((e: { reason: string; message: string }) => `${e.reason}: ${e.message}`), [
        'Pulling: Pulling image "busybox"',
        'Pulled: Successfully pulled image "busybox" in 502ms (502ms including waiting). Image size: 0 bytes.',
        `Created: Created container: ${name}`,
        `Started: Started container ${name}`,
      ]);
    });

    test('debug -it POD -- echo hi prints hi; the container log holds it', async () => {
      const r = await k('debug', 'web', '-it', '--image=busybox', '--', 'echo', 'hi');
      assert.equal(r.code, 0, r.stderr);
      const name = defaulted(r.stdout);
      assert.equal(r.stdout, `Defaulting debug container name to ${name}.\nhi\n`);
      const logs = await k('logs', 'web', '-c', name);
      assert.deepEqual([logs.code, logs.stdout], [0, 'hi\n'], logs.stderr);
    });

    test('a debug container may not take the name of one the pod has: kube\'s 422', async () => {
      // The new one is appended after those earlier tests added.
      const index = (await getPod('web')).spec?.ephemeralContainers?.length ?? 0;
      const r = await k('debug', 'web', '--image=busybox', '-c', 'web');
      assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', `${profileWarning(v)}The Pod "web" is invalid: spec.ephemeralContainers[${index}].name: Duplicate value: "web"\n`]);
    });

    test('debug --copy-to makes a copy of the pod with a debug container, which runs', async () => {
      const copy = `web-copy-${v.replace('.', '-')}`;
      const r = await k('debug', 'web', `--copy-to=${copy}`, '--image=busybox', '--', 'sleep', '3600');
      assert.deepEqual([r.code, r.stderr], [0, profileWarning(v)]);
      const name = defaulted(r.stdout);
      assert.equal(r.stdout, `Defaulting debug container name to ${name}.\n`);
      await running(copy);
      const containers = await k('get', 'pod', copy, '-o', 'jsonpath={.spec.containers[*].name}');
      assert.deepEqual([containers.code, containers.stdout], [0, `web ${name}`]);
      const table = await eventually(async () => {
        const out = (await k('get', 'pod', copy)).stdout;
        return /2\/2 +Running/.test(out) && out;
      }, 5000, 'the copy 2/2 Running');
      assert.match(table, new RegExp(`^NAME +READY +STATUS +RESTARTS +AGE\\n${copy} +2/2 +Running +0 +\\d+s\\n$`));
    });

    test('debug node/NODE runs a pod on the node in its namespaces, its filesystem at /host', async () => {
      const r = await k('debug', 'node/node-1', '--image=busybox', '--', 'sleep', '3600');
      assert.deepEqual([r.code, r.stderr], [0, profileWarning(v)]);
      const m = /^Creating debugging pod (node-debugger-node-1-[a-z0-9]{5}) with container debugger on node node-1\.\n$/.exec(r.stdout);
      assert.ok(m, r.stdout);
      const podName = m[1];
      await running(podName);
      const pod = await getPod(podName);
      const spec = pod.spec;
      assert.deepEqual([spec?.nodeName, spec?.hostPID, spec?.hostNetwork, spec?.hostIPC, spec?.restartPolicy], ['node-1', true, true, true, 'Never']);
      // With the default account's token volume, which ServiceAccount admission adds as in kube.
      const volumes: unknown = spec?.volumes;
      const token = Array.isArray(volumes) ? String(volumes[1]?.name) : '';
      assert.match(token, /^kube-api-access-[b-z2-9]{5}$/);
      assert.deepEqual(Array.isArray(volumes) && volumes[0], { name: 'host-root', hostPath: { path: '/' } });
      assert.deepEqual(spec?.containers[0].volumeMounts, [{ mountPath: '/host', name: 'host-root' }, { mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: token, readOnly: true }]);
      const ready = await k('get', 'pod', podName, '-o', 'jsonpath={.status.containerStatuses[0].ready}');
      assert.deepEqual([ready.code, ready.stdout], [0, 'true']);
    });
  });
}
