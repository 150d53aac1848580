// The pure parts of containers running their commands: π as bpi(N) prints it, the simulated perl,
// what a container runs, the pod phase from container states (getPhase), and log runs.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { ContainerStatus, Pod } from '../../src/api/objects.js';
import { DEFAULT_APP, type App } from '../../src/kubelet/apps.js';
import { nextInitContainer, podPhase, restartsAfterExit, terminatedState } from '../../src/kubelet/container-exits.js';
import { containerArgv, startErrorMessage, unsupportedScript } from '../../src/kubelet/container-process.js';
import { logRun, runCommand } from '../../src/kubelet/containers.js';
import { piDigits } from '../../src/kubelet/pi.js';
import { restartBackoff } from '../../src/kubelet/restarts.js';

test('piDigits: π rounded to N significant digits, as Math::BigFloat bpi(N) prints it', () => {
  assert.equal(piDigits(1), '3');
  assert.equal(piDigits(3), '3.14');
  // ...32384|6 rounds up, as perl -Mbignum=bpi -le 'print bpi(20)' prints it.
  assert.equal(piDigits(20), '3.1415926535897932385');
  const pi2000 = piDigits(2000);
  assert.equal(pi2000.length, 2001);
  assert.ok(pi2000.endsWith('3904780275901'));
  assert.equal(createHash('sha256').update(`${pi2000}\n`).digest('hex'), 'acf68936c61dd66c8a1a5668b0c59c179fefe02bc5a7e8f4b86c5bf74936c28d');
  assert.throws(() => piDigits(0), RangeError);
});

const perlCtx = (programs?: string[]) => ({ podName: 'pi', env: {}, stdin: async () => Buffer.alloc(0), sleep: async () => {}, now: () => new Date(0), ...(programs ? { programs } : {}) });

test('perl: print one-liners, bpi with -Mbignum, -de0 ends at once, only in images that have it', async () => {
  const run = async (argv: string[]) => {
    const r = await runCommand(argv, perlCtx(['perl']));
    return [r.stdout.toString(), r.stderr.toString(), r.exitCode];
  };
  assert.deepEqual(await run(['perl', '-Mbignum=bpi', '-wle', 'print bpi(10)']), ['3.141592654\n', '', 0]);
  assert.deepEqual(await run(['perl', '-e', 'print "x\\n"']), ['x\n', '', 0]);
  assert.deepEqual(await run(['perl', '-le', "print 'a', 'b'; print 2"]), ['ab\n2\n', '', 0]);
  assert.deepEqual(await run(['perl', '-de0']), ['', '', 0]);
  assert.deepEqual(await run(['perl', '-le', 'print bpi(3)']), ['', 'Undefined subroutine &main::bpi called at -e line 1.\n', 255]);
  const busybox = await runCommand(['perl', '-e', '1'], perlCtx());
  assert.equal(busybox.exitCode, 127);
});

