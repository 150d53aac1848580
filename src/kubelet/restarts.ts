// Restarting a container the kubelet killed (a failed liveness or startup probe) or whose
// process exited (container-exits.ts), as kuberuntime does, with one back-off for both: the restart policy decides whether it comes back, the per-container back-off (10 s
// doubling to 5 min, forgotten after 10 min) decides when, and the status shows the killed
// container in lastState and CrashLoopBackOff while waiting. Pure functions.
import type { Container, ContainerStatus, Pod } from '../api/objects.js';
import { imageEvents, imageStep, type ImageStep } from './images.js';
import { goDuration } from './probes.js';

export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;

/** A container's back-off entry (client-go flowcontrol.Backoff): its delay and when it was last moved on. */
export interface Backoff { delayMs: number; updatedMs: number }

/**
 * When a container killed at `nowMs` starts again. Without a live entry (none, or untouched for
 * twice the maximum) it starts at once and the next delay is the initial one; otherwise it waits
 * the entry's delay, and the delay after doubles up to the maximum.
 */
export function restartBackoff(entry: Backoff | undefined, nowMs: number): { waitMs: number; next: Backoff } {
  if (!entry || nowMs - entry.updatedMs > 2 * BACKOFF_MAX_MS) return { waitMs: 0, next: { delayMs: BACKOFF_INITIAL_MS, updatedMs: nowMs } };
  return { waitMs: entry.delayMs, next: { delayMs: Math.min(entry.delayMs * 2, BACKOFF_MAX_MS), updatedMs: nowMs + entry.delayMs } };
}

/** The restart policy's say after the kubelet killed a container (exit code 137): OnFailure restarts it too. */
export function restartsAfterKill(pod: Pod): boolean {
  return (pod.spec?.restartPolicy ?? 'Always') !== 'Never';
}

/** A pod as the kubelet's messages name it (format.Pod): name_namespace(uid). */
export function podDesc(pod: Pod): string {
  return `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;
}

/** The waiting message of a container in back-off (kuberuntime's doBackOff). */
export function crashLoopMessage(delayMs: number, container: string, pod: Pod): string {
  return `back-off ${goDuration(delayMs)} restarting failed container=${container} pod=${podDesc(pod)}`;
}

/** The BackOff event recorded while a container waits to be restarted. */
export function backOffEvent(container: string, pod: Pod): string {
  return `Back-off restarting failed container ${container} in pod ${podDesc(pod)}`;
}

/** Each start of a container gets an id of its own, so probes and the status can tell the runs apart. */
export function containerID(pod: Pod, container: string, restartCount: number): string {
  return `tinykube://${pod.metadata.uid ?? ''}-${container}${restartCount ? `-${restartCount}` : ''}`;
}

/**
 * A killed container's status: its run moves to lastState as terminated by SIGKILL (137); it is
 * then waiting in CrashLoopBackOff (`waitMessage`), terminated for good (restart policy Never),
 * or left for `restartedStatus` to start at once.
 */
export function killedStatus(cs: ContainerStatus, now: string, next: { waitMessage?: string; restart: boolean }): ContainerStatus {
  const terminated = {
    exitCode: 137, reason: 'Error', startedAt: cs.state?.running?.startedAt ?? now, finishedAt: now,
    ...(cs.containerID ? { containerID: cs.containerID } : {}),
  };
  if (!next.restart) return { ...cs, state: { terminated }, ready: false, started: false };
  const waiting = { reason: 'CrashLoopBackOff', ...(next.waitMessage ? { message: next.waitMessage } : {}) };
  return { ...cs, state: { waiting }, lastState: { terminated }, ready: false, started: false };
}

/** The container running again: one more restart, a new container id; a run that just ended becomes its last state. */
export function restartedStatus(cs: ContainerStatus, pod: Pod, now: string): ContainerStatus {
  const restartCount = cs.restartCount + 1;
  const lastState = cs.state?.terminated ? { terminated: cs.state.terminated } : cs.lastState;
  return { ...cs, restartCount, containerID: containerID(pod, cs.name, restartCount), state: { running: { startedAt: now } }, ...(lastState ? { lastState } : {}), ready: false, started: false };
}

export interface RestartEvent { type: 'Normal'; reason: string; message: string }

/**
 * The events of starting a container again: its image pulled again under pull policy Always,
 * else found on the machine (it was pulled for the first start); then created and started.
 */
export function restartEvents(container: Container): RestartEvent[] {
  return startEvents(container, imageStep(container.imagePullPolicy, true));
}

/** The events of a container's start whose image step is `step`: the image's, then created and started. */
export function startEvents(container: Container, step: ImageStep): RestartEvent[] {
  return [
    ...imageEvents(container.image ?? '', step),
    { type: 'Normal', reason: 'Created', message: `Created container: ${container.name}` },
    { type: 'Normal', reason: 'Started', message: `Started container ${container.name}` },
  ];
}
