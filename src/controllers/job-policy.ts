// The Job controller's pure policy: which pods to start, how long to back off after failures,
// what a pod failure policy says about a failed pod, the completed-index sets and the terminal
// conditions, with kube's job controller's numbers and texts.
import type { Pod } from '../api/objects.js';
import type { Job, JobCondition, PodFailurePolicyRule } from '../api/batch-objects.js';

export const TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME = 'batch.kubernetes.io/job-name';
export const LEGACY_CONTROLLER_UID = 'controller-uid';
export const LEGACY_JOB_NAME = 'job-name';

/** DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
export const BACKOFF_BASE_MS = 10_000;
export const BACKOFF_MAX_MS = 10 * 60_000;

/** The wait before the next pod after `failures` failures in a row: 10 s doubling, at most 10 min. */
export function backoffDelay(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(BACKOFF_BASE_MS * 2 ** (failures - 1), BACKOFF_MAX_MS);
}

// ---- completed indexes ---------------------------------------------------------------------------

/** `1,3-5,7` to the set {1,3,4,5,7}; indexes at or past `completions` are dropped. */
export function parseIndexes(text: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? '').split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) if (Number.isInteger(i) && i >= 0 && i < completions) out.add(i);
  }
  return out;
}

/** The set as the status writes it: ascending, runs of three or more... of two or more as `a-b`. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return parts.join(',');
}

/** A pod's completion index, from its annotation; undefined when missing or malformed. */
export function podIndex(pod: Pod): number | undefined {
  const v = pod.metadata.annotations?.[COMPLETION_INDEX];
  if (v === undefined || !/^(0|[1-9][0-9]*)$/.test(v)) return undefined;
  return Number(v);
}

// ---- how many pods ------------------------------------------------------------------------------

export interface PodCounts { active: number; succeeded: number }

/**
 * How many pods a NonIndexed Job wants running now: parallelism, but no more than the
 * completions still missing; with no completions set (a work queue), none once one succeeded.
 */
export function wantedActive(job: Job, counts: PodCounts): number {
  const spec = job.spec ?? {};
  if (spec.suspend) return 0;
  const parallelism = spec.parallelism ?? 1;
  const completions = spec.completions;
  if (completions === undefined || completions === null) return counts.succeeded > 0 ? 0 : parallelism;
  return Math.max(0, Math.min(parallelism, completions - counts.succeeded));
}

/** The indexes an Indexed Job should start now: the lowest not completed and not running, up to parallelism. */
export function indexesToStart(job: Job, completed: Set<number>, running: Set<number>, activeCount: number): number[] {
  const spec = job.spec ?? {};
  if (spec.suspend) return [];
  const completions = spec.completions ?? 0;
  const room = (spec.parallelism ?? 1) - activeCount;
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < room; i++) if (!completed.has(i) && !running.has(i)) out.push(i);
  return out;
}

// ---- pod failure policy ---------------------------------------------------------------------------

export type FailureAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

export interface FailureMatch { action: FailureAction; message?: string }

function matchExitCodes(rule: PodFailurePolicyRule, pod: Pod): string | undefined {
  const req = rule.onExitCodes;
  if (!req) return undefined;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const cs of statuses) {
    if (req.containerName && req.containerName !== cs.name) continue;
    const code = cs.state?.terminated?.exitCode;
    // A zero exit code never matches (kube: only failed containers count).
    if (code === undefined || code === 0) continue;
    const listed = req.values.includes(code);
    if (req.operator === 'In' ? listed : !listed) {
      return `Container ${cs.name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${code} matching ${rule.action} rule at index`;
    }
  }
  return undefined;
}

function matchConditions(rule: PodFailurePolicyRule, pod: Pod): string | undefined {
  for (const pattern of rule.onPodConditions ?? []) {
    const cond = (pod.status?.conditions ?? []).find((c) => c.type === pattern.type && c.status === (pattern.status ?? 'True'));
    if (cond) return `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${cond.type} matching ${rule.action} rule at index`;
  }
  return undefined;
}

/**
 * What the Job's pod failure policy says of a failed pod: the first rule that matches, with
 * kube's message for FailJob (`... matching FailJob rule at index N`); Count when none does.
 */
