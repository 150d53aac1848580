// Simulated containers run their command as a container runtime would, with real kubectl: the
// kubernetes.io Job example's perl prints π, a shell's exit code becomes the container's and the
// pod's (Completed, Error), restarts under restartPolicy Always back off into CrashLoopBackOff,
// `sleep` takes its time, servers keep running, and init containers run first, in order.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, kubectl, PI_2000_SHA256, rows, scratchFile, withCluster } from './helpers.js';


for (const v of ['1.27', '1.30', '1.33']) {
  describe(`container commands with kubectl ${v}`, () => {
    let cluster: Cluster;
    before(async () => { cluster = await withCluster({ controlPlane: true, nodes: 1, loadBalancerAddress: false }); });
    after(async () => { await cluster.close(); });

    const k = (...args: string[]) => kubectl(v, cluster, args);
    const ok = async (...args: string[]) => {
      const r = await k(...args);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const json = async (pod: string) => JSON.parse(await ok('get', 'pod', pod, '-o', 'json'));
    /** The STATUS column of `kubectl get pod`. */
    const status = async (pod: string) => rows(await ok('get', 'pod', pod))[1][2];
    const until = (pod: string, want: (p: any) => unknown, ms: number, what: string) => eventually(async () => {
      const p = await json(pod);
      return want(p) ? p : undefined;
    }, ms, what);

    test('the Job example: perl prints π to 2,000 digits and the pod completes', async () => {
      await ok('run', 'pi', '--image=perl:5.34.0', '--restart=Never', '--', 'perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)');
      const pod = await until('pi', (p) => p.status.phase === 'Succeeded', 20_000, 'pi to succeed');
      const cs = pod.status.containerStatuses[0];
      assert.equal(cs.state.terminated.exitCode, 0);
      assert.equal(cs.state.terminated.reason, 'Completed');
      assert.ok(cs.state.terminated.startedAt && cs.state.terminated.finishedAt);
      assert.equal(cs.ready, false);
      assert.equal(await status('pi'), 'Completed');
      const logs = await ok('logs', 'pi');
      assert.match(logs, /^3\.14159265358979323846264338327950288419716939937510/);
      assert.equal(logs.length, 2002);
      assert.equal(createHash('sha256').update(logs).digest('hex'), PI_2000_SHA256);
      const ready = pod.status.conditions.find((c: any) => c.type === 'Ready');
      assert.deepEqual([ready.status, ready.reason], ['False', 'PodCompleted']);
    });

    test('a shell that exits 3: Error, exit code 3, its output the log', async () => {
      await ok('run', 'e', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'echo hi; exit 3');
      await until('e', (p) => p.status.phase === 'Failed', 20_000, 'e to fail');
      assert.equal(await ok('get', 'pod', 'e', '-o', 'jsonpath={.status.containerStatuses[0].state.terminated.exitCode}'), '3');
      assert.equal(await ok('get', 'pod', 'e', '-o', 'jsonpath={.status.containerStatuses[0].state.terminated.reason}'), 'Error');
      assert.equal(await status('e'), 'Error');
      assert.equal(await ok('logs', 'e'), 'hi\n');
      const r = await k('logs', 'e', '--previous');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /previous terminated container "e" in pod "e" not found/);
    });

    test('busybox with no command completes at once; a program the image lacks fails to start', async () => {
      await ok('run', 'bare', '--image=busybox', '--restart=Never');
      await until('bare', (p) => p.status.phase === 'Succeeded', 20_000, 'bare to succeed');
      await ok('run', 'missing', '--image=busybox', '--restart=Never', '--', 'foo');
      const pod = await until('missing', (p) => p.status.phase === 'Failed', 20_000, 'missing to fail');
      const t = pod.status.containerStatuses[0].state.terminated;
      assert.deepEqual([t.exitCode, t.reason, t.message], [128, 'StartError',
        'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "foo": executable file not found in $PATH: unknown']);
      assert.equal(await status('missing'), 'StartError');
      const events = await ok('get', 'events', '--field-selector', 'involvedObject.name=missing', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}');
      assert.match(events, /^Failed$/m);
    });

    test('restartPolicy Always: the exits back off into CrashLoopBackOff, restartCount grows', async () => {
      const manifest = scratchFile(`crash-${v}.yaml`, 'apiVersion: v1\nkind: Pod\nmetadata: {name: crash}\nspec:\n  containers:\n  - {name: c, image: busybox, command: [sh, -c, "echo run; exit 1"]}\n');
      await ok('apply', '-f', manifest);
      const pod = await until('crash', (p) => p.status.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff', 20_000, 'CrashLoopBackOff');
      const cs = pod.status.containerStatuses[0];
      assert.equal(cs.state.waiting.message, `back-off 10s restarting failed container=c pod=crash_default(${pod.metadata.uid})`);
      assert.equal(cs.restartCount, 1);
      assert.deepEqual([cs.lastState.terminated.exitCode, cs.lastState.terminated.reason], [1, 'Error']);
      assert.equal(pod.status.phase, 'Running');
      assert.equal(await status('crash'), 'CrashLoopBackOff');
      assert.match(rows(await ok('get', 'pod', 'crash'))[1][3], /^1 \(\d+s ago\)$/);
      assert.equal(await ok('logs', 'crash'), 'run\n');
      assert.equal(await ok('logs', 'crash', '--previous'), 'run\n');
      // kube's first back-off is 10 s: the next run comes after it.
      await until('crash', (p) => p.status.containerStatuses[0].restartCount >= 2, 40_000, 'a second restart');
      const events = await ok('get', 'events', '--field-selector', 'involvedObject.name=crash,reason=BackOff', '-o', 'jsonpath={.items[0].message}');
      assert.equal(events, `Back-off restarting failed container c in pod crash_default(${pod.metadata.uid})`);
    });

    test('sleep 2 takes about two seconds; nginx keeps running', async () => {
      await ok('run', 'nap', '--image=busybox', '--restart=Never', '--', 'sleep', '2');
      await ok('run', 'web', '--image=nginx', '--restart=Never');
      const pod = await until('nap', (p) => p.status.phase === 'Succeeded', 20_000, 'nap to finish');
      const t = pod.status.containerStatuses[0].state.terminated;
      const took = Date.parse(t.finishedAt) - Date.parse(t.startedAt);
      assert.ok(took >= 1000 && took <= 6000, `sleep 2 took ${took} ms`);
      const web = await json('web');
      assert.equal(web.status.phase, 'Running');
      assert.ok(web.status.containerStatuses[0].state.running);
    });

    test('init containers run in order to completion before the app starts', async () => {
      const manifest = scratchFile(`init-${v}.yaml`, [
        'apiVersion: v1', 'kind: Pod', 'metadata: {name: inits}', 'spec:',
        '  initContainers:',
        '  - {name: first, image: busybox, command: [sh, -c, "echo first done"]}',
        '  - {name: second, image: busybox, command: [sh, -c, "sleep 1; echo second done"]}',
        '  containers:',
        '  - {name: app, image: busybox, command: [sh, -c, "echo app started; sleep 3600"]}',
        '',
      ].join('\n'));
      await ok('apply', '-f', manifest);
      await eventually(async () => /^Init:1\/2$/.test(await status('inits')), 20_000, 'Init:1/2');
      const pod = await until('inits', (p) => p.status.phase === 'Running', 20_000, 'the app to run');
      assert.deepEqual(pod.status.initContainerStatuses.map((s: any) => [s.name, s.state.terminated?.reason, s.ready]), [['first', 'Completed', true], ['second', 'Completed', true]]);
      assert.ok(pod.status.containerStatuses[0].state.running);
      assert.equal(await status('inits'), 'Running');
      assert.equal(await ok('logs', 'inits', '-c', 'first'), 'first done\n');
      assert.equal(await ok('logs', 'inits', '-c', 'second'), 'second done\n');
      assert.equal(await eventually(async () => (await ok('logs', 'inits', '-c', 'app')) || undefined, 10_000, 'app output'), 'app started\n');
      const initialized = pod.status.conditions.find((c: any) => c.type === 'Initialized');
      assert.equal(initialized.status, 'True');
    });

    test('a failing init container under restartPolicy Never fails the pod: Init:Error', async () => {
      const manifest = scratchFile(`init-fail-${v}.yaml`, [
        'apiVersion: v1', 'kind: Pod', 'metadata: {name: init-fail}', 'spec:', '  restartPolicy: Never',
        '  initContainers:', '  - {name: setup, image: busybox, command: [sh, -c, "exit 2"]}',
        '  containers:', '  - {name: app, image: nginx}', '',
      ].join('\n'));
      await ok('apply', '-f', manifest);
      await until('init-fail', (p) => p.status.phase === 'Failed', 20_000, 'init-fail to fail');
      assert.equal(await status('init-fail'), 'Init:Error');
    });
  });
}
