// CronJobs (batch/v1): kube's defaults (Allow, not suspended, history limits 3 and 1), the
// schedule and timeZone checked as kube's validation checks them (robfig/cron's texts, IANA
// zones), the job template as ValidateJobTemplateSpec, and the `kubectl get cronjobs` columns.
import type { CronJob, CronJobSpec } from '../api/batch-objects.js';
import { fieldErrors, type FieldError } from '../api/errors.js';
import { STATUS_SUBRESOURCE } from '../api/reset-fields.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';
import { CronError, isKnownTimeZone, parseSchedule } from '../controllers/cron-schedule.js';
import { defaultTemplate, formatLabelSelector, containerCells, nonNegative, TEMPLATE_COLUMNS } from './replicasets.js';
import { validateJobTemplate } from './jobs.js';

const specOf = (o: CronJob): CronJobSpec => o.spec ?? {};

/** IANA naming: letters, digits, `.-_+`, at most 14 characters a part. */
const TIME_ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** validateTimeZone. */
export function validateTimeZone(zone: string | undefined, path: string): FieldError[] {
  if (zone === undefined) return [];
  if (zone === '') return [fieldErrors.invalid(path, zone, 'timeZone must be nil or non-empty string')];
  for (const part of zone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TIME_ZONE_PART.test(part)) return [fieldErrors.invalid(path, zone, `unknown time zone ${zone}`)];
  }
  const errs: FieldError[] = [];
  if (zone.toLowerCase() === 'local') errs.push(fieldErrors.invalid(path, zone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  else if (!isKnownTimeZone(zone)) errs.push(fieldErrors.invalid(path, zone, `unknown time zone ${zone}`));
  return errs;
}

/** validateScheduleFormat: TZ in the schedule is refused unless the stored object had it already. */
function validateSchedule(spec: CronJobSpec, oldSchedule: string | undefined): FieldError[] {
  const schedule = spec.schedule;
  if (!schedule) return [fieldErrors.required('spec.schedule')];
  const errs: FieldError[] = [];
  try {
    parseSchedule(schedule);
  } catch (e) {
    if (!(e instanceof CronError)) throw e;
    errs.push(fieldErrors.invalid('spec.schedule', schedule, e.message));
  }
  const allowTZ = oldSchedule?.includes('TZ') ?? false;
  if (allowTZ && schedule.includes('TZ') && spec.timeZone !== undefined) {
    errs.push(fieldErrors.invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!allowTZ && schedule.includes('TZ')) {
    errs.push(fieldErrors.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return errs;
}

export const cronJobStrategy: Strategy<CronJob> = {
  group: 'batch', version: 'v1', resource: 'cronjobs',
  singularName: 'cronjob',
  shortNames: ['cj'],
  categories: ['all'],
  subresources: { status: STATUS_SUBRESOURCE },
  tracksGeneration: true,
  defaults(obj) {
    const spec = (obj.spec ??= {});
    spec.concurrencyPolicy ??= 'Allow';
    spec.suspend ??= false;
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
    defaultTemplate(spec.jobTemplate?.spec?.template);
  },
  prepareForCreate(obj) {
    obj.status = {};
  },
  validate(obj, old, subresource) {
    if (subresource === 'status') return [];
    const spec = specOf(obj);
    const errs = [
      ...validateSchedule(spec, old && specOf(old).schedule),
      ...validateTimeZone(spec.timeZone, 'spec.timeZone'),
      ...nonNegative('spec.startingDeadlineSeconds', spec.startingDeadlineSeconds),
      ...nonNegative('spec.successfulJobsHistoryLimit', spec.successfulJobsHistoryLimit),
      ...nonNegative('spec.failedJobsHistoryLimit', spec.failedJobsHistoryLimit),
      ...validateJobTemplate(spec.jobTemplate, 'spec.jobTemplate'),
    ];
    const policy = spec.concurrencyPolicy;
    if (policy !== undefined && !['Allow', 'Forbid', 'Replace'].includes(policy)) errs.push(fieldErrors.notSupported('spec.concurrencyPolicy', policy, ['Allow', 'Forbid', 'Replace']));
    return errs;
  },
  table: {
    columns: [
      NAME_COLUMN,
      column('Schedule', 'The schedule for running the job.'),
      column('Timezone', 'The time zone the schedule is run in.'),
      column('Suspend', 'Whether the cron job is suspended.', 0, 'boolean'),
      column('Active', 'The number of jobs running now.', 0, 'integer'),
      column('Last Schedule', 'When the job was last scheduled.'),
      AGE_COLUMN,
      ...TEMPLATE_COLUMNS,
    ],
    cells(cj, now) {
      const spec = specOf(cj);
      const last = cj.status?.lastScheduleTime;
      const suspend = spec.suspend === undefined ? '<unset>' : spec.suspend ? 'True' : 'False';
      const template = spec.jobTemplate?.spec;
      return [
        cj.metadata.name, spec.schedule ?? '', spec.timeZone ?? '<none>', suspend, (cj.status?.active ?? []).length,
        last ? age(last, now) : '<none>', age(cj.metadata.creationTimestamp, now),
        ...containerCells(template?.template), formatLabelSelector(template?.selector),
      ];
    },
  },
};
