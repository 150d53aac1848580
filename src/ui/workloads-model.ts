// What the Workloads view shows of ReplicationControllers, ReplicaSets and Deployments, derived
// from the objects alone (pure, no DOM): kubectl get's columns, a Deployment's rollout as kubectl
// rollout status judges it, and which Deployment a ReplicaSet belongs to.
import type { Deployment, ReplicaSet, ReplicationController } from '../api/objects.js';
import type { ObjectRef } from './shell.js';

export type WorkloadKind = 'ReplicationController' | 'ReplicaSet' | 'Deployment';
export type Workload = ReplicationController | ReplicaSet | Deployment;

/** Where each kind lives in the API. */
export const WORKLOAD_API: Record<WorkloadKind, { group: string; version: string; resource: string }> = {
  ReplicationController: { group: '', version: 'v1', resource: 'replicationcontrollers' },
  ReplicaSet: { group: 'apps', version: 'v1', resource: 'replicasets' },
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
};

export function workloadRef(kind: WorkloadKind, obj: Workload): ObjectRef {
  return { ...WORKLOAD_API[kind], kind, namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' };
}

/** Sorts by namespace, then name (the NUL keeps "a/b" before "a-x/…"). */
export function workloadKey(kind: WorkloadKind, namespace: string | undefined, name: string | undefined): string {
  return `${kind}\u0000${namespace ?? ''}\u0000${name ?? ''}`;
}

/** The columns kubectl get prints for an RC or a ReplicaSet: DESIRED (spec), CURRENT and READY (status). */
export interface ReplicaCounts { desired: number; current: number; ready: number }

export function replicaCounts(obj: ReplicationController | ReplicaSet): ReplicaCounts {
  return { desired: obj.spec?.replicas ?? 0, current: obj.status?.replicas ?? 0, ready: obj.status?.readyReplicas ?? 0 };
}

/** kubectl get deployment's READY (ready of spec.replicas), UP-TO-DATE and AVAILABLE. */
export interface DeploymentCounts { desired: number; ready: number; updated: number; available: number; current: number }

export function deploymentCounts(d: Deployment): DeploymentCounts {
  const s = d.status ?? {};
  return { desired: d.spec?.replicas ?? 0, ready: s.readyReplicas ?? 0, updated: s.updatedReplicas ?? 0, available: s.availableReplicas ?? 0, current: s.replicas ?? 0 };
}

export type RolloutState = 'complete' | 'progressing' | 'stalled' | 'waiting';

export interface Rollout { state: RolloutState; text: string }

/**
 * A Deployment's rollout: complete when the controller has seen the latest spec, its Progressing
 * condition says NewReplicaSetAvailable and every replica is updated and available (what kubectl
 * rollout status waits for); stalled at ProgressDeadlineExceeded; otherwise the condition's reason
 * and message with how many replicas are updated.
 */
export function rollout(d: Deployment): Rollout {
  const c = deploymentCounts(d);
  if ((d.metadata.generation ?? 0) > (d.status?.observedGeneration ?? 0)) return { state: 'waiting', text: 'waiting for the deployment controller to observe the change' };
  const progressing = d.status?.conditions?.find((x) => x.type === 'Progressing');
  const reason = progressing?.reason ?? '';
  const said = progressing ? `${reason}: ${progressing.message ?? ''}` : 'no Progressing condition yet';
  if (reason === 'ProgressDeadlineExceeded') return { state: 'stalled', text: said };
  if (reason === 'NewReplicaSetAvailable' && c.updated === c.desired && c.current === c.updated && c.available === c.updated) return { state: 'complete', text: 'complete' };
  return { state: 'progressing', text: `${said} (${c.updated} of ${c.desired} updated, ${c.available} available)` };
}

/** The Deployment that controls a ReplicaSet (its controller owner reference), as a workload key. */
export function owningDeployment(rs: ReplicaSet): string | undefined {
  const owner = rs.metadata.ownerReferences?.find((o) => o.controller === true && o.kind === 'Deployment');
  return owner ? workloadKey('Deployment', rs.metadata.namespace, owner.name) : undefined;
}

/** A ReplicaSet's place in its Deployment's history (the revision annotation the controller sets). */
export function revision(rs: ReplicaSet): string {
  return rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '';
}
