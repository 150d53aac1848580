// The Job controller, as kube-controller-manager's: each Job runs pods from its template until
// enough succeed (completions; Indexed: every index once) or it fails (backoffLimit, the active
// deadline, a pod failure policy). Pods carry the job-tracking finalizer until counted: a
// finished pod's uid goes to status.uncountedTerminatedPods, its finalizer comes off, then it
// moves into succeeded or failed, so none is counted twice. Failures back off 10 s doubling.
// Terminal conditions come in two steps as 1.33 writes them: SuccessCriteriaMet or
// FailureTarget first, Complete or Failed once no pod is left running. Policy: job-policy.ts.
import type { ManualClock } from '../api/entropy.js';
import type { EnvVar, Pod, PodSpec } from '../api/objects.js';
import type { Job, JobCondition, JobStatus } from '../api/batch-objects.js';
import type { Registry } from '../api/registry.js';
import { rfc3339 } from '../api/time.js';
import type { OwnerReference } from '../api/types.js';
import { keyController, type Controller, type Result } from '../client/controller.js';
import { objectKey, type ObjectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import { resources } from '../client/resources.js';
import { typedResource, type Stored, type TypedResource } from '../client/typed-resource.js';
import { kobj, QUIET, type Logger } from '../logging/log.js';
import { EventRecorder } from './events.js';
import {
  backoffDelay, COMPLETION_INDEX, condition, conditionOf, deadlineAt, failureReason, formatIndexes, indexesToStart, isFinished,
  matchPodFailurePolicy, MESSAGE_COMPLETIONS, parseIndexes, podIndex, REASON_COMPLETIONS, setCondition, succeeded, TRACKING_FINALIZER, wantedActive,
} from './job-policy.js';
import { controllerOf, isReady } from './replication.js';
import { copyJSON } from '../api/json.js';

const MANAGER = 'job-controller';

type StoredJob = Stored<Job>;

const isTerminal = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
const hasFinalizer = (pod: Pod): boolean => (pod.metadata.finalizers ?? []).includes(TRACKING_FINALIZER);
const isIndexed = (job: Job): boolean => job.spec?.completionMode === 'Indexed';

/**
 * kube's isPodFailed: Failed, or deleted before it succeeded (orphans that never reach Failed),
 * unless the Job replaces only Failed pods.
 */
function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (job.spec?.podReplacementPolicy === 'Failed') return false;
  return pod.metadata.deletionTimestamp !== undefined && pod.status?.phase !== 'Succeeded';
}

/** Consecutive failures since the last success, kept per Job as kube's backoff record store does. */
interface BackoffRecord { failures: number; lastFailureMs: number }

export interface JobControllerOptions {
  /** The fixed clock, when there is one: a move may pass an active deadline. */
  clock?: ManualClock;
}

export class JobController {
  private readonly jobs: TypedResource<Job>;
  private readonly pods: TypedResource<Pod>;
  private readonly controller: Controller<ObjectKey>;
  private readonly events: EventRecorder;
  private readonly backoff = new Map<string, BackoffRecord>();
  private stopClock?: () => void;

  constructor(private readonly registry: Registry, private readonly log: Logger = QUIET, private readonly options: JobControllerOptions = {}) {
    this.jobs = typedResource<Job>(registry, 'jobs', 'batch');
    this.pods = resources(registry).pods;
    this.events = new EventRecorder(registry, { component: MANAGER }, log);
    const jobs = this.jobs;
    this.controller = keyController(MANAGER, (key) => this.reconcile(key), log)
      .watch(jobs, ({ object }, queue) => queue.add(objectKey(object)))
      .watch(this.pods, ({ object: pod }, queue) => {
        const owner = controllerOf(pod);
        if (owner?.kind === jobs.kind && owner.apiVersion === jobs.apiVersion) queue.add({ namespace: pod.metadata.namespace, name: owner.name });
      });
  }

  start(): void {
    this.controller.start();
    this.stopClock = this.options.clock?.onChange(() => { for (const j of this.jobs.lister.list()) if (deadlineAt(j) !== undefined) this.controller.add(objectKey(j)); });
  }

  stop(): void {
    this.stopClock?.();
    this.controller.stop();
  }

  private now(): Date { return this.registry.now(); }

  private ownerRef(job: StoredJob): OwnerReference {
    return { apiVersion: this.jobs.apiVersion, kind: this.jobs.kind, name: job.metadata.name, uid: job.metadata.uid, controller: true, blockOwnerDeletion: true };
  }

