// Volume binding policy as pure functions, after kube's PV controller and its volume util
// (pkg/controller/volume/persistentvolume, component-helpers/storage/volume): which volume a
// claim binds to, whether a volume fits a node, and the volume a local-path provisioner makes.
import type { Node } from '../api/objects.js';
import { tryParseQuantity } from '../api/quantity.js';
import { matchesLabels, selectorFromLabelSelector } from '../api/selectors.js';
import { ANN, claimClass, volumeClass, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '../api/storage-objects.js';
import { matchesNodeAffinity } from './scheduling.js';

/** Where rancher's local-path provisioner keeps its volumes on a node (its default nodePathMap). */
export const LOCAL_PATH_ROOT = '/var/local-path-provisioner';
export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';

/** Whether the volume's claimRef names this claim (by uid too, once it has one). */
export function isBoundToClaim(pv: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref || ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

/** Whether the volume's required node affinity lets it be used on `node` (no affinity: anywhere). */
export function volumeFitsNode(pv: PersistentVolume, node: Node): boolean {
  const required = pv.spec?.nodeAffinity?.required;
  if (!required) return true;
  return matchesNodeAffinity({ metadata: {}, spec: { containers: [], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: required } } } }, node);
}

/** checkAccessModes: the volume offers every mode the claim asks for. */
function hasAccessModes(pv: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const offered = pv.spec?.accessModes ?? [];
  return (claim.spec?.accessModes ?? []).every((m) => offered.includes(m));
}

const bytes = (v: string | undefined) => tryParseQuantity(v)?.toNumber() ?? 0;

/**
 * FindMatchingVolume: a volume pre-bound to the claim if one fits, else the smallest available
 * volume of the claim's class with the capacity, access modes, volume mode and labels the claim
 * asks for. With `delayed` binding and no node yet, only pre-bound volumes count; with a node,
 * only volumes whose node affinity allows it.
 */
export function findMatchingVolume<V extends PersistentVolume>(claim: PersistentVolumeClaim, volumes: V[], opts: { delayed?: boolean; node?: Node } = {}): V | undefined {
  const wanted = bytes(claim.spec?.resources?.requests?.storage);
  const cls = claimClass(claim);
  const selector = claim.spec?.selector ? selectorFromLabelSelector(claim.spec.selector) : undefined;
  let best: V | undefined;
  for (const pv of volumes) {
    if (pv.metadata.deletionTimestamp) continue;
    if ((pv.spec?.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem')) continue;
    const size = bytes(pv.spec?.capacity?.storage);
    if (size < wanted) continue;
    if (opts.node && !volumeFitsNode(pv, opts.node)) continue;
    if (isBoundToClaim(pv, claim)) return pv;
    if (opts.delayed && !opts.node) continue;
    if (pv.spec?.claimRef || pv.status?.phase !== 'Available') continue;
    if (selector && !matchesLabels(selector, pv.metadata.labels)) continue;
    if (volumeClass(pv) !== cls || !hasAccessModes(pv, claim)) continue;
    if (!best || size < bytes(best.spec?.capacity?.storage)) best = pv;
  }
  return best;
}

/** The claim's provisioner once the PV controller handed it over (the GA annotation, else the beta one). */
export function claimProvisioner(claim: PersistentVolumeClaim): string | undefined {
  const a = claim.metadata.annotations ?? {};
  return a[ANN.storageProvisioner] ?? a[ANN.betaStorageProvisioner];
}

/**
 * The volume rancher's local-path provisioner makes for a claim: `pvc-<claim uid>`, a hostPath
 * directory `<root>/<pv>_<namespace>_<claim>` created if missing, pinned to the selected node.
 */
export function localPathVolume(claim: PersistentVolumeClaim, sc: StorageClass, node: string | undefined): PersistentVolume {
  const name = `pvc-${claim.metadata.uid ?? ''}`;
  const { namespace = '', name: claimName = '', uid, resourceVersion } = claim.metadata;
  const annotations: Record<string, string> = { [ANN.provisionedBy]: sc.provisioner ?? LOCAL_PATH_PROVISIONER };
  if (node) annotations['local.path.provisioner/selected-node'] = node;
  return {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name, annotations },
    spec: {
      accessModes: claim.spec?.accessModes ?? [],
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? '0' },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: claimName, namespace, uid, resourceVersion },
      hostPath: { path: `${LOCAL_PATH_ROOT}/${name}_${namespace}_${claimName}`, type: 'DirectoryOrCreate' },
      ...(node ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } } } : {}),
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata.name,
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
    },
  };
}

/**
 * The phase a volume should be in given its claim (`claim` undefined: the claim is gone);
 * undefined while its claim is still being bound to it.
 */
export function volumePhase(pv: PersistentVolume, claim: PersistentVolumeClaim | undefined): 'Available' | 'Bound' | 'Released' | undefined {
  const ref = pv.spec?.claimRef;
  if (!ref) return 'Available';
  if (!ref.uid) return 'Available'; // pre-bound by a user, waiting for its claim
  if (!claim || claim.metadata.uid !== ref.uid) return 'Released';
  if (!claim.spec?.volumeName) return undefined;
  return claim.spec.volumeName === pv.metadata.name ? 'Bound' : 'Released';
}
