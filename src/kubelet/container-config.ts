// What a container's spec takes from ConfigMaps and Secrets, resolved as the kubelet's
// makeEnvironmentVariables and its configMap/secret volumes do (pkg/kubelet/kubelet_pods.go):
// envFrom (with its prefix) first, then env, whose valueFrom keys win; files at each volume's
// mountPath. A missing object or key that is not optional is an error in the kubelet's words,
// which keeps the container from starting (CreateContainerConfigError). Pure functions.
import type { Container, Pod } from '../api/objects.js';

/** The parts of ConfigMaps and Secrets read here: string data, and base64 data. */
export interface ConfigData { data?: Record<string, string>; binaryData?: Record<string, string> }

/** Where ConfigMaps and Secrets are looked up (the kubelet's managers; here, the watch caches). */
export interface ConfigSource {
  configMap(namespace: string, name: string): ConfigData | undefined;
  secret(namespace: string, name: string): ConfigData | undefined;
  /** A token for the pod's service account, for projected serviceAccountToken sources. */
  serviceAccountToken?(pod: Pod, expirationSeconds: number, audience?: string): string | undefined;
}

interface KeyRef { name?: string; key?: string; optional?: boolean }
interface EnvFromSource { prefix?: string; configMapRef?: { name?: string; optional?: boolean }; secretRef?: { name?: string; optional?: boolean } }
interface KeyToPath { key?: string; path?: string }
interface VolumeSource { name?: string; configMap?: { name?: string; items?: KeyToPath[]; optional?: boolean }; secret?: { secretName?: string; items?: KeyToPath[]; optional?: boolean }; projected?: { sources?: unknown } }
interface VolumeMount { name?: string; mountPath?: string }