test('what a container runs: command and args, else the image entrypoint and cmd; unknown images keep theirs', () => {
  const busybox: App = { ...DEFAULT_APP, name: 'busybox', cmd: ['sh'] };
  assert.deepEqual(containerArgv(busybox, {}), ['sh']);
  assert.deepEqual(containerArgv(busybox, { args: ['echo', 'hi'] }), ['echo', 'hi']);
  assert.deepEqual(containerArgv(busybox, { command: ['sleep'], args: ['5'] }), ['sleep', '5']);
  assert.deepEqual(containerArgv({ ...busybox, entrypoint: ['/entry'] }, { args: ['x'] }), ['/entry', 'x']);
  assert.equal(containerArgv(DEFAULT_APP, {}), undefined);
  assert.equal(containerArgv(DEFAULT_APP, { args: ['-g', 'daemon off;'] }), undefined);
  assert.deepEqual(containerArgv(DEFAULT_APP, { command: ['sleep', '1'] }), ['sleep', '1']);
  assert.equal(unsupportedScript(['sh', '-c', 'while true; do echo hi; sleep 5; done']), true);
  assert.equal(unsupportedScript(['/bin/sh', '-c', 'echo a; for i in 1 2; do echo $i; done']), true);
  assert.equal(unsupportedScript(['sh', '-c', 'echo while; exit 3']), false);
  assert.equal(startErrorMessage('foo'), 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "foo": executable file not found in $PATH: unknown');
});

const cs = (name: string, state: ContainerStatus['state'], lastState: ContainerStatus['lastState'] = {}): ContainerStatus => ({ name, image: 'busybox', imageID: '', ready: false, restartCount: 0, state, lastState });
const pod = (restartPolicy: string, containers: string[], inits: string[] = []): Pod => ({
  metadata: { name: 'p' }, spec: { restartPolicy, containers: containers.map((name) => ({ name })), initContainers: inits.map((name) => ({ name })) }, status: { phase: 'Running' },
});
const done = (exitCode: number) => ({ terminated: { exitCode } });

test('podPhase: getPhase over init and app containers and the restart policy', () => {
  assert.equal(podPhase(pod('Never', ['a']), { containerStatuses: [cs('a', done(0))] }), 'Succeeded');
  assert.equal(podPhase(pod('Never', ['a', 'b']), { containerStatuses: [cs('a', done(0)), cs('b', done(1))] }), 'Failed');
  assert.equal(podPhase(pod('Never', ['a', 'b']), { containerStatuses: [cs('a', { running: {} }), cs('b', done(1))] }), 'Running');
  assert.equal(podPhase(pod('OnFailure', ['a']), { containerStatuses: [cs('a', done(0))] }), 'Succeeded');
  assert.equal(podPhase(pod('OnFailure', ['a']), { containerStatuses: [cs('a', done(2))] }), 'Running');
  assert.equal(podPhase(pod('Always', ['a']), { containerStatuses: [cs('a', done(0))] }), 'Running');
  // A container waiting to restart has stopped; one that never ran is pending.
  assert.equal(podPhase(pod('Always', ['a']), { containerStatuses: [cs('a', { waiting: { reason: 'CrashLoopBackOff' } }, done(1))] }), 'Running');
  assert.equal(podPhase(pod('Always', ['a'], ['i']), { initContainerStatuses: [cs('i', { running: {} })], containerStatuses: [cs('a', { waiting: { reason: 'PodInitializing' } })] }), 'Pending');
  assert.equal(podPhase(pod('Never', ['a'], ['i']), { initContainerStatuses: [cs('i', done(2))], containerStatuses: [cs('a', { waiting: { reason: 'PodInitializing' } })] }), 'Failed');
  assert.equal(podPhase(pod('Always', ['a'], ['i']), { initContainerStatuses: [cs('i', { waiting: { reason: 'CrashLoopBackOff' } }, done(2))], containerStatuses: [cs('a', { waiting: { reason: 'PodInitializing' } })] }), 'Pending');
  // Terminal phases stay.
  assert.equal(podPhase(pod('Always', ['a']), { phase: 'Succeeded', containerStatuses: [cs('a', { running: {} })] }), 'Succeeded');
});

test('restart policy, init order, terminated states', () => {
  assert.deepEqual(['Always', 'OnFailure', 'Never'].map((p) => [restartsAfterExit(pod(p, []), 0), restartsAfterExit(pod(p, []), 1)]), [[true, true], [false, true], [false, false]]);
  const p = pod('Never', ['a'], ['one', 'two']);
  assert.equal(nextInitContainer(p)?.name, 'one');
  p.status = { initContainerStatuses: [cs('one', done(0)), cs('two', done(1))] };
  assert.equal(nextInitContainer(p)?.name, 'two');
  assert.deepEqual(terminatedState({ exitCode: 0 }, 's', 'f', 'id'), { exitCode: 0, reason: 'Completed', startedAt: 's', finishedAt: 'f', containerID: 'id' });
  assert.deepEqual(terminatedState({ startError: 'm' }, 's', 'f', undefined), { exitCode: 128, reason: 'StartError', message: 'm', startedAt: '1970-01-01T00:00:00Z', finishedAt: 'f' });
});

test('crash back-off: at once, then 10 s doubling to 5 min, forgotten after 10 min of running', () => {
  let entry;
  const waits: number[] = [];
  for (let i = 0, now = 0; i < 8; i++) {
    const { waitMs, next } = restartBackoff(entry, now);
    waits.push(waitMs / 1000);
    entry = next;
    now += waitMs;
  }
  assert.deepEqual(waits, [0, 10, 20, 40, 80, 160, 300, 300]);
  assert.equal(restartBackoff(entry, 10_000_000).waitMs, 0);
});

test('logRun: which run kubectl logs reads, and the kubelet\'s errors', () => {
  const last = { terminated: { exitCode: 1, containerID: 'c-1' } };
  assert.deepEqual(logRun(cs('c', { running: {} }, last), 'c', 'p', true), { id: 'c-1' });
  assert.deepEqual(logRun({ ...cs('c', { running: {} }), containerID: 'c-2' }, 'c', 'p', false), { id: 'c-2' });
  assert.deepEqual(logRun(cs('c', { waiting: { reason: 'CrashLoopBackOff' } }, last), 'c', 'p', false), { id: 'c-1' });
  assert.deepEqual(logRun(cs('c', { waiting: { reason: 'ContainerCreating' } }), 'c', 'p', false), { error: 'container "c" in pod "p" is waiting to start: ContainerCreating' });
  assert.deepEqual(logRun(cs('c', done(0)), 'c', 'p', true), { error: 'previous terminated container "c" in pod "p" not found' });
});
