// pods/eviction as kube's EvictionREST: a delete that asks the pod's PodDisruptionBudget first.
// Pods that are pending, finished or already deleting go at once; an unready pod goes when its
// budget allows unhealthy evictions; otherwise one disruption is spent from the budget's status
// (an update pinned to the version read, retried on conflict) and the pod recorded as disrupted
// before it is deleted, with the DisruptionTarget condition. No budget to spare: 429.
import { errors, StatusError } from '../api/errors.js';
import { isJsonObject, objectAt, stringAt } from '../api/json.js';
import type { Pod, PodCondition, PodDisruptionBudget } from '../api/objects.js';
import { deleteDryRun, dryRunValues } from '../api/request-options.js';
import type { ResourceStore } from '../api/resource-store.js';
import { matchesLabels, selectorFromLabelSelector } from '../api/selectors.js';
import { rfc3339 } from '../api/time.js';
import type { CreateRequest, CreateResult, DeleteOptions } from '../api/types.js';
import { TypedResource } from '../client/typed-resource.js';
import { canIgnoreBudget, EVICTION_REFUSED, spendDisruption, stillProcessing, unhealthyMayGo, type EvictedPod, type Refusal } from '../controllers/disruption-policy.js';

/** What an eviction answers, done or (in a dry run) not. */
const CREATED: CreateResult = { code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };
/** kube's EvictionsRetry: how many times a lost race is tried again. */
const RETRIES = 20;

const isConflict = (e: unknown): boolean => e instanceof StatusError && e.code === 409;

