// PodDisruptionBudgets as pure functions: the disruption controller's arithmetic (expected and
// desired healthy pods, percentages rounded up, disruptions allowed, disrupted pods expiring) and
// the eviction handler's decisions (kube's EvictionREST: which pods skip the budget, when an
// unhealthy pod may go, the check-and-decrement of the budget).
import { transitionTime, withCondition } from '../api/conditions.js';
import type { Condition, PodDisruptionBudget, PodDisruptionBudgetSpec, PodDisruptionBudgetStatus, Time } from '../api/objects.js';
import { rfc3339 } from '../api/time.js';
import { scaledValue } from './rollout.js';

/** How long a pod the eviction handler let go may stay undeleted before it counts again (kube's DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;
/** More disrupted pods than this not yet seen deleted refuse evictions (MaxDisruptedPodSize). */
export const MAX_DISRUPTED_PODS = 2000;
export const DISRUPTION_ALLOWED = 'DisruptionAllowed';

/** What the budget reads of a selected pod. */
export interface BudgetPod {
  name: string;
  /** It has a deletionTimestamp. */
  deleting: boolean;
  /** Its Ready condition is True (podutil.IsPodReady). */
  ready: boolean;
}

export interface Health { expectedPods: number; desiredHealthy: number }

/**
 * expectedPods and desiredHealthy (getExpectedPodCount): an integer minAvailable needs no
 * controllers and expects the pods there are; a percentage, or maxUnavailable, expects the sum
 * of the pods' controllers' scales (`scale`, asked only then), percentages rounded up.
 */
export function expectedHealth(spec: PodDisruptionBudgetSpec, podCount: number, scale: () => number): Health {
  if (spec.maxUnavailable !== undefined) {
    const expectedPods = scale();
    return { expectedPods, desiredHealthy: Math.max(0, expectedPods - scaledValue(spec.maxUnavailable, expectedPods, true)) };
  }
  const min = spec.minAvailable;
  if (typeof min === 'number') return { expectedPods: podCount, desiredHealthy: min };
  if (typeof min === 'string') {
    const expectedPods = scale();
    return { expectedPods, desiredHealthy: scaledValue(min, expectedPods, true) };
  }
  return { expectedPods: 0, desiredHealthy: 0 };
}

/**
 * The disrupted pods still expected to go (buildDisruptedPodMap): entries of pods that are gone
 * or already deleting are dropped, and so are those older than DELETION_TIMEOUT_MS (`expired`,
 * for a NotDeleted event); `recheckAt` is when the next kept entry expires.
 */
export function pruneDisruptedPods(pods: readonly BudgetPod[], disrupted: Readonly<Record<string, Time>> | undefined, now: number): { kept: Record<string, Time>; expired: string[]; recheckAt?: number } {
  const kept: Record<string, Time> = {};
  const expired: string[] = [];
  let recheckAt: number | undefined;
  if (!disrupted) return { kept, expired };
  for (const pod of pods) {
    const at = disrupted[pod.name];
    if (pod.deleting || at === undefined) continue;
    const deadline = Date.parse(at) + DELETION_TIMEOUT_MS;
    if (deadline < now) { expired.push(pod.name); continue; }
    kept[pod.name] = at;
    if (recheckAt === undefined || deadline < recheckAt) recheckAt = deadline;
  }
  return { kept, expired, recheckAt };
}

/** Ready pods that are neither deleting nor disrupted within the timeout (countHealthyPods). */
export function countHealthy(pods: readonly BudgetPod[], disrupted: Readonly<Record<string, Time>>, now: number): number {
  return pods.filter((p) => {
    if (p.deleting) return false;
    const at = disrupted[p.name];
    if (at !== undefined && Date.parse(at) + DELETION_TIMEOUT_MS > now) return false;
    return p.ready;
  }).length;
}

/** None while no pods are expected (a budget's first pods are safe until it is synced), else what the healthy pods spare. */
export function disruptionsAllowed(currentHealthy: number, desiredHealthy: number, expectedPods: number): number {
  const allowed = currentHealthy - desiredHealthy;
  return expectedPods <= 0 || allowed <= 0 ? 0 : allowed;
}

/** apimeta.SetStatusCondition: replaces the condition of its type; lastTransitionTime moves only when the status does. */
export function setStatusCondition(conditions: readonly Condition[] | undefined, next: Omit<Condition, 'lastTransitionTime'>, now: Date): Condition[] {
  const lastTransitionTime = transitionTime(conditions, next.type, next.status, rfc3339(now));
  return withCondition(conditions, { type: next.type, status: next.status, ...(next.observedGeneration !== undefined ? { observedGeneration: next.observedGeneration } : {}), lastTransitionTime, reason: next.reason, message: next.message });
}

/** The DisruptionAllowed condition its disruptionsAllowed implies (UpdateDisruptionAllowedCondition). */
export function withDisruptionAllowedCondition(status: PodDisruptionBudgetStatus, now: Date): PodDisruptionBudgetStatus {
  const allowed = status.disruptionsAllowed > 0;
  return {
    ...status,
    conditions: setStatusCondition(status.conditions, {
      type: DISRUPTION_ALLOWED, status: allowed ? 'True' : 'False', reason: allowed ? 'SufficientPods' : 'InsufficientPods', message: '',
      observedGeneration: status.observedGeneration,
    }, now),
  };
}

