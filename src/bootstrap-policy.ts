// kube's bootstrap RBAC policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy), as data: the
// user-facing roles (cluster-admin; admin, edit and view built by aggregation), the discovery,
// basic-user, public-info and monitoring roles, the components tinykube simulates
// (kube-scheduler, kube-controller-manager, node, kube-proxy) and a system:controller:* role for
// each controller it runs, each bound as kube binds it. The rules are kube's; the layout is ours.
import { jsonEqual } from './api/json.js';
import type { KObject, ObjectMeta } from './api/types.js';
import { covers, type PolicyRule, type Subject } from './server/auth/rbac-rules.js';
import type { BindingObject, ClusterRoleObject } from './authorization.js';
import { aggregatedRules } from './controllers/clusterrole-aggregation.js';

/** An object bootstrap creates when missing. */
export type BootstrapObject = KObject & { metadata: ObjectMeta & { name: string } };

const RBAC = 'rbac.authorization.k8s.io';
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const READ_WRITE = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const rule = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule => ({ apiGroups, resources, ...(resourceNames ? { resourceNames } : {}), verbs });
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ nonResourceURLs, verbs });
const EVENTS = rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']);

export interface BootstrapClusterRole {
  name: string;
  rules?: PolicyRule[];
  /** The aggregate-to-* labels the user-facing roles carry. */
  labels?: Record<string, string>;
  /** Filled in by the clusterrole-aggregation controller from the roles with this label. */
  aggregateFrom?: string;
}

const aggregateTo = (role: string) => ({ [`${RBAC}/aggregate-to-${role}`]: 'true' });

