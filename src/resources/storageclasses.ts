// StorageClasses (storage.k8s.io/v1): kube's defaults (reclaimPolicy Delete, volumeBindingMode
// Immediate), ValidateStorageClass(Update) with its texts, and `kubectl get sc` columns, the
// default class marked `(default)`.
import { fieldErrors, type FieldError } from '../api/errors.js';
import { isDefaultClass, type StorageClass } from '../api/storage-objects.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';

const RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => a?.[k] === b?.[k]);
}

/** ValidateStorageClass and, on update, ValidateStorageClassUpdate. */
function validateStorageClass(sc: StorageClass, old?: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  if (!sc.provisioner) errs.push(fieldErrors.required('provisioner'));
  if (sc.reclaimPolicy !== undefined && !RECLAIM_POLICIES.includes(sc.reclaimPolicy)) errs.push(fieldErrors.notSupported('reclaimPolicy', sc.reclaimPolicy, RECLAIM_POLICIES));
  if (sc.volumeBindingMode !== undefined && !BINDING_MODES.includes(sc.volumeBindingMode)) errs.push(fieldErrors.notSupported('volumeBindingMode', sc.volumeBindingMode, BINDING_MODES));
  if (!old) return errs;
  if (!sameMap(sc.parameters, old.parameters)) errs.push(fieldErrors.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (sc.provisioner !== old.provisioner) errs.push(fieldErrors.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (sc.reclaimPolicy !== old.reclaimPolicy) errs.push(fieldErrors.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (sc.volumeBindingMode !== old.volumeBindingMode) errs.push(fieldErrors.invalid('volumeBindingMode', sc.volumeBindingMode, 'field is immutable'));
  return errs;
}

export const storageClassStrategy: Strategy<StorageClass> = {
  group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses',
  singularName: 'storageclass',
  shortNames: ['sc'],
  defaults(obj) {
    obj.reclaimPolicy ??= 'Delete';
    obj.volumeBindingMode ??= 'Immediate';
  },
  validate: (obj, old) => validateStorageClass(obj, old),
  table: {
    columns: [
      NAME_COLUMN,
      column('Provisioner', 'The provisioner that makes volumes of this class.'),
      column('ReclaimPolicy', 'What happens to a volume of this class when its claim goes.'),
      column('VolumeBindingMode', 'When claims of this class are bound.'),
      column('AllowVolumeExpansion', 'Whether claims of this class may grow.'),
      AGE_COLUMN,
    ],
    cells: (sc, now) => [
      isDefaultClass(sc) ? `${sc.metadata.name} (default)` : sc.metadata.name,
      sc.provisioner ?? '', sc.reclaimPolicy ?? 'Delete', sc.volumeBindingMode ?? 'Immediate', sc.allowVolumeExpansion ?? false,
      age(sc.metadata.creationTimestamp, now),
    ],
  },
};
