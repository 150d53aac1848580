// What follows a container's end, as the kubelet decides it: the terminated state it records,
// whether the restart policy starts it again, the pod's phase (kubelet_pods.go getPhase) and the
// conditions of a finished pod, and the order of init containers. Pure functions.
import type { Container, ContainerStateTerminated, ContainerStatus, Pod, PodCondition, PodStatus } from '../api/objects.js';
import type { ProcessExit } from './container-process.js';

/** The exit code the kubelet records for a container the runtime could not start. */
export const START_ERROR_EXIT_CODE = 128;

/** A run's end as the container's terminated state: Completed, Error, or StartError (never started: startedAt is the zero time). */
export function terminatedState(exit: ProcessExit, startedAt: string, now: string, containerID: string | undefined): ContainerStateTerminated {
  const id = containerID ? { containerID } : {};
  if ('startError' in exit) {
    return { exitCode: START_ERROR_EXIT_CODE, reason: 'StartError', message: exit.startError, startedAt: '1970-01-01T00:00:00Z', finishedAt: now, ...id };
  }
  return { exitCode: exit.exitCode, reason: exit.exitCode === 0 ? 'Completed' : 'Error', startedAt, finishedAt: now, ...id };
}

export function exitCodeOf(exit: ProcessExit): number {
  return 'startError' in exit ? START_ERROR_EXIT_CODE : exit.exitCode;
}

/** Whether the restart policy starts a container again after it exited with `exitCode`. */
export function restartsAfterExit(pod: Pod, exitCode: number): boolean {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/** An init container has done its work: it ended with exit code 0. */
function initialized(status: ContainerStatus | undefined): boolean {
  return status?.state?.terminated?.exitCode === 0;
}

/** The first init container that has not done its work yet; undefined when all have. */
export function nextInitContainer(pod: Pod): Container | undefined {
  const statuses = new Map((pod.status?.initContainerStatuses ?? []).map((s) => [s.name, s]));
  return (pod.spec?.initContainers ?? []).find((c) => !initialized(statuses.get(c.name)));
}

/**
 * The pod's phase from its containers, as getPhase computes it: Pending while an init container
 * has work left or a container never started; Failed once an init container failed under
 * restartPolicy Never; Running while one runs (or restarts); else Succeeded or Failed by the
 * exit codes and the restart policy. A terminal phase never changes.
 */
export function podPhase(pod: Pod, status: PodStatus): string {
  const before = status.phase ?? pod.status?.phase;
  if (before === 'Succeeded' || before === 'Failed') return before;
  const policy = pod.spec?.restartPolicy ?? 'Always';
  let pendingInit = 0, failedInit = 0;
  const inits = new Map((status.initContainerStatuses ?? []).map((s) => [s.name, s]));
  for (const c of pod.spec?.initContainers ?? []) {
    const s = inits.get(c.name);
    const exit = s?.state?.terminated?.exitCode ?? (s?.state?.waiting ? s.lastState?.terminated?.exitCode : undefined);
    if (exit === undefined) pendingInit++;
    else if (exit !== 0) failedInit++;
  }
  let running = 0, waiting = 0, stopped = 0, succeeded = 0, unknown = 0;
  const statuses = new Map((status.containerStatuses ?? []).map((s) => [s.name, s]));
  for (const c of pod.spec?.containers ?? []) {
    const state = statuses.get(c.name)?.state;
    if (!state) unknown++;
    else if (state.running) running++;
    else if (state.terminated) { stopped++; if (state.terminated.exitCode === 0) succeeded++; }
    else if (statuses.get(c.name)?.lastState?.terminated) stopped++;
    else waiting++;
  }
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if (pendingInit > 0 || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    return policy === 'Never' ? 'Failed' : 'Running';
  }
  return 'Pending';
}

/** A finished pod's readiness: ContainersReady and Ready False, with PodCompleted or PodFailed. */
export function withTerminalConditions(status: PodStatus, now: string): PodStatus {
  const reason = status.phase === 'Succeeded' ? 'PodCompleted' : status.phase === 'Failed' ? 'PodFailed' : undefined;
  if (!reason) return status;
  const conditions = (status.conditions ?? []).map((c): PodCondition => {
    if (c.type !== 'Ready' && c.type !== 'ContainersReady') return c;
    return { type: c.type, status: 'False', lastProbeTime: null, lastTransitionTime: c.status === 'False' ? c.lastTransitionTime : now, reason };
  });
  return { ...status, conditions };
}

/**
 * The status of a pod whose init containers have work left: each init container's status (not
 * started yet: waiting PodInitializing), its app containers waiting PodInitializing, and
 * Initialized False naming the init containers not done.
 */
export function withInitStatus(pod: Pod, status: PodStatus, now: string): PodStatus {
  const inits = pod.spec?.initContainers ?? [];
  const before = new Map((status.initContainerStatuses ?? []).map((s) => [s.name, s]));
  const waiting = (c: Container): ContainerStatus => ({
    name: c.name, image: c.image ?? '', imageID: '', state: { waiting: { reason: 'PodInitializing' } }, lastState: {}, ready: false, restartCount: 0, started: false,
  });
  const initContainerStatuses = inits.map((c) => before.get(c.name) ?? waiting(c));
  const apps = new Map((status.containerStatuses ?? []).map((s) => [s.name, s]));
  const containerStatuses = (pod.spec?.containers ?? []).map((c) => ({ ...(apps.get(c.name) ?? waiting(c)), state: { waiting: { reason: 'PodInitializing' } }, ready: false, started: false }));
  const incomplete = inits.filter((c) => !initialized(initContainerStatuses.find((s) => s.name === c.name))).map((c) => c.name);
  const conditions = (status.conditions ?? []).map((c): PodCondition => {
    if (c.type !== 'Initialized') return c;
    if (!incomplete.length) return c;
    return { type: c.type, status: 'False', lastProbeTime: null, lastTransitionTime: c.status === 'False' ? c.lastTransitionTime : now, reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${incomplete.join(' ')}]` };
  });
  return { ...status, initContainerStatuses, containerStatuses, conditions };
}
