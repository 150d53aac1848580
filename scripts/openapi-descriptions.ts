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

export function describeOperation(op: Json): string {
  const action: string = op['x-kubernetes-action'] ?? 'get';
  const kind: string = op['x-kubernetes-group-version-kind']?.kind ?? 'resources';
  const verbs: Record<string, string> = {
    get: `read a ${kind}`,
    list: `list ${kind} objects`,
    watch: `watch a ${kind}`,
    watchlist: `watch ${kind} objects`,
    post: `create a ${kind}`,
    put: `replace a ${kind}`,
    patch: `partially update a ${kind}`,
    delete: `delete a ${kind}`,
    deletecollection: `delete a collection of ${kind} objects`,
    connect: `connect to ${kind}`,
  };
  return verbs[action] ?? `${action} ${kind}`;
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
