// kube-controller-manager's pvc-protection and pv-protection controllers: a claim being deleted
// keeps its kubernetes.io/pvc-protection finalizer while a scheduled, unfinished pod uses it; a
// volume being deleted keeps kubernetes.io/pv-protection while it is Bound.
import type { Pod } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import { podClaimNames, PV_PROTECTION, PVC_PROTECTION } from '../api/storage-objects.js';
import { Controller } from '../client/controller.js';
import { ignoreRaces } from '../client/races.js';
import { resources } from '../client/resources.js';
import type { TypedResource } from '../client/typed-resource.js';
import { QUIET, type Logger } from '../logging/log.js';
import { claimKey, storageClients, type StorageClients } from './persistentvolume.js';

const MANAGER = 'kube-controller-manager';

/** podUsesPVC: only scheduled pods that have not finished hold a claim. */
function usesClaim(pod: Pod, name: string): boolean {
  const phase = pod.status?.phase;
  return !!pod.spec?.nodeName && phase !== 'Succeeded' && phase !== 'Failed' && podClaimNames(pod.spec).includes(name);
}

export class StorageProtectionController {
  private readonly controller: Controller<string>;
  private readonly storage: StorageClients;
  private readonly pods: TypedResource<Pod>;

  constructor(registry: Registry, log: Logger = QUIET) {
    this.storage = storageClients(registry);
    this.pods = resources(registry).pods;
    const { claims, volumes } = this.storage;
    this.controller = new Controller<string>({ name: 'pvc-protection', reconcile: (key) => this.reconcile(key), identity: (k) => k, log })
      .watch(claims, ({ type, object }, queue) => {
        if (type !== 'DELETED' && object.metadata.deletionTimestamp) queue.add(claimKey(object.metadata.namespace ?? '', object.metadata.name));
      })
      .watch(volumes, ({ type, object }, queue) => {
        if (type !== 'DELETED' && object.metadata.deletionTimestamp) queue.add(`volume/${object.metadata.name}`);
      })
      .watch(this.pods, ({ object }, queue) => {
        // A pod that goes or finishes may free the claims it named.
        const namespace = object.metadata.namespace ?? '';
        for (const name of podClaimNames(object.spec)) queue.add(claimKey(namespace, name));
      });
  }

  start(): void { this.controller.start(); }
  stop(): void { this.controller.stop(); }

  private async reconcile(key: string): Promise<void> {
    const [kind, ...rest] = key.split('/');
    if (kind === 'claim') {
      const [namespace, name] = rest;
      const claim = this.storage.claims.lister.get(namespace, name);
      if (!claim?.metadata.deletionTimestamp || !claim.metadata.finalizers?.includes(PVC_PROTECTION)) return;
      if (this.pods.lister.list(namespace).some((p) => usesClaim(p, name))) return;
      await ignoreRaces(this.storage.claims.update({ namespace, name }, (c) => {
        c.metadata.finalizers = (c.metadata.finalizers ?? []).filter((f) => f !== PVC_PROTECTION);
        return c;
      }, { dryRun: false, fieldManager: MANAGER }));
      return;
    }
    const name = rest[0];
    const pv = this.storage.volumes.lister.get(undefined, name);
    if (!pv?.metadata.deletionTimestamp || !pv.metadata.finalizers?.includes(PV_PROTECTION) || pv.status?.phase === 'Bound') return;
    await ignoreRaces(this.storage.volumes.update({ name }, (v) => {
      v.metadata.finalizers = (v.metadata.finalizers ?? []).filter((f) => f !== PV_PROTECTION);
      return v;
    }, { dryRun: false, fieldManager: MANAGER }));
  }
}
