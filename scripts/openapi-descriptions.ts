// tinykube's own descriptions for the OpenAPI documents it serves (what `kubectl explain` prints).
// Short, written here; a few kinds and fields get a sentence of their own, the rest a plain
// phrase built from the field's name and type.
type Json = any;

const KINDS: Record<string, string> = {
  Pod: 'A Pod is a group of containers scheduled together onto one node, sharing network and storage.',
  Service: 'A Service gives a set of pods, chosen by a label selector, one stable virtual IP and DNS name.',
  ReplicationController: 'A ReplicationController keeps a given number of pods matching its selector running.',
  Node: 'A Node is a worker machine that runs pods; its status reports capacity, conditions and addresses.',
  Namespace: 'A Namespace is a scope for names; most objects live in exactly one namespace.',
  Endpoints: 'Endpoints list the addresses and ports that currently back a service.',
  Event: 'An Event records something that happened to an object, for people and tools to read.',
  EndpointSlice: 'An EndpointSlice holds a subset of the network endpoints behind a service.',
  SelfSubjectReview: 'A SelfSubjectReview asks the server who the caller is, as authentication saw them.',
  SelfSubjectReviewStatus: 'Who the caller is.',
  UserInfo: 'A user as authentication sees them: name, uid, groups and any extra attributes.',
  Lease: 'A Lease is a lightweight lock with a holder and a renew time, used for heartbeats and leader election.',
  Binding: 'A Binding assigns a pod to a node; the scheduler creates it.',
  Scale: 'Scale is the desired and observed replica count of a scalable resource.',
  Eviction: 'An Eviction asks for a pod to be removed, honouring disruption budgets.',
  ObjectMeta: 'Metadata that every persisted object carries: name, namespace, labels, annotations, owners and bookkeeping.',
  ListMeta: 'Metadata of a list: its resourceVersion and the continue token for the next page.',
  Status: 'Status is the result of an operation that does not return an object, such as an error.',
  Container: 'A single container to run in a pod: its image, command, ports, environment and resources.',
  PodSpec: 'The desired state of a pod.',
  PodStatus: 'The most recently observed state of a pod.',
  ServiceSpec: 'The desired state of a service.',
  NodeSpec: 'The desired state of a node.',
  NodeStatus: 'The most recently observed state of a node.',
  // core v1, the rest of it
  ConfigMap: 'A ConfigMap holds non-secret configuration as string or binary values, for pods to read.',
  Secret: 'A Secret holds a small amount of sensitive data, such as a password, token or key.',
  ServiceAccount: 'A ServiceAccount is an identity for processes running in pods.',
  PersistentVolume: 'A PersistentVolume is a piece of cluster storage, provisioned by hand or by a storage class.',
  PersistentVolumeClaim: 'A PersistentVolumeClaim asks for storage; it binds to one PersistentVolume.',
  LimitRange: 'A LimitRange sets default and allowed resource amounts for objects in a namespace.',
  ResourceQuota: 'A ResourceQuota caps the total resources and object counts of a namespace.',
  PodTemplate: 'A PodTemplate is a stored template of a pod, for controllers to copy.',
  PodTemplateSpec: 'The metadata and spec of the pods a controller creates.',
  ComponentStatus: 'Deprecated: the health of a control plane component.',
  TokenRequest: 'A TokenRequest asks for a token of a service account, with an audience and lifetime.',
  PodExecOptions: 'The query options of exec into a pod.',
  PodAttachOptions: 'The query options of attach to a pod.',
  PodPortForwardOptions: 'The query options of port-forward to a pod.',
  PodProxyOptions: 'The query options of proxy to a pod.',
  ServiceProxyOptions: 'The query options of proxy to a service.',
  NodeProxyOptions: 'The query options of proxy to a node.',
  // apps
  Deployment: 'A Deployment rolls out and keeps running a replicated set of pods through ReplicaSets.',
  DeploymentSpec: 'The desired state of a deployment.',
  DeploymentStatus: 'The most recently observed state of a deployment.',
  ReplicaSet: 'A ReplicaSet keeps a given number of pods matching its selector running.',
  StatefulSet: 'A StatefulSet runs pods with stable names and storage, created and removed in order.',
  DaemonSet: 'A DaemonSet runs one copy of a pod on every (selected) node.',
  ControllerRevision: 'A ControllerRevision is an immutable snapshot of a controller state, for rollbacks.',
  // batch
  Job: 'A Job runs pods until a given number of them finish successfully.',
  CronJob: 'A CronJob creates Jobs on a repeating schedule.',
  // rbac
  Role: 'A Role is a set of permissions within one namespace.',
  ClusterRole: 'A ClusterRole is a set of permissions across the cluster, or a template for RoleBindings.',
  RoleBinding: 'A RoleBinding grants the permissions of a role to subjects within one namespace.',
  ClusterRoleBinding: 'A ClusterRoleBinding grants the permissions of a ClusterRole to subjects cluster-wide.',
  PolicyRule: 'One permission: verbs allowed on resources or non-resource URLs.',
  Subject: 'A user, group or service account that a binding applies to.',
  RoleRef: 'The role a binding grants.',
  // apiextensions
  CustomResourceDefinition: 'A CustomResourceDefinition adds a new resource type, served under its own group.',
  JSONSchemaProps: 'A JSON Schema (a structural subset of OpenAPI v3) for validating custom objects.',
  // networking
  Ingress: 'An Ingress routes outside HTTP(S) traffic to services by host and path.',
  IngressClass: 'An IngressClass names the controller that implements a class of Ingresses.',
  NetworkPolicy: 'A NetworkPolicy limits which traffic may reach or leave the pods it selects.',
  IPAddress: 'An IPAddress records one allocated IP address and who holds it.',
  ServiceCIDR: 'A ServiceCIDR is a range of addresses that service cluster IPs are allocated from.',
  // scheduling, node, policy
  PriorityClass: 'A PriorityClass maps a name to a pod priority value.',
  RuntimeClass: 'A RuntimeClass names a container runtime configuration that pods can choose.',
  PodDisruptionBudget: 'A PodDisruptionBudget limits how many pods of a set voluntary disruptions may take down at once.',
  // autoscaling
  HorizontalPodAutoscaler: 'A HorizontalPodAutoscaler adjusts the replica count of a scalable resource to meet a metric target.',
  // authentication, authorization
  TokenReview: 'A TokenReview asks the server to authenticate a bearer token.',
  SubjectAccessReview: 'A SubjectAccessReview asks whether a given user may perform an action.',
  LocalSubjectAccessReview: 'A LocalSubjectAccessReview asks whether a given user may perform an action in one namespace.',
  SelfSubjectAccessReview: 'A SelfSubjectAccessReview asks whether the caller may perform an action.',
  SelfSubjectRulesReview: 'A SelfSubjectRulesReview lists the actions the caller may perform in a namespace.',
  // admissionregistration
  MutatingWebhookConfiguration: 'A MutatingWebhookConfiguration lists webhooks that may change objects on admission.',
  ValidatingWebhookConfiguration: 'A ValidatingWebhookConfiguration lists webhooks that may reject objects on admission.',
  ValidatingAdmissionPolicy: 'A ValidatingAdmissionPolicy checks objects on admission with CEL expressions.',
  ValidatingAdmissionPolicyBinding: 'A ValidatingAdmissionPolicyBinding applies a ValidatingAdmissionPolicy to a set of resources.',
  // storage
  StorageClass: 'A StorageClass describes a kind of storage and how to provision volumes of it.',
  CSIDriver: 'A CSIDriver describes a Container Storage Interface volume driver installed in the cluster.',
  CSINode: 'A CSINode lists the CSI drivers installed on one node.',
  CSIStorageCapacity: 'A CSIStorageCapacity reports the storage capacity available to a storage class in a topology segment.',
  VolumeAttachment: 'A VolumeAttachment asks for a volume to be attached to, or detached from, a node.',
  // certificates
  CertificateSigningRequest: 'A CertificateSigningRequest asks for a certificate to be signed; it is approved and then issued.',
};

