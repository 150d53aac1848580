// The namespace controller: a namespace being deleted is Terminating until everything in it is
// gone; then its `kubernetes` finalizer is removed through /finalize and it is deleted.
import type { Registry } from '../api/registry.js';
import type { KObject } from '../api/types.js';
import { QUIET, type Logger } from '../logging/log.js';
import { ignoreRaces, informer, listAll, WorkQueue } from './runtime.js';

const RETRY_MS = 300;
const MANAGER = 'kube-controller-manager';

export class NamespaceController {
  private readonly queue: WorkQueue;
  private stopWatch?: () => void;

  constructor(private readonly registry: Registry, private readonly log: Logger = QUIET) {
    this.queue = new WorkQueue('namespace controller', (name) => this.reconcile(name), log);
  }

  start(): void {
    this.stopWatch = informer(this.registry.resource('namespaces')!, (ns, _prev, type) => {
      if (type !== 'DELETED' && ns.metadata.deletionTimestamp) this.queue.add(ns.metadata.name!);
    });
  }

  stop(): void {
    this.stopWatch?.();
    this.queue.stop();
  }

  private async reconcile(name: string): Promise<void | { requeueAfterMs: number }> {
    const namespaces = this.registry.resource('namespaces')!;
    const ns = namespaces.cache.get(namespaces.key(undefined, name))?.object;
    if (!ns?.metadata.deletionTimestamp) return;
    let remaining = 0;
    let deleted = 0;
    for (const rs of this.registry.resources()) {
      if (!rs.namespaced) continue;
      for (const o of listAll(rs, name)) {
        remaining++;
        if (!o.metadata.deletionTimestamp && await ignoreRaces(rs.delete(name, o.metadata.name!, {}, { dryRun: false }))) deleted++;
      }
    }
    if (deleted) this.log.V(2).info('Deleting namespace contents', { namespace: name, deleted, remaining });
    if (remaining > 0) return { requeueAfterMs: RETRY_MS };
    await ignoreRaces(namespaces.update(undefined, name, (current: KObject) => {
      const spec = (current.spec ?? {}) as { finalizers?: string[] };
      current.spec = { ...spec, finalizers: (spec.finalizers ?? []).filter((f) => f !== 'kubernetes') };
      return current;
    }, { dryRun: false, subresource: 'finalize', fieldManager: MANAGER }));
    // Other finalizers (spec or metadata) are someone else's: the namespace goes when they do.
    if (namespaces.cache.get(namespaces.key(undefined, name))) await ignoreRaces(namespaces.delete(undefined, name, {}, { dryRun: false }));
    this.log.V(2).info('Namespace emptied and finalized', { namespace: name });
  }
}
