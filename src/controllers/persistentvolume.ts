// The persistent volume controller (kube-controller-manager's "persistentvolume-binder") with a
// simulated dynamic provisioner beside it: claims bind to matching volumes, or wait for their
// first consumer (WaitForFirstConsumer), or are handed to their class's provisioner, which makes a
// local-path volume `pvc-<uid>` as rancher's local-path-provisioner does; volumes go Available,
// Bound, Released, and are deleted or kept by their reclaim policy when their claim goes.
import type { Node } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import { ANN, claimClass, isDefaultClass, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '../api/storage-objects.js';
import { rfc3339 } from '../api/time.js';
import { Controller } from '../client/controller.js';
import { ignoreRaces } from '../client/races.js';
import { resources } from '../client/resources.js';
import { typedResource, type Stored, type TypedResource } from '../client/typed-resource.js';
import { QUIET, type Logger } from '../logging/log.js';
import { EventRecorder } from './events.js';
import { claimProvisioner, findMatchingVolume, isBoundToClaim, localPathVolume, volumePhase } from './volume-matching.js';

const MANAGER = 'kube-controller-manager';
const YES = 'yes';
/** kube-controller-manager's provisioner name for classes it must never provision. */
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

export const claimKey = (namespace: string, name: string) => `claim/${namespace}/${name}`;
const volumeKey = (name: string) => `volume/${name}`;

/** The typed clients of the storage kinds. */
export interface StorageClients {
  claims: TypedResource<PersistentVolumeClaim>;
  volumes: TypedResource<PersistentVolume>;
  classes: TypedResource<StorageClass>;
}

export function storageClients(registry: Registry): StorageClients {
  return {
    claims: typedResource<PersistentVolumeClaim>(registry, 'persistentvolumeclaims'),
    volumes: typedResource<PersistentVolume>(registry, 'persistentvolumes'),
    classes: typedResource<StorageClass>(registry, 'storageclasses', 'storage.k8s.io'),
  };
}

/** The newest default class, as DefaultStorageClass admission picks it. */
function defaultClass(classes: StorageClass[]): StorageClass | undefined {
  return classes.filter(isDefaultClass).sort((a, b) =>
    (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0];
}

export class PersistentVolumeController {
  private readonly controller: Controller<string>;
  private readonly storage: StorageClients;
  private readonly nodes: TypedResource<Node>;
  private readonly events: EventRecorder;
  /** Events of the simulated provisioner, named as external-provisioner names its recorder. */
  private readonly provisionerEvents = new Map<string, EventRecorder>();

  constructor(private readonly registry: Registry, private readonly log: Logger = QUIET) {
    this.storage = storageClients(registry);
    this.nodes = resources(registry).nodes;
    this.events = new EventRecorder(registry, { component: 'persistentvolume-controller' }, log);
    const { claims, volumes, classes } = this.storage;
    this.controller = new Controller<string>({ name: 'persistentvolume-binder', reconcile: (key) => this.reconcile(key), identity: (k) => k, log })
      .watch(claims, ({ type, object }, queue) => {
        const { namespace = '', name } = object.metadata;
        if (type !== 'DELETED') queue.add(claimKey(namespace, name));
        // The volume bound to a claim that went is released.
        for (const pv of volumes.lister.list()) if (pv.spec?.claimRef?.name === name && pv.spec.claimRef.namespace === namespace) queue.add(volumeKey(pv.metadata.name));
      })
      .watch(volumes, ({ type, object }, queue) => {
        if (type !== 'DELETED') queue.add(volumeKey(object.metadata.name));
        const ref = object.spec?.claimRef;
        if (ref?.name && ref.namespace) queue.add(claimKey(ref.namespace, ref.name));
      })
      .watch(classes, (_change, queue) => {
        // A new class may be the default some claims wait for, or the class they name.
        for (const c of claims.lister.list()) if (!c.spec?.volumeName) queue.add(claimKey(c.metadata.namespace ?? '', c.metadata.name));
      });
  }

  start(): void { this.controller.start(); }
  stop(): void { this.controller.stop(); }

  private async reconcile(key: string): Promise<void> {
    const [kind, ...rest] = key.split('/');
    if (kind === 'claim') await this.syncClaim(rest[0], rest[1]);
    else await this.syncVolume(rest[0]);
  }

  private async syncClaim(namespace: string, name: string): Promise<void> {
    const { claims, volumes, classes } = this.storage;
    const claim = claims.lister.get(namespace, name);
    if (!claim || claim.metadata.deletionTimestamp) return;
    const volumeName = claim.spec?.volumeName;
    if (volumeName) { await this.syncBoundClaim(claim, volumeName); return; }
    // 1.28+: a claim made before any default class existed gets the default once there is one.
    if (claim.spec?.storageClassName === undefined && claim.metadata.annotations?.[ANN.betaStorageClass] === undefined) {
      const def = defaultClass(classes.lister.list());
      if (def) {
        await ignoreRaces(claims.update({ namespace, name }, (c) => ({ ...c, spec: { ...c.spec, storageClassName: def.metadata.name } }), { dryRun: false, fieldManager: MANAGER }));
        return;
      }
    }
    const className = claimClass(claim);
    const sc = className ? classes.lister.get(undefined, className) : undefined;
    const delayed = sc?.volumeBindingMode === 'WaitForFirstConsumer';
    const selectedNode = claim.metadata.annotations?.[ANN.selectedNode];
    const node = selectedNode ? this.nodes.lister.get(undefined, selectedNode) : undefined;
    const pv = findMatchingVolume(claim, volumes.lister.list(), { delayed, node });
    if (pv) { await this.bind(pv, claim); return; }
    if (delayed && !selectedNode) {
      await this.events.record(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      return;
    }
    if (!className) {
      await this.events.record(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      return;
    }
    if (!sc) {
      await this.events.record(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
      return;
    }
    const provisioner = sc.provisioner ?? '';
    if (provisioner === NO_PROVISIONER) {
      await this.events.record(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      return;
    }
    if (claimProvisioner(claim) !== provisioner) {
      await ignoreRaces(claims.update({ namespace, name }, (c) => {
        c.metadata.annotations = { ...c.metadata.annotations, [ANN.betaStorageProvisioner]: provisioner, [ANN.storageProvisioner]: provisioner };
        return c;
      }, { dryRun: false, fieldManager: MANAGER }));
    }
    await this.events.record(claim, 'Normal', 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
    await this.provision(claim, sc, selectedNode);
  }

  /** A claim naming its volume: completes the binding, or marks the claim Lost when the volume is gone. */
  private async syncBoundClaim(claim: Stored<PersistentVolumeClaim>, volumeName: string): Promise<void> {
    const pv = this.storage.volumes.lister.get(undefined, volumeName);
    if (!pv) {
      if (claim.status?.phase === 'Bound') {
        await this.setClaimStatus(claim, { phase: 'Lost' });
        await this.events.record(claim, 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
      }
      return;
    }
    if (!pv.spec?.claimRef || isBoundToClaim(pv, claim)) {
      if (claim.status?.phase !== 'Bound' || pv.status?.phase !== 'Bound' || !pv.spec?.claimRef?.uid) await this.bind(pv, claim);
      return;
    }
    // The volume is someone else's: the claim waits, as kube's does.
    await this.events.record(claim, 'Warning', 'FailedBinding', 'volume "' + volumeName + '" already bound to a different claim.');
  }

  /** Binds volume and claim both ways: the volume's claimRef and phase, then the claim's volumeName, annotations and status. */
  private async bind(pv: Stored<PersistentVolume>, claim: Stored<PersistentVolumeClaim>): Promise<void> {
    const { claims, volumes } = this.storage;
    const { namespace = '', name, uid, resourceVersion } = claim.metadata;
    const byController = !pv.spec?.claimRef;
    const bound = await ignoreRaces(volumes.update({ name: pv.metadata.name }, (v) => {
      const spec = (v.spec ??= {});
      spec.claimRef = { kind: 'PersistentVolumeClaim', namespace, name, uid, apiVersion: 'v1', resourceVersion };
      if (byController) v.metadata.annotations = { ...v.metadata.annotations, [ANN.boundByController]: YES };
      return v;
    }, { dryRun: false, fieldManager: MANAGER }));
    if (!bound) return;
    await this.setVolumePhase(bound, 'Bound');
    const claimByController = !claim.spec?.volumeName;
    const updated = await ignoreRaces(claims.update({ namespace, name }, (c) => {
      c.spec = { ...c.spec, volumeName: pv.metadata.name };
      c.metadata.annotations = { ...c.metadata.annotations, [ANN.bindCompleted]: YES, ...(claimByController ? { [ANN.boundByController]: YES } : {}) };
      return c;
    }, { dryRun: false, fieldManager: MANAGER }));
    if (updated) await this.setClaimStatus(updated, { phase: 'Bound', accessModes: pv.spec?.accessModes ?? [], capacity: pv.spec?.capacity ?? {} });
    this.log.V(2).info('Bound claim to volume', { claim: `${namespace}/${name}`, volume: pv.metadata.name });
  }

  /** The simulated provisioner: makes the claim's volume, which the binder then binds. */
  private async provision(claim: Stored<PersistentVolumeClaim>, sc: Stored<StorageClass>, node: string | undefined): Promise<void> {
    const volumes = this.storage.volumes;
    const pvName = `pvc-${claim.metadata.uid}`;
    if (volumes.lister.get(undefined, pvName)) return;
    const recorder = this.provisionerRecorder(sc.provisioner ?? '');
    await recorder.record(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${claim.metadata.namespace}/${claim.metadata.name}"`);
    const created = await ignoreRaces(volumes.create(undefined, localPathVolume(claim, sc, node), { dryRun: false, fieldManager: 'local-path-provisioner' }));
    if (!created) return;
    await recorder.record(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
    this.log.V(2).info('Provisioned volume', { claim: `${claim.metadata.namespace}/${claim.metadata.name}`, volume: pvName, node });
  }

  private provisionerRecorder(provisioner: string): EventRecorder {
    let recorder = this.provisionerEvents.get(provisioner);
    if (!recorder) {
      // external-provisioner's identity: <provisioner>_<pod name>_<uuid>.
      const component = `${provisioner}_local-path-provisioner-${this.registry.entropy.suffix()}_${this.registry.entropy.uid()}`;
      this.provisionerEvents.set(provisioner, (recorder = new EventRecorder(this.registry, { component }, this.log)));
    }
    return recorder;
  }

  private async syncVolume(name: string): Promise<void> {
    const { claims, volumes } = this.storage;
    const pv = volumes.lister.get(undefined, name);
    if (!pv) return;
    const ref = pv.spec?.claimRef;
    const claim = ref?.name ? claims.lister.get(ref.namespace, ref.name) : undefined;
    const phase = volumePhase(pv, claim);
    if (!phase) return;
    if (phase !== 'Released') {
      if (pv.status?.phase !== phase) await this.setVolumePhase(pv, phase);
      return;
    }
    if (pv.status?.phase === 'Failed') return;
    if (pv.status?.phase !== 'Released') await this.setVolumePhase(pv, 'Released');
    if (pv.spec?.persistentVolumeReclaimPolicy !== 'Delete' || pv.metadata.deletionTimestamp) return;
    if (pv.metadata.annotations?.[ANN.provisionedBy]) {
      // A provisioned volume is deleted by its provisioner.
      await ignoreRaces(volumes.delete({ name }, {}, { dryRun: false }));
      this.log.V(2).info('Deleted released volume', { volume: name });
      return;
    }
    const message = `error getting deleter volume plugin for volume "${name}": no deletable volume plugin matched`;
    await this.setVolumePhase(pv, 'Failed', message);
    await this.events.record(pv, 'Warning', 'VolumeFailedDelete', message);
  }

  private async setVolumePhase(pv: Stored<PersistentVolume>, phase: string, message?: string): Promise<void> {
    const now = rfc3339(this.registry.now());
    await ignoreRaces(this.storage.volumes.update({ name: pv.metadata.name }, (v) => {
      const changed = v.status?.phase !== phase;
      v.status = { ...v.status, phase, ...(changed ? { lastPhaseTransitionTime: now } : {}) };
      if (message) v.status.message = message; else delete v.status.message;
      return v;
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
  }

  private async setClaimStatus(claim: Stored<PersistentVolumeClaim>, status: NonNullable<PersistentVolumeClaim['status']>): Promise<void> {
    await ignoreRaces(this.storage.claims.update({ namespace: claim.metadata.namespace, name: claim.metadata.name }, (c) => {
      c.status = { ...c.status, ...status };
      return c;
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
  }
}