const FIELDS: Record<string, string> = {
  apiVersion: 'The versioned schema of this object, as group/version (or just the version for the core group).',
  kind: 'The kind of object this is, in CamelCase.',
  metadata: "The object's metadata: name, namespace, labels, annotations and bookkeeping.",
  spec: 'The desired state, written by users and controllers.',
  status: 'The most recently observed state, written by the system. Read-only for most clients.',
  items: 'The objects in this list.',
  name: 'The name, unique within its scope.',
  namespace: 'The namespace the object lives in.',
  labels: 'Key-value pairs used to organize and select objects.',
  annotations: 'Key-value pairs for tools and people; not used for selection.',
  uid: 'A unique identifier set by the server when the object is created.',
  resourceVersion: 'An opaque version string that changes on every write; used for optimistic concurrency and watches.',
  generation: 'A sequence number of changes to the desired state.',
  creationTimestamp: 'When the object was created (RFC 3339, UTC). Set by the server.',
  deletionTimestamp: 'When the object will be (or was asked to be) deleted. Set by the server.',
  finalizers: 'Names that must all be removed before the object is deleted from storage.',
  ownerReferences: 'Objects this object depends on; used for garbage collection.',
  generateName: 'A prefix the server uses to generate a unique name when name is empty.',
  containers: 'The containers of the pod. At least one is required.',
  image: 'The container image to run.',
  nodeName: 'The node this pod is bound to. Set by the scheduler.',
  selector: 'A label selector choosing the objects this one applies to.',
  replicas: 'The number of replicas.',
  ports: 'The ports exposed.',
  type: 'The type of this object or entry.',
  clusterIP: 'The virtual IP of the service, allocated by the server unless given.',
  template: 'The template of the objects this controller creates.',
  data: 'The stored values, by key.',
  binaryData: 'The stored binary values, by key (base64 in JSON).',
  stringData: 'Write-only values as plain strings, merged into data on write.',
  immutable: 'When true, the data cannot be changed after creation.',
  rules: 'The rules, in order.',
  subjects: 'Who the binding applies to.',
  roleRef: 'The role being granted. Cannot be changed after creation.',
  verbs: 'The verbs allowed, such as get, list or create.',
  conditions: 'The latest observations of the state, one per condition type.',
  observedGeneration: 'The generation the status was computed from.',
  schedule: 'The schedule, in cron syntax.',
  strategy: 'How existing pods are replaced by new ones.',
};

