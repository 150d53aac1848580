// batch/v1 objects: Jobs and CronJobs, the shapes of openapi/apis__batch__v1.json that the
// strategies and controllers read and write.
import type { MetaLabelSelector, ObjectReference, PodTemplateSpec, Time } from './objects.js';
import type { KObject, ObjectMeta } from './types.js';

export interface PodFailurePolicyOnExitCodesRequirement {
  containerName?: string;
  operator: string;
  values: number[];
}

export interface PodFailurePolicyOnPodConditionsPattern { type: string; status?: string }

export interface PodFailurePolicyRule {
  action: string;
  onExitCodes?: PodFailurePolicyOnExitCodesRequirement;
  onPodConditions?: PodFailurePolicyOnPodConditionsPattern[];
}

export interface PodFailurePolicy { rules: PodFailurePolicyRule[] }

export interface JobSpec {
  activeDeadlineSeconds?: number;
  backoffLimit?: number;
  backoffLimitPerIndex?: number;
  completionMode?: string;
  completions?: number | null;
  managedBy?: string;
  manualSelector?: boolean;
  maxFailedIndexes?: number;
  parallelism?: number;
  podFailurePolicy?: PodFailurePolicy;
  podReplacementPolicy?: string;
  selector?: MetaLabelSelector;
  successPolicy?: unknown;
  suspend?: boolean;
  template?: PodTemplateSpec;
  ttlSecondsAfterFinished?: number;
}

export interface JobCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: Time;
  lastTransitionTime?: Time;
}

export interface UncountedTerminatedPods { succeeded?: string[]; failed?: string[] }

export interface JobStatus {
  active?: number;
  ready?: number;
  terminating?: number;
  succeeded?: number;
  failed?: number;
  startTime?: Time;
  completionTime?: Time;
  completedIndexes?: string;
  failedIndexes?: string;
  conditions?: JobCondition[];
  uncountedTerminatedPods?: UncountedTerminatedPods;
}

export interface Job extends KObject {
  spec?: JobSpec;
  status?: JobStatus;
}

export interface JobTemplateSpec {
  metadata?: ObjectMeta;
  spec?: JobSpec;
}

export interface CronJobSpec {
  schedule?: string;
  timeZone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: string;
  suspend?: boolean;
  jobTemplate?: JobTemplateSpec;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
}

export interface CronJobStatus {
  active?: ObjectReference[];
  lastScheduleTime?: Time;
  lastSuccessfulTime?: Time;
}

export interface CronJob extends KObject {
  spec?: CronJobSpec;
  status?: CronJobStatus;
}
