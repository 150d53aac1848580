// Pods: kube's defaults (SetDefaults_Pod, DefaultTolerationSeconds, ServiceAccount admission),
// validation, graceful deletion and the printer columns of `kubectl get pods`.
import { bindPod, type BindingMeta } from '../api/binding.js';
import { errors, fieldErrors, type FieldError } from '../api/errors.js';
import { jsonEqual, jsonEqualBy } from '../api/json.js';
import type { ResourceStore } from '../api/resource-store.js';
import { STATUS_SUBRESOURCE } from '../api/reset-fields.js';
import { objectAt, stringAt } from '../api/json.js';
import { age, column, NAME_COLUMN, orNone, AGE_COLUMN } from '../api/table.js';
import { type Quantity, tryParseQuantity } from '../api/quantity.js';
import { qosClass } from '../api/pod-qos.js';
import type { Pod, PodSpec, PodStatus, ResourceRequirements } from '../api/objects.js';
import type { CreateRequest, CreateResult, Strategy } from '../api/types.js';
import { dns1123Label } from '../api/validation.js';
import { ALPHANUMS } from '../api/entropy.js';
import { evict } from './evictions.js';
import { mountServiceAccountToken, shouldAutomount } from './service-account-admission.js';
import { defaultProbe } from '../kubelet/probes.js';
import { EPHEMERAL_CONTAINERS, EPHEMERAL_CONTAINERS_SUBRESOURCE, validateEphemeralContainers, validateEphemeralContainersOnCreate, validateEphemeralContainersUpdate } from './ephemeral-containers.js';

/** A pod's spec, or an empty one to read from (validation reports what is missing). */
export const specOf = (o: Pod): PodSpec => o.spec ?? { containers: [] };
export const statusOf = (o: Pod): PodStatus => o.status ?? {};

/** Container defaults shared by pods and pod templates. */
export function defaultContainers(spec: PodSpec): void {
  for (const list of [spec.containers, spec.initContainers, spec.ephemeralContainers]) {
    for (const c of list ?? []) {
      if (!c || typeof c !== 'object') continue;
      if (c.image !== undefined && !c.imagePullPolicy) c.imagePullPolicy = imagePullPolicy(c.image);
      c.terminationMessagePath ??= '/dev/termination-log';
      c.terminationMessagePolicy ??= 'File';
      c.resources ??= {};
      for (const p of c.ports ?? []) p.protocol ??= 'TCP';
      for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) if (probe && typeof probe === 'object') defaultProbe(probe);
    }
  }
}

/** `Always` for `:latest` or untagged images, `IfNotPresent` otherwise. */
export function imagePullPolicy(image: string): string {
  const lastSegment = image.split('/').pop() ?? image;
  if (image.includes('@')) return 'IfNotPresent';
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Pod-spec defaults shared by pods and the templates of controllers. */
export function defaultPodSpec(spec: PodSpec): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  defaultContainers(spec);
}

/** Validation of a pod spec at `path` (`spec`, `spec.template.spec`). */
export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec || !Array.isArray(spec.containers) || spec.containers.length === 0) {
    errs.push(fieldErrors.required(`${path}.containers`));
    return errs;
  }
  const seen = new Set<string>();
  for (const [listName, list] of [['containers', spec.containers], ['initContainers', spec.initContainers ?? []]] as const) {
    list.forEach((c, i) => {
      const p = `${path}.${listName}[${i}]`;
      if (!c.name) errs.push(fieldErrors.required(`${p}.name`));
      else {
        for (const m of dns1123Label(c.name)) errs.push(fieldErrors.invalid(`${p}.name`, c.name, m));
        if (seen.has(c.name)) errs.push(fieldErrors.duplicate(`${p}.name`, c.name));
        seen.add(c.name);
      }
      if (!c.image || !String(c.image).trim()) errs.push(fieldErrors.required(`${p}.image`));
      if (c.imagePullPolicy && !['Always', 'IfNotPresent', 'Never'].includes(c.imagePullPolicy)) {
        errs.push(fieldErrors.notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, ['Always', 'IfNotPresent', 'Never']));
      }
      (c.ports ?? []).forEach((port, j) => {
        const pp = `${p}.ports[${j}]`;
        if (port.containerPort === undefined || port.containerPort < 1 || port.containerPort > 65535) {
          errs.push(port.containerPort === undefined ? fieldErrors.required(`${pp}.containerPort`) : fieldErrors.invalid(`${pp}.containerPort`, port.containerPort, 'must be between 1 and 65535, inclusive'));
        }
        if (port.protocol && !['TCP', 'UDP', 'SCTP'].includes(port.protocol)) errs.push(fieldErrors.notSupported(`${pp}.protocol`, port.protocol, ['SCTP', 'TCP', 'UDP']));
      });
      errs.push(...validateResourceRequirements(c.resources, `${p}.resources`));
    });
  }
  if (spec.restartPolicy && !['Always', 'OnFailure', 'Never'].includes(spec.restartPolicy)) {
    errs.push(fieldErrors.notSupported(`${path}.restartPolicy`, spec.restartPolicy, ['Always', 'OnFailure', 'Never']));
  }
  return errs;
}

