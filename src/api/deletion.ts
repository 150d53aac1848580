// What a DELETE does to an object, as named steps (kube's generic registry deletion): check the
// preconditions, let the strategy decide (namespaces stay until emptied), then either record the
// deletion on the object (a grace period to run out, finalizers to run: the garbage collector's
// orphan and foregroundDeletion among them) or remove it now.
import { errors, type GroupResource } from './errors.js';
import { rfc3339 } from './time.js';
import type { DeleteOptions, KObject, Strategy } from './types.js';
import { copyJSON } from './json.js';

export type DeletionStep =
  /** Remove the object now. */
  | { step: 'remove' }
  /** Keep the object, written as `object`: its deletion is recorded and finishes later. */
  | { step: 'mark'; object: KObject }
  /** Already being deleted, no later than asked: nothing to write. */
  | { step: 'pending' };

/** A precondition that does not hold is a 409, in kube's words. */
export function checkPreconditions(current: KObject, options: DeleteOptions, gr: GroupResource, name: string): void {
  const failed = failedPrecondition(current, options.preconditions);
  if (failed) throw errors.conflict(gr, name, failed);
}

/** Why `current` fails a uid or resourceVersion precondition (kube's Preconditions.Check), if it does. */
export function failedPrecondition(current: KObject, pre: { uid?: string; resourceVersion?: string } | undefined): string | undefined {
  if (pre?.uid && pre.uid !== current.metadata.uid) {
    return `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`;
  }
  if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
    return `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`;
  }
  return undefined;
}

/** The finalizers an object keeps while being deleted: its own plus the garbage collector's for the propagation asked. */
export function deletionFinalizers(current: KObject, options: DeleteOptions): string[] {
  const finalizers = [...(current.metadata.finalizers ?? [])];
  const orphan = options.propagationPolicy === 'Orphan' || (options.propagationPolicy === undefined && options.orphanDependents === true);
  if (orphan && !finalizers.includes('orphan')) finalizers.push('orphan');
  if (options.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
  return finalizers;
}

/** Decides what deleting `current` does now. */
export function planDeletion(current: KObject, options: DeleteOptions, strategy: Strategy, now: Date): DeletionStep {
  const kept = strategy.beforeDelete?.(copyJSON(current), now);
  if (kept) return { step: 'mark', object: kept };
  const grace = strategy.gracePeriod ? strategy.gracePeriod(current, options.gracePeriodSeconds) : 0;
  const finalizers = deletionFinalizers(current, options);
  if (grace <= 0 && !finalizers.length) return { step: 'remove' };
  if (current.metadata.deletionTimestamp && (current.metadata.deletionGracePeriodSeconds ?? 0) <= grace) return { step: 'pending' };
  const marked = copyJSON(current);
  marked.metadata.deletionTimestamp = current.metadata.deletionTimestamp ?? rfc3339(new Date(now.getTime() + grace * 1000));
  marked.metadata.deletionGracePeriodSeconds = grace;
  if (finalizers.length) marked.metadata.finalizers = finalizers;
  return { step: 'mark', object: marked };
}

/** Whether an update leaves an object with nothing holding it: being deleted, no finalizers, no grace left. */
export function deletionFinished(obj: KObject): boolean {
  return !!obj.metadata.deletionTimestamp && !obj.metadata.finalizers?.length && obj.metadata.deletionGracePeriodSeconds === 0;
}
