// The root CA publisher (kube-controller-manager's "root-ca-cert-publisher"): every active
// namespace has a ConfigMap kube-root-ca.crt holding the CA that verifies the API server, which
// the kube-api-access volume of every pod projects. Made again if deleted; set back if edited.
import type { ConfigMap, Namespace } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import { Controller } from '../client/controller.js';
import { ignoreRaces } from '../client/races.js';
import { resources } from '../client/resources.js';
import type { TypedResource } from '../client/typed-resource.js';
import { QUIET, type Logger } from '../logging/log.js';

const MANAGER = 'kube-controller-manager';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
const DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. '
  + 'No other usage is guaranteed across distributions of Kubernetes clusters.';

export class RootCAPublisher {
  private readonly controller: Controller<string>;
  private readonly namespaces: TypedResource<Namespace>;
  private readonly configMaps: TypedResource<ConfigMap>;

  /** `rootCA`: the PEM bundle clients trust; empty when tinykube serves plain HTTP and has no CA. */
  constructor(registry: Registry, private readonly rootCA: string, private readonly log: Logger = QUIET) {
    ({ namespaces: this.namespaces, configMaps: this.configMaps } = resources(registry));
    this.controller = new Controller<string>({ name: 'root-ca-cert-publisher', reconcile: (ns) => this.reconcile(ns), identity: (ns) => ns, log })
      .watch(this.namespaces, (change, queue) => { if (change.type !== 'DELETED') queue.add(change.object.metadata.name); })
      .watch(this.configMaps, (change, queue) => {
        const { name, namespace } = change.object.metadata;
        if (change.type !== 'ADDED' && name === ROOT_CA_CONFIGMAP && namespace) queue.add(namespace);
      });
  }

  start(): void { this.controller.start(); }
  stop(): void { this.controller.stop(); }

  private async reconcile(namespace: string): Promise<void> {
    const ns = this.namespaces.lister.get(undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return;
    const current = this.configMaps.lister.get(namespace, ROOT_CA_CONFIGMAP);
    if (!current) {
      const made = await ignoreRaces(this.configMaps.create(namespace, {
        metadata: { name: ROOT_CA_CONFIGMAP, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
        data: { 'ca.crt': this.rootCA },
      }, { dryRun: false, fieldManager: MANAGER }));
      if (made) this.log.V(2).info('Published the root CA', { namespace });
      return;
    }
    if (this.published(current)) return;
    await ignoreRaces(this.configMaps.update({ namespace, name: ROOT_CA_CONFIGMAP }, (cm) => {
      // The data is the CA alone: other keys a user added go, as kube's publisher replaces them.
      cm.data = { 'ca.crt': this.rootCA };
      cm.metadata.annotations = { ...cm.metadata.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION };
      return cm;
    }, { dryRun: false, fieldManager: MANAGER }));
  }

  private published(cm: ConfigMap): boolean {
    const keys = Object.keys(cm.data ?? {});
    return keys.length === 1 && cm.data?.['ca.crt'] === this.rootCA && !cm.binaryData && cm.metadata.annotations?.[DESCRIPTION_ANNOTATION] === DESCRIPTION;
  }
}
