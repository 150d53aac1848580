// The CronJob controller, as kube-controller-manager's cronjob-controller (v2): on the cluster's
// clock, each CronJob starts a Job named `<cronjob>-<minutes since epoch>` from its template at
// every scheduled time (only the most recent when several were missed), keeps status.active,
// lastScheduleTime and lastSuccessfulTime, applies concurrencyPolicy, startingDeadlineSeconds,
// suspend and the history limits, and records kube's events. It waits with a timer for the next
// time and, under a fixed clock, looks again whenever the clock moves. Policy: cronjob-policy.ts.
import type { ManualClock } from '../api/entropy.js';
import type { CronJob, CronJobStatus, Job } from '../api/batch-objects.js';
import { StatusError } from '../api/errors.js';
import type { ObjectReference } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import { rfc3339 } from '../api/time.js';
import { keyController, type Controller, type Result } from '../client/controller.js';
import { objectKey, type ObjectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import { typedResource, type Stored, type TypedResource } from '../client/typed-resource.js';
import { kobj, QUIET, type Logger } from '../logging/log.js';
import { CronError, isKnownTimeZone, parseSchedule, type CronSchedule } from './cron-schedule.js';
import {
  beyondHistory, finishedType, jobNameFor, MISSED_WARNING, mostRecentScheduleTime, nextLookMs, scheduledTimestamp,
} from './cronjob-policy.js';
import { EventRecorder } from './events.js';
import { controllerOf } from './replication.js';
import { copyJSON } from '../api/json.js';

const MANAGER = 'cronjob-controller';
export const SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

type StoredCronJob = Stored<CronJob>;

export class CronJobController {
  private readonly cronJobs: TypedResource<CronJob>;
  private readonly jobs: TypedResource<Job>;
  private readonly controller: Controller<ObjectKey>;
  private readonly events: EventRecorder;
  private stopClock?: () => void;

  constructor(private readonly registry: Registry, private readonly log: Logger = QUIET, private readonly clock?: ManualClock) {
    this.cronJobs = typedResource<CronJob>(registry, 'cronjobs', 'batch');
    this.jobs = typedResource<Job>(registry, 'jobs', 'batch');
    this.events = new EventRecorder(registry, { component: MANAGER }, log);
    const owners = this.cronJobs;
    this.controller = keyController(MANAGER, (key) => this.reconcile(key), log)
      .watch(owners, ({ object }, queue) => queue.add(objectKey(object)))
      .watch(this.jobs, ({ object: job }, queue) => {
        const owner = controllerOf(job);
        if (owner?.kind === owners.kind && owner.apiVersion === owners.apiVersion) queue.add({ namespace: job.metadata.namespace, name: owner.name });
      });
  }

  start(): void {
    this.controller.start();
    this.stopClock = this.clock?.onChange(() => { for (const cj of this.cronJobs.lister.list()) this.controller.add(objectKey(cj)); });
  }

  stop(): void {
    this.stopClock?.();
    this.controller.stop();
  }

  private async reconcile(key: ObjectKey): Promise<Result | void> {
    const cj = this.cronJobs.lister.getKey(key);
    if (!cj) return;
    const status: CronJobStatus = copyJSON(cj.status ?? {});
    const owned = this.jobs.lister.list(cj.metadata.namespace).filter((j) => controllerOf(j)?.uid === cj.metadata.uid);
    await this.reconcileActive(cj, owned, status);
    let result: Result | void = undefined;
    if (!cj.metadata.deletionTimestamp) result = await this.schedule(cj, status);
    await this.cleanupFinished(cj, owned, status);
    await this.writeStatus(cj, status);
    return result;
  }

  /** Keeps status.active to the Jobs still running; notes completions and successes. */
  private async reconcileActive(cj: StoredCronJob, owned: Stored<Job>[], status: CronJobStatus): Promise<void> {
    const active = () => status.active ?? [];
    for (const job of owned) {
      const listed = active().some((r) => r.uid === job.metadata.uid);
      const finished = finishedType(job);
      if (!listed && !finished) {
        await this.events.record(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata.name}`);
      } else if (listed && finished) {
        status.active = active().filter((r) => r.uid !== job.metadata.uid);
        await this.events.record(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, condition: ${finished}`);
      }
      const completed = finished === 'Complete' ? job.status?.completionTime : undefined;
      if (completed && (!status.lastSuccessfulTime || Date.parse(completed) > Date.parse(status.lastSuccessfulTime))) status.lastSuccessfulTime = completed;
    }
    const uids = new Set(owned.map((j) => j.metadata.uid));
    for (const ref of active()) {
      if (uids.has(ref.uid ?? '') || this.jobs.lister.get(ref.namespace, ref.name ?? '')) continue;
      status.active = active().filter((r) => r.uid !== ref.uid);
      await this.events.record(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
    }
    if (!active().length) delete status.active;
  }

  /** Starts the Job due now, if any; says when to look again. */
  private async schedule(cj: StoredCronJob, status: CronJobStatus): Promise<Result | void> {
    const spec = cj.spec ?? {};
    const zone = spec.timeZone;
    if (zone !== undefined && !isKnownTimeZone(zone)) {
      await this.events.record(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${zone}": unknown time zone ${zone}`);
      return;
    }
    let schedule: CronSchedule;
    try {
      schedule = parseSchedule(spec.schedule ?? '');
    } catch (e) {
      if (!(e instanceof CronError)) throw e;
      await this.events.record(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${spec.schedule} : ${e.message}`);
      return;
    }
    if (spec.suspend) return;
    const nowMs = this.registry.now().getTime();
    const again = (): Result | void => {
      const ms = nextLookMs(schedule, zone, nowMs);
      if (ms !== undefined) return { requeueAfterMs: ms };
    };
    const { scheduled, missed } = mostRecentScheduleTime({ ...cj, status }, schedule, zone, nowMs);
    if (missed > MISSED_WARNING) {
      await this.events.record(cj, 'Warning', 'TooManyMissedTimes', `too many missed start times: ${missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`);
    }
    if (scheduled === undefined) return again();
    const deadline = spec.startingDeadlineSeconds;
    if (deadline !== undefined && scheduled + deadline * 1000 < nowMs) {
      await this.events.record(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${new Date(scheduled).toUTCString().replace('GMT', '+0000')}`);
      return again();
    }
    const name = jobNameFor(cj.metadata.name, scheduled);
    if ((status.active ?? []).some((r) => r.name === name) || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === scheduled)) return again();
    if (spec.concurrencyPolicy === 'Forbid' && (status.active ?? []).length) {
      await this.events.record(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return again();
    }
    if (spec.concurrencyPolicy === 'Replace') {
      for (const ref of status.active ?? []) {
        const job = this.jobs.lister.get(ref.namespace, ref.name ?? '');
        if (!job) continue;
        await this.deleteJob(cj, job);
        status.active = (status.active ?? []).filter((r) => r.uid !== ref.uid);
      }
      if (!status.active?.length) delete status.active;
    }
    const created = await this.createJob(cj, name, scheduled);
    if (created) {
      status.active = [...(status.active ?? []), this.reference(created)];
      status.lastScheduleTime = rfc3339(new Date(scheduled));
    }
    return again();
  }

  private reference(job: Stored<Job>): ObjectReference {
    return { kind: this.jobs.kind, namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid, apiVersion: this.jobs.apiVersion, resourceVersion: job.metadata.resourceVersion };
  }

  /** getJobFromTemplate2: the template's labels, annotations and spec, the scheduled time, the owner. */
  private async createJob(cj: StoredCronJob, name: string, scheduled: number): Promise<Stored<Job> | undefined> {
    const template = cj.spec?.jobTemplate ?? {};
    const job: Job = {
      metadata: {
        name,
        labels: { ...(template.metadata?.labels ?? {}) },
        annotations: { ...(template.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP]: scheduledTimestamp(scheduled, cj.spec?.timeZone) },
        ownerReferences: [{ apiVersion: this.cronJobs.apiVersion, kind: this.cronJobs.kind, name: cj.metadata.name, uid: cj.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: copyJSON(template.spec ?? {}),
    };
    if (!Object.keys(job.metadata.labels ?? {}).length) delete job.metadata.labels;
    try {
      const created = await this.jobs.create(cj.metadata.namespace, job, { dryRun: false, fieldManager: MANAGER });
      this.log.V(2).info('Created Job', { cronjob: kobj(cj), job: kobj(created) });
      await this.events.record(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
      return created;
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) {
        // Made on an earlier pass whose status write was lost: it is ours if it names us.
        const existing = this.jobs.lister.get(cj.metadata.namespace, name);
        return existing && controllerOf(existing)?.uid === cj.metadata.uid ? existing : undefined;
      }
      if (e instanceof StatusError) {
        await this.events.record(cj, 'Warning', 'FailedCreate', `Error creating job: ${e.message}`);
        return undefined;
      }
      throw e;
    }
  }

  private async deleteJob(cj: StoredCronJob, job: Stored<Job>): Promise<void> {
    const deleted = await ignoreRaces(this.jobs.delete(objectKey(job), { propagationPolicy: 'Background' }, { dryRun: false }));
    if (deleted) await this.events.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
  }

  /** Deletes the oldest finished Jobs beyond successfulJobsHistoryLimit and failedJobsHistoryLimit. */
  private async cleanupFinished(cj: StoredCronJob, owned: Stored<Job>[], status: CronJobStatus): Promise<void> {
    const spec = cj.spec ?? {};
    const live = owned.filter((j) => !j.metadata.deletionTimestamp);
    const succeeded = live.filter((j) => finishedType(j) === 'Complete');
    const failed = live.filter((j) => finishedType(j) === 'Failed');
    for (const job of [...beyondHistory(succeeded, spec.successfulJobsHistoryLimit), ...beyondHistory(failed, spec.failedJobsHistoryLimit)]) {
      await this.deleteJob(cj, job);
      status.active = (status.active ?? []).filter((r) => r.uid !== job.metadata.uid);
      if (!status.active.length) delete status.active;
    }
  }

  private async writeStatus(cj: StoredCronJob, status: CronJobStatus): Promise<void> {
    if (JSON.stringify(status) === JSON.stringify(cj.status ?? {})) return;
    await ignoreRaces(this.cronJobs.update(objectKey(cj), (c) => {
      if (c.metadata.uid !== cj.metadata.uid) return c;
      c.status = status;
      return c;
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
  }
}