  private async removeFinalizer(pod: Pod): Promise<void> {
    if (!hasFinalizer(pod)) return;
    await ignoreRaces(this.pods.update(objectKey(pod), (p) => {
      p.metadata.finalizers = (p.metadata.finalizers ?? []).filter((f) => f !== TRACKING_FINALIZER);
      if (!p.metadata.finalizers.length) delete p.metadata.finalizers;
      return p;
    }, { dryRun: false, fieldManager: MANAGER }));
  }

  private async writeStatus(job: StoredJob, change: (status: JobStatus) => JobStatus): Promise<StoredJob | undefined> {
    return ignoreRaces(this.jobs.update(objectKey(job), (j) => {
      if (j.metadata.uid !== job.metadata.uid) return j;
      j.status = change(copyJSON(j.status ?? {}));
      return j;
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
  }

  private async reconcile(key: ObjectKey): Promise<Result | void> {
    const job = this.jobs.lister.getKey(key);
    if (!job) {
      // The Job is gone: its pods are nobody's to count, so they keep no finalizer.
      const live = new Set(this.jobs.lister.list(key.namespace).map((j) => j.metadata.uid));
      for (const pod of this.pods.lister.list(key.namespace)) {
        const owner = controllerOf(pod);
        if (owner?.kind === this.jobs.kind && owner.name === key.name && !live.has(owner.uid)) await this.removeFinalizer(pod);
      }
      return;
    }
    const owned = () => this.pods.lister.list(job.metadata.namespace).filter((p) => controllerOf(p)?.uid === job.metadata.uid);
    if (job.metadata.deletionTimestamp || isFinished(job)) {
      for (const pod of owned()) await this.removeFinalizer(pod);
      if (!job.metadata.deletionTimestamp) this.backoff.delete(job.metadata.uid);
      return;
    }
    // One snapshot for counting and deciding, as kube's sync: a pod that finishes meanwhile is
    // still running here and counted next time, rather than missing from both.
    const pods = owned();
    const tracked = await this.trackFinished(job, pods);
    if (!tracked) return;
    return this.sync(tracked.job, pods, tracked.failJobMessage);
  }

  /**
   * Counts the pods that finished since the last pass, in kube's three steps: their uids into
   * uncountedTerminatedPods, their finalizers off, then into succeeded and failed.
   */
  private async trackFinished(job: StoredJob, pods: Pod[]): Promise<{ job: StoredJob; failJobMessage?: string } | undefined> {
    const uncounted = job.status?.uncountedTerminatedPods ?? {};
    const seen = new Set([...(uncounted.succeeded ?? []), ...(uncounted.failed ?? [])]);
    const newSucceeded: Pod[] = [];
    const newFailed: Pod[] = [];
    const ignored: Pod[] = [];
    let failJobMessage: string | undefined;
    const suspended = job.spec?.suspend === true;
    for (const pod of pods) {
      if (!hasFinalizer(pod) || seen.has(pod.metadata.uid ?? '')) continue;
      if (pod.status?.phase === 'Succeeded') { newSucceeded.push(pod); continue; }
      if (!isPodFailed(pod, job)) continue;
      // Pods deleted because the Job was suspended are not failures.
      if (suspended && pod.status?.phase !== 'Failed') { ignored.push(pod); continue; }
      const match = pod.status?.phase === 'Failed' ? matchPodFailurePolicy(job, pod) : { action: 'Count' as const };
      if (match.action === 'Ignore') { ignored.push(pod); continue; }
      if (match.action === 'FailJob') failJobMessage ??= match.message;
      newFailed.push(pod);
    }
    for (const pod of ignored) await this.removeFinalizer(pod);
    let current: StoredJob | undefined = job;
    if (newSucceeded.length || newFailed.length) {
      const completions = job.spec?.completions ?? 0;
      current = await this.writeStatus(job, (s) => {
        const u = s.uncountedTerminatedPods ?? {};
        const succeededUids = [...(u.succeeded ?? []), ...newSucceeded.map((p) => p.metadata.uid ?? '')];
        const failedUids = [...(u.failed ?? []), ...newFailed.map((p) => p.metadata.uid ?? '')];
        s.uncountedTerminatedPods = { ...(succeededUids.length ? { succeeded: succeededUids } : {}), ...(failedUids.length ? { failed: failedUids } : {}) };
        if (isIndexed(job)) {
          const done = parseIndexes(s.completedIndexes, completions);
          for (const p of newSucceeded) { const i = podIndex(p); if (i !== undefined && i < completions) done.add(i); }
          s.completedIndexes = formatIndexes(done) || undefined;
        }
        return s;
      });
      if (!current) return undefined;
    }
    const pending = current.status?.uncountedTerminatedPods ?? {};
    if (!pending.succeeded?.length && !pending.failed?.length) return { job: current, failJobMessage };
    const byUid = new Map(pods.map((p) => [p.metadata.uid, p]));
    for (const uid of [...(pending.succeeded ?? []), ...(pending.failed ?? [])]) {
      const pod = byUid.get(uid);
      if (pod) await this.removeFinalizer(pod);
    }
    const nowMs = this.now().getTime();
    const record = this.backoff.get(job.metadata.uid) ?? { failures: 0, lastFailureMs: 0 };
    if (pending.succeeded?.length) record.failures = 0;
    if (pending.failed?.length) { record.failures += pending.failed.length; record.lastFailureMs = nowMs; }
    this.backoff.set(job.metadata.uid, record);
    const moved = await this.writeStatus(current, (s) => {
      const u = s.uncountedTerminatedPods ?? {};
      s.succeeded = isIndexed(job) ? parseIndexes(s.completedIndexes, job.spec?.completions ?? 0).size : (s.succeeded ?? 0) + (u.succeeded?.length ?? 0);
      s.failed = (s.failed ?? 0) + (u.failed?.length ?? 0);
      s.uncountedTerminatedPods = {};
      return s;
    });
    return moved && { job: moved, failJobMessage };
  }

  /** Decides the Job's next step with its pods counted: finish, fail, or run the pods it wants. */
  private async sync(job: StoredJob, pods: Pod[], failJobMessage: string | undefined): Promise<Result | void> {
    const now = this.now();
    const nowText = rfc3339(now);
    const status = job.status ?? {};
    const active = pods.filter((p) => !isTerminal(p) && !p.metadata.deletionTimestamp);
    const terminating = pods.filter((p) => !isTerminal(p) && p.metadata.deletionTimestamp);
    let conditions: JobCondition[] = status.conditions ?? [];
    const extra: JobStatus = {};
    let requeueAfterMs: number | undefined;

    const failureTarget = conditionOf(job, 'FailureTarget');
    const successMet = conditionOf(job, 'SuccessCriteriaMet');
    const failure = failureTarget ? undefined : failureReason(job, status.failed ?? 0, failJobMessage, now.getTime());
    const done = !failureTarget && !failure && (successMet !== undefined || succeeded(job, status.succeeded ?? 0, active.length));

    if (failureTarget || failure) {
      const why = failureTarget ?? { reason: failure?.reason ?? '', message: failure?.message ?? '' };
      if (!failureTarget) conditions = setCondition(conditions, condition('FailureTarget', 'True', why.reason ?? '', why.message ?? '', nowText));
      await this.deletePods(job, active);
      if (!active.length && !terminating.length) {
        conditions = setCondition(conditions, condition('Failed', 'True', why.reason ?? '', why.message ?? '', nowText));
        await this.events.record(job, 'Warning', why.reason ?? '', why.message ?? '');
      }
    } else if (done) {
      if (!successMet) conditions = setCondition(conditions, condition('SuccessCriteriaMet', 'True', REASON_COMPLETIONS, MESSAGE_COMPLETIONS, nowText));
      await this.deletePods(job, active);
      if (!active.length && !terminating.length) {
        conditions = setCondition(conditions, condition('Complete', 'True', REASON_COMPLETIONS, MESSAGE_COMPLETIONS, nowText));
        extra.completionTime = nowText;
        await this.events.record(job, 'Normal', 'Completed', 'Job completed');
      }
    } else {
      const suspended = job.spec?.suspend === true;
      const wasSuspended = conditionOf(job, 'Suspended') !== undefined;
      if (suspended && !wasSuspended) {
        conditions = setCondition(conditions, condition('Suspended', 'True', 'JobSuspended', 'Job suspended', nowText));
        await this.events.record(job, 'Normal', 'Suspended', 'Job suspended');
      } else if (!suspended && wasSuspended) {
        conditions = setCondition(conditions, condition('Suspended', 'False', 'JobResumed', 'Job resumed', nowText));
        await this.events.record(job, 'Normal', 'Resumed', 'Job resumed');
        // A resumed Job's active deadline counts from now.
        extra.startTime = nowText;
      }
      if (!suspended && !status.startTime) extra.startTime = nowText;
      const managed = await this.manage(job, active, terminating, now.getTime());
      active.push(...managed.created);
      for (const gone of managed.deleted) active.splice(active.indexOf(gone), 1);
      requeueAfterMs = managed.requeueAfterMs;
      const deadline = deadlineAt({ ...job, status: { ...status, ...extra } });
      if (deadline !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, Math.max(0, deadline - now.getTime()));
    }

    const counts = {
      active: active.length,
      ready: active.filter(isReady).length,
      terminating: pods.filter((p) => !isTerminal(p) && p.metadata.deletionTimestamp).length,
    };
    await this.writeStatus(job, (s) => {
      const next: JobStatus = { ...s, ...extra, conditions, ready: counts.ready, terminating: counts.terminating, uncountedTerminatedPods: s.uncountedTerminatedPods ?? {} };
      if (counts.active) next.active = counts.active; else delete next.active;
      if (!next.succeeded) delete next.succeeded;
      if (!next.failed) delete next.failed;
      if (!conditions.length) delete next.conditions;
      return next;
    });
    if (requeueAfterMs !== undefined) return { requeueAfterMs };
  }

  /** Starts the pods the Job wants now, within parallelism and after any backoff; deletes extras. */
  private async manage(job: StoredJob, active: Pod[], terminating: Pod[], nowMs: number): Promise<{ created: Pod[]; deleted: Pod[]; requeueAfterMs?: number }> {
    const status = job.status ?? {};
    if (job.spec?.suspend) {
      await this.deletePods(job, active);
      return { created: [], deleted: [...active] };
    }
    // Replacing only Failed pods: those still terminating hold their places.
    const holding = job.spec?.podReplacementPolicy === 'Failed' ? active.length + terminating.length : active.length;
    let toCreate: (number | undefined)[];
    if (isIndexed(job)) {
      const completed = parseIndexes(status.completedIndexes, job.spec?.completions ?? 0);
      const running = new Set([...active, ...(job.spec?.podReplacementPolicy === 'Failed' ? terminating : [])].map(podIndex).filter((i): i is number => i !== undefined));
      toCreate = indexesToStart(job, completed, running, holding);
    } else {
      const want = wantedActive(job, { active: active.length, succeeded: status.succeeded ?? 0 });
      if (active.length > want) {
        const extra = [...active].sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '')).slice(0, active.length - want);
        await this.deletePods(job, extra);
        return { created: [], deleted: extra };
      }
      toCreate = Array.from({ length: Math.max(0, want - holding) }, () => undefined);
    }
    if (!toCreate.length) return { created: [], deleted: [] };
    const record = this.backoff.get(job.metadata.uid);
    const wait = record ? record.lastFailureMs + backoffDelay(record.failures) - nowMs : 0;
    if (wait > 0) return { created: [], deleted: [], requeueAfterMs: wait };
    const created: Pod[] = [];
    for (const index of toCreate) {
      const pod = await this.pods.create(job.metadata.namespace, this.podFor(job, index), { dryRun: false, fieldManager: MANAGER });
      created.push(pod);
      this.log.V(2).info('Created pod', { job: kobj(job), pod: kobj(pod) });
      await this.events.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
    }
    return { created, deleted: [] };
  }

  private async deletePods(job: StoredJob, pods: Pod[]): Promise<void> {
    for (const pod of pods) {
      const deleted = await ignoreRaces(this.pods.delete(objectKey(pod), {}, { dryRun: false }));
      if (deleted) await this.events.record(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    }
  }

  /** A pod of the Job's template: the tracking finalizer, and for an index its annotation, label, hostname and env. */
  private podFor(job: StoredJob, index: number | undefined): Pod {
    const template = job.spec?.template ?? {};
    const spec: PodSpec = copyJSON(template.spec ?? { containers: [] });
    const labels = { ...(template.metadata?.labels ?? {}) };
    const annotations = { ...(template.metadata?.annotations ?? {}) };
    let generateName = `${job.metadata.name}-`;
    if (index !== undefined) {
      annotations[COMPLETION_INDEX] = String(index);
      labels[COMPLETION_INDEX] = String(index);
      generateName = `${job.metadata.name}-${index}-`;
      spec.hostname ??= `${job.metadata.name}-${index}`;
      const env: EnvVar = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } } };
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        if (!(c.env ?? []).some((e) => e.name === env.name)) c.env = [...(c.env ?? []), env];
      }
    }
    return {
      metadata: {
        generateName, labels,
        ...(Object.keys(annotations).length ? { annotations } : {}),
        finalizers: [TRACKING_FINALIZER],
        ownerReferences: [this.ownerRef(job)],
      },
      spec,
    };
  }
}