/**
 * Resource requirements as kube validates them: no negative quantity, and no request above its
 * limit; extended resources and hugepages (not overcommitable) need a limit equal to the request.
 */
export function validateResourceRequirements(resources: ResourceRequirements | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const limits = quantities(resources?.limits);
  const requests = quantities(resources?.requests);
  const nonNegative = (field: string, q: Quantity) => {
    if (q.sign < 0) errs.push(fieldErrors.invalid(field, q.toString(), 'must be greater than or equal to 0'));
  };
  for (const [name, q] of limits) nonNegative(`${path}.limits[${name}]`, q);
  for (const [name, q] of requests) {
    nonNegative(`${path}.requests[${name}]`, q);
    const limit = limits.get(name);
    if (limit) {
      if (!overcommitAllowed(name) && q.cmp(limit) !== 0) {
        errs.push(fieldErrors.invalid(`${path}.requests`, q.toString(), `must be equal to ${name} limit of ${limit}`));
      } else if (q.cmp(limit) > 0) {
        errs.push(fieldErrors.invalid(`${path}.requests`, q.toString(), `must be less than or equal to ${name} limit of ${limit}`));
      }
    } else if (!overcommitAllowed(name)) {
      errs.push(fieldErrors.required(`${path}.limits`, 'Limit must be set for non overcommitable resources'));
    }
  }
  return errs;
}

/** The quantities of a resource list that parse (decoding has rejected the rest). */
function quantities(list: Record<string, unknown> | undefined): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [name, v] of Object.entries(list ?? {})) {
    const q = tryParseQuantity(v);
    if (q) out.set(name, q);
  }
  return out;
}

/** Native resources (no domain, or a kubernetes.io one) other than hugepages may be overcommitted. */
function overcommitAllowed(name: string): boolean {
  return (!name.includes('/') || name.includes('kubernetes.io/')) && !name.startsWith('hugepages-');
}

