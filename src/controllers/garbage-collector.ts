// The garbage collector: objects whose owners are all gone are deleted (background propagation);
// an owner deleted with propagationPolicy Orphan keeps its dependents, minus the ownerReference;
// one deleted with Foreground waits, as `foregroundDeletion` holds it, until its dependents are gone.
import type { Registry } from '../api/registry.js';
import type { ResourceStore } from '../api/resource-store.js';
import type { KObject, OwnerReference } from '../api/types.js';
import { kref, QUIET, type Logger } from '../logging/log.js';
import { ignoreRaces, informer, WorkQueue } from './runtime.js';

const MANAGER = 'generic-garbage-collector';
const RETRY_MS = 300;

interface Ref { rs: ResourceStore; namespace?: string; name: string }

export class GarbageCollector {
  private readonly dependents: WorkQueue;
  private readonly owners: WorkQueue;
  private readonly refs = new Map<string, Ref>();
  /** owner uid → keys of the objects that name it in ownerReferences. */
  private readonly byOwner = new Map<string, Set<string>>();
  /** dependent key → the owner uids it was indexed under. */
  private readonly ownersOf = new Map<string, string[]>();
  private readonly stops: (() => void)[] = [];

  constructor(private readonly registry: Registry, private readonly log: Logger = QUIET) {
    this.dependents = new WorkQueue('garbage collector', (key) => this.checkDependent(key), log);
    this.owners = new WorkQueue('garbage collector (owners)', (key) => this.checkOwner(key), log);
  }

  start(): void {
    for (const rs of this.registry.resources()) {
      this.stops.push(informer(rs, (obj, _prev, type) => {
        const key = this.remember(rs, obj);
        this.index(key, type === 'DELETED' ? [] : (obj.metadata.ownerReferences ?? []).map((r) => r.uid));
        if (type !== 'DELETED' && obj.metadata.ownerReferences?.length) this.dependents.add(key);
        if (type !== 'DELETED' && obj.metadata.deletionTimestamp && obj.metadata.finalizers?.some((f) => f === 'orphan' || f === 'foregroundDeletion')) this.owners.add(key);
        // An owner went away: its dependents need a look.
        if (type === 'DELETED' || obj.metadata.deletionTimestamp) for (const d of this.dependentsOf(obj.metadata.uid!)) this.dependents.add(d);
        if (type === 'DELETED') this.refs.delete(key);
      }));
    }
  }

  stop(): void {
    for (const s of this.stops) s();
    this.dependents.stop();
    this.owners.stop();
  }

  private remember(rs: ResourceStore, obj: KObject): string {
    const key = `${rs.prefix}${obj.metadata.namespace ? obj.metadata.namespace + '/' : ''}${obj.metadata.name}`;
    this.refs.set(key, { rs, namespace: obj.metadata.namespace, name: obj.metadata.name! });
    return key;
  }

  private lookup(key: string): { ref: Ref; obj: KObject } | undefined {
    const ref = this.refs.get(key);
    const obj = ref && ref.rs.cache.get(ref.rs.key(ref.namespace, ref.name))?.object;
    return ref && obj ? { ref, obj } : undefined;
  }

  private index(key: string, owners: string[]): void {
    for (const uid of this.ownersOf.get(key) ?? []) this.byOwner.get(uid)?.delete(key);
    if (owners.length) this.ownersOf.set(key, owners); else this.ownersOf.delete(key);
    for (const uid of owners) {
      let set = this.byOwner.get(uid);
      if (!set) { set = new Set(); this.byOwner.set(uid, set); }
      set.add(key);
    }
  }

  /** Keys of every object listing `uid` among its owners. */
  private dependentsOf(uid: string): string[] {
    const set = this.byOwner.get(uid);
    if (set && !set.size) this.byOwner.delete(uid);
    return set ? [...set] : [];
  }

  /** The owner an ownerReference names, if it still exists with that uid. */
  private owner(ref: OwnerReference, namespace: string | undefined): KObject | undefined {
    const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
    const rs = this.registry.resources().find((r) => r.kind === ref.kind && r.shape.group === group);
    if (!rs) return undefined;
    const obj = rs.cache.get(rs.key(rs.namespaced ? namespace : undefined, ref.name))?.object;
    return obj?.metadata.uid === ref.uid ? obj : undefined;
  }

  private async checkDependent(key: string): Promise<void> {
    const found = this.lookup(key);
    if (!found || found.obj.metadata.deletionTimestamp) return;
    const { ref, obj } = found;
    const owners = obj.metadata.ownerReferences ?? [];
    const live = owners.map((r) => ({ r, owner: this.owner(r, obj.metadata.namespace) }));
    if (live.some(({ owner }) => owner && !owner.metadata.deletionTimestamp)) return;
    const foreground = live.some(({ owner }) => owner?.metadata.finalizers?.includes('foregroundDeletion'));
    const orphaning = live.some(({ owner }) => owner?.metadata.finalizers?.includes('orphan'));
    if (orphaning) return; // the owner's orphan pass handles it
    if (live.every(({ owner }) => !owner) || foreground) {
      const propagationPolicy = foreground ? 'Foreground' : 'Background';
      this.log.V(2).info('Deleting object whose owners are gone', { object: kref(ref.namespace, ref.name), kind: obj.kind ?? ref.rs.kind, owners: owners.map((r) => `${r.kind}/${r.name}`), propagationPolicy });
      await ignoreRaces(ref.rs.delete(ref.namespace, ref.name, { propagationPolicy: foreground ? 'Foreground' : 'Background', preconditions: { uid: obj.metadata.uid } }, { dryRun: false }));
    }
  }

  private async checkOwner(key: string): Promise<void | { requeueAfterMs: number }> {
    const found = this.lookup(key);
    if (!found) return;
    const { ref, obj } = found;
    const uid = obj.metadata.uid!;
    const finalizers = obj.metadata.finalizers ?? [];
    if (finalizers.includes('orphan')) {
      for (const d of this.dependentsOf(uid)) {
        const dep = this.refs.get(d)!;
        this.log.V(2).info('Orphaning dependent', { object: kref(dep.namespace, dep.name), kind: dep.rs.kind, owner: kref(ref.namespace, ref.name) });
        await ignoreRaces(dep.rs.update(dep.namespace, dep.name, (o) => {
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
    await ignoreRaces(ref.rs.update(ref.namespace, ref.name, (o) => {
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== finalizer);
      if (!o.metadata.finalizers.length) delete o.metadata.finalizers;
      return o;
    }, { dryRun: false, fieldManager: MANAGER }));
  }
}
