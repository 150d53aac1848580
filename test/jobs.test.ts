// batch/v1 Jobs against tinykube's control plane with real kubectl: create, wait for complete,
// the `get jobs` columns and `describe job`; parallelism, Indexed completion, the backoff limit,
// the active deadline, pod failure policy, suspend, ttlSecondsAfterFinished and garbage
// collection. Pods run their command in the simulated kubelet (the kubernetes.io pi example, a
// failing shell); where a test needs a pod to take a set time, the tinykube.io/exit-code annotation.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, kubectlOk, PI_2000_SHA256, rows, withCluster } from './helpers.js';

const JOBS = '/apis/batch/v1/namespaces/default/jobs';

/** A Job whose pods exit with `exitCode` after `runMs` (the simulated kubelet's annotations). */
function jobManifest(name: string, spec: Record<string, unknown> = {}, exitCode = 0, runMs = 300): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
    spec: {
      ...spec,
      template: {
        metadata: { annotations: { 'tinykube.io/exit-code': String(exitCode), 'tinykube.io/run-ms': String(runMs) } },
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', `exit ${exitCode}`] }] },
      },
    },
  };
}

const getJob = async (cluster: Cluster, name: string) => (await http(cluster, 'GET', `${JOBS}/${name}`)).json();
const podsOf = async (cluster: Cluster, name: string): Promise<any[]> =>
  (await http(cluster, 'GET', `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(`batch.kubernetes.io/job-name=${name}`)}`)).json().items;
