// Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`): the `k8s\0` magic,
// a runtime.Unknown envelope naming apiVersion and kind, and the object's message inside, decoded
// into the JSON form every other part of tinykube works with. Messages come from proto/*.proto,
// loaded on first use (only protobuf clients pay for it).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type protobuf from 'protobufjs';
import { errors } from '../api/errors.js';
import { protobufjs } from '../lazy-modules.js';
import { PROTO_DIR } from '../paths.js';

const MAGIC = Buffer.from('k8s\u0000', 'latin1');

let root: protobuf.Root | undefined;

function protoRoot(): protobuf.Root {
  if (!root) {
    const protobuf = protobufjs();
    root = new protobuf.Root();
    const files = JSON.parse(readFileSync(join(PROTO_DIR, 'index.json'), 'utf8')) as string[];
    for (const f of files) protobuf.parse(readFileSync(join(PROTO_DIR, f), 'utf8'), root, { keepCase: true });
    root.resolveAll();
  }
  return root;
}

/**
 * The protobuf package of each group, as the upstream .proto files name them (Go's package path
 * with `/` as `.` and `-` as `_`). Groups not listed use k8s.io.api.<first label of the group>.
 */
const GROUP_PACKAGES: Record<string, string> = {
  '': 'k8s.io.api.core',
  'admissionregistration.k8s.io': 'k8s.io.api.admissionregistration',
  'apiextensions.k8s.io': 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions',
  apps: 'k8s.io.api.apps',
  'authentication.k8s.io': 'k8s.io.api.authentication',
  'authorization.k8s.io': 'k8s.io.api.authorization',
  autoscaling: 'k8s.io.api.autoscaling',
  batch: 'k8s.io.api.batch',
  'certificates.k8s.io': 'k8s.io.api.certificates',
  'coordination.k8s.io': 'k8s.io.api.coordination',
  'discovery.k8s.io': 'k8s.io.api.discovery',
  'events.k8s.io': 'k8s.io.api.events',
  'networking.k8s.io': 'k8s.io.api.networking',
  'node.k8s.io': 'k8s.io.api.node',
  policy: 'k8s.io.api.policy',
  'rbac.authorization.k8s.io': 'k8s.io.api.rbac',
  'scheduling.k8s.io': 'k8s.io.api.scheduling',
  'storage.k8s.io': 'k8s.io.api.storage',
};

/** The protobuf package of an apiVersion: `v1` → k8s.io.api.core.v1, `apps/v1` → k8s.io.api.apps.v1. */
export function packageOf(apiVersion: string, kind: string): string {
  if (kind === 'DeleteOptions') return 'k8s.io.apimachinery.pkg.apis.meta.v1';
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return `${GROUP_PACKAGES[group] ?? `k8s.io.api.${group.split('.')[0]}`}.${version}`;
}

/** Decodes a protobuf body into a JSON object with apiVersion and kind set. */
export function decodeProtobufBody(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) {
    throw errors.badRequest('provided object is not a protobuf message: missing the k8s magic prefix');
  }
  const r = protoRoot();
  let envelope: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array };
  try {
    envelope = r.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown').decode(body.subarray(4)) as typeof envelope;
  } catch (e) {
    throw errors.badRequest(`unable to decode the protobuf envelope: ${(e as Error).message}`);
  }
  const apiVersion = envelope.typeMeta?.apiVersion ?? '';
  const kind = envelope.typeMeta?.kind ?? '';
  let type: protobuf.Type;
  try {
    type = r.lookupType(`${packageOf(apiVersion, kind)}.${kind}`);
  } catch {
    throw errors.unsupportedMediaType('application/vnd.kubernetes.protobuf', ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']);
  }
  let message: protobuf.Message;
  try {
    message = type.decode(envelope.raw ?? new Uint8Array());
  } catch (e) {
    throw errors.badRequest(`unable to decode ${kind} from protobuf: ${(e as Error).message}`);
  }
  return { apiVersion, kind, ...messageToJSON(type, message as unknown as Record<string, unknown>) };
}

