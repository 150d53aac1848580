// How the HPA turns the metrics' recommendation into the replicas it sets, as kube's
// horizontal.go does: without spec.behavior, the highest recommendation of the last 5 minutes
// (the downscale stabilization window) and a scale-up of at most max(2x, 4); with it, the
// stabilization windows of both directions and the rate policies over the scale events of
// their periods. Each returns the reason and message of the condition it decides. Pure: the
// history lives in an HPAHistory the controller keeps per HPA.
import type { HPAScalingRules, HorizontalPodAutoscalerBehavior } from '../api/objects.js';

/** --horizontal-pod-autoscaler-downscale-stabilization */
export const DOWNSCALE_STABILIZATION_MS = 5 * 60_000;
const SCALE_UP_LIMIT_FACTOR = 2;
const SCALE_UP_LIMIT_MINIMUM = 4;

export interface Recommendation { replicas: number; atMs: number }
export interface ScaleEvent { change: number; atMs: number; outdated: boolean }

/** What the controller remembers of one HPA between syncs (kube keeps it in memory too). */
export interface HPAHistory { recommendations: Recommendation[]; scaleUps: ScaleEvent[]; scaleDowns: ScaleEvent[] }

export const newHistory = (): HPAHistory => ({ recommendations: [], scaleUps: [], scaleDowns: [] });

/** A condition's verdict: its reason and message. */
export interface Verdict { reason: string; message: string }
export interface Normalized { replicas: number; stabilized: Verdict; limited: Verdict & { limited: boolean } }

const READY: Verdict = { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const WITHIN: Verdict = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
const TOO_MANY: Verdict = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
const TOO_FEW: Verdict = { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
const UP_LIMIT: Verdict = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
const DOWN_LIMIT: Verdict = { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };
const DOWN_STABILIZED: Verdict = { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
const UP_STABILIZED: Verdict = { reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' };

/** The last index whose item passes `test`, or -1 (Array.prototype.findLastIndex is ES2023). */
function lastIndex<T>(items: T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i])) return i;
  return -1;
}

/** Records `replicas` in place of one outdated sample, or adds it. */
function record(history: HPAHistory, replicas: number, nowMs: number, isOld: (r: Recommendation) => boolean): void {
  const old = lastIndex(history.recommendations, isOld);
  if (old >= 0) history.recommendations[old] = { replicas, atMs: nowMs };
  else history.recommendations.push({ replicas, atMs: nowMs });
}

/** normalizeDesiredReplicas: no behavior given. */
export function normalizeLegacy(history: HPAHistory, nowMs: number, current: number, desired: number, min: number, max: number, windowMs = DOWNSCALE_STABILIZATION_MS): Normalized {
  const cutoff = nowMs - windowMs;
  let stabilizedTo = desired;
  for (const r of history.recommendations) if (r.atMs >= cutoff && r.replicas > stabilizedTo) stabilizedTo = r.replicas;
  record(history, desired, nowMs, (r) => r.atMs < cutoff);
  const stabilized = stabilizedTo !== desired ? DOWN_STABILIZED : READY;
  const scaleUpLimit = Math.max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM);
  const [maxAllowed, overMax] = max > scaleUpLimit ? [scaleUpLimit, UP_LIMIT] : [max, TOO_MANY];
  let replicas = stabilizedTo;
  let verdict = WITHIN;
  if (stabilizedTo < min) [replicas, verdict] = [min, TOO_FEW];
  else if (stabilizedTo > maxAllowed) [replicas, verdict] = [maxAllowed, overMax];
  return { replicas, stabilized, limited: { ...verdict, limited: replicas !== stabilizedTo } };
}

/** getReplicasChangePerPeriod */
function changeInPeriod(periodSeconds: number, events: ScaleEvent[], nowMs: number): number {
  const cutoff = nowMs - periodSeconds * 1000;
  return events.filter((e) => e.atMs > cutoff).reduce((sum, e) => sum + e.change, 0);
}

/** calculateScaleUpLimitWithScalingRules */
export function scaleUpLimit(current: number, history: HPAHistory, rules: HPAScalingRules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Infinity : -Infinity;
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(p.periodSeconds, history.scaleUps, nowMs) + changeInPeriod(p.periodSeconds, history.scaleDowns, nowMs);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors */
export function scaleDownLimit(current: number, history: HPAHistory, rules: HPAScalingRules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? -Infinity : Infinity;
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(p.periodSeconds, history.scaleUps, nowMs) + changeInPeriod(p.periodSeconds, history.scaleDowns, nowMs);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** normalizeDesiredReplicasWithBehaviors: stabilization windows, then the rate policies. */
export function normalizeWithBehavior(history: HPAHistory, behavior: HorizontalPodAutoscalerBehavior, nowMs: number, current: number, desired: number, min: number, max: number): Normalized {
  const up = behavior.scaleUp ?? {};
  const down = behavior.scaleDown ?? {};
  const upCutoff = nowMs - (up.stabilizationWindowSeconds ?? 0) * 1000;
  const downCutoff = nowMs - (down.stabilizationWindowSeconds ?? DOWNSCALE_STABILIZATION_MS / 1000) * 1000;
  let upRecommendation = desired;
  let downRecommendation = desired;
  for (const r of history.recommendations) {
    if (r.atMs > upCutoff) upRecommendation = Math.min(r.replicas, upRecommendation);
    if (r.atMs > downCutoff) downRecommendation = Math.max(r.replicas, downRecommendation);
  }
  record(history, desired, nowMs, (r) => r.atMs < upCutoff && r.atMs < downCutoff);
  const stabilizedTo = Math.min(Math.max(current, upRecommendation), downRecommendation);
  const stabilized = stabilizedTo !== desired ? (desired >= current ? UP_STABILIZED : DOWN_STABILIZED) : READY;
  let replicas = stabilizedTo;
  let verdict = WITHIN;
  if (stabilizedTo > current) {
    const limit = Math.max(scaleUpLimit(current, history, up, nowMs), current);
    const [allowed, why] = max > limit ? [limit, UP_LIMIT] : [max, TOO_MANY];
    if (stabilizedTo > allowed) [replicas, verdict] = [allowed, why];
  } else if (stabilizedTo < current) {
    const limit = Math.min(scaleDownLimit(current, history, down, nowMs), current);
    const [allowed, why] = min < limit ? [limit, DOWN_LIMIT] : [min, TOO_FEW];
    if (stabilizedTo < allowed) [replicas, verdict] = [allowed, why];
  }
  return { replicas, stabilized, limited: { ...verdict, limited: replicas !== stabilizedTo } };
}

/** storeScaleEvent: remembers a rescale for the rate policies, reusing an outdated slot. */
export function storeScaleEvent(history: HPAHistory, behavior: HorizontalPodAutoscalerBehavior | undefined, from: number, to: number, nowMs: number): void {
  if (!behavior) return;
  const upward = to > from;
  const rules = (upward ? behavior.scaleUp : behavior.scaleDown) ?? {};
  const events = upward ? history.scaleUps : history.scaleDowns;
  const longest = Math.max(0, ...(rules.policies ?? []).map((p) => p.periodSeconds));
  for (const e of events) if (e.atMs < nowMs - longest * 1000) e.outdated = true;
  const event: ScaleEvent = { change: Math.abs(to - from), atMs: nowMs, outdated: false };
  const slot = lastIndex(events, (e) => e.outdated);
  if (slot >= 0) events[slot] = event;
  else events.push(event);
}
