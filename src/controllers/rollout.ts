// The deployment controller's arithmetic, as kube's deployment utilities compute it: how far a
// rolling update may surge and how many pods may be unavailable, how big the new ReplicaSet may
// grow and how far the old ones may shrink, and the conditions a Deployment reports. Pure.
import type { DeploymentCondition, DeploymentStatus, IntOrString } from '../api/objects.js';

export const DEFAULT_MAX_SURGE = '25%';
export const DEFAULT_MAX_UNAVAILABLE = '25%';

/** An int, or a percentage of `total` rounded up or down (intstr.GetScaledValueFromIntOrPercent). */
export function scaledValue(value: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return Number.isInteger(Number(value)) ? Number(value) : 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * maxSurge rounds up, maxUnavailable down; both zero would never move, so unavailable becomes 1
 * (kube's ResolveFenceposts).
 */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, replicas: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, replicas, true);
  const unavailable = scaledValue(maxUnavailable, replicas, false);
  return surge === 0 && unavailable === 0 ? { surge, unavailable: 1 } : { surge, unavailable };
}

/** What the rollout policy needs of a Deployment's spec. */
export interface RolloutSpec {
  replicas: number;
  type: 'RollingUpdate' | 'Recreate';
  maxSurge?: IntOrString;
  maxUnavailable?: IntOrString;
}

/** How many pods may be above spec.replicas during a rolling update (0 for Recreate). */
export function maxSurge(spec: RolloutSpec): number {
  if (spec.type !== 'RollingUpdate') return 0;
  return resolveFenceposts(spec.maxSurge, spec.maxUnavailable, spec.replicas).surge;
}

/** How many pods may be unavailable during a rolling update, never more than replicas. */
export function maxUnavailable(spec: RolloutSpec): number {
  if (spec.type !== 'RollingUpdate' || spec.replicas === 0) return 0;
  return Math.min(resolveFenceposts(spec.maxSurge, spec.maxUnavailable, spec.replicas).unavailable, spec.replicas);
}

/** A ReplicaSet as the policy sees it. */
export interface ReplicaSetState {
  name: string;
  /** spec.replicas */
  replicas: number;
  /** status.availableReplicas */
  available: number;
}

const total = (sets: readonly ReplicaSetState[], f: (s: ReplicaSetState) => number) => sets.reduce((n, s) => n + f(s), 0);

/**
 * The new ReplicaSet's size for the next step (NewRSNewReplicas): grow by what the surge leaves
 * room for, up to spec.replicas; Recreate goes straight to spec.replicas.
 */
export function newReplicaSetReplicas(spec: RolloutSpec, all: readonly ReplicaSetState[], current: number): number {
  if (spec.type === 'Recreate') return spec.replicas;
  const maxTotal = spec.replicas + maxSurge(spec);
  const pods = total(all, (s) => s.replicas);
  if (pods >= maxTotal) return current;
  return current + Math.max(0, Math.min(maxTotal - pods, spec.replicas - current));
}

/**
 * The old ReplicaSets' new sizes (reconcileOldReplicaSets): first shed their unavailable pods,
 * then available ones, oldest first, never letting availability fall below
 * spec.replicas - maxUnavailable. `old` is ordered oldest first; the answer names only the
 * sets whose size changes.
 */
export function scaleDownOldReplicaSets(spec: RolloutSpec, old: readonly ReplicaSetState[], newRS: ReplicaSetState | undefined): Map<string, number> {
  const sizes = new Map<string, number>();
  if (total(old, (s) => s.replicas) === 0) return sizes;
  const all = newRS ? [...old, newRS] : [...old];
  const minAvailable = spec.replicas - maxUnavailable(spec);
  const newUnavailable = newRS ? newRS.replicas - newRS.available : 0;
  const maxScaledDown = total(all, (s) => s.replicas) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return sizes;
  const size = (s: ReplicaSetState) => sizes.get(s.name) ?? s.replicas;
  // Unhealthy pods first: removing them costs no availability.
  let cleaned = 0;
  for (const rs of old) {
    if (cleaned >= maxScaledDown) break;
    if (rs.replicas === 0 || rs.replicas <= rs.available) continue;
    const n = Math.min(maxScaledDown - cleaned, rs.replicas - rs.available);
    sizes.set(rs.name, rs.replicas - n);
    cleaned += n;
  }
  const available = total(all, (s) => s.available);
  if (available <= minAvailable) return sizes;
  const budget = available - minAvailable;
  let scaled = 0;
  for (const rs of old) {
    if (scaled >= budget) break;
    if (size(rs) === 0) continue;
    const n = Math.min(size(rs), budget - scaled);
    sizes.set(rs.name, size(rs) - n);
    scaled += n;
  }
  return sizes;
}

/** Whether the rollout is done: every replica updated and available, and the spec observed. */
export function deploymentComplete(replicas: number, generation: number | undefined, status: DeploymentStatus): boolean {
  return status.updatedReplicas === replicas && status.replicas === replicas && status.availableReplicas === replicas && (status.observedGeneration ?? 0) >= (generation ?? 0);
}