const APIEXTENSIONS = 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';

const SPECIAL: Record<string, (v: Record<string, unknown>, t: protobuf.Type) => unknown> = {
  'k8s.io.apimachinery.pkg.apis.meta.v1.Time': (v) => rfc3339(v, false),
  'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime': (v) => rfc3339(v, true),
  'k8s.io.apimachinery.pkg.apis.meta.v1.Duration': (v) => v.duration,
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': (v) => (Number(v.type ?? 0) === 1 ? v.strVal ?? '' : Number(v.intVal ?? 0)),
  'k8s.io.apimachinery.pkg.api.resource.Quantity': (v) => v.string,
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1': (v) => parseRaw(v.Raw),
  'k8s.io.apimachinery.pkg.runtime.RawExtension': (v) => parseRaw(v.raw),
  // A CRD's schema: arbitrary JSON values, the either-or types, and JSON names that are no proto names.
  [`${APIEXTENSIONS}.JSON`]: (v) => parseRaw(v.raw),
  [`${APIEXTENSIONS}.JSONSchemaProps`]: (v, t) => jsonSchemaNames(messageToJSON(t, v)),
  [`${APIEXTENSIONS}.JSONSchemaPropsOrBool`]: (v, t) => (v.schema ? schemaOf(t, v) : Boolean(v.allows)),
  [`${APIEXTENSIONS}.JSONSchemaPropsOrArray`]: (v, t) => (v.schema ? schemaOf(t, v) : ((v.jSONSchemas as Record<string, unknown>[] | undefined) ?? []).map((s) => schemaOf(t, { schema: s }))),
  [`${APIEXTENSIONS}.JSONSchemaPropsOrStringArray`]: (v, t) => (v.schema ? schemaOf(t, v) : v.property ?? []),
};

/** Special values that keep a zero, false or empty value: present on the wire means set on purpose. */
const KEEP_ZERO = new Set([`${APIEXTENSIONS}.JSON`, `${APIEXTENSIONS}.JSONSchemaPropsOrBool`, `${APIEXTENSIONS}.JSONSchemaPropsOrArray`, `${APIEXTENSIONS}.JSONSchemaPropsOrStringArray`]);

function schemaOf(t: protobuf.Type, v: Record<string, unknown>): unknown {
  return jsonSchemaNames(messageToJSON(t.fields.schema.resolvedType as protobuf.Type, v.schema as Record<string, unknown>));
}