function words(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
}

function shortKind(schemaName: string): string {
  return schemaName.split('.').pop() ?? schemaName;
}

function typeOf(schema: Json): string {
  if (schema?.allOf?.[0]?.$ref) return shortKind(schema.allOf[0].$ref);
  if (schema?.$ref) return shortKind(schema.$ref);
  if (schema?.type === 'array') return `list of ${typeOf(schema.items)}`;
  if (schema?.type === 'object' && schema.additionalProperties) return `map of ${typeOf(schema.additionalProperties)}`;
  return schema?.format ? `${schema.type} (${schema.format})` : schema?.type ?? 'value';
}

export function describeSchema(name: string, schema: Json): string {
  const kind = shortKind(name);
  if (KINDS[kind]) return KINDS[kind];
  if (kind.endsWith('List')) return `A list of ${kind.slice(0, -4)} objects.`;
  if (schema?.format === 'date-time') return 'A time, in RFC 3339 form.';
  return `${words(kind).replace(/^./, (c) => c.toUpperCase())}.`;
}

export function describeField(field: string, schema: Json, parent: string | undefined): string {
  if (FIELDS[field]) return FIELDS[field];
  const owner = parent ? ` of the ${words(shortKind(parent))}` : '';
  return `The ${words(field)}${owner} (${typeOf(schema)}).`;
}