const MUTABLE_SPEC_NOTE = 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** Spec fields a pod update may change whatever their value (kube's ValidatePodUpdate; images per container). */
const MUTABLE_SPEC_FIELDS = new Set(['activeDeadlineSeconds', 'tolerations', 'terminationGracePeriodSeconds']);

const sameButImages = (x: unknown, y: unknown): boolean => (Array.isArray(x) && Array.isArray(y)
  ? x.length === y.length && x.every((c, i) => jsonEqualBy(c, y[i], (k, p, q) => k === 'image' || jsonEqual(p, q)))
  : jsonEqual(x, y));

/**
 * Whether `spec` differs from `old` only where a pod update may change it: images, the deadline,
 * tolerations, the grace period (nodeName is a binding's, which writes beneath validation).
 * Compared in place, without copies.
 */
export function onlyMutableSpecChanged(spec: PodSpec, old: PodSpec): boolean {
  return jsonEqualBy(spec, old, (key, x, y) => {
    if (MUTABLE_SPEC_FIELDS.has(key)) return true;
    return key === 'containers' || key === 'initContainers' ? sameButImages(x, y) : jsonEqual(x, y);
  });
}

/** The printed STATUS of a pod, as kubectl's pod printer derives it. */
export function podStatusReason(pod: Pod): string {
  const status = statusOf(pod);
  let reason = status.reason || status.phase || 'Pending';
  let initializing = false;
  const inits = status.initContainerStatuses ?? [];
  const initTotal = specOf(pod).initContainers?.length ?? 0;
  for (const [i, c] of inits.entries()) {
    const t = c.state?.terminated;
    if (t && t.exitCode === 0) continue;
    initializing = true;
    if (t) reason = t.reason ? `Init:${t.reason}` : t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode}`;
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${initTotal}`;
    break;
  }
  if (!initializing) {
    let hasRunning = false;
    const cs = status.containerStatuses ?? [];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i];
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
      else if (c.state?.terminated) reason = c.state.terminated.signal ? `Signal:${c.state.terminated.signal}` : `ExitCode:${c.state.terminated.exitCode}`;
      else if (c.ready && c.state?.running) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) {
      const ready = status.conditions?.find((c) => c.type === 'Ready');
      reason = ready?.status === 'True' ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp) reason = status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function restarts(pod: Pod, now: number): string {
  let count = 0;
  let last: number | undefined;
  for (const c of statusOf(pod).containerStatuses ?? []) {
    count += c.restartCount ?? 0;
    const finished = c.lastState?.terminated?.finishedAt;
    if (finished) last = Math.max(last ?? 0, Date.parse(finished));
  }
  return last !== undefined && count > 0 ? `${count} (${age(new Date(last).toISOString(), now)} ago)` : String(count);
}

/** What a binding answers, done or (in a dry run) not. */
const CREATED: CreateResult = { code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };

