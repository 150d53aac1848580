// ConfigMaps: keys checked as kube's ValidateConfigMap checks them, the 1 MiB size limit, and
// `immutable: true` freezing data, binaryData and the flag itself; `kubectl get cm` columns.
import { fieldErrors, type FieldError } from '../api/errors.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from '../api/table.js';
import type { KObject, Strategy } from '../api/types.js';
import { configMapKey } from '../api/validation.js';

interface ConfigMap extends KObject {
  data?: Record<string, string>;
  /** Base64 in JSON, as Go's []byte. */
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

/** kube's MaxSecretSize, which bounds ConfigMaps too. */
const MAX_SIZE = 1024 * 1024;

const IMMUTABLE = 'field is immutable when `immutable` is set';

function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(cm.data ?? {})) {
    for (const msg of configMapKey(key)) errs.push(fieldErrors.invalid(`data[${key}]`, key, msg));
    if (cm.binaryData && key in cm.binaryData) errs.push(fieldErrors.invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(value);
  }
  for (const [key, value] of Object.entries(cm.binaryData ?? {})) {
    for (const msg of configMapKey(key)) errs.push(fieldErrors.invalid(`binaryData[${key}]`, key, msg));
    size += Buffer.from(value, 'base64').length;
  }
  // The error names the whole object: its field path is empty.
  if (size > MAX_SIZE) errs.push(fieldErrors.tooLong('', '', MAX_SIZE));
  return errs;
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => a?.[k] === b?.[k]);
}

export const configMapStrategy: Strategy = {
  group: '', version: 'v1', resource: 'configmaps',
  singularName: 'configmap',
  shortNames: ['cm'],
  validate(obj: ConfigMap, old?: ConfigMap) {
    const errs: FieldError[] = [];
    if (old?.immutable) {
      if (!obj.immutable) errs.push(fieldErrors.forbidden('immutable', IMMUTABLE));
      if (!sameMap(obj.data, old.data)) errs.push(fieldErrors.forbidden('data', IMMUTABLE));
      if (!sameMap(obj.binaryData, old.binaryData)) errs.push(fieldErrors.forbidden('binaryData', IMMUTABLE));
    }
    errs.push(...validateConfigMap(obj));
    return errs;
  },
  table: {
    columns: [NAME_COLUMN, column('Data', 'The number of keys in data and binaryData.', 0, 'integer'), AGE_COLUMN],
    cells: (cm: ConfigMap, now) => [cm.metadata.name, Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age(cm.metadata.creationTimestamp, now)],
  },
};
