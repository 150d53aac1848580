// The pod-template-hash a Deployment names its ReplicaSets by, as kube's ComputeHash makes it:
// FNV-32a over the template (and the collision count, as 8 little-endian bytes), its decimal
// form re-spelt in rand.SafeEncodeString's alphabet. kube feeds the hash spew's dump of the Go
// struct; we feed it the template's canonical JSON, so values differ from a real cluster's but
// keep its properties: stable, the same template gives the same name, any change a new one.
// Fields that Go cannot tell from unset are left out first (withoutEmpty).
import type { PodTemplateSpec } from '../api/objects.js';

/** rand.SafeEncodeString's alphabet: no vowels, no 0/1/3, so no words and no look-alikes. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a, 32 bits, continuing from `hash`. */
export function fnv32a(bytes: Uint8Array, hash = FNV_OFFSET): number {
  let h = hash;
  for (const b of bytes) h = Math.imul(h ^ b, FNV_PRIME) >>> 0;
  return h;
}

/** FNV-1 (multiply, then xor), 32 bits: Go's fnv.New32, which ControllerRevision hashes use. */
export function fnv32(bytes: Uint8Array, hash = FNV_OFFSET): number {
  let h = hash;
  for (const b of bytes) h = (Math.imul(h, FNV_PRIME) ^ b) >>> 0;
  return h;
}

/** Each character of `s` mapped into the alphabet by its code point, as apimachinery does. */
export function safeEncodeString(s: string): string {
  return [...s].map((c) => ALPHANUMS[(c.codePointAt(0) ?? 0) % ALPHANUMS.length]).join('');
}

/** JSON with object keys sorted at every level: the same template always gives the same bytes. */
export function canonicalJSON(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJSON).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJSON(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * `value` without the fields Go's structs cannot tell from unset: false, '', null, empty lists
 * and objects (apimachinery's semantic equality holds them equal, and they print alike in the
 * struct kube hashes). Clients differ in which of them they send (JSON omits, protobuf may not).
 */
export function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpty);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const pruned = withoutEmpty(v);
      const empty = pruned === undefined || pruned === null || pruned === false || pruned === ''
        || (Array.isArray(pruned) && pruned.length === 0) || (typeof pruned === 'object' && pruned !== null && !Array.isArray(pruned) && Object.keys(pruned).length === 0);
      if (!empty) out[k] = pruned;
    }
    return out;
  }
  return value;
}

/** The form two templates are compared and hashed in: the same for every client's spelling. */
export const templateJSON = (template: PodTemplateSpec): string => canonicalJSON(withoutEmpty(template));

export function computeHash(template: PodTemplateSpec, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(templateJSON(template)));
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(bytes, h);
  }
  return safeEncodeString(String(h));
}
