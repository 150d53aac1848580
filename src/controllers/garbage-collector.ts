// The garbage collector: objects whose owners are all gone are deleted (background propagation);
// an owner deleted with propagationPolicy Orphan keeps its dependents, minus the ownerReference;
// one deleted with Foreground waits, as `foregroundDeletion` holds it, until its dependents are gone.
import type { Registry } from '../api/registry.js';
import type { KObject, OwnerReference } from '../api/types.js';
import { Controller, type Result } from '../client/controller.js';
import { objectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import { resources, type Resources } from '../client/resources.js';
import type { TypedResource } from '../client/typed-resource.js';
import { kref, QUIET, type Logger } from '../logging/log.js';

const MANAGER = 'generic-garbage-collector';

/**
 * Resources the collector does not follow (kube's garbagecollector DefaultIgnoredResources):
 * Events, in both their groups. An Event naming an owner stays when the owner goes, as in kube,
 * and the busiest kind is not decoded for a field it never has.
 */
const IGNORED = new Set(['/events', 'events.k8s.io/events']);
const RETRY_MS = 300;

/** An object of any resource: the garbage collector's request. */
interface Ref { resource: TypedResource<KObject>; namespace?: string; name: string }

/** Its storage key: unique across resources. */
const refId = (ref: Ref) => ref.resource.store.key(ref.namespace, ref.name);

export class GarbageCollector {
  private readonly client: Resources;
  private readonly dependents: Controller<Ref>;
  private readonly owners: Controller<Ref>;
  /** owner uid → the objects that name it in ownerReferences, by storage key. */
  private readonly byOwner = new Map<string, Map<string, Ref>>();
  /** dependent storage key → the owner uids it was indexed under. */
  private readonly ownersOf = new Map<string, string[]>();

  constructor(registry: Registry, private readonly log: Logger = QUIET) {
    this.client = resources(registry);
    this.dependents = new Controller<Ref>({ name: 'garbage collector', reconcile: (ref) => this.checkDependent(ref), identity: refId, log });
    this.owners = new Controller<Ref>({ name: 'garbage collector (owners)', reconcile: (ref) => this.checkOwner(ref), identity: refId, log });
    for (const resource of this.client.all()) {
      if (IGNORED.has(`${resource.store.gr.group}/${resource.store.gr.resource}`)) continue;
      this.dependents.watch(resource, ({ type, object: obj }) => {
        const ref: Ref = { resource, ...objectKey(obj) };
        this.index(ref, type === 'DELETED' ? [] : (obj.metadata.ownerReferences ?? []).map((r) => r.uid));
        if (type !== 'DELETED' && obj.metadata.ownerReferences?.length) this.dependents.add(ref);
        if (type !== 'DELETED' && obj.metadata.deletionTimestamp && obj.metadata.finalizers?.some((f) => f === 'orphan' || f === 'foregroundDeletion')) this.owners.add(ref);
        // An owner went away: its dependents need a look.
        if (type === 'DELETED' || obj.metadata.deletionTimestamp) for (const d of this.dependentsOf(obj.metadata.uid)) this.dependents.add(d);
      });
    }
  }

  start(): void {
    this.owners.start();
    this.dependents.start();
  }

  stop(): void {
    this.dependents.stop();
    this.owners.stop();
  }

  private index(ref: Ref, owners: string[]): void {
    const id = refId(ref);
    for (const uid of this.ownersOf.get(id) ?? []) this.byOwner.get(uid)?.delete(id);
    if (owners.length) this.ownersOf.set(id, owners); else this.ownersOf.delete(id);
    for (const uid of owners) {
      let refs = this.byOwner.get(uid);
      if (!refs) { refs = new Map(); this.byOwner.set(uid, refs); }
      refs.set(id, ref);
    }
  }

  /** Every object listing `uid` among its owners. */
  private dependentsOf(uid: string): Ref[] {
    const refs = this.byOwner.get(uid);
    if (refs && !refs.size) this.byOwner.delete(uid);
    return refs ? [...refs.values()] : [];
  }

  /** The owner an ownerReference names, if it still exists with that uid. */
  private owner(ref: OwnerReference, namespace: string | undefined): KObject | undefined {
    const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
    const resource = this.client.registry.resources().find((r) => r.kind === ref.kind && r.shape.group === group);
    if (!resource) return undefined;
    const obj = resource.cache.get(resource.key(resource.namespaced ? namespace : undefined, ref.name))?.object;
    return obj?.metadata.uid === ref.uid ? obj : undefined;
  }

  private async checkDependent(ref: Ref): Promise<void> {
    const obj = ref.resource.lister.get(ref.namespace, ref.name);
    if (!obj || obj.metadata.deletionTimestamp) return;
    const owners = obj.metadata.ownerReferences ?? [];
    const live = owners.map((r) => ({ r, owner: this.owner(r, obj.metadata.namespace) }));
    if (live.some(({ owner }) => owner && !owner.metadata.deletionTimestamp)) return;
    const foreground = live.some(({ owner }) => owner?.metadata.finalizers?.includes('foregroundDeletion'));
    const orphaning = live.some(({ owner }) => owner?.metadata.finalizers?.includes('orphan'));
    if (orphaning) return; // the owner's orphan pass handles it
    if (live.every(({ owner }) => !owner) || foreground) {
      const propagationPolicy = foreground ? 'Foreground' : 'Background';
      this.log.V(2).info('Deleting object whose owners are gone', { object: kref(ref.namespace, ref.name), kind: obj.kind ?? ref.resource.kind, owners: owners.map((r) => `${r.kind}/${r.name}`), propagationPolicy });
      await ignoreRaces(ref.resource.delete(ref, { propagationPolicy, preconditions: { uid: obj.metadata.uid } }, { dryRun: false }));
    }
  }

  private async checkOwner(ref: Ref): Promise<Result | void> {
    const obj = ref.resource.lister.get(ref.namespace, ref.name);
    if (!obj) return;
    const uid = obj.metadata.uid;
    const finalizers = obj.metadata.finalizers ?? [];
    if (finalizers.includes('orphan')) {
      for (const dep of this.dependentsOf(uid)) {
        this.log.V(2).info('Orphaning dependent', { object: kref(dep.namespace, dep.name), kind: dep.resource.kind, owner: kref(ref.namespace, ref.name) });
        await ignoreRaces(dep.resource.update(dep, (o) => {
          o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
          if (!o.metadata.ownerReferences.length) delete o.metadata.ownerReferences;
          return o;
        }, { dryRun: false, fieldManager: MANAGER }));
      }
      await this.dropFinalizer(ref, 'orphan');
      return;
    }
    if (finalizers.includes('foregroundDeletion')) {
      const remaining = this.dependentsOf(uid);
      for (const d of remaining) this.dependents.add(d);
      if (remaining.length) return { requeueAfterMs: RETRY_MS };
      await this.dropFinalizer(ref, 'foregroundDeletion');
    }
  }

  private async dropFinalizer(ref: Ref, finalizer: string): Promise<void> {
    await ignoreRaces(ref.resource.update(ref, (o) => {
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== finalizer);
      if (!o.metadata.finalizers.length) delete o.metadata.finalizers;
      return o;
    }, { dryRun: false, fieldManager: MANAGER }));
  }
}