const eventsOf = async (cluster: Cluster, name: string): Promise<any[]> =>
  (await http(cluster, 'GET', `/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${name}`)}`)).json().items;
const conditionTypes = (job: any): string[] => (job.status?.conditions ?? []).filter((c: any) => c.status === 'True').map((c: any) => c.type);

for (const v of ['1.27', '1.30', '1.33']) {
  describe(`Jobs with kubectl ${v}`, () => {
    let cluster: Cluster;
    const ok = (args: string[], stdin?: string) => kubectlOk(v, cluster, args, { stdin, timeoutMs: 60_000 });
    before(async () => { cluster = await withControlPlane(); });
    after(async () => { await cluster.close(); });

    test('kubectl create job runs a pod to completion; wait --for=condition=complete returns; get and describe show it', async () => {
      assert.equal(await ok(['create', 'job', 'hello', '--image=busybox', '--', 'echo', 'Hello from the Job']), 'job.batch/hello created\n');
      assert.equal(await ok(['wait', '--for=condition=complete', 'job/hello', '--timeout=60s']), 'job.batch/hello condition met\n');
      assert.equal(await ok(['logs', 'job/hello']), 'Hello from the Job\n');

      const job = await getJob(cluster, 'hello');
      const uid = job.metadata.uid;
      assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
      assert.deepEqual(job.spec.template.metadata.labels, { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'hello', 'controller-uid': uid, 'job-name': 'hello' });
      assert.deepEqual(job.metadata.labels, job.spec.template.metadata.labels);
      const { backoffLimit, completionMode, completions, manualSelector, parallelism, podReplacementPolicy, suspend } = job.spec;
      assert.deepEqual({ backoffLimit, completionMode, completions, manualSelector, parallelism, podReplacementPolicy, suspend },
        { backoffLimit: 6, completionMode: 'NonIndexed', completions: 1, manualSelector: false, parallelism: 1, podReplacementPolicy: 'TerminatingOrFailed', suspend: false });
      assert.deepEqual(job.status.conditions.map((c: any) => [c.type, c.status, c.reason, c.message]), [
        ['SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
        ['Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
      ]);
      assert.equal(job.status.succeeded, 1);
      assert.equal(job.status.active, undefined);
      assert.deepEqual([job.status.ready, job.status.terminating, job.status.uncountedTerminatedPods], [0, 0, {}]);
      assert.ok(job.status.startTime && job.status.completionTime);

      const [pod] = await podsOf(cluster, 'hello');
      assert.match(pod.metadata.name, /^hello-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.equal(pod.status.phase, 'Succeeded');
      assert.deepEqual(pod.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'hello', uid, controller: true, blockOwnerDeletion: true }]);
      assert.equal(pod.metadata.finalizers, undefined, 'the tracking finalizer comes off once the pod is counted');

      const table = rows(await ok(['get', 'jobs']));
      assert.deepEqual(table[0], ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
      assert.deepEqual(table[1].slice(0, 3), ['hello', 'Complete', '1/1']);
      assert.match(table[1][3], /^\d+s$/);
      const wide = rows(await ok(['get', 'jobs', '-o', 'wide']));
      assert.deepEqual(wide[0], ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
      assert.deepEqual(wide[1].slice(5), ['hello', 'busybox', `batch.kubernetes.io/controller-uid=${uid}`]);

      const described = await ok(['describe', 'job', 'hello']);
      assert.match(described, /^Name:\s+hello$/m);
      assert.match(described, /^Parallelism:\s+1$/m);
      assert.match(described, /^Completions:\s+1$/m);
      assert.match(described, /^Completion Mode:\s+NonIndexed$/m);
      assert.match(described, /^Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed$/m);
      assert.match(described, new RegExp(`Normal\\s+SuccessfulCreate\\s+.*job-controller\\s+Created pod: ${pod.metadata.name}`));
      assert.match(described, /Normal\s+Completed\s+.*job-controller\s+Job completed/);
    });

    test('a Job whose template restarts Always is refused with kube\'s text', async () => {
      const bad = jobManifest('always');
      (bad.spec as any).template.spec.restartPolicy = 'Always';
      const r = await kubectl(v, cluster, ['create', '-f', '-'], { stdin: JSON.stringify(bad) });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /The Job "always" is invalid: spec\.template\.spec\.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"/);
    });
  });
}

/** A cluster with its control plane and one node. */
const withControlPlane = (): Promise<Cluster> => withCluster({ controlPlane: true, nodes: 1 });

describe('Job controller behaviour', () => {
  let cluster: Cluster;
  const create = async (manifest: Record<string, unknown>) => {
    const r = await http(cluster, 'POST', JOBS, manifest);
    assert.equal(r.status, 201, r.text);
    return r.json();
  };
  const finished = (name: string, type: string, ms = 30_000) => eventually(async () => {
    const job = await getJob(cluster, name);
    return conditionTypes(job).includes(type) && job;
  }, ms, `job ${name} ${type}`);
  before(async () => { cluster = await withControlPlane(); });
  after(async () => { await cluster.close(); });

  test('completions 3 with parallelism 2 never runs more than 2 pods and completes with 3 succeeded', async () => {
    await create(jobManifest('par', { completions: 3, parallelism: 2 }));
    let most = 0;
    const job = await eventually(async () => {
      const running = (await podsOf(cluster, 'par')).filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
      most = Math.max(most, running.length);
      const j = await getJob(cluster, 'par');
      return conditionTypes(j).includes('Complete') && j;
    }, 30_000, 'par complete');
    assert.ok(most <= 2 && most > 0, `at most 2 active pods, saw ${most}`);
    assert.deepEqual([job.status.succeeded, job.status.failed], [3, undefined]);
    assert.equal((await podsOf(cluster, 'par')).length, 3, 'no pod made beyond the completions');
    const created = (await eventsOf(cluster, 'par')).filter((e) => e.reason === 'SuccessfulCreate');
    assert.equal(created.length, 3);
  });

  test('an Indexed Job runs each index once: completedIndexes 0-2, named pods with their index', async () => {
    await create(jobManifest('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    const job = await finished('idx', 'Complete');
    assert.equal(job.status.completedIndexes, '0-2');
    assert.equal(job.status.succeeded, 3);
    const pods = (await podsOf(cluster, 'idx')).sort((a, b) => a.metadata.annotations['batch.kubernetes.io/job-completion-index'].localeCompare(b.metadata.annotations['batch.kubernetes.io/job-completion-index']));
    assert.deepEqual(pods.map((p) => p.metadata.annotations['batch.kubernetes.io/job-completion-index']), ['0', '1', '2']);
    pods.forEach((p, i) => {
      assert.match(p.metadata.name, new RegExp(`^idx-${i}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      assert.equal(p.metadata.labels['batch.kubernetes.io/job-completion-index'], String(i));
      assert.equal(p.spec.hostname, `idx-${i}`);
      assert.deepEqual(p.spec.containers[0].env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }]);
    });
  });

  test('the kubernetes.io pi Job completes and its log is pi to 2,000 digits', async () => {
    await create({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi' },
      spec: { backoffLimit: 4, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5.34.0', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'] }] } } },
    });
    const job = await finished('pi', 'Complete');
    assert.equal(job.status.succeeded, 1);
    const logs = await kubectlOk('1.33', cluster, ['logs', 'job/pi']);
    assert.match(logs, /^3\.14159265358979323846/);
    assert.equal(logs.length, 2002, '"3." and 1,999 more digits, and a newline');
    assert.equal(createHash('sha256').update(logs).digest('hex'), PI_2000_SHA256);
  });

  test('a Job whose command fails stops at backoffLimit; its pods failed with the command\'s exit code', async () => {
    await create({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'broken' },
      spec: { backoffLimit: 1, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo giving up; exit 2'] }] } } },
    });
    const job = await finished('broken', 'Failed', 45_000);
    assert.deepEqual(job.status.conditions.map((c: any) => [c.type, c.reason]), [['FailureTarget', 'BackoffLimitExceeded'], ['Failed', 'BackoffLimitExceeded']]);
    const pods = await podsOf(cluster, 'broken');
    assert.deepEqual(pods.map((p) => [p.status.phase, p.status.containerStatuses[0].state.terminated.exitCode, p.status.containerStatuses[0].state.terminated.reason]), [['Failed', 2, 'Error'], ['Failed', 2, 'Error']]);
    assert.equal(await kubectlOk('1.33', cluster, ['logs', pods[0].metadata.name]), 'giving up\n');
  });

  test('a failing Job stops at backoffLimit: FailureTarget then Failed, BackoffLimitExceeded and its event', async () => {
    await create(jobManifest('fail', { backoffLimit: 1 }, 3));
    const job = await finished('fail', 'Failed', 45_000);
    assert.deepEqual(job.status.conditions.map((c: any) => [c.type, c.status, c.reason, c.message]), [
      ['FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
      ['Failed', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
    ]);
    assert.equal(job.status.failed, 2);
    assert.equal(job.status.completionTime, undefined);
    const pods = await podsOf(cluster, 'fail');
    assert.equal(pods.length, 2);
    // The second pod waited out kube's 10 s backoff after the first failed.
    const [first, second] = pods.sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp));
    const firstEnded = Date.parse(first.status.containerStatuses[0].state.terminated.finishedAt);
    assert.ok(Date.parse(second.metadata.creationTimestamp) - firstEnded >= 9_000, 'backoff before the second pod');
    const warning = (await eventsOf(cluster, 'fail')).find((e) => e.reason === 'BackoffLimitExceeded');
    assert.deepEqual([warning?.type, warning?.message, warning?.source?.component], ['Warning', 'Job has reached the specified backoff limit', 'job-controller']);
  });

  test('activeDeadlineSeconds fails a running Job with DeadlineExceeded and deletes its pods', async () => {
    await create(jobManifest('deadline', { activeDeadlineSeconds: 2 }, 0, 600_000));
    const job = await finished('deadline', 'Failed', 30_000);
    assert.deepEqual(conditionTypes(job), ['FailureTarget', 'Failed']);
    assert.deepEqual([job.status.conditions[1].reason, job.status.conditions[1].message], ['DeadlineExceeded', 'Job was active longer than specified deadline']);
    await eventually(async () => (await podsOf(cluster, 'deadline')).length === 0, 15_000, 'the pods gone');
    const reasons = (await eventsOf(cluster, 'deadline')).map((e) => e.reason);
    assert.ok(reasons.includes('SuccessfulDelete') && reasons.includes('DeadlineExceeded'), reasons.join(','));
  });

  test('a pod failure policy FailJob rule on an exit code fails the Job at once', async () => {
    await create(jobManifest('pfp', { backoffLimit: 6, podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }, { action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] } }, 42));
    const job = await finished('pfp', 'Failed');
    const failed = job.status.conditions.find((c: any) => c.type === 'Failed');
    const [pod] = await podsOf(cluster, 'pfp');
    assert.equal(failed.reason, 'PodFailurePolicy');
    assert.equal(failed.message, `Container main for pod default/${pod.metadata.name} failed with exit code 42 matching FailJob rule at index 1`);
    assert.equal(job.spec.podReplacementPolicy, 'Failed');
  });

  test('a suspended Job starts no pods until resumed', async () => {
    await create(jobManifest('sus', { suspend: true }));
    const suspended = await eventually(async () => { const j = await getJob(cluster, 'sus'); return conditionTypes(j).includes('Suspended') && j; }, 10_000, 'suspended');
    assert.equal(suspended.status.startTime, undefined);
    assert.equal((await podsOf(cluster, 'sus')).length, 0);
    await http(cluster, 'PATCH', `${JOBS}/sus`, { spec: { suspend: false } }, { 'Content-Type': 'application/merge-patch+json' });
    const job = await finished('sus', 'Complete');
    const cond = job.status.conditions.find((c: any) => c.type === 'Suspended');
    assert.deepEqual([cond.status, cond.reason, cond.message], ['False', 'JobResumed', 'Job resumed']);
    const reasons = (await eventsOf(cluster, 'sus')).map((e) => e.reason);
    assert.ok(reasons.includes('Suspended') && reasons.includes('Resumed'), reasons.join(','));
  });

  test('ttlSecondsAfterFinished deletes the finished Job and its pods', async () => {
    await create(jobManifest('ttl', { ttlSecondsAfterFinished: 1 }));
    await eventually(async () => (await http(cluster, 'GET', `${JOBS}/ttl`)).status === 404, 30_000, 'the job deleted');
    await eventually(async () => (await podsOf(cluster, 'ttl')).length === 0, 15_000, 'its pods deleted');
  });

  for (const propagationPolicy of ['Background', 'Foreground']) {
    test(`deleting a running Job (${propagationPolicy}) removes its pods`, async () => {
      const name = `gc-${propagationPolicy.toLowerCase()}`;
      await create(jobManifest(name, {}, 0, 600_000));
      await eventually(async () => (await podsOf(cluster, name)).some((p) => p.status?.phase === 'Running'), 15_000, 'a running pod');
      const r = await http(cluster, 'DELETE', `${JOBS}/${name}`, { propagationPolicy });
      assert.ok(r.status === 200 || r.status === 202, r.text);
      await eventually(async () => (await podsOf(cluster, name)).length === 0, 15_000, 'the pods gone');
      await eventually(async () => (await http(cluster, 'GET', `${JOBS}/${name}`)).status === 404, 15_000, 'the job gone');
    });
  }
});
