// The pod lifecycle stages a simulated kubelet follows: loaded from YAML (default-stages.yaml or
// a user's file), matched against a pod, and turned into the pod's next status. Pure functions.
import { readFileSync } from 'node:fs';
import { copyJSON } from '../api/json.js';
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodReadinessGate, PodStatus } from '../api/objects.js';
import { DEFAULT_STAGES_FILE } from '../paths.js';
import { yaml } from '../lazy-modules.js';
import type { ImageStep } from './images.js';

export interface StageMatch {
  scheduled?: boolean;
  phase?: string;
  /** The containers' state: none (no statuses yet), waiting, running or terminated. */
  containers?: 'none' | 'waiting' | 'running' | 'terminated';
  deleting?: boolean;
  /** The pod carries this annotation. */
  annotation?: string;
}

export interface StageEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  perContainer?: boolean;
  /** Per container, only when its start pulls its image (`pull`) or finds it on the node (`present`): see images.ts. */
  image?: ImageStep;
}

export interface StageStatus {
  /** A phase, or `exit-code`: Succeeded or Failed from the tinykube.io/exit-code annotation. */
  phase?: string;
  hostIP?: boolean;
  podIP?: boolean;
  startTime?: boolean;
  containers?: { state: 'waiting' | 'running' | 'terminated'; reason?: string; ready: boolean };
  conditions?: Record<string, 'True' | 'False'>;
}

export interface Stage {
  name: string;
  match: StageMatch;
  /** Milliseconds; `grace` (the pod's deletion grace period, at most maxDelayMs); `annotation:<key>`. */
  delayMs: number | string;
  maxDelayMs?: number;
  status?: StageStatus;
  events?: StageEvent[];
  delete?: boolean;
}

/** default-stages.yaml, parsed at build time into the bundle (scripts/build.js); not defined under tsx. */
declare const TINYKUBE_DEFAULT_STAGES: Stage[] | undefined;

export function loadStages(file?: string): Stage[] {
  if (file === undefined && typeof TINYKUBE_DEFAULT_STAGES !== 'undefined') return structuredClone(TINYKUBE_DEFAULT_STAGES);
  file ??= DEFAULT_STAGES_FILE;
  const stages: unknown = yaml().parse(readFileSync(file, 'utf8'));
  if (!isStageList(stages)) throw new Error(`${file}: not a list of stages with name and match`);
  return stages;
}

/** A user's stages file is checked as far as matching needs: each stage has a name and a match. */
function isStageList(v: unknown): v is Stage[] {
  return Array.isArray(v) && v.every((s: unknown) => typeof s === 'object' && s !== null && 'name' in s && !!s.name && 'match' in s && !!s.match);
}

function containerState(pod: Pod): StageMatch['containers'] {
  const statuses = pod.status?.containerStatuses ?? [];
  if (!statuses.length) return 'none';
  if (statuses.some((c) => c.state?.waiting)) return 'waiting';
  if (statuses.every((c) => c.state?.terminated)) return 'terminated';
  return 'running';
}

export function matches(stage: Stage, pod: Pod): boolean {
  const m = stage.match;
  const phase = pod.status?.phase ?? 'Pending';
  if (m.scheduled !== undefined && !!pod.spec?.nodeName !== m.scheduled) return false;
  if (m.phase !== undefined && phase !== m.phase) return false;
  if (m.deleting !== undefined && !!pod.metadata.deletionTimestamp !== m.deleting) return false;
  if (m.containers !== undefined && containerState(pod) !== m.containers) return false;
  if (m.annotation !== undefined && pod.metadata.annotations?.[m.annotation] === undefined) return false;
  return true;
}

/** The first stage a pod matches, if any. */
export function nextStage(stages: Stage[], pod: Pod): Stage | undefined {
  return stages.find((s) => matches(s, pod));
}