/** JSONSchemaProps' proto field names that differ from its JSON names. */
function jsonSchemaNames(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const name = k === 'ref' ? '$ref' : k === 'schema' ? '$schema' : k.startsWith('xKubernetes') ? `x-kubernetes${k.slice('xKubernetes'.length).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : k;
    out[name] = v;
  }
  return out;
}

function parseRaw(raw: unknown): unknown {
  if (!(raw instanceof Uint8Array) || raw.length === 0) return {};
  return JSON.parse(Buffer.from(raw).toString('utf8'));
}

function rfc3339(v: Record<string, unknown>, micro: boolean): string {
  // Go's zero Time travels as an empty message (metav1.Time.Marshal writes nothing): unset, as
  // JSON's null is. '' is dropped like other zero values (a template's creationTimestamp).
  if (!Number(v.seconds ?? 0) && !Number(v.nanos ?? 0)) return '';
  const ms = Number(v.seconds ?? 0) * 1000;
  const iso = new Date(ms).toISOString();
  if (!micro) return iso.replace(/\.\d{3}Z$/, 'Z');
  const micros = Math.floor(Number(v.nanos ?? 0) / 1000).toString().padStart(6, '0');
  return iso.replace(/\.\d{3}Z$/, `.${micros}Z`);
}

function has(msg: Record<string, unknown>, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(msg, name);
}

function convertValue(field: protobuf.Field, v: unknown): unknown {
  const t = field.resolvedType;
  if (t instanceof protobufjs().Type) {
    const special = SPECIAL[t.fullName.slice(1)];
    return special ? special(v as Record<string, unknown>, t) : messageToJSON(t, v as Record<string, unknown>);
  }
  if (field.type === 'bytes') return Buffer.from(v as Uint8Array).toString('base64');
  if (typeof v === 'object' && v !== null && 'low' in v) return Number(protobufjs().util.LongBits.from(v as protobuf.Long).toNumber());
  return v;
}

/**
 * Go's generated marshallers write every non-pointer field, zero or not, so a zero on the wire
 * usually means "unset" (and JSON's omitempty would drop it). These are the pointer fields, where
 * a zero or false was set on purpose and is kept.
 */
const POINTER_FIELDS = new Set([
  'replicas', 'gracePeriodSeconds', 'terminationGracePeriodSeconds', 'activeDeadlineSeconds', 'deletionGracePeriodSeconds',
  'automountServiceAccountToken', 'enableServiceLinks', 'shareProcessNamespace', 'hostUsers', 'allocateLoadBalancerNodePorts',
  'runAsNonRoot', 'runAsUser', 'runAsGroup', 'fsGroup', 'privileged', 'readOnlyRootFilesystem', 'allowPrivilegeEscalation',
  'defaultMode', 'mode', 'optional', 'tolerationSeconds', 'priority', 'orphanDependents', 'controller', 'blockOwnerDeletion',
  'ready', 'serving', 'terminating', 'setHostnameAsFQDN', 'unschedulable', 'started',
  // apps, batch, policy
  'revisionHistoryLimit', 'progressDeadlineSeconds', 'partition', 'maxUnavailable', 'maxSurge', 'minAvailable',
  'parallelism', 'completions', 'backoffLimit', 'backoffLimitPerIndex', 'maxFailedIndexes', 'suspend', 'manualSelector',
  'ttlSecondsAfterFinished', 'startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit',
  // apiextensions JSONSchemaProps
  'maximum', 'minimum', 'maxLength', 'minLength', 'maxItems', 'minItems', 'maxProperties', 'minProperties', 'multipleOf',
  'xKubernetesPreserveUnknownFields',
]);

function isZero(field: protobuf.Field, v: unknown): boolean {
  if (!field.map && field.resolvedType && KEEP_ZERO.has(field.resolvedType.fullName.slice(1))) return false;
  if (v === '' || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)) return true;
  return (v === 0 || v === false) && !POINTER_FIELDS.has(field.name);
}

/**
 * Embedded Go structs (`json:",inline"`) that the proto messages carry as a field of their own:
 * in JSON their fields sit in the enclosing object.
 */
const INLINE_FIELDS: Record<string, string> = {
  'k8s.io.api.core.v1.Volume': 'volumeSource',
  'k8s.io.api.core.v1.EphemeralContainer': 'ephemeralContainerCommon',
  'k8s.io.api.core.v1.PersistentVolumeSpec': 'persistentVolumeSource',
  'k8s.io.api.core.v1.Probe': 'handler',
  'k8s.io.api.networking.v1.IngressRule': 'ingressRuleValue',
};

/**
 * Every reference to a ConfigMap or Secret by name (env and envFrom sources, projections,
 * volumes) embeds LocalObjectReference: `{"name": ...}` in JSON.
 */
function isInline(type: protobuf.Type, field: protobuf.Field): boolean {
  return field.name === INLINE_FIELDS[type.fullName.slice(1)]
    || (field.name === 'localObjectReference' && field.resolvedType?.fullName === '.k8s.io.api.core.v1.LocalObjectReference');
}

function messageToJSON(type: protobuf.Type, msg: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    if (!has(msg, field.name)) continue;
    const v = msg[field.name];
    let converted: unknown;
    if (field.map) {
      converted = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, convertValue(field, x)]));
    } else if (field.repeated) {
      const list = v as unknown[];
      if (!list.length) continue;
      converted = list.map((x) => convertValue(field, x));
    } else {
      converted = convertValue(field, v);
    }
    if (isInline(type, field) && typeof converted === 'object' && converted !== null) Object.assign(out, converted);
    else if (!isZero(field, converted)) out[field.name] = converted;
  }
  return out;
}
