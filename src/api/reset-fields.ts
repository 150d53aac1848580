// Fields a write cannot change through the path it came by, restored from the stored object:
// kube's GetResetFields. An update of the main resource keeps `status`; one through /status
// keeps everything but status (and the metadata ResetObjectMetaForStatus keeps).
import { copyJSON, isJsonObject } from './json.js';
import type { KObject, Subresource } from './types.js';

/** Every top-level field but apiVersion, kind, metadata and status: what /status may not change. */
export const ALL_BUT_STATUS = '*';

/** The metadata a status update keeps as stored (kube's ResetObjectMetaForStatus, beyond what no write changes). */
export const METADATA_RESET_FOR_STATUS: readonly string[] = ['metadata.labels', 'metadata.annotations', 'metadata.finalizers', 'metadata.ownerReferences'];

/** The reset fields of a status subresource, as kube's status strategies give them. */
export const STATUS_RESET_FIELDS: readonly string[] = [ALL_BUT_STATUS, ...METADATA_RESET_FOR_STATUS];

/**
 * A reset field naming every field of the object but the one at `path` (dotted), status
 * included: a subresource that may write only that field (kube's reset-fields filters that
 * include one prefix, as pods' ephemeralcontainers).
 */
export function allFieldsBut(path: string): string {
  return `${ALL_BUT_PREFIX}${path}`;
}
const ALL_BUT_PREFIX = '*-';

/** The status subresource most kinds have. */
export const STATUS_SUBRESOURCE: Subresource = { type: 'view', resetFields: STATUS_RESET_FIELDS };

const ENVELOPE = new Set(['apiVersion', 'kind', 'metadata', 'status']);

/** Restores each of `paths` (dotted, ALL_BUT_STATUS or allFieldsBut) in `next` from `current`; what `current` lacks is removed. */
export function resetFields(next: KObject, current: KObject, paths: readonly string[]): void {
  for (const path of paths) {
    if (path === ALL_BUT_STATUS) {
      for (const k of new Set([...Object.keys(next), ...Object.keys(current)])) if (!ENVELOPE.has(k)) restore(next, current, [k]);
    } else if (path.startsWith(ALL_BUT_PREFIX)) {
      restoreAllBut(next, current, path.slice(ALL_BUT_PREFIX.length).split('.'), OBJECT_ENVELOPE);
    } else {
      restore(next, current, path.split('.'));
    }
  }
}

type Fields = Record<string, unknown>;

/** What no reset field covers: the envelope, which writes keep by other means. */
const OBJECT_ENVELOPE = new Set(['apiVersion', 'kind', 'metadata']);

/** Restores every field of `next` from `current` except the one at `keep`, descending along it. */
function restoreAllBut(next: Fields, current: Fields, keep: string[], skip: ReadonlySet<string> = new Set()): void {
  const [head, ...rest] = keep;
  for (const k of new Set([...Object.keys(next), ...Object.keys(current)])) {
    if (skip.has(k) || k === head) continue;
    restore(next, current, [k]);
  }
  if (!rest.length) return;
  const stored = current[head];
  const mine = next[head];
  if (isJsonObject(mine)) restoreAllBut(mine, isJsonObject(stored) ? stored : {}, rest);
  else if (isJsonObject(stored)) { const fresh: Fields = {}; next[head] = fresh; restoreAllBut(fresh, stored, rest); }
}

function restore(next: Fields, current: Fields, path: string[]): void {
  const [head, ...rest] = path;
  const stored = current[head];
  if (!rest.length) {
    if (stored === undefined) delete next[head]; else next[head] = copyJSON(stored);
    return;
  }
  const mine = next[head];
  if (!isJsonObject(stored)) {
    // Nothing stored at this path: whatever the writer put there goes.
    if (isJsonObject(mine)) restore(mine, {}, rest);
    return;
  }
  if (isJsonObject(mine)) { restore(mine, stored, rest); return; }
  const fresh: Fields = {};
  next[head] = fresh;
  restore(fresh, stored, rest);
}
