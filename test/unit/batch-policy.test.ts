// The pure policy of the Job and CronJob controllers: cron parsing with robfig/cron's texts and
// next-run times in IANA zones, missed start times, job names, completed-index sets, backoff,
// pod failure policy matching and the counts of pods to run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Job } from '../../src/api/batch-objects.js';
import type { Pod } from '../../src/api/objects.js';
import { CronError, nextRun, parseSchedule } from '../../src/controllers/cron-schedule.js';
import { beyondHistory, jobNameFor, mostRecentScheduleTime, scheduledTimestamp } from '../../src/controllers/cronjob-policy.js';
import { backoffDelay, failureReason, formatIndexes, indexesToStart, matchPodFailurePolicy, parseIndexes, wantedActive } from '../../src/controllers/job-policy.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const errorOf = (spec: string) => { try { parseSchedule(spec); return ''; } catch (e) { assert.ok(e instanceof CronError); return e.message; } };

test('cron schedules are refused with robfig/cron\'s texts', () => {
  assert.equal(errorOf('61 * * * *'), 'end of range (61) above maximum (59): 61');
  assert.equal(errorOf('* * * *'), 'expected exactly 5 fields, found 4: [* * * *]');
  assert.equal(errorOf(''), 'empty spec string');
  assert.equal(errorOf('x * * * *'), 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
  assert.equal(errorOf('5-1 * * * *'), 'beginning of range (5) beyond end of range (1): 5-1');
  assert.equal(errorOf('1-2-3 * * * *'), 'too many hyphens: 1-2-3');
  assert.equal(errorOf('* * * * 7'), 'end of range (7) above maximum (6): 7');
  assert.equal(errorOf('@fortnightly'), 'unrecognized descriptor: @fortnightly');
  assert.equal(errorOf('CRON_TZ=Mars/Olympus * * * * *'), 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus');
  assert.equal(errorOf('0 9 * jan-mar mon-fri'), '');
});

test('next run times: steps, descriptors, day-of-month OR day-of-week, time zones', () => {
  assert.equal(iso(nextRun(parseSchedule('*/15 * * * *'), at('2026-01-01T00:07:12Z'))), '2026-01-01T00:15:00.000Z');
  assert.equal(iso(nextRun(parseSchedule('@hourly'), at('2026-01-01T00:00:00Z'))), '2026-01-01T01:00:00.000Z');
  assert.equal(iso(nextRun(parseSchedule('@daily'), at('2026-01-01T00:00:00Z'))), '2026-01-02T00:00:00.000Z');
  assert.equal(iso(nextRun(parseSchedule('@weekly'), at('2026-01-01T00:00:00Z'))), '2026-01-04T00:00:00.000Z', 'the next Sunday');
  // Both day fields restricted: either one matches (the 13th, or a Friday).
  assert.equal(iso(nextRun(parseSchedule('0 0 13 * 5'), at('2026-01-01T00:00:00Z'))), '2026-01-02T00:00:00.000Z');
  assert.equal(iso(nextRun(parseSchedule('0 9 * * *'), at('2026-01-01T00:00:00Z'), 'Europe/Paris')), '2026-01-01T08:00:00.000Z');
  assert.equal(iso(nextRun(parseSchedule('0 9 * * *'), at('2026-07-01T00:00:00Z'), 'Europe/Paris')), '2026-07-01T07:00:00.000Z', 'summer time');
  assert.equal(iso(nextRun(parseSchedule('CRON_TZ=Asia/Tokyo 0 9 * * *'), at('2026-01-01T00:00:00Z'))), '2026-01-02T00:00:00.000Z');
  assert.equal(nextRun(parseSchedule('0 0 30 2 *'), at('2026-01-01T00:00:00Z')), undefined, 'never: February has no 30th');
});

test('the most recent due time, missed counts, startingDeadlineSeconds, names and timestamps', () => {
  const every = parseSchedule('*/1 * * * *');
  const cj = { metadata: { creationTimestamp: '2026-01-01T00:00:30Z' }, spec: {} };
  assert.deepEqual(mostRecentScheduleTime(cj, every, undefined, at('2026-01-01T00:00:59Z')), { missed: 0 });
  assert.deepEqual(mostRecentScheduleTime(cj, every, undefined, at('2026-01-01T00:01:30Z')), { scheduled: at('2026-01-01T00:01:00Z'), missed: 1 });
  assert.deepEqual(mostRecentScheduleTime(cj, every, undefined, at('2026-01-01T03:00:30Z')), { scheduled: at('2026-01-01T03:00:00Z'), missed: 180 });
  const withDeadline = { ...cj, spec: { startingDeadlineSeconds: 90 } };
  assert.deepEqual(mostRecentScheduleTime(withDeadline, every, undefined, at('2026-01-01T03:00:30Z')), { scheduled: at('2026-01-01T03:00:00Z'), missed: 1 }, 'times older than the deadline are not missed ones');
  assert.equal(jobNameFor('tick', at('2026-01-01T00:01:00Z')), 'tick-29453761');
  assert.equal(scheduledTimestamp(at('2026-01-01T00:01:00Z'), undefined), '2026-01-01T00:01:00Z');
  assert.equal(scheduledTimestamp(at('2026-01-01T00:01:00Z'), 'Europe/Paris'), '2026-01-01T01:01:00+01:00');
  const done = (name: string, start: string): Job => ({ metadata: { name }, status: { startTime: start } });
  assert.deepEqual(beyondHistory([done('c', '2026-01-01T00:03:00Z'), done('a', '2026-01-01T00:01:00Z'), done('b', '2026-01-01T00:02:00Z')], 1).map((j) => j.metadata.name), ['a', 'b']);
});

test('completed indexes, backoff and the pods to run', () => {
  assert.equal(formatIndexes([0, 1, 2, 5, 7, 8]), '0-2,5,7-8');
  assert.deepEqual([...parseIndexes('0-2,5,9', 6)], [0, 1, 2, 5]);
  assert.deepEqual([backoffDelay(0), backoffDelay(1), backoffDelay(2), backoffDelay(3), backoffDelay(20)], [0, 10_000, 20_000, 40_000, 600_000]);
  const job = (spec: Job['spec']): Job => ({ metadata: {}, spec });
  assert.equal(wantedActive(job({ completions: 3, parallelism: 2 }), { active: 0, succeeded: 2 }), 1);
  assert.equal(wantedActive(job({ parallelism: 4 }), { active: 0, succeeded: 0 }), 4, 'a work queue runs parallelism pods');
  assert.equal(wantedActive(job({ parallelism: 4 }), { active: 2, succeeded: 1 }), 0, 'and starts none once one succeeded');
  assert.equal(wantedActive(job({ completions: 3, parallelism: 2, suspend: true }), { active: 0, succeeded: 0 }), 0);
  assert.deepEqual(indexesToStart(job({ completions: 5, parallelism: 2 }), new Set([0]), new Set([1]), 1), [2]);
  assert.deepEqual(failureReason(job({ backoffLimit: 1 }), 2, undefined, 0), { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
  assert.equal(failureReason(job({ backoffLimit: 1 }), 1, undefined, 0), undefined);
  assert.deepEqual(failureReason({ metadata: {}, spec: { activeDeadlineSeconds: 5 }, status: { startTime: '2026-01-01T00:00:00Z' } }, 0, undefined, at('2026-01-01T00:00:05Z')),
    { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
});

test('pod failure policy: the first matching rule, exit codes In and NotIn, pod conditions', () => {
  const failedPod = (code: number, conditions: { type: string; status: string }[] = []): Pod => ({
    metadata: { name: 'p', namespace: 'ns' },
    status: { phase: 'Failed', conditions, containerStatuses: [{ name: 'main', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { terminated: { exitCode: code } } }] },
  });
  const job: Job = { metadata: {}, spec: { podFailurePolicy: { rules: [
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
    { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
    { action: 'Count', onExitCodes: { operator: 'NotIn', values: [1] } },
  ] } } };
  assert.deepEqual(matchPodFailurePolicy(job, failedPod(42)), { action: 'FailJob', message: 'Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1' });
  assert.equal(matchPodFailurePolicy(job, failedPod(42, [{ type: 'DisruptionTarget', status: 'True' }])).action, 'Ignore');
  assert.equal(matchPodFailurePolicy(job, failedPod(3)).action, 'Count');
  assert.deepEqual(matchPodFailurePolicy(job, failedPod(1)), { action: 'Count' }, 'no rule matched');
});
