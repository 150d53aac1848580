// What kube's ServiceAccount admission plugin adds to a new pod whose service account exists
// (plugin/pkg/admission/serviceaccount/admission.go): a projected `kube-api-access-xxxxx` volume
// (a bound token, the cluster's CA bundle, the namespace) mounted read-only in every container
// and init container at /var/run/secrets/kubernetes.io/serviceaccount. Pure functions.
import type { Container, PodSpec } from '../api/objects.js';

export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const VOLUME_PREFIX = 'kube-api-access-';
/** serviceaccount.WarnOnlyBoundTokenExpirationSeconds: an hour and 7 s, which kube warns on instead of rejecting. */
const TOKEN_EXPIRATION_SECONDS = 3607;

interface Named { name?: unknown }

/** The pod's own setting wins, then the service account's; both absent means mount. */
export function shouldAutomount(spec: PodSpec, accountSetting: unknown): boolean {
  if (typeof spec.automountServiceAccountToken === 'boolean') return spec.automountServiceAccountToken;
  return typeof accountSetting === 'boolean' ? accountSetting : true;
}

/** kube's TokenVolumeSource, as the admission plugin writes it (defaultMode 0644 made explicit). */
export function tokenVolume(name: string): Record<string, unknown> {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The container's volume mounts, as a list it keeps (made when absent). */
function mountsOf(c: Container): Record<string, unknown>[] {
  const mounts: unknown = c.volumeMounts;
  const list: Record<string, unknown>[] = Array.isArray(mounts) ? mounts.filter(isRecord) : [];
  c.volumeMounts = list;
  return list;
}

/**
 * Mounts the token volume in every container without a mount at the token path, adding the
 * volume (named `kube-api-access-` + `suffix`, unless the pod has one) when any container needs it.
 */
export function mountServiceAccountToken(spec: PodSpec, suffix: string): void {
  const given: unknown = spec.volumes;
  const volumes: Named[] = Array.isArray(given) ? given.filter(isRecord) : [];
  const existing = volumes.find((v) => typeof v.name === 'string' && v.name.startsWith(VOLUME_PREFIX));
  const name = typeof existing?.name === 'string' ? existing.name : VOLUME_PREFIX + suffix;
  let needed = false;
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const mounts = mountsOf(c);
    if (mounts.some((m) => m.mountPath === TOKEN_MOUNT_PATH)) continue;
    mounts.push({ name, readOnly: true, mountPath: TOKEN_MOUNT_PATH });
    needed = true;
  }
  if (needed && !existing) spec.volumes = [...volumes, tokenVolume(name)];
}