export function stageDelay(stage: Stage, pod: Pod): number {
  const d = stage.delayMs;
  if (typeof d === 'number') return d;
  if (d === 'grace') {
    const grace = (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000;
    return Math.min(grace, stage.maxDelayMs ?? 1000);
  }
  if (d.startsWith('annotation:')) return Number(pod.metadata.annotations?.[d.slice('annotation:'.length)] ?? 1000) || 0;
  return Number(d) || 0;
}

export interface StatusInputs { now: string; hostIP: string; podIP: () => string }

/** The pod's status after a stage: containers, conditions (readiness gates honoured), phase, IPs. */
export function applyStageStatus(stage: Stage, pod: Pod, inputs: StatusInputs): PodStatus {
  const s = stage.status ?? {};
  const status = copyJSON(pod.status ?? {});
  const containers = pod.spec?.containers ?? [];
  if (s.hostIP) { status.hostIP = inputs.hostIP; status.hostIPs = [{ ip: inputs.hostIP }]; }
  if (s.startTime && !status.startTime) status.startTime = inputs.now;
  if (s.podIP && !status.podIP) { const ip = inputs.podIP(); status.podIP = ip; status.podIPs = [{ ip }]; }
  const exitCode = Number(pod.metadata.annotations?.['tinykube.io/exit-code'] ?? 0) || 0;
  if (s.phase === 'exit-code') status.phase = exitCode === 0 ? 'Succeeded' : 'Failed';
  else if (s.phase) status.phase = s.phase;
  const target = s.containers;
  if (target) {
    const previous = new Map((status.containerStatuses ?? []).map((c) => [c.name, c]));
    status.containerStatuses = containers.map((c): ContainerStatus => {
      const before = previous.get(c.name);
      const started = before?.state?.running?.startedAt ?? inputs.now;
      const state: ContainerState = target.state === 'waiting' ? { waiting: { reason: target.reason ?? 'ContainerCreating' } }
        : target.state === 'running' ? { running: { startedAt: started } }
        : { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: started, finishedAt: inputs.now, containerID: `tinykube://${pod.metadata.uid}-${c.name}` } };
      return {
        name: c.name, image: c.image ?? '', imageID: imageIDOf(c.image ?? ''),
        ...(target.state !== 'waiting' ? { containerID: `tinykube://${pod.metadata.uid}-${c.name}` } : {}),
        state, lastState: before?.lastState ?? {}, ready: target.ready, restartCount: before?.restartCount ?? 0,
        started: target.state === 'running',
      };
    });
  }
  if (s.conditions) {
    const conditions = new Map((status.conditions ?? []).map((c) => [c.type, c]));
    for (const [type, value] of Object.entries(s.conditions)) {
      const before = conditions.get(type);
      conditions.set(type, { type, status: value, lastProbeTime: null, lastTransitionTime: before?.status === value ? before.lastTransitionTime : inputs.now });
    }
    status.conditions = [...conditions.values()];
  }
  return withReadinessGates(status, pod.spec?.readinessGates ?? [], inputs.now);
}

/** Ready is True only while the containers are ready and every readiness gate's condition is True. */
/**
 * The imageID a container of `image` reports (the runtime's digest form: nothing is pulled, so
 * the digest is zeros). One string for each image: every running pod's status holds it.
 */
export function imageIDOf(image: string): string {
  let id = imageIDs.get(image);
  if (id === undefined) {
    if (imageIDs.size >= 1024) imageIDs.clear();
    imageIDs.set(image, (id = `docker.io/library/${image}@sha256:${'0'.repeat(64)}`));
  }
  return id;
}
const imageIDs = new Map<string, string>();

export function withReadinessGates(status: PodStatus, gates: PodReadinessGate[], now: string): PodStatus {
  const conditions: PodCondition[] = status.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  if (!ready || !gates.length) return status;
  const containersReady = conditions.find((c) => c.type === 'ContainersReady')?.status === 'True';
  const missing = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status !== 'True').map((g) => g.conditionType);
  const value = containersReady && missing.length === 0 ? 'True' : 'False';
  if (ready.status !== value) { ready.status = value; ready.lastTransitionTime = now; }
  if (missing.length && containersReady) {
    ready.reason = 'ReadinessGatesNotReady';
    ready.message = `corresponding condition of pod readiness gate "${missing[0]}" does not exist.`;
  } else {
    delete ready.reason;
    delete ready.message;
  }
  return status;
}

/**
 * The events a stage records, one per container where the event says so; an event for one image
 * step only for the containers whose start takes it (`imageStepOf`: the kubelet's NodeImages).
 */
export function stageEvents(stage: Stage, pod: Pod, imageStepOf: (c: Container) => ImageStep): { type: 'Normal' | 'Warning'; reason: string; message: string; fieldPath?: string }[] {
  const containers = pod.spec?.containers ?? [];
  return (stage.events ?? []).flatMap((e) => e.perContainer || e.image
    ? containers
      .filter((c) => !e.image || imageStepOf(c) === e.image)
      .map((c) => ({ type: e.type, reason: e.reason, message: e.message.replaceAll('{image}', c.image ?? '').replaceAll('{container}', c.name), fieldPath: `spec.containers{${c.name}}` }))
    : [{ type: e.type, reason: e.reason, message: e.message }]);
}