const SUBRESOURCE: Record<string, string> = {
  status: 'the status of',
  scale: 'the scale of',
  ephemeralcontainers: 'the ephemeral containers of',
  resize: 'the resources of',
  approval: 'the approval of',
  finalize: 'the finalizers of',
  log: 'the log of',
  eviction: 'an eviction of',
  binding: 'a binding of',
  token: 'a token of',
};

/** What an operation does, for the resource (and subresource) its path names. */
export function describeOperation(op: Json, resource?: string, sub?: string): string {
  const action: string = op['x-kubernetes-action'] ?? 'get';
  const kind: string = op['x-kubernetes-group-version-kind']?.kind ?? 'resources';
  if (sub && action === 'connect') return `Connects to ${resource ?? 'objects'}/{name}/${sub}.`;
  if (sub) {
    const what = `${SUBRESOURCE[sub] ?? `the ${sub} of`} ${resource ?? 'objects'}/{name}`;
    const verbs: Record<string, string> = { get: 'Reads', put: 'Replaces', patch: 'Patches', post: 'Creates', delete: 'Deletes' };
    return `${verbs[action] ?? 'Handles'} ${what} (as ${kind}).`;
  }
  const verbs: Record<string, string> = {
    get: `Reads one ${kind} by name.`,
    list: `Lists ${kind} objects, or watches them with watch=true.`,
    watch: `Watches one ${kind} (deprecated; use list with watch=true).`,
    watchlist: `Watches ${kind} objects (deprecated; use list with watch=true).`,
    post: `Creates a ${kind} from the body.`,
    put: `Replaces a ${kind} with the body.`,
    patch: `Patches a ${kind}.`,
    delete: `Deletes a ${kind}.`,
    deletecollection: `Deletes every ${kind} that matches the selectors.`,
    connect: `Connects to a ${kind}.`,
  };
  return verbs[action] ?? `${action} ${kind}.`;
}

const RESPONSES: Record<string, string> = {
  '200': 'Success.',
  '201': 'Created; the body is the new object.',
  '202': 'Accepted; the work finishes later.',
  '401': 'Not authenticated.',
};

export function describeResponse(code: string): string {
  return RESPONSES[code] ?? `HTTP ${code}.`;
}

const PARAMETERS: Record<string, string> = {
  allowWatchBookmarks: 'Ask for BOOKMARK events on a watch.',
  continue: 'The token from a previous page of this list.',
  dryRun: 'With "All", run every stage of the request but persist nothing.',
  fieldManager: 'The name of the actor making the change, recorded in managedFields.',
  fieldSelector: 'Restrict the objects returned by their fields.',
  fieldValidation: 'How to treat unknown or duplicate fields in the body: Ignore, Warn or Strict.',
  force: 'Take ownership of conflicting fields on apply.',
  gracePeriodSeconds: 'Seconds to wait before the object is deleted.',
  ignoreStoreReadErrorWithClusterBreakingPotential: 'Delete an object that cannot be read from storage.',
  labelSelector: 'Restrict the objects returned by their labels.',
  limit: 'The most objects to return in one page.',
  name: 'The name of the object.',
  namespace: 'The namespace of the object.',
  orphanDependents: 'Deprecated: orphan the dependents instead of deleting them.',
  pretty: 'Pretty-print the output.',
  propagationPolicy: 'How dependents are deleted: Orphan, Background or Foreground.',
  resourceVersion: 'The resourceVersion a read is served at, or a watch starts after.',
  resourceVersionMatch: 'How resourceVersion is matched on a list: Exact or NotOlderThan.',
  sendInitialEvents: 'Start a watch with synthetic events for the current state.',
  timeoutSeconds: 'End the list or watch after this many seconds.',
  watch: 'Watch for changes instead of listing.',
  path: 'The path to proxy to.',
  container: 'The container to use.',
  command: 'The command to run.',
  follow: 'Follow the log stream.',
  tailLines: 'Lines from the end of the log to show.',
  timestamps: 'Prefix each log line with a timestamp.',
};

export function describeParameter(name: string): string {
  return PARAMETERS[name] ?? `The ${words(name)} option.`;
}
