// Probe policy as kube's kubelet applies it: defaults, thresholds over consecutive results, the
// startup probe gating the others, started/ready and the pod conditions that follow, the texts
// recorded; the restart back-off after a kill; and the workers that run probes on timers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Container, Pod, PodStatus, Probe } from '../../src/api/objects.js';
import {
  connectionRefused, containerProbeState, countResult, defaultProbe, execTimeout, firstProbeDelayMs, goDuration, grpcTimeout, httpGetError,
  httpOutcome, killMessage, NO_RUN, probeEvent, probeRuns, probeTiming, probeURL, resolveProbePort, withProbeResults, type ProbeOutcome, type ResultRun,
} from '../../src/kubelet/probes.js';
import { Prober } from '../../src/kubelet/prober.js';
import {
  BACKOFF_INITIAL_MS, BACKOFF_MAX_MS, backOffEvent, crashLoopMessage, killedStatus, restartBackoff, restartedStatus, restartEvents, restartsAfterKill, type Backoff,
} from '../../src/kubelet/restarts.js';

const FAIL: ProbeOutcome = { result: 'failure', output: 'HTTP probe failed with statuscode: 404' };
const PASS: ProbeOutcome = { result: 'success', output: '' };

test('a probe without timing gets kube defaults: period 10 s, timeout 1 s, thresholds 1 and 3, no initial delay', () => {
  assert.deepEqual(probeTiming({ httpGet: { port: 80 } }), { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
  assert.deepEqual(probeTiming({ periodSeconds: 1, failureThreshold: 1, initialDelaySeconds: 5 }), { initialDelaySeconds: 5, periodSeconds: 1, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 1 });
  const stored: Probe = { httpGet: { port: 'http' } };
  defaultProbe(stored);
  assert.deepEqual(stored, { httpGet: { port: 'http', path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
});

test('readiness is probed as soon as the initial delay is over; liveness and startup on the first tick after it', () => {
  assert.equal(firstProbeDelayMs('readiness', probeTiming({})), 0);
  assert.equal(firstProbeDelayMs('readiness', probeTiming({ initialDelaySeconds: 3 })), 3000);
  assert.equal(firstProbeDelayMs('liveness', probeTiming({})), 10_000);
  assert.equal(firstProbeDelayMs('liveness', probeTiming({ periodSeconds: 1 })), 1000);
  assert.equal(firstProbeDelayMs('startup', probeTiming({ periodSeconds: 10, initialDelaySeconds: 15 })), 20_000);
});

test('consecutive results count against the thresholds; a different result starts the count again; errors are not counted', () => {
  const timing = probeTiming({ failureThreshold: 3, successThreshold: 2 });
  let run: ResultRun = NO_RUN;
  const verdicts: (string | undefined)[] = [];
  for (const outcome of [FAIL, FAIL, PASS, FAIL, FAIL, { result: 'error', output: 'port "http" not found' } satisfies ProbeOutcome, FAIL, FAIL, PASS, PASS]) {
    const counted = countResult(run, outcome, timing);
    run = counted.run;
    verdicts.push(counted.verdict);
  }
  assert.deepEqual(verdicts, [undefined, undefined, undefined, undefined, undefined, undefined, 'failure', 'failure', undefined, 'success']);
  // A redirect's warning counts as a success.
  assert.equal(countResult(NO_RUN, { result: 'warning', output: '' }, probeTiming({})).verdict, 'success');
});

test('the startup probe gates the others: readiness and liveness wait for it, and it stops once passed', () => {
  assert.deepEqual([probeRuns('startup', false), probeRuns('readiness', false), probeRuns('liveness', false)], [true, false, false]);
  assert.deepEqual([probeRuns('startup', true), probeRuns('readiness', true), probeRuns('liveness', true)], [false, true, true]);
  const running = { name: 'web', ready: false, restartCount: 0, image: 'nginx', imageID: '', state: { running: { startedAt: 't' } } };
  const both: Container = { name: 'web', startupProbe: {}, readinessProbe: {} };
  assert.deepEqual(containerProbeState(both, running, {}), { started: false, ready: false });
  assert.deepEqual(containerProbeState(both, running, { ready: true }), { started: false, ready: false }, 'not ready before started');
  assert.deepEqual(containerProbeState(both, running, { started: true }), { started: true, ready: false });
  assert.deepEqual(containerProbeState(both, running, { started: true, ready: true }), { started: true, ready: true });
  assert.deepEqual(containerProbeState({ name: 'web' }, running, {}), { started: true, ready: true }, 'no probes: started and ready once running');
  assert.deepEqual(containerProbeState({ name: 'web' }, { ...running, state: { waiting: { reason: 'CrashLoopBackOff' } } }, {}), { started: false, ready: false });
});

test('the pod conditions follow the containers, with kube reason and message, readiness gates honoured', () => {
  const status: PodStatus = {
    phase: 'Running',
    conditions: [{ type: 'ContainersReady', status: 'True', lastTransitionTime: 'then' }, { type: 'Ready', status: 'True', lastTransitionTime: 'then' }],
    containerStatuses: ['a', 'b'].map((name) => ({ name, ready: true, restartCount: 0, image: 'nginx', imageID: '', started: true, state: { running: { startedAt: 'then' } } })),
  };
  const containers: Container[] = [{ name: 'a', readinessProbe: {} }, { name: 'b', readinessProbe: {} }];
  const unready = withProbeResults(status, containers, (n) => (n === 'a' ? { ready: true } : {}), 'now');
  assert.deepEqual(unready.containerStatuses?.map((c) => [c.name, c.ready, c.started]), [['a', true, true], ['b', false, true]]);
  assert.deepEqual(unready.conditions, [
    { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: 'now', reason: 'ContainersNotReady', message: 'containers with unready status: [b]' },
    { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: 'now', reason: 'ContainersNotReady', message: 'containers with unready status: [b]' },
  ]);
  assert.equal(status.conditions?.[0].status, 'True', 'the input is left alone');
  const ready = withProbeResults(unready, containers, () => ({ ready: true }), 'later');
  assert.deepEqual(ready.conditions?.map((c) => [c.type, c.status, c.lastTransitionTime, c.reason]), [['ContainersReady', 'True', 'later', undefined], ['Ready', 'True', 'later', undefined]]);
  const gated = withProbeResults(unready, containers, () => ({ ready: true }), 'later', [{ conditionType: 'example.com/lb' }]);
  assert.deepEqual(gated.conditions?.map((c) => [c.type, c.status]), [['ContainersReady', 'True'], ['Ready', 'False']]);
});

test('the texts the kubelet records, as kube words them', () => {
  assert.deepEqual(probeEvent('readiness', FAIL), { type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 404' });
  assert.deepEqual(probeEvent('liveness', { result: 'warning', output: 'Probe terminated redirects, Response body: ' }), { type: 'Warning', reason: 'ProbeWarning', message: 'Liveness probe warning: Probe terminated redirects, Response body: ' });
  assert.equal(probeEvent('startup', { result: 'error', output: 'port "http" not found' })?.message, 'Startup probe errored: port "http" not found');
  assert.equal(probeEvent('liveness', PASS), undefined);
  assert.equal(killMessage('kubia', 'liveness', true), 'Container kubia failed liveness probe, will be restarted');
  assert.equal(killMessage('kubia', 'startup', false), 'Container kubia failed startup probe');
  assert.deepEqual([httpOutcome(200, 'ok'), httpOutcome(399, 'x').result, httpOutcome(404, 'no')], [{ result: 'success', output: 'ok' }, 'warning', FAIL]);
  const url = probeURL('HTTP', '10.244.1.5', 8080, '/healthz');
  assert.equal(httpGetError(url, connectionRefused('10.244.1.5', 8080)), 'Get "http://10.244.1.5:8080/healthz": dial tcp 10.244.1.5:8080: connect: connection refused');
  assert.equal(probeURL('HTTPS', '10.244.1.5', 443, 'ready'), 'https://10.244.1.5:443/ready');
  assert.equal(grpcTimeout('10.244.1.5', 9000, 1), 'timeout: failed to connect service "10.244.1.5:9000" within 1s: context deadline exceeded');
  assert.equal(execTimeout(['sleep', '5']), 'command "sleep 5" timed out');
  assert.deepEqual([goDuration(10_000), goDuration(80_000), goDuration(300_000), goDuration(3_600_000)], ['10s', '1m20s', '5m0s', '1h0m0s']);
  const c: Container = { name: 'web', ports: [{ name: 'http', containerPort: 8080 }] };
  assert.deepEqual([resolveProbePort('http', c), resolveProbePort(80, c), resolveProbePort('metrics', c)], [8080, 80, { error: 'port "metrics" not found' }]);
});

test('restart back-off: at once the first time, then 10 s doubling to 5 min, forgotten after 10 min', () => {
  let entry: Backoff | undefined;
  let now = 0;
  const waits: number[] = [];
  for (let i = 0; i < 8; i++) {
    const { waitMs, next } = restartBackoff(entry, now);
    waits.push(waitMs);
    entry = next;
    now += waitMs + 1000;
  }
  assert.deepEqual(waits, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  assert.equal(BACKOFF_INITIAL_MS, 10_000);
  assert.equal(restartBackoff(entry, now + 2 * BACKOFF_MAX_MS + 1).waitMs, 0, 'a container that ran 10 min starts at once again');
});

test('a killed container: lastState terminated 137, waiting in CrashLoopBackOff with kube message, then running with one more restart', () => {
  const pod: Pod = { metadata: { name: 'web', namespace: 'default', uid: 'u-1' }, spec: { containers: [{ name: 'nginx' }] } };
  assert.equal(crashLoopMessage(10_000, 'nginx', pod), 'back-off 10s restarting failed container=nginx pod=web_default(u-1)');
  assert.equal(backOffEvent('nginx', pod), 'Back-off restarting failed container nginx in pod web_default(u-1)');
  const running = { name: 'nginx', ready: true, started: true, restartCount: 1, image: 'nginx', imageID: '', containerID: 'tinykube://u-1-nginx-1', state: { running: { startedAt: 'a' } } };
  const killed = killedStatus(running, 'b', { restart: true, waitMessage: crashLoopMessage(10_000, 'nginx', pod) });
  assert.deepEqual(killed.state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=nginx pod=web_default(u-1)' } });
  assert.deepEqual(killed.lastState, { terminated: { exitCode: 137, reason: 'Error', startedAt: 'a', finishedAt: 'b', containerID: 'tinykube://u-1-nginx-1' } });
  assert.deepEqual([killed.ready, killed.started, killed.restartCount], [false, false, 1]);
  const again = restartedStatus(killed, pod, 'c');
  assert.deepEqual([again.restartCount, again.containerID, again.state, again.lastState?.terminated?.finishedAt], [2, 'tinykube://u-1-nginx-2', { running: { startedAt: 'c' } }, 'b']);
  const never = killedStatus(running, 'b', { restart: false });
  assert.deepEqual([never.state?.terminated?.exitCode, never.lastState], [137, undefined]);
  assert.deepEqual([restartsAfterKill(pod), restartsAfterKill({ ...pod, spec: { containers: [], restartPolicy: 'OnFailure' } }), restartsAfterKill({ ...pod, spec: { containers: [], restartPolicy: 'Never' } })], [true, true, false]);
  assert.deepEqual(restartEvents({ name: 'nginx', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent' }).map((e) => `${e.reason}: ${e.message}`), [
    'Pulled: Container image "nginx:1.27" already present on machine', 'Created: Created container: nginx', 'Started: Started container nginx',
  ]);
  assert.deepEqual(restartEvents({ name: 'nginx', image: 'nginx', imagePullPolicy: 'Always' }).map((e) => e.reason), ['Pulling', 'Pulled', 'Created', 'Started']);
});

test('the workers: readiness flips both ways, a failed liveness probe is reported once and probing stops, startup gates readiness', async () => {
  const running = (name: string) => ({ name, ready: false, restartCount: 0, image: 'nginx', imageID: '', containerID: `id-${name}`, state: { running: { startedAt: 't' } } });
  const pod: Pod = {
    metadata: { name: 'p', namespace: 'default', uid: 'u-1' },
    spec: { containers: [
      { name: 'flappy', readinessProbe: { periodSeconds: 1, failureThreshold: 1 } },
      { name: 'dying', livenessProbe: { periodSeconds: 1, failureThreshold: 1 } },
      { name: 'slow', startupProbe: { periodSeconds: 1 }, readinessProbe: { periodSeconds: 1 } },
    ] },
    status: { phase: 'Running', containerStatuses: ['flappy', 'dying', 'slow'].map(running) },
  };
  const script: Record<string, ProbeOutcome[]> = { 'flappy/readiness': [PASS, FAIL], 'dying/liveness': [FAIL] };
  const ran: string[] = [];
  const changed: string[] = [];
  const failed: string[] = [];
  const prober = new Prober({
    pod: () => pod,
    run: (kind, _pod, container) => {
      ran.push(`${container.name}/${kind}`);
      return script[`${container.name}/${kind}`]?.shift() ?? PASS;
    },
    event: () => Promise.resolve(),
    changed: () => { changed.push(JSON.stringify(['flappy', 'slow'].map((n) => prober.known('u-1', n)))); },
    failed: (_pod, container, kind) => { failed.push(`${container.name}/${kind}`); },
  });
  try {
    prober.sync(pod);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(ran, ['flappy/readiness'], 'readiness at once; liveness and startup on their first tick; slow readiness waits for startup');
    await new Promise((r) => setTimeout(r, 1200));
    assert.deepEqual(failed, ['dying/liveness']);
    assert.deepEqual(ran.slice(1).sort(), ['dying/liveness', 'flappy/readiness', 'slow/readiness', 'slow/startup']);
    // Four changes, each written once: flappy ready, slow started, slow ready (probed at once), flappy unready.
    assert.equal(changed.length, 4, changed.join(' '));
    assert.equal(changed[0], '[{"ready":true},{}]');
    assert.deepEqual([prober.known('u-1', 'flappy'), prober.known('u-1', 'slow')], [{ ready: false }, { started: true, ready: true }]);
    // The killed container is probed no more until a new one runs (a new containerID).
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(ran.filter((r) => r === 'dying/liveness').length, 1);
    prober.sync({ ...pod, status: { phase: 'Running', containerStatuses: [running('flappy'), { ...running('dying'), containerID: 'id-dying-1' }, running('slow')] } });
    prober.forget('u-1');
    const after = ran.length;
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(ran.length, after, 'forgotten pods are not probed');
  } finally {
    prober.stop();
  }
});

test('the workers of a pod its kubelet no longer runs go, and start afresh when it is synced again', async () => {
  const pod: Pod = {
    metadata: { name: 'p', namespace: 'default', uid: 'u-2' },
    spec: { containers: [{ name: 'web', readinessProbe: { periodSeconds: 1 } }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'web', ready: false, restartCount: 0, image: 'nginx', imageID: '', containerID: 'id', state: { running: { startedAt: 't' } } }] },
  };
  let running = false;
  let runs = 0;
  const prober = new Prober({
    pod: () => (running ? pod : undefined),
    run: () => { runs++; return PASS; },
    event: () => Promise.resolve(),
    changed: () => {},
    failed: () => {},
  });
  try {
    prober.sync(pod);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(runs, 0, 'a stopped kubelet does not probe');
    running = true;
    prober.sync(pod);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual([runs, prober.known('u-2', 'web')], [1, { ready: true }]);
  } finally {
    prober.stop();
  }
});
