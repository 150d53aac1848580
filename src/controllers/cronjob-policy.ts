// The CronJob controller's pure policy (kube's cronjob_controllerv2 utils): which scheduled time
// is due, how many were missed, the Job's name for a time, which finished Jobs the history
// limits let go.
import type { CronJob, Job } from '../api/batch-objects.js';
import { rfc3339 } from '../api/time.js';
import { nextRun, type CronSchedule } from './cron-schedule.js';

/** kube waits this long past a scheduled time before looking again (nextScheduleDelta). */
export const NEXT_SCHEDULE_DELTA_MS = 100;
/** More missed start times than this is a TooManyMissedTimes warning. */
export const MISSED_WARNING = 100;

export interface ScheduleDecision {
  /** The most recent time due and not yet run, if any. */
  scheduled?: number;
  /** How many times were due since the last run (only the most recent one runs). */
  missed: number;
}

/**
 * mostRecentScheduleTime: the latest time the schedule fired after the last run (or creation;
 * with startingDeadlineSeconds, no earlier than that many seconds ago) and no later than now.
 */
export function mostRecentScheduleTime(cj: CronJob, schedule: CronSchedule, zone: string | undefined, nowMs: number): ScheduleDecision {
  let earliest = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '') || 0;
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (deadline !== undefined) earliest = Math.max(earliest, nowMs - deadline * 1000);
  if (earliest > nowMs) return { missed: 0 };
  let t = nextRun(schedule, earliest, zone);
  if (t === undefined || t > nowMs) return { missed: 0 };
  let missed = 0;
  let latest = t;
  // Walks the times one by one; a very old start would walk far, so a long gap is stepped over
  // at the schedule's period, as kube does arithmetically.
  for (; t !== undefined && t <= nowMs; t = nextRun(schedule, t, zone)) {
    latest = t;
    missed++;
    if (missed === 1000) {
      const second = nextRun(schedule, t, zone);
      if (second === undefined) break;
      const period = second - t;
      const skip = Math.floor((nowMs - t) / period);
      missed += skip;
      t += skip * period;
      latest = t;
    }
  }
  return { scheduled: latest, missed };
}

/** The next time after `nowMs` to look again: the next scheduled time plus kube's small delta. */
export function nextLookMs(schedule: CronSchedule, zone: string | undefined, nowMs: number): number | undefined {
  const next = nextRun(schedule, nowMs, zone);
  return next === undefined ? undefined : next - nowMs + NEXT_SCHEDULE_DELTA_MS;
}

/** getJobName: `<cronjob>-<minutes since the epoch of the scheduled time>`. */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60_000)}`;
}

/** `status` of a finished Job: Complete or Failed, from its conditions. */
export function finishedType(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if (c.status === 'True' && (c.type === 'Complete' || c.type === 'Failed')) return c.type;
  }
  return undefined;
}

/** The finished Jobs a history limit lets go: the oldest (by start time) beyond `limit`. */
export function beyondHistory<T extends Job>(jobs: T[], limit: number | undefined): T[] {
  if (limit === undefined || jobs.length <= limit) return [];
  const sorted = [...jobs].sort((a, b) => (a.status?.startTime ?? '').localeCompare(b.status?.startTime ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  return sorted.slice(0, jobs.length - limit);
}

/** The scheduled time as the Job's annotation writes it: RFC 3339 in the CronJob's zone. */
export function scheduledTimestamp(ms: number, zone: string | undefined): string {
  if (!zone || zone === 'UTC') return rfc3339(new Date(ms));
  const parts: Record<string, string> = {};
  for (const p of new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(ms))) parts[p.type] = p.value;
  const wallMs = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  const offsetMin = Math.round((wallMs - Math.floor(ms / 1000) * 1000) / 60_000);
  if (offsetMin === 0) return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
