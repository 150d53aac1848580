// batch/v1 CronJobs on a fixed clock (`clock` + POST /tinykube/v1/clock) with real kubectl:
// create cronjob, the `get cronjobs` columns, a Job per scheduled minute named by its minute,
// create job --from=cronjob, Forbid, history limits, suspend, and the schedule's validation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, kubectlOk, rows, withCluster } from './helpers.js';

const START = '2026-01-01T00:00:30Z';
const CRONJOBS = '/apis/batch/v1/namespaces/default/cronjobs';
const JOBS = '/apis/batch/v1/namespaces/default/jobs';
const minutes = (iso: string) => Math.floor(Date.parse(iso) / 60_000);

const withFixedClock = (): Promise<Cluster> => withCluster({ controlPlane: true, nodes: 1, admin: true, clock: new Date(START) });
const advance = async (cluster: Cluster, seconds: number) => {
  const r = await http(cluster, 'POST', '/tinykube/v1/clock', { advanceSeconds: seconds });
  assert.equal(r.status, 200, r.text);
};
const jobsOf = async (cluster: Cluster, cronJob: string): Promise<any[]> =>
  ((await http(cluster, 'GET', JOBS)).json().items as any[]).filter((j) => j.metadata.ownerReferences?.[0]?.name === cronJob);
