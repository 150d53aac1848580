// Status conditions as apimachinery's meta.SetStatusCondition keeps them, for the kinds whose
// controllers set them that way (CRDs, PodDisruptionBudgets, HorizontalPodAutoscalers): a
// condition replaces the one of its type where it stands, and its lastTransitionTime moves only
// when its status does. (Deployments and Jobs have helpers of their own, as in kube.)

interface TimedCondition { type: string; status: string; lastTransitionTime?: string }

/** When a condition of `type` with `status` last changed: the current one's time while its status stays, else `now`. */
export function transitionTime(conditions: readonly TimedCondition[] | undefined, type: string, status: string, now: string): string {
  const old = conditions?.find((c) => c.type === type);
  return old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : now;
}

/** `conditions` with `condition` in place of the one of its type, or appended. */
export function withCondition<C extends { type: string }>(conditions: readonly C[] | undefined, condition: C): C[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === condition.type);
  if (i >= 0) list[i] = condition; else list.push(condition);
  return list;
}
