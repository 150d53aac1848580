// Controller history, as kube's pkg/controller/history: the ControllerRevisions a StatefulSet or
// DaemonSet keeps of its template, each named `<owner>-<hash>`, numbered in the order templates
// became current. A template that comes back reuses its revision, renumbered as the newest. The
// data is kube's: a strategic merge patch that puts the template back (`$patch: replace`), which
// `kubectl rollout undo` applies as it is and `rollout history` reads the template from.
import type { ControllerRevision } from '../api/apps-objects.js';
import { canonicalJSON } from '../api/json.js';
import type { PodTemplateSpec } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import { matchesLabels, type LabelSelector } from '../api/selectors.js';
import type { KObject, OwnerReference } from '../api/types.js';
import { objectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import { typedResource, type Stored, type TypedResource } from '../client/typed-resource.js';
import { fnv32, safeEncodeString } from './pod-template-hash.js';
import { controllerOf } from './replication.js';

/** The label a revision carries its data's hash in (history.ControllerRevisionHashLabel). */
export const REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';
/** The label pods carry their revision in (apps/v1 ControllerRevisionHashLabelKey). */
export const POD_REVISION_LABEL = 'controller-revision-hash';

const MANAGER = 'kube-controller-manager';

export type Revision = Stored<ControllerRevision>;

/** The patch that restores `template`: kube's getPatch, the only state either kind records. */
export function templatePatch(template: PodTemplateSpec | undefined): Record<string, unknown> {
  return { spec: { template: { ...template, $patch: 'replace' } } };
}

/** The template a revision restores. */
export function revisionTemplate(rev: ControllerRevision): PodTemplateSpec {
  const data = rev.data;
  const spec = data && typeof data === 'object' && 'spec' in data ? data.spec : undefined;
  const template = spec && typeof spec === 'object' && 'template' in spec ? spec.template : undefined;
  if (!template || typeof template !== 'object') return {};
  const { $patch: _directive, ...rest }: PodTemplateSpec & { $patch?: unknown } = template;
  return rest;
}

/**
 * HashControllerRevision: FNV-1 over the data's bytes, then the collision count in decimal, in
 * SafeEncodeString's alphabet. The bytes are the data's canonical JSON (kube's are Go's
 * encoding of the same patch, with keys sorted too).
 */
export function revisionHash(data: unknown, collisionCount?: number): string {
  const encoder = new TextEncoder();
  let h = fnv32(encoder.encode(canonicalJSON(data)));
  if (collisionCount !== undefined) h = fnv32(encoder.encode(String(collisionCount)), h);
  return safeEncodeString(String(h));
}

/** ControllerRevisionName: the prefix cut to 223 bytes so the name fits in 253. */
export const revisionName = (prefix: string, hash: string): string => `${prefix.slice(0, 223)}-${hash}`;

/** By revision number, then creation, then name (history.SortControllerRevisions). */
export function sortRevisions<T extends ControllerRevision>(revisions: T[]): T[] {
  return [...revisions].sort((a, b) => a.revision - b.revision
    || (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '')
    || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

/** One more than the newest, 1 for none. `revisions` sorted. */
export const nextRevision = (revisions: ControllerRevision[]): number => (revisions.at(-1)?.revision ?? 0) + 1;

/** Whether two revisions record the same state. */
export const equalRevision = (a: ControllerRevision, b: ControllerRevision): boolean => canonicalJSON(a.data) === canonicalJSON(b.data);

/**
 * Which revisions to delete to keep `limit` of history: the oldest of those no pod and neither the
 * current nor the update revision uses (`live` names them). `revisions` sorted.
 */
export function revisionsToTruncate<T extends ControllerRevision>(revisions: T[], live: Set<string>, limit: number): T[] {
  const history = revisions.filter((r) => !live.has(r.metadata.name ?? ''));
  return history.slice(0, Math.max(0, history.length - limit));
}

/** The history of one kind of owner, over the controllerrevisions resource. */
export class ControllerHistory {
  readonly revisions: TypedResource<ControllerRevision>;

  constructor(registry: Registry, private readonly ownerRef: (owner: Stored<KObject>) => OwnerReference) {
    this.revisions = typedResource<ControllerRevision>(registry, 'controllerrevisions', 'apps');
  }

  /** The revisions `owner` controls, adopting orphans its selector matches; sorted. */
  async list(owner: Stored<KObject>, selector: LabelSelector): Promise<Revision[]> {
    const owned: Revision[] = [];
    for (const rev of this.revisions.lister.list(owner.metadata.namespace)) {
      const ref = controllerOf(rev);
      if (ref?.uid === owner.metadata.uid) owned.push(rev);
      else if (!ref && selector.length && matchesLabels(selector, rev.metadata.labels) && !rev.metadata.deletionTimestamp) {
        const adopted = await ignoreRaces(this.revisions.update(objectKey(rev), (r) => {
          if (!controllerOf(r)) r.metadata.ownerReferences = [...(r.metadata.ownerReferences ?? []), this.ownerRef(owner)];
          return r;
        }, { dryRun: false, fieldManager: MANAGER }));
        if (adopted) owned.push(adopted);
      }
    }
    return sortRevisions(owned);
  }

  /**
   * Creates the revision `rev` describes, named by its hash. A name taken by the same data is that
   * revision; by other data, a collision: the count goes up and the name changes. Returns the
   * revision and the collision count to record. The hash goes in label `hashLabel` too.
   */
  async create(owner: Stored<KObject>, rev: ControllerRevision, hash: (collisionCount: number) => string, collisionCount: number, hashLabel = REVISION_HASH_LABEL): Promise<{ revision: Revision; collisionCount: number }> {
    const ns = owner.metadata.namespace;
    for (let count = collisionCount; ; count++) {
      const h = hash(count);
      const name = revisionName(owner.metadata.name, h);
      const body: ControllerRevision = { ...rev, metadata: { ...rev.metadata, name, namespace: ns, labels: { ...rev.metadata.labels, [hashLabel]: h } } };
      const existing = this.revisions.lister.get(ns, name);
      if (existing) {
        if (equalRevision(existing, body)) return { revision: existing, collisionCount: count };
        continue;
      }
      const created = await ignoreRaces(this.revisions.create(ns, body, { dryRun: false, fieldManager: MANAGER }));
      if (created) return { revision: created, collisionCount: count };
      // Lost a race for the name: look again at what holds it.
      const holder = await this.revisions.read({ namespace: ns, name });
      if (equalRevision(holder, body)) return { revision: holder, collisionCount: count };
    }
  }

  /** Renumbers a revision whose state became current again. */
  async renumber(rev: Revision, revision: number): Promise<Revision> {
    if (rev.revision === revision) return rev;
    return this.revisions.update(objectKey(rev), (r) => ({ ...r, revision }), { dryRun: false, fieldManager: MANAGER });
  }

  async delete(rev: Revision): Promise<void> {
    await ignoreRaces(this.revisions.delete(objectKey(rev), { preconditions: { uid: rev.metadata.uid } }, { dryRun: false }));
  }
}
