// What the apiextensions controllers decide, pure: the names a CRD may have beside the other CRDs
// of its group (kube's naming controller: NamesAccepted, with a conflict's reason), the
// Established condition (Installing until served, then InitialNamesAccepted), and conditions set
// as kube's SetCRDCondition sets them (lastTransitionTime moves only when the status does).
import { transitionTime, withCondition } from '../api/conditions.js';
import type { CRDCondition, CRDNames, CustomResourceDefinition } from '../api/apiextensions-objects.js';
import { rfc3339 } from '../api/time.js';

export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

type Status = NonNullable<CustomResourceDefinition['status']>;

/** `status` with `condition` set: replaced in place if its type is there, appended otherwise. */
export function setCondition(status: Status, condition: CRDCondition, now: Date): Status {
  const lastTransitionTime = transitionTime(status.conditions, condition.type, condition.status, rfc3339(now));
  const next: CRDCondition = { type: condition.type, status: condition.status, lastTransitionTime, reason: condition.reason, message: condition.message };
  return { ...status, conditions: withCondition(status.conditions, next) };
}

export function conditionTrue(crd: CustomResourceDefinition, type: string): boolean {
  return !!crd.status?.conditions?.some((c) => c.type === type && c.status === 'True');
}

/** The names of a CRD that no other CRD of its group holds, and the NamesAccepted condition. */
export function acceptNames(crd: CustomResourceDefinition, others: CustomResourceDefinition[]): { names: CRDNames; condition: CRDCondition } {
  const wanted = crd.spec.names;
  const accepted = crd.status?.acceptedNames;
  const sameGroup = others.filter((o) => o.spec.group === crd.spec.group && o.metadata.name !== crd.metadata.name);
  const taken = (pick: (n: CRDNames) => (string | undefined)[]) => new Set(sameGroup.flatMap((o) => [...pick(o.spec.names), ...(o.status?.acceptedNames ? pick(o.status.acceptedNames) : [])]).filter((x): x is string => !!x));
  const resources = taken((n) => [n.plural, n.singular, ...(n.shortNames ?? [])]);
  const kinds = taken((n) => [n.kind, n.listKind]);
  const conflict = (reason: string, name: string): CRDCondition => ({ type: 'NamesAccepted', status: 'False', reason, message: `"${name}" is already in use` });
  let condition: CRDCondition = { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' };
  const names: CRDNames = { ...wanted };
  const checks: [string, string | undefined, Set<string>, 'plural' | 'singular' | 'kind' | 'listKind'][] = [
    ['PluralConflict', wanted.plural, resources, 'plural'],
    ['SingularConflict', wanted.singular, resources, 'singular'],
    ['KindConflict', wanted.kind, kinds, 'kind'],
    ['ListKindConflict', wanted.listKind, kinds, 'listKind'],
  ];
  for (const [reason, name, set, field] of checks) {
    if (name && set.has(name)) {
      // The first conflict is the one reported.
      if (condition.status === 'True') condition = conflict(reason, name);
      // A conflicting name keeps what was accepted before (or nothing).
      if (field === 'plural' || field === 'kind') names[field] = accepted?.[field] ?? '';
      else names[field] = accepted?.[field];
    }
  }
  const shortTaken = (wanted.shortNames ?? []).find((s) => resources.has(s));
  if (shortTaken) {
    if (condition.status === 'True') condition = conflict('ShortNamesConflict', shortTaken);
    names.shortNames = accepted?.shortNames;
  }
  return { names: pruneNames(names), condition };
}

function pruneNames(names: CRDNames): CRDNames {
  const out: CRDNames = { plural: names.plural, kind: names.kind };
  if (names.singular) out.singular = names.singular;
  if (names.shortNames?.length) out.shortNames = names.shortNames;
  if (names.listKind) out.listKind = names.listKind;
  if (names.categories?.length) out.categories = names.categories;
  return { ...(out.categories ? { categories: out.categories } : {}), kind: out.kind, ...(out.listKind ? { listKind: out.listKind } : {}), plural: out.plural, ...(out.shortNames ? { shortNames: out.shortNames } : {}), ...(out.singular ? { singular: out.singular } : {}) };
}

export const ESTABLISHED: CRDCondition = { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' };
export const NOT_ACCEPTED: CRDCondition = { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' };
export const INSTANCE_DELETION: CRDCondition = { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' };
export const INSTANCES_DELETED: CRDCondition = { type: 'Terminating', status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' };