export function matchPodFailurePolicy(job: Job, pod: Pod): FailureMatch {
  const rules = job.spec?.podFailurePolicy?.rules ?? [];
  for (const [i, rule] of rules.entries()) {
    const text = matchExitCodes(rule, pod) ?? matchConditions(rule, pod);
    if (text === undefined) continue;
    const action: FailureAction = rule.action === 'FailJob' || rule.action === 'FailIndex' || rule.action === 'Ignore' ? rule.action : 'Count';
    return { action, message: `${text} ${i}` };
  }
  return { action: 'Count' };
}

// ---- conditions -----------------------------------------------------------------------------------

export const REASON_BACKOFF = 'BackoffLimitExceeded';
export const MESSAGE_BACKOFF = 'Job has reached the specified backoff limit';
export const REASON_DEADLINE = 'DeadlineExceeded';
export const MESSAGE_DEADLINE = 'Job was active longer than specified deadline';
export const REASON_POD_FAILURE_POLICY = 'PodFailurePolicy';
export const REASON_FAILED_INDEXES = 'FailedIndexes';
export const MESSAGE_FAILED_INDEXES = 'Job has failed indexes';
export const REASON_COMPLETIONS = 'CompletionsReached';
export const MESSAGE_COMPLETIONS = 'Reached expected number of succeeded pods';

export const conditionOf = (job: Job, type: string): JobCondition | undefined =>
  (job.status?.conditions ?? []).find((c) => c.type === type && c.status === 'True');

/** Whether the Job has finished: Complete or Failed. */
export const isFinished = (job: Job): boolean => conditionOf(job, 'Complete') !== undefined || conditionOf(job, 'Failed') !== undefined;

/** When the Job finished: its Complete or Failed condition's transition. */
export function finishedAt(job: Job): string | undefined {
  return (conditionOf(job, 'Complete') ?? conditionOf(job, 'Failed'))?.lastTransitionTime;
}

/** Sets a condition: a new one is appended; one whose status changes gets new times. */
export function setCondition(conditions: JobCondition[], next: JobCondition): JobCondition[] {
  const i = conditions.findIndex((c) => c.type === next.type);
  if (i < 0) return [...conditions, next];
  const old = conditions[i];
  if (old.status === next.status && old.reason === next.reason && old.message === next.message) return conditions;
  const merged = old.status === next.status ? { ...next, lastTransitionTime: old.lastTransitionTime } : next;
  return conditions.map((c, j) => (j === i ? merged : c));
}

export function condition(type: string, status: string, reason: string, message: string, now: string): JobCondition {
  return { type, status, lastProbeTime: now, lastTransitionTime: now, reason, message };
}

/**
 * Why the Job fails now, if it does: a pod failure policy's FailJob, the backoff limit, or the
 * active deadline, in the order kube's controller checks them.
 */
export function failureReason(job: Job, failed: number, failJobMessage: string | undefined, nowMs: number): { reason: string; message: string } | undefined {
  if (failJobMessage) return { reason: REASON_POD_FAILURE_POLICY, message: failJobMessage };
  const spec = job.spec ?? {};
  if (failed > (spec.backoffLimit ?? 6)) return { reason: REASON_BACKOFF, message: MESSAGE_BACKOFF };
  const deadline = deadlineAt(job);
  if (deadline !== undefined && nowMs >= deadline) return { reason: REASON_DEADLINE, message: MESSAGE_DEADLINE };
  return undefined;
}

/** When activeDeadlineSeconds runs out (from startTime), if it is set. */
export function deadlineAt(job: Job): number | undefined {
  const seconds = job.spec?.activeDeadlineSeconds;
  const start = job.status?.startTime;
  if (seconds === undefined || !start || job.spec?.suspend) return undefined;
  return Date.parse(start) + seconds * 1000;
}

/** Whether enough pods succeeded: completions of them (or every index), or, without completions, one and none running. */
export function succeeded(job: Job, succeededCount: number, active: number): boolean {
  const completions = job.spec?.completions;
  if (completions === undefined || completions === null) return succeededCount > 0 && active === 0;
  return succeededCount >= completions;
}
