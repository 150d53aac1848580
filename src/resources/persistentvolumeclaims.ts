// PersistentVolumeClaims (core/v1): volume mode defaulted to Filesystem, status Pending on
// create, ValidatePersistentVolumeClaim(Update) with kube's texts, the `kubectl get pvc` columns,
// and the admission kube runs on claims: DefaultStorageClass (a claim without storageClassName
// gets the default class) and StorageObjectInUseProtection (the pvc-protection finalizer).
import { fieldErrors, type FieldError } from '../api/errors.js';
import { isJsonObject, jsonEqual } from '../api/json.js';
import { tryParseQuantity } from '../api/quantity.js';
import { STATUS_SUBRESOURCE } from '../api/reset-fields.js';
import type { Admission } from '../api/resource-store.js';
import { accessModesString, claimClass, isDefaultClass, PVC_PROTECTION, type PersistentVolumeClaim, type PersistentVolumeClaimSpec } from '../api/storage-objects.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from '../api/table.js';
import type { KObject, Strategy } from '../api/types.js';
import { positiveQuantity, validateAccessModes, VOLUME_MODES } from './persistentvolumes.js';

function validateSpec(spec: PersistentVolumeClaimSpec): FieldError[] {
  const errs: FieldError[] = [];
  const modes = spec.accessModes ?? [];
  if (!modes.length) errs.push(fieldErrors.required('spec.accessModes', 'at least 1 access mode is required'));
  errs.push(...validateAccessModes(modes, 'spec.accessModes'));
  const storage = spec.resources?.requests?.storage;
  // kube's path names the key under resources, not under requests.
  if (storage === undefined) errs.push(fieldErrors.required('spec.resources[storage]'));
  else errs.push(...positiveQuantity('spec.resources[storage]', storage));
  if (spec.volumeMode && !VOLUME_MODES.includes(spec.volumeMode)) errs.push(fieldErrors.notSupported('spec.volumeMode', spec.volumeMode, VOLUME_MODES));
  return errs;
}

const IMMUTABLE_SPEC = 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims';

/** ValidatePersistentVolumeClaimUpdate: what may change of a claim's spec once created. */
function validateUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  const errs: FieldError[] = [];
  const next: PersistentVolumeClaimSpec = structuredClone(pvc.spec ?? {});
  const prev: PersistentVolumeClaimSpec = structuredClone(old.spec ?? {});
  // volumeName may be set once (the PV controller binds), the class set from nil once.
  if (!prev.volumeName) prev.volumeName = next.volumeName;
  if (prev.storageClassName === undefined && next.storageClassName !== undefined) prev.storageClassName = next.storageClassName;
  const bound = pvc.status?.phase === 'Bound';
  if (bound && next.resources?.requests) next.resources.requests.storage = old.spec?.resources?.requests?.storage ?? '';
  if (bound) next.volumeAttributesClassName = prev.volumeAttributesClassName;
  for (const s of [next, prev]) { if (!s.volumeName) delete s.volumeName; }
  if (!jsonEqual(next, prev)) errs.push(fieldErrors.forbidden('spec', IMMUTABLE_SPEC));
  const size = tryParseQuantity(pvc.spec?.resources?.requests?.storage);
  const oldSize = tryParseQuantity(old.spec?.resources?.requests?.storage);
  const capacity = tryParseQuantity(old.status?.capacity?.storage);
  // RecoverVolumeExpansionFailure (on by default since 1.32): shrinking is allowed down to above what was allocated.
  if (size && oldSize && size.cmp(oldSize) < 0 && (!capacity || size.cmp(capacity) <= 0)) {
    errs.push(fieldErrors.forbidden('spec.resources.requests.storage', capacity ? 'field can not be less than status.capacity' : 'field can not be less than previous value'));
  }
  return errs;
}

export const persistentVolumeClaimStrategy: Strategy<PersistentVolumeClaim> = {
  group: '', version: 'v1', resource: 'persistentvolumeclaims',
  singularName: 'persistentvolumeclaim',
  shortNames: ['pvc'],
  subresources: { status: STATUS_SUBRESOURCE },
  defaults(obj) {
    const spec = (obj.spec ??= {});
    spec.volumeMode ??= 'Filesystem';
  },
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending' };
  },
  validate(obj, old, subresource) {
    if (subresource === 'status') return [];
    return [...validateSpec(obj.spec ?? {}), ...(old ? validateUpdate(obj, old) : [])];
  },
  table: {
    columns: [
      NAME_COLUMN,
      column('Status', 'The phase of the claim.'),
      column('Volume', 'The volume bound to the claim.'),
      column('Capacity', 'The storage the bound volume has.'),
      column('Access Modes', 'How the bound volume may be mounted.'),
      column('StorageClass', 'StorageClass of the pvc'),
      column('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'),
      AGE_COLUMN,
      column('VolumeMode', 'Whether the claim wants a filesystem or a raw block device.', 1),
    ],
    cells(pvc, now) {
      const spec = pvc.spec ?? {};
      const bound = !!spec.volumeName;
      return [
        pvc.metadata.name, pvc.metadata.deletionTimestamp ? 'Terminating' : pvc.status?.phase ?? '', spec.volumeName ?? '',
        bound ? pvc.status?.capacity?.storage ?? '0' : '', bound ? accessModesString(pvc.status?.accessModes) : '',
        claimClass(pvc), spec.volumeAttributesClassName ?? '<unset>', age(pvc.metadata.creationTimestamp, now), spec.volumeMode ?? '<unset>',
      ];
    },
  },
};

/** DefaultStorageClass's choice: the newest class marked default, the first by name on a tie. */
export function defaultClassName(classes: KObject[]): string | undefined {
  const defaults = classes.filter(isDefaultClass).sort((a, b) =>
    (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  return defaults[0]?.metadata.name;
}

/**
 * kube's DefaultStorageClass and StorageObjectInUseProtection admission plugins for a new claim:
 * a claim without storageClassName (nil, not "") gets the default class, and every claim the
 * pvc-protection finalizer.
 */
export const storageClaimAdmission: Admission = ({ gr, object }, registry) => {
  if (gr.group !== '' || gr.resource !== 'persistentvolumeclaims') return;
  const finalizers = (object.metadata.finalizers ??= []);
  if (!finalizers.includes(PVC_PROTECTION)) finalizers.push(PVC_PROTECTION);
  const spec = isJsonObject(object.spec) ? object.spec : (object.spec = {});
  if (spec.storageClassName !== undefined || object.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] !== undefined) return;
  const classes = registry.resource('storageclasses', 'storage.k8s.io');
  const name = classes && defaultClassName(classes.cache.list(classes.listPrefix(undefined)).map((o) => o.object));
  if (name) spec.storageClassName = name;
};
