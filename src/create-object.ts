// Creating an object from a manifest inside the server, as a POST of it would: decoded strictly
// against its schema, then created through its resource's store (defaults, validation, field
// ownership). Fixtures and snapshot restores use it; neither needs the network (nor, with TLS,
// credentials).
import { StatusError } from './api/errors.js';
import type { Registry } from './api/registry.js';
import type { ResourceStore } from './api/resource-store.js';
import type { KObject } from './api/types.js';
import { decodeObject, decodeOptionsFor } from './api/decode.js';

export class UnservedKindError extends Error {}

/** The resource that serves objects of `obj`'s apiVersion and kind. */
export function resourceFor(registry: Registry, obj: KObject): ResourceStore {
  const rs = registry.resources().find((r) => r.apiVersion === obj.apiVersion && r.kind === obj.kind);
  if (!rs) throw new UnservedKindError(`tinykube does not serve ${obj.kind} in ${obj.apiVersion}`);
  return rs;
}

/** Creates `input` (its status ignored, as on any create); StatusErrors as the API would answer. */
export async function createObject(registry: Registry, input: KObject, fieldManager: string): Promise<KObject> {
  const rs = resourceFor(registry, input);
  const namespace = rs.namespaced ? input.metadata.namespace ?? 'default' : undefined;
  const { object } = decodeObject(structuredClone(input), decodeOptionsFor(registry.validator, rs, 'Strict'));
  return rs.create(namespace, object, { dryRun: false, fieldManager });
}

export function isAlreadyExists(e: unknown): boolean {
  return e instanceof StatusError && e.reason === 'AlreadyExists';
}