/** A Binding's metadata that bears on the pod (its JSON types were checked against Binding's schema). */
function bindingMeta(body: unknown): BindingMeta {
  const given = objectAt(body, 'metadata', 'annotations');
  const annotations = given && Object.fromEntries(Object.entries(given).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return { uid: stringAt(body, 'metadata', 'uid'), resourceVersion: stringAt(body, 'metadata', 'resourceVersion'), annotations };
}

/** pods/binding and the bindings collection: assign a pod to a node, once. */
async function bind(request: CreateRequest, pods: ResourceStore): Promise<CreateResult> {
  const named = stringAt(request.body, 'metadata', 'name');
  // kube's BindingREST: the Binding names the pod its URL does (the collection's takes the Binding's).
  if (request.name !== undefined && named !== request.name) throw errors.badRequest('name in URL does not match name in Binding object');
  const name = request.name ?? named;
  if (!name) throw errors.badRequest('name is required for a binding');
  const node = stringAt(request.body, 'target', 'name');
  if (!node) throw errors.invalid('Binding', '', name, [fieldErrors.required('target.name')]);
  await bindPod(pods, request.namespace, name, node, bindingMeta(request.body), request.dryRun.length > 0);
  return CREATED;
}

/** POST /api/v1/namespaces/{ns}/bindings: a create-only kind with no storage of its own. */
export const bindingStrategy: Strategy = {
  group: '', version: 'v1', resource: 'bindings',
  singularName: 'binding',
  virtual: {
    create(request) {
      const pods = request.registry.resource('pods');
      if (!pods) throw errors.pathNotFound();
      return bind(request, pods);
    },
  },
};

export const podStrategy: Strategy<Pod> = {
  group: '', version: 'v1', resource: 'pods',
  singularName: 'pod',
  shortNames: ['po'],
  categories: ['all'],
  subresources: {
    status: STATUS_SUBRESOURCE,
    binding: { type: 'create', create: bind },
    eviction: { type: 'create', create: evict },
    [EPHEMERAL_CONTAINERS]: EPHEMERAL_CONTAINERS_SUBRESOURCE,
  },
  tracksGeneration: true,
  returnsDeletedObject: true,
  defaults(obj) {
    const spec = (obj.spec ??= { containers: [] });
    defaultPodSpec(spec);
    if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
    // A pod's (not a template's) containers request what they limit unless they say otherwise.
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      const resources = c?.resources;
      if (!resources?.limits || typeof resources.limits !== 'object') continue;
      resources.requests = { ...resources.limits, ...resources.requests };
    }
  },
  prepareForCreate(obj, ctx) {
    const spec = (obj.spec ??= { containers: [] });
    // What admission adds on create: the service account (and its token volume, when the account
    // exists: an API server alone has no controller making `default`), priority, and NoExecute
    // tolerations for unready and unreachable nodes (DefaultTolerationSeconds).
    spec.serviceAccountName ??= spec.serviceAccount ?? 'default';
    spec.serviceAccount = spec.serviceAccountName;
    const account = ctx.list('serviceaccounts', obj.metadata.namespace).find((sa) => sa.metadata.name === spec.serviceAccountName);
    if (account && shouldAutomount(spec, account.automountServiceAccountToken)) {
      mountServiceAccountToken(spec, Array.from({ length: 5 }, () => ALPHANUMS[ctx.random(ALPHANUMS.length)]).join(''));
    }
    spec.priority ??= 0;
    const tolerations = (spec.tolerations ??= []);
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      if (!tolerations.some((t) => t.key === key && (!t.effect || t.effect === 'NoExecute'))) {
        tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
      }
    }
    obj.status = { phase: 'Pending', qosClass: qosClass(spec) };
  },
  validate(obj, old, subresource) {
    const errs = [...validatePodSpec(obj.spec, 'spec'), ...validateEphemeralContainers(obj.spec, 'spec')];
    if (!old) errs.push(...validateEphemeralContainersOnCreate(obj.spec));
    if (old && subresource === EPHEMERAL_CONTAINERS) return validateEphemeralContainersUpdate(obj, old, errs);
    // An unchanged spec (label, annotation and status writes) needs no copy to compare.
    if (old && errs.length === 0 && !jsonEqual(specOf(obj), specOf(old))) {
      if (!onlyMutableSpecChanged(specOf(obj), specOf(old))) errs.push(fieldErrors.forbidden('spec', MUTABLE_SPEC_NOTE));
    }
    return errs;
  },
  gracePeriod(obj, requested) {
    const phase = statusOf(obj).phase;
    if (!specOf(obj).nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    return requested ?? specOf(obj).terminationGracePeriodSeconds ?? 30;
  },
  fieldLabelAliases: { 'spec.host': 'spec.nodeName' },
  indexes: { nodeName: (obj) => stringAt(obj, 'spec', 'nodeName') || undefined },
  watchTriggerField: 'spec.nodeName',
  selectableFields(obj) {
    const spec = specOf(obj);
    const status = statusOf(obj);
    return {
      'spec.nodeName': spec.nodeName ?? '',
      'spec.restartPolicy': spec.restartPolicy ?? '',
      'spec.schedulerName': spec.schedulerName ?? '',
      'spec.serviceAccountName': spec.serviceAccountName ?? '',
      'spec.hostNetwork': String(spec.hostNetwork ?? false),
      'status.phase': status.phase ?? '',
      'status.podIP': status.podIPs?.[0]?.ip ?? status.podIP ?? '',
      'status.nominatedNodeName': status.nominatedNodeName ?? '',
    };
  },
  table: {
    columns: [
      NAME_COLUMN,
      column('Ready', 'Ready containers out of all containers.'),
      column('Status', 'The state of the pod as a person reads it.'),
      column('Restarts', 'Container restarts, and how long ago the last one was.'),
      AGE_COLUMN,
      column('IP', 'The IP address of the pod.', 1),
      column('Node', 'The node the pod is bound to.', 1),
      column('Nominated Node', 'The node the pod is nominated for after preemption.', 1),
      column('Readiness Gates', 'Readiness gates that are satisfied out of all.', 1),
    ],
    cells(pod, now) {
      const spec = specOf(pod);
      const status = statusOf(pod);
      const total = spec.containers?.length ?? 0;
      const ready = (status.containerStatuses ?? []).filter((c) => c.ready).length;
      const gates = spec.readinessGates ?? [];
      const gatesCell = gates.length
        ? `${gates.filter((g) => status.conditions?.some((c) => c.type === g.conditionType && c.status === 'True')).length}/${gates.length}`
        : '<none>';
      return [
        pod.metadata.name, `${ready}/${total}`, podStatusReason(pod), restarts(pod, now), age(pod.metadata.creationTimestamp, now),
        orNone(status.podIP), orNone(spec.nodeName), orNone(status.nominatedNodeName), gatesCell,
      ];
    },
  },
};
