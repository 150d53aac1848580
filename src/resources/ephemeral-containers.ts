// Ephemeral containers (kubectl debug): the pods/ephemeralcontainers subresource and kube's
// validation of them (ValidatePodEphemeralContainersUpdate, validateEphemeralContainers in
// pkg/apis/core/validation). Pure functions over pods.
import { fieldErrors, type FieldError } from '../api/errors.js';
import { canonicalJSON } from '../api/json.js';
import type { EphemeralContainer, Pod, PodSpec } from '../api/objects.js';
import { allFieldsBut, METADATA_RESET_FOR_STATUS } from '../api/reset-fields.js';
import type { Subresource } from '../api/types.js';
import { dns1123Label } from '../api/validation.js';

export const EPHEMERAL_CONTAINERS = 'ephemeralcontainers';

/**
 * pods/ephemeralcontainers: the Pod, of which a write changes only spec.ephemeralContainers
 * (kube's dropNonEphemeralContainerUpdates keeps the rest of the spec, the status and the
 * metadata ResetObjectMetaForStatus keeps).
 */
export const EPHEMERAL_CONTAINERS_SUBRESOURCE: Subresource = {
  type: 'view',
  resetFields: [allFieldsBut('spec.ephemeralContainers'), ...METADATA_RESET_FOR_STATUS],
};

/** The annotation of a static pod's mirror: such pods take no ephemeral containers. */
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/**
 * EphemeralContainerCommon's fields kube does not allow (those missing from its
 * allowedEphemeralContainerFields), in the Go struct's order, which is the errors' order.
 */
const FORBIDDEN_FIELDS = ['ports', 'resources', 'resizePolicy', 'restartPolicy', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'] as const;
const FORBIDDEN_DETAIL = 'cannot be set for an Ephemeral Container';
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];

/** Whether a field holds something other than Go's zero value (resources is a struct, so `{}` is zero). */
function isSet(c: EphemeralContainer, name: (typeof FORBIDDEN_FIELDS)[number]): boolean {
  const v = c[name];
  if (v === undefined || v === null) return false;
  if (name === 'resources') return typeof v === 'object' && Object.keys(v).length > 0;
  return true;
}

/** Ephemeral containers forbidden on create (ValidatePodCreate): they are added through the subresource only. */
export function validateEphemeralContainersOnCreate(spec: PodSpec | undefined): FieldError[] {
  return spec?.ephemeralContainers?.length ? [fieldErrors.forbidden('spec.ephemeralContainers', 'cannot be set on create')] : [];
}

/** kube's validateEphemeralContainers: each one's own fields, names unique across every container, the target a real container. */
export function validateEphemeralContainers(spec: PodSpec | undefined, path: string): FieldError[] {
  const list = spec?.ephemeralContainers ?? [];
  const errs: FieldError[] = [];
  const others = new Set([...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].map((c) => c.name));
  const names = new Set(others);
  list.forEach((c, i) => {
    const p = `${path}.ephemeralContainers[${i}]`;
    if (!c.name) errs.push(fieldErrors.required(`${p}.name`));
    else for (const m of dns1123Label(c.name)) errs.push(fieldErrors.invalid(`${p}.name`, c.name, m));
    if (!c.image || !String(c.image).trim()) errs.push(fieldErrors.required(`${p}.image`));
    if (c.imagePullPolicy && !PULL_POLICIES.includes(c.imagePullPolicy)) errs.push(fieldErrors.notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
    if (names.has(c.name)) errs.push(fieldErrors.duplicate(`${p}.name`, c.name));
    else names.add(c.name);
    if (c.targetContainerName && !others.has(c.targetContainerName)) errs.push(fieldErrors.notFound(`${p}.targetContainerName`, c.targetContainerName));
    for (const f of FORBIDDEN_FIELDS) if (isSet(c, f)) errs.push(fieldErrors.forbidden(`${p}.${f}`, FORBIDDEN_DETAIL));
    // Subpaths are bind mounts kept until the pod exits, so they are refused outright.
    volumeMountsOf(c).forEach((m, j) => {
      for (const f of ['subPath', 'subPathExpr'] as const) if (m[f]) errs.push(fieldErrors.forbidden(`${p}.volumeMounts[${j}].${f}`, FORBIDDEN_DETAIL));
    });
  });
  return errs;
}

interface VolumeMount { subPath?: unknown; subPathExpr?: unknown }
function volumeMountsOf(c: EphemeralContainer): VolumeMount[] {
  const mounts = c.volumeMounts;
  return Array.isArray(mounts) ? mounts.filter((m): m is VolumeMount => typeof m === 'object' && m !== null) : [];
}

/**
 * kube's ValidatePodEphemeralContainersUpdate: `specErrors` (the pod's own validation) plus
 * ephemeral containers only added, never removed or changed; a static pod takes none at all.
 */
export function validateEphemeralContainersUpdate(pod: Pod, old: Pod, specErrors: FieldError[]): FieldError[] {
  if (old.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) {
    return [fieldErrors.forbidden('', 'static pods do not support ephemeral containers')];
  }
  const errs = [...specErrors];
  const path = 'spec.ephemeralContainers';
  const added = new Map((pod.spec?.ephemeralContainers ?? []).map((c) => [c.name, c]));
  for (const before of old.spec?.ephemeralContainers ?? []) {
    const now = added.get(before.name);
    // kube's texts end with a newline, then (for changes) a cmp.Diff of the two containers.
    if (!now) errs.push(fieldErrors.forbidden(path, `existing ephemeral containers ${JSON.stringify(before.name)} may not be removed\n`));
    else if (canonicalJSON(now) !== canonicalJSON(before)) {
      errs.push(fieldErrors.forbidden(path, `existing ephemeral containers ${JSON.stringify(before.name)} may not be changed\n${containerDiff(before, now)}`));
    }
  }
  return errs;
}

/**
 * The fields that differ, in the shape of Go's cmp.Diff (whose exact text kube itself keeps
 * unstable on purpose, so no client can depend on it).
 */
export function containerDiff(before: EphemeralContainer, after: EphemeralContainer): string {
  const lines = ['  core.EphemeralContainer{'];
  for (const k of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const a = before[k] === undefined ? undefined : canonicalJSON(before[k]);
    const b = after[k] === undefined ? undefined : canonicalJSON(after[k]);
    if (a === b) continue;
    if (a !== undefined) lines.push(`- \t${k}: ${a},`);
    if (b !== undefined) lines.push(`+ \t${k}: ${b},`);
  }
  lines.push('  }');
  return lines.join('\n') + '\n';
}
