// The shapes every API object shares, and the Strategy each resource supplies to the generic
// machinery (kube's RESTCreateStrategy / RESTUpdateStrategy / TableConvertor rolled into one).
import type { FieldError } from './errors.js';

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

export interface TableConvertor {
  columns: TableColumn[];
  /** One row's cells, in column order. `now` is the server's clock in ms. */
  cells(obj: KObject, now: number): unknown[];
}

/** What a strategy may need while preparing a write (allocators, the clock). */
export interface WriteContext {
  now: Date;
  /** An integer in [0, max), from the registry's entropy (allocators start their search there). */
  random(max: number): number;
  /** Objects of another resource, read from its cache (for allocation and cross-checks). */
  list(resource: string, namespace?: string): KObject[];
}

/** How a resource shares storage with another version of the same objects (events.k8s.io/v1 Events are core/v1 Events). */
export interface StorageCodec {
  prefix: string;
  toStorage(obj: KObject): KObject;
  fromStorage(stored: KObject): KObject;
}

export interface Strategy {
  storage?: StorageCodec;
  singularName: string;
  shortNames?: string[];
  categories?: string[];
  /** How names are validated: DNS-1123 subdomain (default), label, or only path-segment safe. */
  nameFormat?: 'subdomain' | 'label' | 'path';
  /** Whether updates of the main resource keep the stored status (there is a status subresource). */
  hasStatus?: boolean;
  /** Whether metadata.generation tracks spec changes. */
  tracksGeneration?: boolean;
  /** Whether DELETE answers with the object rather than a Status (kube's ReturnDeletedObject). */
  returnsDeletedObject?: boolean;
  /** Defaulting, run on every create and update (kube's SetDefaults_*). */
  defaults?(obj: KObject): void;
  prepareForCreate?(obj: KObject, ctx: WriteContext): void;
  prepareForUpdate?(obj: KObject, old: KObject, ctx: WriteContext): void;
  /** `subresource` names the subresource an update came through (`status`, `binding`...). */
  validate?(obj: KObject, old?: KObject, subresource?: string): FieldError[];
  /**
   * Called before a delete: may throw to refuse it, or return the object to keep (with its
   * deletion recorded) instead of removing it, as namespaces do until their contents are gone.
   */
  beforeDelete?(obj: KObject, now: Date): KObject | undefined;
  /** Grace period for a delete with none given; 0 deletes at once. */
  gracePeriod?(obj: KObject, requested: number | undefined): number;
  /**
   * Keep this resource's objects in the watch cache as JSON bytes only, decoded when read: for
   * resources written often and read rarely. kube-apiserver does not cache Events at all.
   */
  compactCache?: boolean;
  /** Secondary indexes of the watch cache, for controllers (pods by spec.nodeName). */
  indexes?: Record<string, (obj: KObject) => string | undefined>;
  /** Field-selector attributes beyond metadata.name and metadata.namespace. */
  selectableFields?(obj: KObject): Record<string, string>;
  /** Field labels accepted by field selectors but renamed (pods' legacy `spec.host`). */
  fieldLabelAliases?: Record<string, string>;
  table?: TableConvertor;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
  orphanDependents?: boolean;
}
