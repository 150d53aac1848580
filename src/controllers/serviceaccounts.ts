// The service-accounts controller (kube-controller-manager's "serviceaccount"): every active
// namespace has a ServiceAccount named `default`, made again if deleted.
import type { Namespace } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import { Controller } from '../client/controller.js';
import { ignoreRaces } from '../client/races.js';
import { resources } from '../client/resources.js';
import { typedResource, type TypedResource } from '../client/typed-resource.js';
import type { KObject } from '../api/types.js';
import { QUIET, type Logger } from '../logging/log.js';

const MANAGER = 'kube-controller-manager';
export const DEFAULT_SERVICE_ACCOUNT = 'default';

export class ServiceAccountsController {
  private readonly controller: Controller<string>;
  private readonly namespaces: TypedResource<Namespace>;
  private readonly accounts: TypedResource<KObject>;

  constructor(registry: Registry, private readonly log: Logger = QUIET) {
    this.namespaces = resources(registry).namespaces;
    this.accounts = typedResource<KObject>(registry, 'serviceaccounts');
    this.controller = new Controller<string>({ name: 'serviceaccount controller', reconcile: (ns) => this.reconcile(ns), identity: (ns) => ns, log })
      .watch(this.namespaces, (change, queue) => { if (change.type !== 'DELETED') queue.add(change.object.metadata.name); })
      .watch(this.accounts, (change, queue) => {
        const { name, namespace } = change.object.metadata;
        if (change.type === 'DELETED' && name === DEFAULT_SERVICE_ACCOUNT && namespace) queue.add(namespace);
      });
  }

  start(): void { this.controller.start(); }
  stop(): void { this.controller.stop(); }

  private async reconcile(namespace: string): Promise<void> {
    const ns = this.namespaces.lister.get(undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return;
    if (this.accounts.lister.get(namespace, DEFAULT_SERVICE_ACCOUNT)) return;
    if (await ignoreRaces(this.accounts.create(namespace, { metadata: { name: DEFAULT_SERVICE_ACCOUNT } }, { dryRun: false, fieldManager: MANAGER }))) {
      this.log.V(2).info('Created the default service account', { namespace });
    }
  }
}