/** ConditionsAreUpToDate: the condition is there, for this generation, and agrees with disruptionsAllowed. */
export function conditionsUpToDate(pdb: PodDisruptionBudget): boolean {
  const status = pdb.status;
  const c = status?.conditions?.find((x) => x.type === DISRUPTION_ALLOWED);
  if (!status || !c || status.observedGeneration !== pdb.metadata.generation) return false;
  return status.disruptionsAllowed > 0 ? c.status === 'True' && c.reason === 'SufficientPods' : c.status === 'False' && c.reason === 'InsufficientPods';
}

/** The status a sync computes; undefined when the stored one already says it (updatePdbStatus). */
export function nextStatus(pdb: PodDisruptionBudget, health: Health, currentHealthy: number, disrupted: Record<string, Time>, now: Date): PodDisruptionBudgetStatus | undefined {
  const allowed = disruptionsAllowed(currentHealthy, health.desiredHealthy, health.expectedPods);
  const old = pdb.status;
  const sameDisrupted = JSON.stringify(sortedKeys(old?.disruptedPods ?? {})) === JSON.stringify(sortedKeys(disrupted));
  if (old && old.currentHealthy === currentHealthy && old.desiredHealthy === health.desiredHealthy && old.expectedPods === health.expectedPods
    && old.disruptionsAllowed === allowed && sameDisrupted && old.observedGeneration === pdb.metadata.generation && conditionsUpToDate(pdb)) return undefined;
  return orderedStatus(withDisruptionAllowedCondition({
    observedGeneration: pdb.metadata.generation, disruptedPods: disrupted,
    disruptionsAllowed: allowed, currentHealthy, desiredHealthy: health.desiredHealthy, expectedPods: health.expectedPods,
    conditions: old?.conditions,
  }, now));
}

/** The status with its fields in the Go struct's order, as kube's encoder writes them. */
export function orderedStatus(s: PodDisruptionBudgetStatus): PodDisruptionBudgetStatus {
  return {
    ...(s.observedGeneration !== undefined ? { observedGeneration: s.observedGeneration } : {}),
    ...(s.disruptedPods && Object.keys(s.disruptedPods).length ? { disruptedPods: s.disruptedPods } : {}),
    disruptionsAllowed: s.disruptionsAllowed, currentHealthy: s.currentHealthy, desiredHealthy: s.desiredHealthy, expectedPods: s.expectedPods,
    ...(s.conditions?.length ? { conditions: s.conditions } : {}),
  };
}

function sortedKeys(m: Record<string, Time>): [string, Time][] {
  return Object.entries(m).sort(([a], [b]) => a.localeCompare(b));
}

/** The status the controller writes when a sync fails (failSafe): no disruptions, SyncFailed with the error. */
export function failSafeStatus(pdb: PodDisruptionBudget, message: string, now: Date): PodDisruptionBudgetStatus {
  const status: PodDisruptionBudgetStatus = { ...(pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 }), disruptionsAllowed: 0 };
  return orderedStatus({ ...status, conditions: setStatusCondition(status.conditions, { type: DISRUPTION_ALLOWED, status: 'False', reason: 'SyncFailed', message, observedGeneration: status.observedGeneration }, now) });
}

// ---- Evictions ----

export interface EvictedPod { phase?: string; deleting: boolean; ready: boolean }

/** Terminal, pending and deleting pods are evicted without asking any budget (canIgnorePDB). */
export const canIgnoreBudget = (pod: EvictedPod): boolean =>
  pod.phase === 'Succeeded' || pod.phase === 'Failed' || pod.phase === 'Pending' || pod.deleting;

/**
 * An unready pod under a budget goes without spending it (its deletion pinned to the version
 * read) when the budget says AlwaysAllow, or when the application is healthy anyway (desired
 * healthy pods are there); otherwise the budget decides.
 */
export function unhealthyMayGo(pod: EvictedPod, pdb: PodDisruptionBudget): boolean {
  if (pod.ready) return false;
  if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return true;
  const status = pdb.status;
  return !!status && status.currentHealthy >= status.desiredHealthy && status.desiredHealthy > 0;
}

export const EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";

/** Why checkAndDecrement refused: a 429 with its cause and Retry-After, or a 403. */
export type Refusal =
  | { code: 429; cause: string; retryAfterSeconds: number }
  | { code: 403; why: string };

/** A 429 for a budget whose status lags behind its spec (createTooManyRequestsError). */
export const stillProcessing = (name: string): Refusal => ({ code: 429, cause: `The disruption budget ${name} is still being processed by the server.`, retryAfterSeconds: 10 });

/**
 * checkAndDecrement: the budget's status with one disruption spent and the pod recorded as
 * disrupted at `now` (dry run: not recorded), or why the eviction may not happen.
 */
export function spendDisruption(pdb: PodDisruptionBudget, podName: string, now: Date, dryRun: boolean): { status: PodDisruptionBudgetStatus } | { refusal: Refusal } {
  const name = pdb.metadata.name ?? '';
  const status = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) return { refusal: stillProcessing(name) };
  if (status.disruptionsAllowed < 0) return { refusal: { code: 403, why: 'pdb disruptions allowed is negative' } };
  if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) return { refusal: { code: 403, why: 'DisruptedPods map too big - too many evictions not confirmed by PDB controller' } };
  if (status.disruptionsAllowed === 0) {
    return { refusal: { code: 429, cause: `The disruption budget ${name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`, retryAfterSeconds: 0 } };
  }
  let next: PodDisruptionBudgetStatus = { ...status, disruptionsAllowed: status.disruptionsAllowed - 1 };
  if (next.disruptionsAllowed === 0) next = withDisruptionAllowedCondition(next, now);
  if (dryRun) return { status: orderedStatus(next) };
  return { status: orderedStatus({ ...next, disruptedPods: { ...(status.disruptedPods ?? {}), [podName]: rfc3339(now) } }) };
}
