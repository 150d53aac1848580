// The namespace controller: a namespace being deleted is Terminating until everything in it is
// gone; then its `kubernetes` finalizer is removed through /finalize and it is deleted.
import type { Registry } from '../api/registry.js';
import { Controller, type Result } from '../client/controller.js';
import { ignoreRaces } from '../client/races.js';
import { resources, type Resources } from '../client/resources.js';
import { QUIET, type Logger } from '../logging/log.js';

const RETRY_MS = 300;
const MANAGER = 'kube-controller-manager';

export class NamespaceController {
  private readonly client: Resources;
  private readonly controller: Controller<string>;

  constructor(registry: Registry, private readonly log: Logger = QUIET) {
    this.client = resources(registry);
    this.controller = new Controller<string>({ name: 'namespace controller', reconcile: (name) => this.reconcile(name), identity: (name) => name, log })
      .watch(this.client.namespaces, (change, queue) => {
        const name = change.object.metadata.name;
        if (change.type !== 'DELETED' && change.object.metadata.deletionTimestamp && name) queue.add(name);
      });
  }

  start(): void { this.controller.start(); }
  stop(): void { this.controller.stop(); }

  private async reconcile(name: string): Promise<Result | void> {
    const namespaces = this.client.namespaces;
    const ns = namespaces.lister.get(undefined, name);
    if (!ns?.metadata.deletionTimestamp) return;
    let remaining = 0;
    let deleted = 0;
    for (const rs of this.client.all()) {
      if (!rs.store.namespaced) continue;
      for (const o of rs.lister.list(name)) {
        remaining++;
        if (!o.metadata.deletionTimestamp && o.metadata.name && await ignoreRaces(rs.delete({ namespace: name, name: o.metadata.name }, {}, { dryRun: false }))) deleted++;
      }
    }
    if (deleted) this.log.V(2).info('Deleting namespace contents', { namespace: name, deleted, remaining });
    if (remaining > 0) return { requeueAfterMs: RETRY_MS };
    await ignoreRaces(namespaces.update({ name }, (current) => {
      const spec = current.spec ?? {};
      current.spec = { ...spec, finalizers: (spec.finalizers ?? []).filter((f) => f !== 'kubernetes') };
      return current;
    }, { dryRun: false, subresource: 'finalize', fieldManager: MANAGER }));
    // Other finalizers (spec or metadata) are someone else's: the namespace goes when they do.
    if (namespaces.lister.get(undefined, name)) await ignoreRaces(namespaces.delete({ name }, {}, { dryRun: false }));
    this.log.V(2).info('Namespace emptied and finalized', { namespace: name });
  }
}