function evictedPod(pod: Pod): EvictedPod {
  const ready = (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  return { phase: pod.status?.phase, deleting: !!pod.metadata.deletionTimestamp, ready };
}

/** A refusal as the Status kube answers it. */
function refusalError(refusal: Refusal, pdbName: string): StatusError {
  if (refusal.code === 403) return errors.forbidden({ group: 'policy', resource: 'poddisruptionbudget' }, pdbName, refusal.why);
  return new StatusError(429, 'TooManyRequests', EVICTION_REFUSED, { causes: [{ reason: 'DisruptionBudget', message: refusal.cause }], retryAfterSeconds: refusal.retryAfterSeconds });
}

const withResourceVersion = (options: DeleteOptions, resourceVersion: string | undefined): DeleteOptions =>
  ({ ...options, preconditions: { ...options.preconditions, resourceVersion } });

export async function evict(request: CreateRequest, pods: ResourceStore): Promise<CreateResult> {
  const name = request.name ?? '';
  const ns = request.namespace;
  const given = stringAt(request.body, 'metadata', 'name');
  if (given && given !== name) throw errors.badRequest(`name in URL does not match name in Eviction object`);
  const body = objectAt(request.body, 'deleteOptions');
  // The dry run is the query's or the deleteOptions'; given in both, they must be the same.
  // kube's propagateDryRun returns a plain error here (a 500); bad input is a 400 here.
  const fromBody = dryRunValues(body?.dryRun);
  const fromQuery = request.dryRun;
  if (fromQuery.length && fromBody.length && fromQuery.join('\u0000') !== fromBody.join('\u0000')) {
    throw errors.badRequest(`Non-matching dry-run options in request and content: [${fromQuery.join(' ')}] and [${fromBody.join(' ')}]`);
  }
  const options: DeleteOptions = { ...deleteOptionsOf(body), dryRun: fromBody.length ? fromBody : fromQuery };
  const clientPinned = !!options.preconditions?.resourceVersion;
  let dryRun: boolean;

  // Pods the budget does not guard go at once, pinned to the version read (unless finished or
  // deleting) so that a pod turning ready meanwhile is not lost; a conflict reads it again.
  let pod: Pod;
  for (let attempt = 1; ; attempt++) {
    // The pod is read before its DeleteOptions are validated: a missing pod is a 404 first.
    pod = await new TypedResource<Pod>(pods).read({ namespace: ns, name });
    dryRun = deleteDryRun(options);
    const state = evictedPod(pod);
    if (!canIgnoreBudget(state)) break;
    const enforce = !state.deleting && state.phase !== 'Succeeded' && state.phase !== 'Failed';
    try {
      await markAndDelete(request, pods, name, enforce && !clientPinned ? withResourceVersion(options, pod.metadata.resourceVersion) : options, dryRun);
      return CREATED;
    } catch (e) {
      if (!isConflict(e) || clientPinned || attempt >= RETRIES) throw e;
    }
  }

  const budgets = request.registry.resource('poddisruptionbudgets', 'policy');
  const matching = (budgets ? new TypedResource<PodDisruptionBudget>(budgets).lister.list(ns) : []).filter((pdb) => selects(pdb, pod));
  if (matching.length > 1) {
    return { code: 500, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', code: 500 } };
  }
  const pdb = matching[0];
  let pinPod = false;
  if (pdb && budgets) {
    if (unhealthyMayGo(evictedPod(pod), pdb)) pinPod = true;
    else await checkAndDecrement(request, budgets, pdb, name, dryRun);
  }
  try {
    await markAndDelete(request, pods, name, pinPod ? withResourceVersion(options, pod.metadata.resourceVersion) : options, dryRun);
  } catch (e) {
    // The unready pod changed since (it may be ready now): the client is to try again.
    if (isConflict(e) && pinPod && !clientPinned && pdb) throw refusalError(stillProcessing(pdb.metadata.name ?? ''), pdb.metadata.name ?? '');
    throw e;
  }
  return CREATED;
}

/** Whether the budget guards the pod: a nil selector selects nothing, an empty one everything (policy/v1). */
function selects(pdb: PodDisruptionBudget, pod: Pod): boolean {
  const selector = pdb.spec?.selector;
  if (!selector) return false;
  try {
    return matchesLabels(selectorFromLabelSelector(selector), pod.metadata.labels ?? {});
  } catch {
    return false; // an invalid selector matches no pod
  }
}

/** Spends one disruption of the budget, reading it again after a lost race (kube's RetryOnConflict). */
async function checkAndDecrement(request: CreateRequest, budgets: ResourceStore, first: PodDisruptionBudget, podName: string, dryRun: boolean): Promise<void> {
  const pdbName = first.metadata.name ?? '';
  let pdb = first;
  for (let attempt = 1; attempt <= RETRIES; attempt++) {
    if (attempt > 1) pdb = await new TypedResource<PodDisruptionBudget>(budgets).read({ namespace: request.namespace, name: pdbName });
    const spent = spendDisruption(pdb, podName, request.registry.now(), dryRun);
    if ('refusal' in spent) throw refusalError(spent.refusal, pdbName);
    if (dryRun) return;
    const pinned = pdb.metadata.resourceVersion;
    try {
      await budgets.update(request.namespace, pdbName, (current: PodDisruptionBudget) => ({ ...current, metadata: { ...current.metadata, resourceVersion: pinned }, status: spent.status }), { dryRun: false, subresource: 'status', fieldManager: request.fieldManager, request: request.context });
      return;
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
  }
  throw errors.timeout(`Timeout: couldn't update PodDisruptionBudget "${pdbName}" due to conflicts`, 10);
}

/**
 * addConditionAndDeletePod: outside a dry run the pod gets DisruptionTarget=True (through its
 * status, checking the deletion's preconditions first), then the delete, its version precondition
 * moved to the version that write made.
 */
async function markAndDelete(request: CreateRequest, pods: ResourceStore, name: string, options: DeleteOptions, dryRun: boolean): Promise<void> {
  let deleteOptions = options;
  if (!dryRun) {
    const { object } = await pods.update(request.namespace, name, (current: Pod) => {
      const pre = options.preconditions;
      const gr = { group: '', resource: 'Pod' };
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw errors.conflict(gr, name, `the UID in the precondition (${pre.uid}) does not match the UID in record (${current.metadata.uid}). The object might have been deleted and then recreated`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw errors.conflict(gr, name, `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${current.metadata.resourceVersion}). The object might have been modified`);
      }
      return { ...current, status: { ...current.status, conditions: withDisruptionTarget(current.status?.conditions ?? [], rfc3339(request.registry.now())) } };
    }, { dryRun: false, subresource: 'status', fieldManager: request.fieldManager, request: request.context });
    if (options.preconditions?.resourceVersion) deleteOptions = withResourceVersion(options, object.metadata.resourceVersion);
  }
  await pods.delete(request.namespace, name, deleteOptions, { dryRun, request: request.context });
}

/** podutil.UpdatePodCondition with DisruptionTarget=True: its transition time moves only with its status. */
function withDisruptionTarget(conditions: readonly PodCondition[], now: string): PodCondition[] {
  const old = conditions.find((c) => c.type === 'DisruptionTarget');
  const condition: PodCondition = {
    type: 'DisruptionTarget', status: 'True', lastProbeTime: null,
    lastTransitionTime: old?.status === 'True' ? old.lastTransitionTime : now,
    reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting',
  };
  return old ? conditions.map((c) => (c === old ? condition : c)) : [...conditions, condition];
}

/** An Eviction's deleteOptions, as far as deletion reads them (their types were checked when decoded). */
function deleteOptionsOf(body: Record<string, unknown> | undefined): DeleteOptions {
  if (!body) return {};
  const options: DeleteOptions = {};
  if (typeof body.gracePeriodSeconds === 'number') options.gracePeriodSeconds = body.gracePeriodSeconds;
  const policy = body.propagationPolicy;
  if (policy === 'Orphan' || policy === 'Background' || policy === 'Foreground') options.propagationPolicy = policy;
  if (typeof body.orphanDependents === 'boolean') options.orphanDependents = body.orphanDependents;
  const pre = body.preconditions;
  if (isJsonObject(pre)) options.preconditions = { uid: stringAt(pre, 'uid'), resourceVersion: stringAt(pre, 'resourceVersion') };
  return options;
}
