// Typed object keys, as controller-runtime's client.ObjectKey: a namespace (absent for
// cluster-scoped objects) and a name, rather than "ns/name" strings that are split again later.
import type { KObject } from '../api/types.js';

export interface ObjectKey {
  namespace?: string;
  name: string;
}

/** The key of an object read from a cache or store (stored objects always have a name). */
export function objectKey(obj: KObject): ObjectKey {
  const { namespace, name = '' } = obj.metadata;
  return namespace ? { namespace, name } : { name };
}

/** `namespace/name`, or `name` for cluster-scoped objects: the identity a queue de-duplicates by. */
export function keyString(key: ObjectKey): string {
  return key.namespace ? `${key.namespace}/${key.name}` : key.name;
}
