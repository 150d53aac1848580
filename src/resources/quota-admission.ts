// kube's ResourceQuota admission plugin, the last validating plugin: after the object passed
// validation and the validating webhooks, every matching quota of the namespace is checked and
// charged in its status.used before the object is stored, so two quick creates cannot both pass.
// Writes of one namespace are decided one at a time (kube's per-namespace work queue). Dry runs
// are checked, never charged.
import { errors, StatusError } from '../api/errors.js';
import type { ResourceQuota } from '../api/objects.js';
import type { DynamicAdmission, RegistryContext, WriteAttributes } from '../api/resource-store.js';
import type { KObject } from '../api/types.js';
import { chargesOn } from '../controllers/quota-usage.js';
import { charged, checkRequest, exceeds, QuotaRefusal } from './quota-check.js';

export class QuotaAdmission implements DynamicAdmission {
  /** The tail of each namespace's chain of decisions. */
  private readonly lanes = new Map<string, Promise<void>>();

  constructor(private readonly registry: RegistryContext, private readonly next?: DynamicAdmission) {}

  configured(kind: 'mutating' | 'validating', w: WriteAttributes): boolean {
    return !!this.next?.configured(kind, w) || (kind === 'validating' && this.charges(w));
  }

  mutate(w: WriteAttributes): Promise<KObject | undefined> {
    return this.next ? this.next.mutate(w) : Promise.resolve(undefined);
  }

  async validate(w: WriteAttributes): Promise<void> {
    if (this.next?.configured('validating', w)) await this.next.validate(w);
    if (!this.charges(w) || !w.namespace) return;
    const namespace = w.namespace;
    const previous = this.lanes.get(namespace) ?? Promise.resolve();
    const mine = previous.then(() => this.decide(w, namespace));
    const tail = mine.catch(() => undefined);
    this.lanes.set(namespace, tail);
    void tail.then(() => { if (this.lanes.get(namespace) === tail) this.lanes.delete(namespace); });
    return mine;
  }

  /** Whether the write is one quota charges for and its namespace has quotas. */
  private charges(w: WriteAttributes): boolean {
    if (w.operation === 'DELETE' || w.subresource || !w.namespace || !w.object) return false;
    if (!chargesOn(w.store.gr, w.operation)) return false;
    const quotas = this.registry.resource('resourcequotas');
    return !!quotas && quotas.cache.size > 0 && quotas.cache.list(quotas.listPrefix(w.namespace)).length > 0;
  }

  private async decide(w: WriteAttributes, namespace: string): Promise<void> {
    const store = this.registry.resource('resourcequotas');
    if (!store || !w.object) return;
    const forbid = (e: unknown): never => {
      if (e instanceof QuotaRefusal) throw errors.forbidden(w.store.gr, w.name, e.message);
      throw e;
    };
    // Read again in the lane, not taken from validate's check: the writes before this one may have charged them.
    const quotas: ResourceQuota[] = store.cache.list(store.listPrefix(namespace)).map((o) => o.object);
    let charges;
    try {
      charges = checkRequest(quotas, { gr: w.store.gr, operation: w.operation === 'UPDATE' ? 'UPDATE' : 'CREATE', object: w.object, oldObject: w.oldObject, now: this.registry.now() });
    } catch (e) { return forbid(e); }
    if (w.dryRun) return;
    for (const { quota, delta } of charges) {
      if (Object.keys(delta).length === 0) continue;
      try {
        // Checked again on the newest quota: the controller or another server may have written it.
        await store.update(namespace, quota, (current: ResourceQuota) => {
          current.status = { ...current.status, used: charged(current, exceeds(current, delta)) };
          return current;
        }, { dryRun: false, subresource: 'status', fieldManager: 'kube-apiserver' });
      } catch (e) {
        // A quota deleted meanwhile no longer limits anything.
        if (e instanceof StatusError && e.code === 404) continue;
        forbid(e);
      }
    }
  }
}
