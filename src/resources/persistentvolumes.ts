// PersistentVolumes (core/v1, cluster-scoped): kube's defaults (reclaim policy Retain, volume
// mode Filesystem), ValidatePersistentVolume(Update) with its texts, the pv-protection finalizer
// kube's StorageObjectInUseProtection admission adds, and the `kubectl get pv` columns.
import { fieldErrors, type FieldError } from '../api/errors.js';
import { tryParseQuantity } from '../api/quantity.js';
import { STATUS_SUBRESOURCE } from '../api/reset-fields.js';
import { accessModesString, PV_PROTECTION, volumeClass, type PersistentVolume } from '../api/storage-objects.js';
import { rfc3339 } from '../api/time.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const VOLUME_MODES = ['Block', 'Filesystem'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
/** The volume sources a PersistentVolumeSpec may carry: exactly one of them. */
const SOURCES = ['hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'glusterfs', 'flocker', 'nfs', 'rbd', 'quobyte', 'cephfs', 'iscsi', 'cinder', 'fc', 'flexVolume', 'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'scaleIO', 'local', 'storageos', 'csi'];

/** The access-mode checks PVs and PVCs share: supported modes, ReadWriteOncePod alone. */
export function validateAccessModes(modes: string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const mode of modes) if (!ACCESS_MODES.includes(mode)) errs.push(fieldErrors.notSupported(path, mode, ACCESS_MODES));
  const rwop = modes.includes('ReadWriteOncePod');
  if (rwop && modes.some((m) => m !== 'ReadWriteOncePod' && ACCESS_MODES.includes(m))) errs.push(fieldErrors.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

/** ValidatePositiveQuantityValue. */
export function positiveQuantity(path: string, value: string): FieldError[] {
  const q = tryParseQuantity(value);
  return q && q.cmp(tryParseQuantity('0') ?? q) <= 0 ? [fieldErrors.invalid(path, value, 'must be greater than zero')] : [];
}

function validateSpec(pv: PersistentVolume): FieldError[] {
  const spec = pv.spec ?? {};
  const errs: FieldError[] = [];
  const modes = spec.accessModes ?? [];
  if (!modes.length) errs.push(fieldErrors.required('spec.accessModes'));
  errs.push(...validateAccessModes(modes, 'spec.accessModes'));
  const capacity = spec.capacity ?? {};
  const keys = Object.keys(capacity);
  if (!keys.length) errs.push(fieldErrors.required('spec.capacity'));
  if (!('storage' in capacity) || keys.length > 1) errs.push(fieldErrors.notSupported('spec.capacity', capacity, ['storage']));
  for (const k of keys) errs.push(...positiveQuantity(`spec.capacity[${k}]`, capacity[k]));
  const policy = spec.persistentVolumeReclaimPolicy;
  if (policy && !RECLAIM_POLICIES.includes(policy)) errs.push(fieldErrors.notSupported('spec.persistentVolumeReclaimPolicy', policy, RECLAIM_POLICIES));
  const sources = SOURCES.filter((s) => spec[s] !== undefined && spec[s] !== null);
  for (const extra of sources.slice(1)) errs.push(fieldErrors.forbidden(`spec.${extra}`, 'may not specify more than 1 volume type'));
  if (sources[0] === 'local' && !spec.nodeAffinity?.required) errs.push(fieldErrors.required('spec.nodeAffinity', 'Local volume requires node affinity'));
  if (!sources.length) errs.push(fieldErrors.required('spec', 'must specify a volume type'));
  if (spec.volumeMode && !VOLUME_MODES.includes(spec.volumeMode)) errs.push(fieldErrors.notSupported('spec.volumeMode', spec.volumeMode, VOLUME_MODES));
  return errs;
}

const sourceOf = (pv: PersistentVolume) => JSON.stringify(SOURCES.map((s) => pv.spec?.[s]));

/** ValidatePersistentVolumeUpdate: the source and volume mode never change. */
function validateUpdate(pv: PersistentVolume, old: PersistentVolume): FieldError[] {
  const errs: FieldError[] = [];
  if (sourceOf(pv) !== sourceOf(old)) errs.push(fieldErrors.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  if (pv.spec?.volumeMode !== old.spec?.volumeMode) errs.push(fieldErrors.invalid('volumeMode', pv.spec?.volumeMode, 'field is immutable'));
  return errs;
}

export const persistentVolumeStrategy: Strategy<PersistentVolume> = {
  group: '', version: 'v1', resource: 'persistentvolumes',
  singularName: 'persistentvolume',
  shortNames: ['pv'],
  subresources: { status: STATUS_SUBRESOURCE },
  defaults(obj) {
    const spec = (obj.spec ??= {});
    spec.persistentVolumeReclaimPolicy ??= 'Retain';
    spec.volumeMode ??= 'Filesystem';
  },
  prepareForCreate(obj, ctx) {
    obj.status = { phase: 'Pending', lastPhaseTransitionTime: rfc3339(ctx.now) };
    // StorageObjectInUseProtection admission: the controller lets go once no claim holds it.
    const finalizers = (obj.metadata.finalizers ??= []);
    if (!finalizers.includes(PV_PROTECTION)) finalizers.push(PV_PROTECTION);
  },
  validate(obj, old, subresource) {
    if (subresource === 'status') return [];
    return [...validateSpec(obj), ...(old ? validateUpdate(obj, old) : [])];
  },
  table: {
    columns: [
      NAME_COLUMN,
      column('Capacity', 'The storage the volume has.'),
      column('Access Modes', 'How the volume may be mounted.'),
      column('Reclaim Policy', 'What happens to the volume when its claim goes.'),
      column('Status', 'The phase of the volume.'),
      column('Claim', 'The claim bound to the volume.'),
      column('StorageClass', 'StorageClass of the pv'),
      column('VolumeAttributesClass', 'VolumeAttributesClass of the pv'),
      column('Reason', 'Why the volume is in its phase.'),
      AGE_COLUMN,
      column('VolumeMode', 'Whether the volume is a filesystem or a raw block device.', 1),
    ],
    cells(pv, now) {
      const spec = pv.spec ?? {};
      const ref = spec.claimRef;
      return [
        pv.metadata.name, spec.capacity?.storage ?? '0', accessModesString(spec.accessModes), spec.persistentVolumeReclaimPolicy ?? '',
        pv.metadata.deletionTimestamp ? 'Terminating' : pv.status?.phase ?? '', ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '',
        volumeClass(pv), typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>', pv.status?.reason ?? '',
        age(pv.metadata.creationTimestamp, now), spec.volumeMode ?? '<unset>',
      ];
    },
  },
};
