// The apps/v1 kinds that keep history in ControllerRevisions: StatefulSets, DaemonSets and the
// revisions themselves, as their OpenAPI schemas describe them (the fields tinykube reads).
import type { IntOrString, MetaLabelSelector, PodTemplateSpec } from './objects.js';
import type { KObject, ObjectMeta } from './types.js';

/** A StatefulSet's volumeClaimTemplates entry: a PersistentVolumeClaim as a template. */
export interface ClaimTemplate {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: { volumeMode?: string; [field: string]: unknown };
  status?: { phase?: string; [field: string]: unknown };
}

export interface RollingUpdateStatefulSetStrategy { partition?: number; maxUnavailable?: IntOrString }
export interface StatefulSetUpdateStrategy { type?: string; rollingUpdate?: RollingUpdateStatefulSetStrategy }
export interface PersistentVolumeClaimRetentionPolicy { whenDeleted?: string; whenScaled?: string }

export interface StatefulSetSpec {
  replicas?: number;
  selector?: MetaLabelSelector;
  template?: PodTemplateSpec;
  volumeClaimTemplates?: ClaimTemplate[];
  serviceName?: string;
  podManagementPolicy?: string;
  updateStrategy?: StatefulSetUpdateStrategy;
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  persistentVolumeClaimRetentionPolicy?: PersistentVolumeClaimRetentionPolicy;
  ordinals?: { start?: number };
}

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: unknown[];
}

export interface StatefulSet extends KObject {
  spec?: StatefulSetSpec;
  status?: StatefulSetStatus;
}

export interface RollingUpdateDaemonSet { maxUnavailable?: IntOrString; maxSurge?: IntOrString }
export interface DaemonSetUpdateStrategy { type?: string; rollingUpdate?: RollingUpdateDaemonSet }

export interface DaemonSetSpec {
  selector?: MetaLabelSelector;
  template?: PodTemplateSpec;
  updateStrategy?: DaemonSetUpdateStrategy;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
}

export interface DaemonSetStatus {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: unknown[];
}

export interface DaemonSet extends KObject {
  spec?: DaemonSetSpec;
  status?: DaemonSetStatus;
}

export interface ControllerRevision extends KObject {
  /** The owner's state at this revision: for StatefulSets and DaemonSets, a patch of spec.template. */
  data?: unknown;
  revision: number;
}
