// The shapes every API object shares, and the Strategy each resource supplies to the generic
// machinery (kube's RESTCreateStrategy / RESTUpdateStrategy / TableConvertor rolled into one,
// with its subresources declared as kube's per-subresource strategies and REST storages are).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';
import type { FieldError } from './errors.js';
import type { OpenAPIFragment } from './openapi.js';
import type { RequestContext } from './request-context.js';
import type { RegistryContext, ResourceStore } from './resource-store.js';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [field: string]: unknown;
}

/** Any API object. Fields other than the envelope are the resource's own. */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  priority: number;
}

export interface TableConvertor<T extends KObject = KObject> {
  columns: TableColumn[];
  /** One row's cells, in column order. `now` is the server's clock in ms. */
  cells(obj: T, now: number): unknown[];
}

/** What a strategy may need while preparing a write (allocators, the clock). */
export interface WriteContext {
  now: Date;
  /** An integer in [0, max), from the registry's entropy (allocators start their search there). */
  random(max: number): number;
  /** Objects of another resource, read from its cache (for allocation and cross-checks). */
  list(resource: string, namespace?: string): KObject[];
  /** The request the write serves; none for writes made outside a request (controllers). */
  request?: RequestContext;
}

/** How a resource shares storage with another version of the same objects (events.k8s.io/v1 Events are core/v1 Events). */
export interface StorageCodec {
  prefix: string;
  toStorage(obj: KObject): KObject;
  fromStorage(stored: KObject): KObject;
}

/** Who made a request, as authentication saw them. */
/** Who a bearer token is and which of the audiences asked it was accepted for; undefined when not authenticated. */
export type TokenAuthenticator = (token: string, audiences: readonly string[]) => { user: Requester; audiences: string[] } | undefined;

export interface Requester { username: string; uid?: string; groups: string[] }

/** A POST whose body is not stored as it is (a binding, an eviction, a review). */
export interface CreateRequest {
  /** The group-version the request's URL named. */
  version: string;
  namespace?: string;
  /** The object named in the URL, for subresources (`pods/x/binding`). */
  name?: string;
  /** The body as decoded from JSON, YAML or protobuf, not yet checked. */
  body: unknown;
  /** The dryRun values of the query, already checked to be `All`. */
  dryRun: string[];
  fieldManager: string;
  /** Who asks, and the warnings of the answer. */
  context: RequestContext;
  registry: RegistryContext;
  /** Who a bearer token authenticates as, for which of `audiences` (TokenReview asks). */
  authenticateToken?: TokenAuthenticator;
}

/** What a create-style handler answers: a status code and the object or Status to send. */
export interface CreateResult { code: number; body: unknown }

/** A connection to an object (kube's CONNECT verb): log, proxy, exec over HTTP. */
export interface ConnectRequest {
  /** The store of the object connected to. */
  target: ResourceStore;
  namespace?: string;
  /** The name as given in the URL: `name` or `name:port` for proxies. */
  name: string;
  /** Path segments after the subresource (proxy paths). */
  rest: string[];
  query: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
  registry: RegistryContext;
}

/** A request for a stream of a subresource (exec, attach, port-forward), once its connection is upgraded. */
export interface StreamRequest {
  target: ResourceStore;
  namespace?: string;
  name: string;
  query: URLSearchParams;
  registry: RegistryContext;
}

/** How a remote command ended, as kube reports it on the error stream: a Status without kind. */
export interface StreamStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes: { reason: string; message: string }[] };
}

/**
 * The streams of one exec or attach session (kube's remotecommand protocol), whatever carries
 * them: websocket channels or SPDY streams. A stream the client did not ask for is absent.
 */
export interface CommandStreams {
  /** What the client types, ending at its EOF. */
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty: boolean;
  onResize(listener: (size: { width: number; height: number }) => void): void;
  /** Reports the outcome on the error stream and ends the session. */
  end(status: StreamStatus): void;
  /** Called once the client has gone, whether or not `end` was. */
  onClose(listener: () => void): void;
}

/** One connection forwarded to a pod's port. */
export interface ForwardedConnection {
  port: number;
  /** The connection's bytes, both ways; ending it ends the client's connection. */
  data: Duplex;
  /** Reports why the port can't be reached (kube's error stream) and ends the connection. */
  fail(message: string): void;
}

/** A port-forward session (kube's portforward protocol): the connections it carries as they come. */
export interface ForwardStreams {
  onConnection(listener: (connection: ForwardedConnection) => void): void;
  onClose(listener: () => void): void;
}

/**
 * A subresource served as one of kube's streaming protocols; the server speaks each over
 * websocket and SPDY/3.1 and hands the streams to `serve`. `check` runs before the upgrade, so a
 * bad request gets a plain 4xx answer.
 */
export type StreamingEndpoint =
  | { protocol: 'remotecommand'; check?(request: StreamRequest): void; serve(request: StreamRequest, streams: CommandStreams): void }
  | { protocol: 'portforward'; check?(request: StreamRequest): void; serve(request: StreamRequest, streams: ForwardStreams): void };

