// kube-scheduler's VolumeBinding plugin for the scheduler: PreFilter (every claim exists, is not
// being deleted, and claims of Immediate classes are bound), Filter (a node fits the pod's bound
// volumes and can get its delayed ones) and PreBind (the chosen node is written on the delayed
// claims as volume.kubernetes.io/selected-node, and the pod is bound only once they are).
import type { Node, Pod } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import { ANN, claimClass, podClaimNames, type PersistentVolume, type PersistentVolumeClaim } from '../api/storage-objects.js';
import { ignoreRaces } from '../client/races.js';
import type { Stored } from '../client/typed-resource.js';
import { storageClients, type StorageClients } from './persistentvolume.js';
import { findMatchingVolume, volumeFitsNode } from './volume-matching.js';

/** What PreFilter found: the claims' volumes, and the unbound claims of WaitForFirstConsumer classes. */
export interface PodVolumes {
  bound: PersistentVolume[];
  delayed: Stored<PersistentVolumeClaim>[];
}

/** PreFilter's verdict: a reason no node can help with, or the pod's volumes (none: the pod names no claim). */
export type PreFilterResult = { unresolvable: string } | { volumes?: PodVolumes };

const POLL_MS = 100;
/** kube-scheduler's bindTimeoutSeconds default: how long PreBind waits for the claims to bind. */
const BIND_TIMEOUT_MS = 600_000;

export class VolumeBinding {
  private readonly storage: StorageClients;

  constructor(registry: Registry) {
    this.storage = storageClients(registry);
  }

  /** The claims' lister, for the scheduler to watch: a claim changing may make a pod schedulable. */
  get claims(): StorageClients['claims'] { return this.storage.claims; }

  preFilter(pod: Pod): PreFilterResult {
    const names = podClaimNames(pod.spec);
    if (!names.length) return {};
    const namespace = pod.metadata.namespace;
    const volumes: PodVolumes = { bound: [], delayed: [] };
    let unboundImmediate = false;
    for (const name of names) {
      const claim = this.storage.claims.lister.get(namespace, name);
      if (!claim) return { unresolvable: `persistentvolumeclaim "${name}" not found` };
      if (claim.status?.phase === 'Lost') return { unresolvable: `persistentvolumeclaim "${name}" bound to non-existent persistentvolume "${claim.spec?.volumeName ?? ''}"` };
      if (claim.metadata.deletionTimestamp) return { unresolvable: `persistentvolumeclaim "${name}" is being deleted` };
      const volumeName = claim.spec?.volumeName;
      if (volumeName) {
        const pv = this.storage.volumes.lister.get(undefined, volumeName);
        if (pv) volumes.bound.push(pv);
        continue;
      }
      const sc = this.storage.classes.lister.get(undefined, claimClass(claim));
      if (sc?.volumeBindingMode === 'WaitForFirstConsumer') volumes.delayed.push(claim);
      else unboundImmediate = true;
    }
    if (unboundImmediate) return { unresolvable: 'pod has unbound immediate PersistentVolumeClaims' };
    return { volumes };
  }

  /** Filter: kube's reasons why `node` cannot take the pod's volumes; empty when it can. */
  filter(volumes: PodVolumes | undefined, node: Node): string[] {
    if (!volumes) return [];
    const reasons: string[] = [];
    if (volumes.bound.some((pv) => !volumeFitsNode(pv, node))) reasons.push('node(s) had volume node affinity conflict');
    const all = this.storage.volumes.lister.list();
    const unbindable = volumes.delayed.some((claim) => {
      if (findMatchingVolume(claim, all, { delayed: true, node })) return false;
      const sc = this.storage.classes.lister.get(undefined, claimClass(claim));
      return !sc?.provisioner || sc.provisioner === 'kubernetes.io/no-provisioner';
    });
    if (unbindable) reasons.push("node(s) didn't find available persistent volumes to bind");
    return reasons;
  }

  /**
   * PreBind: writes the node on each delayed claim for the PV controller and waits until every
   * one is bound. False when the pod went or the claims did not bind in time.
   */
  async preBind(pod: Pod, nodeName: string, volumes: PodVolumes | undefined, stillWanted: () => boolean): Promise<boolean> {
    if (!volumes?.delayed.length) return true;
    const claims = this.storage.claims;
    for (const claim of volumes.delayed) {
      if (claim.metadata.annotations?.[ANN.selectedNode] === nodeName) continue;
      await ignoreRaces(claims.update({ namespace: claim.metadata.namespace, name: claim.metadata.name }, (c) => {
        c.metadata.annotations = { ...c.metadata.annotations, [ANN.selectedNode]: nodeName };
        return c;
      }, { dryRun: false, fieldManager: 'default-scheduler' }));
    }
    const deadline = Date.now() + BIND_TIMEOUT_MS;
    const bound = () => volumes.delayed.every((c) => claims.lister.get(c.metadata.namespace, c.metadata.name)?.status?.phase === 'Bound');
    while (!bound()) {
      if (!stillWanted() || Date.now() > deadline) return false;
      await new Promise<void>((resolve) => setTimeout(resolve, POLL_MS).unref());
    }
    return true;
  }
}

/**
 * The FitError text when PreFilter rejects the pod: every node is unavailable for the same reason,
 * and preemption cannot help (kube-scheduler's DefaultPreemption PostFilter).
 */
export function preFilterMessage(nodes: number, reason: string): string {
  return `0/${nodes} nodes are available: ${reason}. preemption: 0/${nodes} nodes are available: ${nodes} Preemption is not helpful for scheduling.`;
}
