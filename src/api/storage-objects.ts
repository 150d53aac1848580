// The storage kinds as the control plane reads them: core/v1 PersistentVolumes and
// PersistentVolumeClaims, storage.k8s.io/v1 StorageClasses (the fields tinykube acts on; the rest
// pass through as stored), and the annotations and finalizers kube's components write on them.
import type { MetaLabelSelector, NodeSelector } from './objects.js';
import { isJsonObject } from './json.js';
import type { KObject } from './types.js';

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

export interface PersistentVolumeSpec {
  capacity?: Record<string, string>;
  accessModes?: string[];
  claimRef?: ObjectReference;
  persistentVolumeReclaimPolicy?: string;
  storageClassName?: string;
  volumeMode?: string;
  nodeAffinity?: { required?: NodeSelector };
  hostPath?: { path: string; type?: string };
  local?: { path: string };
  [source: string]: unknown;
}

export interface PersistentVolumeStatus {
  phase?: string;
  message?: string;
  reason?: string;
  lastPhaseTransitionTime?: string;
}

export interface PersistentVolume extends KObject {
  spec?: PersistentVolumeSpec;
  status?: PersistentVolumeStatus;
}

export interface PersistentVolumeClaimSpec {
  accessModes?: string[];
  selector?: MetaLabelSelector;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeName?: string;
  storageClassName?: string;
  volumeMode?: string;
  volumeAttributesClassName?: string;
  [field: string]: unknown;
}

export interface PersistentVolumeClaimStatus {
  phase?: string;
  accessModes?: string[];
  capacity?: Record<string, string>;
  [field: string]: unknown;
}

export interface PersistentVolumeClaim extends KObject {
  spec?: PersistentVolumeClaimSpec;
  status?: PersistentVolumeClaimStatus;
}

export interface StorageClass extends KObject {
  provisioner?: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
  allowVolumeExpansion?: boolean;
  mountOptions?: string[];
}

/** The annotations kube's volume components write (pkg/controller/volume/persistentvolume/util). */
export const ANN = {
  bindCompleted: 'pv.kubernetes.io/bind-completed',
  boundByController: 'pv.kubernetes.io/bound-by-controller',
  provisionedBy: 'pv.kubernetes.io/provisioned-by',
  storageProvisioner: 'volume.kubernetes.io/storage-provisioner',
  betaStorageProvisioner: 'volume.beta.kubernetes.io/storage-provisioner',
  selectedNode: 'volume.kubernetes.io/selected-node',
  defaultClass: 'storageclass.kubernetes.io/is-default-class',
  betaDefaultClass: 'storageclass.beta.kubernetes.io/is-default-class',
  betaStorageClass: 'volume.beta.kubernetes.io/storage-class',
} as const;

export const PVC_PROTECTION = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION = 'kubernetes.io/pv-protection';

/** storageutil.IsDefaultAnnotation: the GA or beta annotation says "true". */
export function isDefaultClass(sc: KObject): boolean {
  const a = sc.metadata.annotations ?? {};
  return a[ANN.defaultClass] === 'true' || a[ANN.betaDefaultClass] === 'true';
}

/** The claim's class: the beta annotation wins over the field, as GetPersistentVolumeClaimClass reads it. */
export function claimClass(claim: PersistentVolumeClaim): string {
  return claim.metadata.annotations?.[ANN.betaStorageClass] ?? claim.spec?.storageClassName ?? '';
}

/** The volume's class, read as GetPersistentVolumeClass reads it. */
export function volumeClass(pv: PersistentVolume): string {
  return pv.metadata.annotations?.[ANN.betaStorageClass] ?? pv.spec?.storageClassName ?? '';
}

/** The claims a pod's volumes name. */
export function podClaimNames(spec: Record<string, unknown> | undefined): string[] {
  const volumes = spec?.volumes;
  if (!Array.isArray(volumes)) return [];
  const list: unknown[] = volumes;
  const names: string[] = [];
  for (const v of list) {
    const claim = isJsonObject(v) ? v.persistentVolumeClaim : undefined;
    if (isJsonObject(claim) && typeof claim.claimName === 'string') names.push(claim.claimName);
  }
  return names;
}

/** GetAccessModesAsString: the modes' short names, always in the order RWO, ROX, RWX, RWOP. */
export function accessModesString(modes: string[] | undefined): string {
  const short: [string, string][] = [['ReadWriteOnce', 'RWO'], ['ReadOnlyMany', 'ROX'], ['ReadWriteMany', 'RWX'], ['ReadWriteOncePod', 'RWOP']];
  return short.filter(([mode]) => modes?.includes(mode)).map(([, s]) => s).join(',');
}