export const CLUSTER_ROLES: BootstrapClusterRole[] = [
  { name: 'cluster-admin', rules: [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])] },
  { name: 'admin', aggregateFrom: 'admin' },
  { name: 'edit', aggregateFrom: 'edit', labels: aggregateTo('admin') },
  { name: 'view', aggregateFrom: 'view', labels: aggregateTo('edit') },
  {
    name: 'system:aggregate-to-admin', labels: aggregateTo('admin'),
    rules: [rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']), rule(READ_WRITE, [RBAC], ['rolebindings', 'roles'])],
  },
  {
    name: 'system:aggregate-to-edit', labels: aggregateTo('edit'),
    rules: [
      rule(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
      rule(['impersonate'], [''], ['serviceaccounts']),
      rule(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
      rule(['create'], [''], ['pods/eviction']),
      rule(WRITE, [''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
      rule(['create'], [''], ['serviceaccounts/token']),
      rule(WRITE, ['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
      rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
      rule(WRITE, ['batch'], ['cronjobs', 'jobs']),
      rule(WRITE, ['extensions'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'ingresses', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale']),
      rule(WRITE, ['policy'], ['poddisruptionbudgets']),
      rule(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
      rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
    ],
  },
  {
    name: 'system:aggregate-to-view', labels: aggregateTo('view'),
    rules: [
      rule(READ, [''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status']),
      rule(READ, [''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status']),
      rule(READ, [''], ['namespaces']),
      rule(READ, ['discovery.k8s.io'], ['endpointslices']),
      rule(READ, ['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status']),
      rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      rule(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
      rule(READ, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale']),
      rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      rule(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
    ],
  },
  { name: 'system:auth-delegator', rules: [rule(['create'], ['authentication.k8s.io'], ['tokenreviews']), rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews'])] },
  {
    name: 'system:basic-user',
    rules: [rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']), rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews'])],
  },
  { name: 'system:discovery', rules: [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])] },
  { name: 'system:public-info-viewer', rules: [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])] },
  { name: 'system:monitoring', rules: [urls(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'])] },
  { name: 'system:service-account-issuer-discovery', rules: [urls(['get'], ['/.well-known/openid-configuration', '/openid/v1/jwks'])] },
  { name: 'system:kube-dns', rules: [rule(['list', 'watch'], [''], ['endpoints', 'services'])] },
  {
    name: 'system:kube-controller-manager',
    rules: [
      EVENTS,
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
      rule(['create'], [''], ['secrets', 'serviceaccounts']),
      rule(['delete'], [''], ['secrets']),
      rule(['get'], [''], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
      rule(['update'], [''], ['secrets', 'serviceaccounts']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      rule(['list', 'watch'], ['*'], ['*']),
      rule(['create'], [''], ['serviceaccounts/token']),
    ],
  },
  {
    name: 'system:kube-scheduler',
    rules: [
      EVENTS,
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
      rule(READ, [''], ['nodes']),
      rule(['delete', 'get', 'list', 'watch'], [''], ['pods']),
      rule(['create'], [''], ['bindings', 'pods/binding']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(READ, [''], ['replicationcontrollers', 'services']),
      rule(READ, ['apps', 'extensions'], ['replicasets']),
      rule(READ, ['apps'], ['statefulsets']),
      rule(READ, ['policy'], ['poddisruptionbudgets']),
      rule(READ, [''], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      rule(READ, ['storage.k8s.io'], ['csinodes']),
      rule(READ, [''], ['namespaces']),
      rule(READ, ['storage.k8s.io'], ['csidrivers']),
      rule(READ, ['storage.k8s.io'], ['csistoragecapacities']),
    ],
  },
  {
    name: 'system:volume-scheduler',
    rules: [rule(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes']), rule(READ, ['storage.k8s.io'], ['storageclasses']), rule(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumeclaims'])],
  },
  {
    name: 'system:node',
    rules: [
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews', 'subjectaccessreviews']),
      rule(READ, [''], ['services']),
      rule(['create', 'get', 'list', 'watch'], [''], ['nodes']),
      rule(['patch', 'update'], [''], ['nodes/status']),
      rule(['patch', 'update'], [''], ['nodes']),
      rule(['create', 'patch', 'update'], [''], ['events']),
      rule(READ, [''], ['pods']),
      rule(['create', 'delete'], [''], ['pods']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(['create'], [''], ['pods/eviction']),
      rule(READ, [''], ['configmaps', 'secrets']),
      rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['get'], [''], ['endpoints']),
      rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
      rule(['create', 'delete', 'get', 'patch', 'update'], ['coordination.k8s.io'], ['leases']),
      rule(['get'], ['storage.k8s.io'], ['volumeattachments']),
      rule(['create'], [''], ['serviceaccounts/token']),
      rule(['get', 'patch', 'update'], [''], ['persistentvolumeclaims/status']),
      rule(READ, ['storage.k8s.io'], ['csidrivers']),
      rule(['create', 'delete', 'get', 'patch', 'update'], ['storage.k8s.io'], ['csinodes']),
      rule(READ, ['node.k8s.io'], ['runtimeclasses']),
    ],
  },
  {
    name: 'system:node-proxier',
    rules: [rule(['list', 'watch'], [''], ['endpoints', 'services']), rule(READ, [''], ['nodes']), EVENTS, rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices'])],
  },
];

/** The system:controller:* roles of the controllers tinykube runs (kube-controller-manager's --use-service-account-credentials). */
export const CONTROLLER_ROLES: BootstrapClusterRole[] = [
  {
    name: 'certificate-controller',
    rules: [
      rule(['delete', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
      rule(['update'], ['certificates.k8s.io'], ['certificatesigningrequests/approval', 'certificatesigningrequests/status']),
      rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']),
      rule(['sign'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving', 'kubernetes.io/legacy-unknown']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']), EVENTS,
    ],
  },
  { name: 'clusterrole-aggregation-controller', rules: [rule(['escalate', 'get', 'list', 'patch', 'update', 'watch'], [RBAC], ['clusterroles'])] },
  {
    name: 'cronjob-controller',
    rules: [
      rule(['get', 'list', 'update', 'watch'], ['batch'], ['cronjobs']), rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['batch'], ['jobs']),
      rule(['update'], ['batch'], ['cronjobs/status']), rule(['update'], ['batch'], ['cronjobs/finalizers']), rule(['delete', 'list', 'watch'], [''], ['pods']), EVENTS,
    ],
  },
  {
    name: 'daemon-set-controller',
    rules: [
      rule(READ, ['apps', 'extensions'], ['daemonsets']), rule(['update'], ['apps', 'extensions'], ['daemonsets/status']), rule(['update'], ['apps', 'extensions'], ['daemonsets/finalizers']),
      rule(['list', 'watch'], [''], ['nodes']), rule(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']), rule(['create'], [''], ['pods/binding']),
      rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['apps'], ['controllerrevisions']), EVENTS,
    ],
  },
  {
    name: 'deployment-controller',
    rules: [
      rule(['get', 'list', 'update', 'watch'], ['apps', 'extensions'], ['deployments']), rule(['update'], ['apps', 'extensions'], ['deployments/status']),
      rule(['update'], ['apps', 'extensions'], ['deployments/finalizers']), rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['apps', 'extensions'], ['replicasets']),
      rule(['get', 'list', 'update', 'watch'], [''], ['pods']), EVENTS,
    ],
  },
  {
    name: 'disruption-controller',
    rules: [
      rule(['get', 'list', 'watch'], ['extensions', 'apps'], ['deployments']), rule(['get', 'list', 'watch'], ['apps', 'extensions'], ['replicasets']),
      rule(['get', 'list', 'watch'], [''], ['replicationcontrollers']), rule(['get', 'list', 'watch'], ['policy'], ['poddisruptionbudgets']),
      rule(['get', 'list', 'watch'], ['apps'], ['statefulsets']), rule(['update'], ['policy'], ['poddisruptionbudgets/status']),
      rule(['patch', 'update'], [''], ['pods/status']), rule(['get'], ['*'], ['*/scale']), EVENTS,
    ],
  },
  {
    name: 'endpoint-controller',
    rules: [rule(READ, [''], ['pods', 'services']), rule(['create', 'delete', 'get', 'list', 'update', 'watch'], [''], ['endpoints']), rule(['create'], [''], ['endpoints/restricted']), EVENTS],
  },
  {
    name: 'endpointslice-controller',
    rules: [rule(READ, [''], ['nodes', 'pods', 'services']), rule(['update'], [''], ['services/finalizers']), rule(['create', 'delete', 'get', 'list', 'update', 'watch'], ['discovery.k8s.io'], ['endpointslices']), EVENTS],
  },
  { name: 'generic-garbage-collector', rules: [rule(['delete', 'get', 'list', 'patch', 'update', 'watch'], ['*'], ['*']), EVENTS] },
  {
    name: 'horizontal-pod-autoscaler',
    rules: [
      rule(['get', 'list', 'watch'], ['autoscaling'], ['horizontalpodautoscalers']), rule(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
      rule(['get', 'update'], ['*'], ['*/scale']), rule(['list'], [''], ['pods']), rule(['list'], ['metrics.k8s.io'], ['pods']),
      rule(['get', 'list'], ['custom.metrics.k8s.io'], ['*']), rule(['get', 'list'], ['external.metrics.k8s.io'], ['*']), EVENTS,
    ],
  },
  {
    name: 'job-controller',
    rules: [
      rule(['get', 'list', 'patch', 'update', 'watch'], ['batch'], ['jobs']), rule(['update'], ['batch'], ['jobs/status']), rule(['update'], ['batch'], ['jobs/finalizers']),
      rule(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']), EVENTS,
    ],
  },
  {
    name: 'namespace-controller',
    rules: [rule(['delete', 'get', 'list', 'watch'], [''], ['namespaces']), rule(['update'], [''], ['namespaces/finalize', 'namespaces/status']), rule(['delete', 'deletecollection', 'get', 'list', 'watch'], ['*'], ['*'])],
  },
  {
    name: 'node-controller',
    rules: [
      rule(['delete', 'get', 'list', 'patch', 'update', 'watch'], [''], ['nodes']), rule(['patch', 'update'], [''], ['nodes/status']), rule(['patch', 'update'], [''], ['pods/status']),
      rule(['delete', 'get', 'list', 'watch'], [''], ['pods']), EVENTS,
    ],
  },
  {
    name: 'persistent-volume-binder',
    rules: [
      rule(['create', 'delete', 'get', 'list', 'update', 'watch'], [''], ['persistentvolumes']), rule(['update'], [''], ['persistentvolumes/status']),
      rule(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']), rule(['update'], [''], ['persistentvolumeclaims/status']),
      rule(['create', 'delete', 'get', 'list', 'watch'], [''], ['pods']), rule(READ, ['storage.k8s.io'], ['storageclasses']), rule(['list', 'watch'], [''], ['nodes']), EVENTS,
      rule(['watch'], [''], ['events']),
    ],
  },
  { name: 'pv-protection-controller', rules: [rule(['get', 'list', 'update', 'watch'], [''], ['persistentvolumes']), EVENTS] },
  {
    name: 'pvc-protection-controller',
    rules: [rule(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']), rule(['update'], [''], ['persistentvolumeclaims/status']), rule(READ, [''], ['pods']), EVENTS],
  },
  {
    name: 'replicaset-controller',
    rules: [
      rule(['get', 'list', 'update', 'watch'], ['apps', 'extensions'], ['replicasets']), rule(['update'], ['apps', 'extensions'], ['replicasets/status']),
      rule(['update'], ['apps', 'extensions'], ['replicasets/finalizers']), rule(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']), EVENTS,
    ],
  },
  {
    name: 'replication-controller',
    rules: [
      rule(['get', 'list', 'update', 'watch'], [''], ['replicationcontrollers']), rule(['update'], [''], ['replicationcontrollers/status']),
      rule(['update'], [''], ['replicationcontrollers/finalizers']), rule(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']), EVENTS,
    ],
  },
  { name: 'resourcequota-controller', rules: [rule(['list', 'watch'], ['*'], ['*']), rule(['update'], [''], ['resourcequotas/status']), EVENTS] },
  { name: 'root-ca-cert-publisher', rules: [rule(['create', 'update'], [''], ['configmaps']), EVENTS] },
  { name: 'service-account-controller', rules: [rule(['create'], [''], ['serviceaccounts']), EVENTS] },
  {
    name: 'statefulset-controller',
    rules: [
      rule(['list', 'watch'], [''], ['pods']), rule(READ, ['apps'], ['statefulsets']), rule(['update'], ['apps'], ['statefulsets/status']), rule(['update'], ['apps'], ['statefulsets/finalizers']),
      rule(['create', 'delete', 'get', 'patch', 'update'], [''], ['pods']), rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['apps'], ['controllerrevisions']),
      rule(['create', 'get', 'list', 'watch'], [''], ['persistentvolumeclaims']), rule(['delete', 'update'], [''], ['persistentvolumeclaims']), rule(['update'], [''], ['pods/finalizers']), EVENTS,
    ],
  },
  { name: 'ttl-after-finished-controller', rules: [rule(['delete', 'get', 'list', 'watch'], ['batch'], ['jobs']), EVENTS] },
];

export interface BootstrapBinding { name: string; role: string; subjects: Subject[] }

const group = (name: string): Subject => ({ apiGroup: RBAC, kind: 'Group', name });
const user = (name: string): Subject => ({ apiGroup: RBAC, kind: 'User', name });
const serviceAccount = (name: string, namespace = 'kube-system'): Subject => ({ kind: 'ServiceAccount', name, namespace });

export const CLUSTER_ROLE_BINDINGS: BootstrapBinding[] = [
  { name: 'cluster-admin', role: 'cluster-admin', subjects: [group('system:masters')] },
  { name: 'system:basic-user', role: 'system:basic-user', subjects: [group('system:authenticated')] },
  { name: 'system:discovery', role: 'system:discovery', subjects: [group('system:authenticated')] },
  { name: 'system:kube-controller-manager', role: 'system:kube-controller-manager', subjects: [user('system:kube-controller-manager')] },
  { name: 'system:kube-dns', role: 'system:kube-dns', subjects: [serviceAccount('kube-dns')] },
  { name: 'system:kube-scheduler', role: 'system:kube-scheduler', subjects: [user('system:kube-scheduler')] },
  { name: 'system:monitoring', role: 'system:monitoring', subjects: [group('system:monitoring')] },
  // kube binds system:node to nobody: the Node authorizer grants kubelets what they need.
  { name: 'system:node', role: 'system:node', subjects: [] },
  { name: 'system:node-proxier', role: 'system:node-proxier', subjects: [user('system:kube-proxy')] },
  { name: 'system:public-info-viewer', role: 'system:public-info-viewer', subjects: [group('system:authenticated'), group('system:unauthenticated')] },
  { name: 'system:service-account-issuer-discovery', role: 'system:service-account-issuer-discovery', subjects: [group('system:serviceaccounts')] },
  { name: 'system:volume-scheduler', role: 'system:volume-scheduler', subjects: [user('system:kube-scheduler')] },
  ...CONTROLLER_ROLES.map((r) => ({ name: `system:controller:${r.name}`, role: `system:controller:${r.name}`, subjects: [serviceAccount(r.name)] })),
];

/** What kube marks its bootstrap policy with: reconciled at start unless autoupdate is turned off. */
export const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
export const BOOTSTRAP_ANNOTATIONS = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };

/**
 * Every bootstrap ClusterRole as an object to create, the aggregated ones already holding what
 * they aggregate: an API server without the control plane (`--api-only`) serves them as a
 * cluster does a moment after start, and the aggregation controller keeps them so.
 */
export function bootstrapClusterRoles(): (BootstrapObject & ClusterRoleObject)[] {
  const roles = [...CLUSTER_ROLES, ...CONTROLLER_ROLES.map((r) => ({ ...r, name: `system:controller:${r.name}` }))];
  const objects: (BootstrapObject & ClusterRoleObject)[] = roles.map((r) => ({
    apiVersion: `${RBAC}/v1`, kind: 'ClusterRole',
    metadata: { name: r.name, labels: { ...BOOTSTRAP_LABELS, ...r.labels }, annotations: BOOTSTRAP_ANNOTATIONS },
    ...(r.aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: aggregateTo(r.aggregateFrom) }] } } : {}),
    ...(r.rules ? { rules: r.rules } : {}),
  }));
  // view is aggregated into edit, and edit into admin: one pass per level.
  for (let pass = 0; pass < 3; pass++) for (const o of objects) if (o.aggregationRule) o.rules = aggregatedRules(o, objects);
  return objects;
}

/** Every bootstrap ClusterRoleBinding as an object to create. */
export function bootstrapClusterRoleBindings(): (BootstrapObject & BindingObject)[] {
  return CLUSTER_ROLE_BINDINGS.map((b) => ({
    apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding',
    metadata: { name: b.name, labels: BOOTSTRAP_LABELS, annotations: BOOTSTRAP_ANNOTATIONS },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: b.role },
    ...(b.subjects.length ? { subjects: b.subjects } : {}),
  }));
}

const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';

/** Missing keys added, the stored values kept (kube's merge of expected then existing). */
function mergedMeta(current: KObject, desired: KObject): ObjectMeta {
  const merge = (want?: Record<string, string>, have?: Record<string, string>) => (want || have ? { ...want, ...have } : undefined);
  const labels = merge(desired.metadata.labels, current.metadata.labels);
  const annotations = merge(desired.metadata.annotations, current.metadata.annotations);
  return { ...current.metadata, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) };
}

/**
 * A stored bootstrap ClusterRole brought up to the one this version ships, as kube-apiserver's
 * bootstrap-roles hook reconciles at each start: missing labels, annotations, rules and
 * aggregation selectors added, nothing taken away; left as it is when annotated autoupdate=false.
 */
export function reconcileClusterRole(current: ClusterRoleObject, desired: ClusterRoleObject): ClusterRoleObject {
  if (current.metadata.annotations?.[AUTOUPDATE] === 'false') return current;
  const { missing } = covers(current.rules ?? [], desired.rules ?? []);
  const have = current.aggregationRule?.clusterRoleSelectors ?? [];
  const wantedSelectors = desired.aggregationRule?.clusterRoleSelectors ?? [];
  const selectors = [...have, ...wantedSelectors.filter((s) => !have.some((h) => jsonEqual(h, s)))];
  return {
    ...current,
    metadata: mergedMeta(current, desired),
    ...(missing.length ? { rules: [...(current.rules ?? []), ...missing] } : {}),
    ...(selectors.length > have.length ? { aggregationRule: { ...current.aggregationRule, clusterRoleSelectors: selectors } } : {}),
  };
}

/**
 * A stored bootstrap ClusterRoleBinding reconciled as kube does at start: missing subjects,
 * labels and annotations added. `recreate` when its roleRef is not the one shipped (roleRef
 * cannot change in place); left as it is when annotated autoupdate=false.
 */
export function reconcileClusterRoleBinding(current: BindingObject, desired: BindingObject): { binding: BindingObject; recreate: boolean } {
  if (current.metadata.annotations?.[AUTOUPDATE] === 'false') return { binding: current, recreate: false };
  const have = current.subjects ?? [];
  const subjects = [...have, ...(desired.subjects ?? []).filter((s) => !have.some((h) => jsonEqual(h, s)))];
  const binding: BindingObject = { ...current, metadata: mergedMeta(current, desired), roleRef: desired.roleRef, ...(subjects.length ? { subjects } : {}) };
  return { binding, recreate: !jsonEqual(current.roleRef, desired.roleRef) };
}