/** Whether the rollout moved since `before` (DeploymentProgressing). */
export function deploymentProgressing(before: DeploymentStatus, after: DeploymentStatus): boolean {
  const n = (v: number | undefined) => v ?? 0;
  return n(after.updatedReplicas) > n(before.updatedReplicas)
    || n(after.replicas) - n(after.updatedReplicas) < n(before.replicas) - n(before.updatedReplicas)
    || n(after.readyReplicas) > n(before.readyReplicas)
    || n(after.availableReplicas) > n(before.availableReplicas);
}

/**
 * `conditions` with `condition` set as SetDeploymentCondition sets it: unchanged when status and
 * reason are the same; else replacing the old one (moved last), keeping its lastTransitionTime
 * when only the reason changed.
 */
export function setCondition(conditions: readonly DeploymentCondition[], condition: DeploymentCondition): DeploymentCondition[] {
  const current = conditions.find((c) => c.type === condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return [...conditions];
  const next = current && current.status === condition.status ? { ...condition, lastTransitionTime: current.lastTransitionTime } : condition;
  return [...conditions.filter((c) => c.type !== condition.type), next];
}

/** A condition stamped now, both times (NewDeploymentCondition). */
export function newCondition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, now: string): DeploymentCondition {
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

/** The Available condition for `available` pods (calculateStatus). */
export function availableCondition(spec: RolloutSpec, available: number, now: string): DeploymentCondition {
  return available >= spec.replicas - maxUnavailable(spec)
    ? newCondition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now)
    : newCondition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', now);
}

/** A ReplicaSet as proportional scaling sees it. */
export interface ScaledReplicaSet extends ReplicaSetState {
  /** metadata.creationTimestamp, to order sets of the same size. */
  created: string;
  /** The deployment.kubernetes.io/max-replicas it was last sized for, when annotated. */
  maxReplicas?: number;
}

const byCreation = (a: ScaledReplicaSet, b: ScaledReplicaSet) => a.created.localeCompare(b.created) || a.name.localeCompare(b.name);

/**
 * The sizes of a Deployment's active ReplicaSets when it is scaled while more than one has pods
 * (kube's scale, RollingUpdate branch): what spec.replicas + maxSurge adds or removes is shared in
 * proportion to each set's size against the max-replicas it was sized for; the largest set (newer
 * first when growing, older first when shrinking) takes what rounding leaves over. `statusReplicas`
 * stands in for a missing annotation. Answers every active set's size, in the order kube scales them.
 */
export function proportionalSizes(spec: RolloutSpec, statusReplicas: number, active: readonly ScaledReplicaSet[]): [string, number][] {
  const allowed = spec.replicas > 0 ? spec.replicas + maxSurge(spec) : 0;
  const toAdd = allowed - total(active, (s) => s.replicas);
  const sets = [...active];
  if (toAdd > 0) sets.sort((a, b) => b.replicas - a.replicas || byCreation(b, a));
  else if (toAdd < 0) sets.sort((a, b) => b.replicas - a.replicas || byCreation(a, b));
  const fraction = (rs: ScaledReplicaSet): number => {
    if (spec.replicas === 0) return -rs.replicas;
    const before = rs.maxReplicas ?? statusReplicas;
    // Go's float division by zero would overflow; no estimate is the safe answer.
    if (before === 0) return 0;
    return Math.round((rs.replicas * allowed) / before) - rs.replicas;
  };
  let added = 0;
  const sizes = sets.map((rs): [string, number] => {
    if (toAdd === 0 || rs.replicas === 0 || added === toAdd) return [rs.name, rs.replicas];
    const share = toAdd > 0 ? Math.min(fraction(rs), toAdd - added) : Math.max(fraction(rs), toAdd - added);
    added += share;
    return [rs.name, rs.replicas + share];
  });
  if (sizes.length && toAdd !== 0) sizes[0][1] = Math.max(0, sizes[0][1] + toAdd - added);
  return sizes;
}

/** progressDeadlineSeconds when it is a deadline: set and not MaxInt32 (kube's HasProgressDeadline). */
export function progressDeadline(seconds: number | undefined): number | undefined {
  return seconds === undefined || seconds === 2147483647 ? undefined : seconds;
}

/**
 * Whether a rollout has made no progress for `deadlineSeconds` since its Progressing condition was
 * last updated (DeploymentTimedOut); once timed out it stays so until something progresses.
 */
export function rolloutTimedOut(deadlineSeconds: number | undefined, progressing: DeploymentCondition | undefined, now: Date): boolean {
  if (deadlineSeconds === undefined || !progressing || progressing.reason === 'NewReplicaSetAvailable') return false;
  if (progressing.reason === 'ProgressDeadlineExceeded') return true;
  const from = Date.parse(progressing.lastUpdateTime ?? '');
  return Number.isFinite(from) && from + deadlineSeconds * 1000 < now.getTime();
}