export type Resolved<T> = { ok: T } | { error: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const listOf = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const keyRef = (v: unknown): KeyRef | undefined => (isRecord(v) ? { name: str(v.name), key: str(v.key), optional: v.optional === true } : undefined);

/** A ConfigMap's keys as text (binaryData decoded); a Secret's decoded from base64. */
function configMapValues(cm: ConfigData): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) out.set(k, Buffer.from(v, 'base64'));
  return out;
}
function secretValues(s: ConfigData): Map<string, Buffer> {
  return new Map(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}

interface Kind { label: 'configmap' | 'secret'; title: 'ConfigMap' | 'Secret'; values(namespace: string, name: string): Map<string, Buffer> | undefined }

function kinds(source: ConfigSource): { configMap: Kind; secret: Kind } {
  return {
    configMap: { label: 'configmap', title: 'ConfigMap', values: (ns, n) => { const o = source.configMap(ns, n); return o && configMapValues(o); } },
    secret: { label: 'secret', title: 'Secret', values: (ns, n) => { const o = source.secret(ns, n); return o && secretValues(o); } },
  };
}

/** The kubelet's not-found text: its managers name the resource in the singular. */
const notFound = (kind: Kind, name: string) => `${kind.label} "${name}" not found`;

/** The container's environment from env and envFrom, or the first reference that cannot be met. */
export function resolveEnv(pod: Pod, container: Container, source: ConfigSource): Resolved<Record<string, string>> {
  const namespace = pod.metadata.namespace ?? 'default';
  const { configMap, secret } = kinds(source);
  const env: Record<string, string> = {};
  for (const from of listOf(container.envFrom)) {
    const f: EnvFromSource = from;
    const ref = isRecord(f.configMapRef) ? { kind: configMap, r: f.configMapRef } : isRecord(f.secretRef) ? { kind: secret, r: f.secretRef } : undefined;
    if (!ref) continue;
    const name = ref.r.name ?? '';
    const values = ref.kind.values(namespace, name);
    if (!values) {
      if (ref.r.optional) continue;
      return { error: notFound(ref.kind, name) };
    }
    for (const [k, v] of values) env[(str(f.prefix) ?? '') + k] = v.toString('utf8');
  }
  for (const e of container.env ?? []) {
    if (!isRecord(e.valueFrom)) { env[e.name] = e.value ?? ''; continue; }
    const cmRef = keyRef(e.valueFrom.configMapKeyRef);
    const secretRef = keyRef(e.valueFrom.secretKeyRef);
    const ref = cmRef ? { kind: configMap, r: cmRef } : secretRef ? { kind: secret, r: secretRef } : undefined;
    if (!ref) continue; // fieldRef and resourceFieldRef: not simulated
    const name = ref.r.name ?? '';
    const key = ref.r.key ?? '';
    const values = ref.kind.values(namespace, name);
    if (!values) {
      if (ref.r.optional) continue;
      return { error: notFound(ref.kind, name) };
    }
    const value = values.get(key);
    if (value === undefined) {
      if (ref.r.optional) continue;
      return { error: `couldn't find key ${key} in ${ref.kind.title} ${namespace}/${name}` };
    }
    env[e.name] = value.toString('utf8');
  }
  return { ok: env };
}

/** The files the container's configMap and secret volumes put at their mount paths. */
export function resolveVolumeFiles(pod: Pod, container: Container, source: ConfigSource): Resolved<Record<string, Buffer>> {
  const namespace = pod.metadata.namespace ?? 'default';
  const { configMap, secret } = kinds(source);
  const volumes = new Map(listOf(pod.spec?.volumes).map((v): [string, VolumeSource] => [str(v.name) ?? '', v]));
  const files: Record<string, Buffer> = {};
  for (const m of listOf(container.volumeMounts)) {
    const mount: VolumeMount = m;
    const volume = volumes.get(mount.name ?? '');
    const from = volume?.configMap ? { kind: configMap, name: volume.configMap.name ?? '', v: volume.configMap } : volume?.secret ? { kind: secret, name: volume.secret.secretName ?? '', v: volume.secret } : undefined;
    if (volume?.projected && mount.mountPath) Object.assign(files, projectedFiles(pod, volume.projected.sources, mount.mountPath, source));
    if (!from || !mount.mountPath) continue;
    const values = from.kind.values(namespace, from.name);
    if (!values) {
      if (from.v.optional) continue;
      return { error: `MountVolume.SetUp failed for volume "${mount.name}" : ${notFound(from.kind, from.name)}` };
    }
    const items: KeyToPath[] = from.v.items?.length ? from.v.items : [...values.keys()].map((key) => ({ key, path: key }));
    for (const item of items) {
      const value = values.get(item.key ?? '');
      if (value === undefined) {
        if (from.v.optional) continue;
        return { error: `MountVolume.SetUp failed for volume "${mount.name}" : ${from.kind.label} references non-existent ${from.kind.label} key: ${item.key}` };
      }
      files[`${mount.mountPath.replace(/\/+$/, '')}/${item.path ?? item.key}`] = value;
    }
  }
  return { ok: files };
}

/**
 * A projected volume's files, as far as they can be made: a service-account token, ConfigMap and
 * Secret keys, and the pod's namespace and name; a source that cannot be met is left out.
 */
function projectedFiles(pod: Pod, sources: unknown, mountPath: string, source: ConfigSource): Record<string, Buffer> {
  const namespace = pod.metadata.namespace ?? 'default';
  const dir = mountPath.replace(/\/+$/, '');
  const files: Record<string, Buffer> = {};
  const { configMap, secret } = kinds(source);
  for (const s of listOf(sources)) {
    if (isRecord(s.serviceAccountToken)) {
      const t = s.serviceAccountToken;
      const token = source.serviceAccountToken?.(pod, typeof t.expirationSeconds === 'number' ? t.expirationSeconds : 3600, str(t.audience));
      if (token) files[`${dir}/${str(t.path) ?? 'token'}`] = Buffer.from(token);
    }
    const ref = isRecord(s.configMap) ? { kind: configMap, r: s.configMap } : isRecord(s.secret) ? { kind: secret, r: s.secret } : undefined;
    const values = ref && ref.kind.values(namespace, str(ref.r.name) ?? '');
    if (ref && values) {
      const items = listOf(ref.r.items);
      for (const item of items.length ? items : [...values.keys()].map((key) => ({ key, path: key }))) {
        const value = values.get(str(item.key) ?? '');
        if (value) files[`${dir}/${str(item.path) ?? str(item.key)}`] = value;
      }
    }
    if (isRecord(s.downwardAPI)) {
      for (const item of listOf(s.downwardAPI.items)) {
        const field = isRecord(item.fieldRef) ? str(item.fieldRef.fieldPath) : undefined;
        const value = field === 'metadata.namespace' ? namespace : field === 'metadata.name' ? pod.metadata.name : undefined;
        if (value !== undefined) files[`${dir}/${str(item.path) ?? ''}`] = Buffer.from(value);
      }
    }
  }
  return files;
}

/** Why a pod's containers cannot start yet: what the container waits with, and the event saying so. */
export interface ConfigProblem {
  container: string;
  /** The container's waiting state; absent when it stays ContainerCreating (a volume not mounted). */
  waiting?: { reason: string; message: string };
  event: { reason: string; message: string; fieldPath?: string };
}

/** The first container of `pod` whose volumes or env cannot be resolved, in the kubelet's order (volumes are mounted first). */
export function configProblem(pod: Pod, source: ConfigSource): ConfigProblem | undefined {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const c of containers) {
    const files = resolveVolumeFiles(pod, c, source);
    if ('error' in files) return { container: c.name, event: { reason: 'FailedMount', message: files.error } };
  }
  for (const c of containers) {
    const env = resolveEnv(pod, c, source);
    if ('error' in env) {
      return {
        container: c.name,
        waiting: { reason: 'CreateContainerConfigError', message: env.error },
        event: { reason: 'Failed', message: `Error: ${env.error}`, fieldPath: `spec.containers{${c.name}}` },
      };
    }
  }
  return undefined;
}