const eventsOf = async (cluster: Cluster, name: string): Promise<any[]> =>
  (await http(cluster, 'GET', `/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${name}`)}`)).json().items;

/** A CronJob whose pods exit with `exitCode` after `runMs`. */
function cronJob(name: string, spec: Record<string, unknown>, runMs = 300, exitCode = 0): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name },
    spec: {
      schedule: '*/1 * * * *', ...spec,
      jobTemplate: { spec: { template: {
        metadata: { annotations: { 'tinykube.io/exit-code': String(exitCode), 'tinykube.io/run-ms': String(runMs) } },
        spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'busybox' }] },
      } } },
    },
  };
}

for (const v of ['1.27', '1.30', '1.33']) {
  describe(`CronJobs with kubectl ${v} on a fixed clock`, () => {
    let cluster: Cluster;
    const ok = (...args: string[]) => kubectlOk(v, cluster, args);
    before(async () => { cluster = await withFixedClock(); });
    after(async () => { await cluster.close(); });

    test('create cronjob; a minute later a Job named by its scheduled minute; create job --from=cronjob', async () => {
      assert.equal(await ok('create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/1 * * * *', '--', 'sh', '-c', 'exit 0'), 'cronjob.batch/tick created\n');
      const cj = (await http(cluster, 'GET', `${CRONJOBS}/tick`)).json();
      const { concurrencyPolicy, suspend, successfulJobsHistoryLimit, failedJobsHistoryLimit } = cj.spec;
      assert.deepEqual({ concurrencyPolicy, suspend, successfulJobsHistoryLimit, failedJobsHistoryLimit }, { concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
      const before = rows(await ok('get', 'cronjobs'));
      assert.deepEqual(before[0], ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
      assert.deepEqual(before[1], ['tick', '*/1 * * * *', '<none>', 'False', '0', '<none>', '0s']);

      await advance(cluster, 60);
      const name = `tick-${minutes('2026-01-01T00:01:00Z')}`;
      const [job] = await eventually(async () => { const j = await jobsOf(cluster, 'tick'); return j.length > 0 && j; }, 10_000, 'the scheduled job');
      assert.equal(job.metadata.name, name);
      assert.equal(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-01-01T00:01:00Z');
      assert.deepEqual(job.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: cj.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      const status = await eventually(async () => { const s = (await http(cluster, 'GET', `${CRONJOBS}/tick`)).json().status; return s.active?.length && s; }, 10_000, 'status.active');
      assert.equal(status.lastScheduleTime, '2026-01-01T00:01:00Z');
      assert.deepEqual(status.active.map((r: any) => [r.kind, r.apiVersion, r.name, r.uid]), [['Job', 'batch/v1', name, job.metadata.uid]]);
      const table = rows(await ok('get', 'cronjobs'));
      assert.deepEqual(table[1].slice(0, 6), ['tick', '*/1 * * * *', '<none>', 'False', '1', '30s']);
      const created = (await eventsOf(cluster, 'tick')).find((e) => e.reason === 'SuccessfulCreate');
      assert.deepEqual([created?.message, created?.source?.component], [`Created job ${name}`, 'cronjob-controller']);

      assert.equal(await ok('create', 'job', 'by-hand', '--from=cronjob/tick'), 'job.batch/by-hand created\n');
      const manual = (await http(cluster, 'GET', `${JOBS}/by-hand`)).json();
      assert.equal(manual.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
      assert.equal(manual.metadata.ownerReferences[0].uid, cj.metadata.uid);
    });

    test('the schedule and timeZone are checked with kube\'s texts', async () => {
      const bad = await kubectl(v, cluster, ['create', 'cronjob', 'bad', '--image=busybox', '--schedule=61 * * * *']);
      assert.equal(bad.code, 1);
      assert.equal(bad.stderr, 'error: failed to create cronjob: CronJob.batch "bad" is invalid: spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61\n');
      const zone = await http(cluster, 'POST', CRONJOBS, cronJob('zone', { timeZone: 'Europe/Pariss' }));
      assert.equal(zone.status, 422);
      assert.equal(zone.json().message, 'CronJob.batch "zone" is invalid: spec.timeZone: Invalid value: "Europe/Pariss": unknown time zone Europe/Pariss');
      const tz = await http(cluster, 'POST', CRONJOBS, cronJob('tz', { schedule: 'CRON_TZ=UTC * * * * *' }));
      assert.equal(tz.json().message, 'CronJob.batch "tz" is invalid: spec.schedule: Invalid value: "CRON_TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
    });
  });
}

describe('CronJob controller behaviour on a fixed clock', () => {
  let cluster: Cluster;
  const create = async (manifest: Record<string, unknown>) => {
    const r = await http(cluster, 'POST', CRONJOBS, manifest);
    assert.equal(r.status, 201, r.text);
  };
  const finishedJobs = async (name: string) => (await jobsOf(cluster, name)).filter((j) => (j.status?.conditions ?? []).some((c: any) => c.type === 'Complete' && c.status === 'True'));
  before(async () => { cluster = await withFixedClock(); });
  after(async () => { await cluster.close(); });

  test('Forbid skips a run while the last Job is active (JobAlreadyActive)', async () => {
    await create(cronJob('forbid', { concurrencyPolicy: 'Forbid' }, 600_000));
    await advance(cluster, 60);
    await eventually(async () => (await jobsOf(cluster, 'forbid')).length === 1, 10_000, 'the first job');
    await eventually(async () => (await http(cluster, 'GET', `${CRONJOBS}/forbid`)).json().status.active?.length === 1, 10_000, 'it active');
    await advance(cluster, 60);
    const skipped = await eventually(async () => (await eventsOf(cluster, 'forbid')).find((e) => e.reason === 'JobAlreadyActive'), 10_000, 'JobAlreadyActive');
    assert.equal(skipped.message, 'Not starting job because prior execution is running and concurrency policy is Forbid');
    assert.equal((await jobsOf(cluster, 'forbid')).length, 1);
    await http(cluster, 'DELETE', `${CRONJOBS}/forbid`);
  });

  test('history limits delete the oldest finished Jobs; lastSuccessfulTime and SawCompletedJob follow completions', async () => {
    await create(cronJob('history', { successfulJobsHistoryLimit: 1 }));
    await advance(cluster, 60);
    const [first] = await eventually(async () => { const f = await finishedJobs('history'); return f.length === 1 && f; }, 20_000, 'the first job complete');
    const status = await eventually(async () => { const s = (await http(cluster, 'GET', `${CRONJOBS}/history`)).json().status; return s.lastSuccessfulTime && !s.active && s; }, 10_000, 'lastSuccessfulTime');
    assert.equal(status.lastSuccessfulTime, first.status.completionTime);
    const saw = (await eventsOf(cluster, 'history')).find((e) => e.reason === 'SawCompletedJob');
    assert.equal(saw?.message, `Saw completed job: ${first.metadata.name}, condition: Complete`);
    await advance(cluster, 60);
    await eventually(async () => { const f = await finishedJobs('history'); return f.length === 1 && f[0].metadata.name !== first.metadata.name; }, 20_000, 'only the newer job kept');
    const deleted = await eventually(async () => (await eventsOf(cluster, 'history')).find((e) => e.reason === 'SuccessfulDelete'), 10_000, 'SuccessfulDelete');
    assert.equal(deleted.message, `Deleted job ${first.metadata.name}`);
    await http(cluster, 'DELETE', `${CRONJOBS}/history`);
  });

  test('a suspended CronJob starts nothing when its time comes', async () => {
    await create(cronJob('paused', { suspend: true }));
    await advance(cluster, 120);
    // The controller has looked once the clock moved: a Job would have been created by now.
    await create(cronJob('witness', {}));
    await advance(cluster, 60);
    await eventually(async () => (await jobsOf(cluster, 'witness')).length > 0, 10_000, 'the witness job');
    assert.equal((await jobsOf(cluster, 'paused')).length, 0);
    const table = rows((await kubectl('1.33', cluster, ['get', 'cronjob', 'paused'])).stdout);
    assert.equal(table[1][3], 'True');
  });
});
