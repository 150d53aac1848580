// The resource quota controller (kube-controller-manager's "resourcequota"): each quota's
// status.hard is its spec.hard and status.used what the objects of its namespace consume of
// each hard resource (quota-usage.ts), recomputed when a quota or a tracked object changes and
// on the full resync (--resource-quota-sync-period, 5 minutes), written through /status only
// when it differs.
import type { ResourceQuota } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import type { KObject } from '../api/types.js';
import { Controller } from '../client/controller.js';
import { ignoreRaces } from '../client/races.js';
import { resources } from '../client/resources.js';
import { type TypedResource, typedResource } from '../client/typed-resource.js';
import { QUIET, type Logger } from '../logging/log.js';
import { calculateUsage, matchingResources, quotaIgnores, sameLists, trackedResources, type GroupResource } from './quota-usage.js';

const MANAGER = 'kube-controller-manager';
const RESYNC_MS = 5 * 60 * 1000;
/** The request that resyncs every namespace with quotas. */
const ALL = '';

export class ResourceQuotaController {
  private readonly controller: Controller<string>;
  private readonly quotas: TypedResource<ResourceQuota>;

  constructor(private readonly registry: Registry, private readonly log: Logger = QUIET) {
    this.quotas = typedResource<ResourceQuota>(registry, 'resourcequotas');
    this.controller = new Controller<string>({ name: 'resourcequota', reconcile: (ns) => this.reconcile(ns), identity: (ns) => ns, log })
      .watch(this.quotas, (change, queue) => {
        const ns = change.object.metadata.namespace;
        if (ns) queue.add(ns);
      })
      .every(RESYNC_MS, ALL);
    for (const resource of resources(registry).all()) {
      // What quota ignores (Events above all, the busiest kind) is not watched at all.
      if (!resource.store.namespaced || resource.store === this.quotas.store || quotaIgnores(resource.store.gr)) continue;
      this.controller.watch(resource, (change, queue) => {
        const ns = change.object.metadata.namespace;
        if (ns && this.tracked(ns, resource.store.gr)) queue.add(ns);
      });
    }
  }

  start(): void { this.controller.start(); }
  stop(): void { this.controller.stop(); }

  /** Whether a quota of the namespace counts objects of `gr`. */
  private tracked(namespace: string, gr: GroupResource): boolean {
    return this.quotas.lister.list(namespace).some((q) => matchingResources(gr, Object.keys(q.spec?.hard ?? {})).length > 0);
  }

  private async reconcile(namespace: string): Promise<void> {
    if (namespace === ALL) {
      for (const ns of new Set(this.quotas.lister.list().map((q) => q.metadata.namespace ?? ''))) if (ns) this.controller.add(ns);
      return;
    }
    for (const quota of this.quotas.lister.list(namespace)) await this.sync(quota);
  }

  private objects(namespace: string, gr: GroupResource): KObject[] {
    const store = this.registry.resource(gr.resource, gr.group);
    return store ? store.cache.list(store.listPrefix(namespace)).map((o) => o.object) : [];
  }

  private async sync(quota: ResourceQuota): Promise<void> {
    const namespace = quota.metadata.namespace ?? '';
    const hard = quota.spec?.hard ?? {};
    const used = calculateUsage(quota, (gr) => this.objects(namespace, gr), this.registry.now());
    if (sameLists(quota.status?.hard, hard) && sameLists(quota.status?.used, used)) return;
    const written = await ignoreRaces(this.quotas.update({ namespace, name: quota.metadata.name ?? '' }, (current) => {
      const now = calculateUsage(current, (gr) => this.objects(namespace, gr), this.registry.now());
      current.status = { hard: { ...current.spec?.hard }, used: now };
      return current;
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
    if (written) this.log.V(4).info('Updated the quota status', { quota: `${namespace}/${quota.metadata.name}`, tracked: trackedResources(Object.keys(hard)).length });
  }
}