/**
 * A subresource and what serves it. `view`: the object itself, written with some fields kept
 * as stored (kube's status strategies and their GetResetFields; namespaces' finalize); `scale`:
 * an autoscaling/v1 Scale read from and written to two paths of the object; `create`: a POST
 * handled by code (binding, eviction); `connect`: a connection (log, proxy, exec, attach).
 */
export type Subresource =
  | { type: 'view'; resetFields: readonly string[]; prepareForUpdate?(obj: KObject, old: KObject): void }
  | { type: 'scale'; specReplicasPath: string; statusReplicasPath: string; selector(obj: KObject): string }
  | { type: 'create'; create(request: CreateRequest, target: ResourceStore): Promise<CreateResult> }
  | { type: 'connect'; connect?(request: ConnectRequest): void | Promise<void>; stream?: StreamingEndpoint };

/**
 * What a kind adds to the generic machinery. `T` is the kind's type: the store holds only objects
 * that passed the kind's schema, so its methods may take them as such (method parameters, which
 * TypeScript checks bivariantly, let a Strategy<Pod> serve where a Strategy is expected).
 */
export interface Strategy<T extends KObject = KObject> {
  /** The resource this strategy serves: its API group ('' for core), version and plural name. */
  group: string;
  version: string;
  resource: string;
  /**
   * The OpenAPI paths and schemas of a kind not described by the documents in openapi/ (kinds
   * defined at run time). Built-in kinds leave it out: their group-version's document has them.
   */
  openapi?: OpenAPIFragment;
  /**
   * A kind with no storage and no watch cache: its creates are answered by `create` (bindings,
   * SelfSubjectAccessReviews), its gets and lists computed by `list` (metrics).
   */
  virtual?: {
    create?(request: CreateRequest): Promise<CreateResult>;
    /** The objects there are now, in one namespace or all (computed at once, or probed: componentstatuses). */
    list?(registry: RegistryContext, namespace: string | undefined, request: RequestContext): KObject[] | Promise<KObject[]>;
  };
  storage?: StorageCodec;
  /** Custom resources: the schema's JSON types are checked by `validate` (422s), not when decoding (Go's 400s). */
  unstructured?: boolean;
  singularName: string;
  shortNames?: string[];
  categories?: string[];
  /** How names are validated: DNS-1123 subdomain (default), label, or only path-segment safe. */
  nameFormat?: 'subdomain' | 'label' | 'path';
  /** The subresources this kind serves beyond what the generic store does, by name. */
  subresources?: Readonly<Record<string, Subresource>>;
  /**
   * Fields an update of the main resource keeps as stored (kube's GetResetFields). Default:
   * `status` when there is a status subresource, else none.
   */
  resetFields?: readonly string[];
  /** Whether metadata.generation tracks spec changes. */
  tracksGeneration?: boolean;
  /** Whether DELETE answers with the object rather than a Status (kube's ReturnDeletedObject). */
  returnsDeletedObject?: boolean;
  /** Defaulting, run on every create and update (kube's SetDefaults_*). */
  defaults?(obj: T): void;
  prepareForCreate?(obj: T, ctx: WriteContext): void;
  /** Called for updates of the main resource, after its reset fields were restored. */
  prepareForUpdate?(obj: T, old: T, ctx: WriteContext): void;
  /** `subresource` names the subresource an update came through (`status`, `binding`...). */
  validate?(obj: T, old?: T, subresource?: string, request?: RequestContext): FieldError[];
  /**
   * Called before a delete: may throw to refuse it, or return the object to keep (with its
   * deletion recorded) instead of removing it, as namespaces do until their contents are gone.
   */
  beforeDelete?(obj: T, now: Date): T | undefined;
  /** Grace period for a delete with none given; 0 deletes at once. */
  gracePeriod?(obj: T, requested: number | undefined): number;
  /**
   * Keep this resource's objects in the watch cache as JSON bytes only, decoded when read: for
   * resources written often and read rarely. kube-apiserver does not cache Events at all.
   */
  compactCache?: boolean;
  /** Secondary indexes of the watch cache, for controllers (pods by spec.nodeName). */
  indexes?: Record<string, (obj: KObject) => string | undefined>;
  /** Field-selector attributes beyond metadata.name and metadata.namespace. */
  selectableFields?(obj: T): Record<string, string>;
  /**
   * The selectable field the watch cache files watchers under when their field selector requires
   * one value of it (WatchCacheOptions.trigger): as kube's cacher's TriggerFunc, pods' spec.nodeName.
   */
  watchTriggerField?: string;
  /** Field labels accepted by field selectors but renamed (pods' legacy `spec.host`). */
  fieldLabelAliases?: Record<string, string>;
  table?: TableConvertor<T>;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
  orphanDependents?: boolean;
}
