// Probe policy as kube's kubelet applies it (pkg/kubelet/prober): a probe's timing and its API
// defaults, consecutive results counted against thresholds, the startup probe gating the others,
// what a container's `started` and `ready` are given the results so far, the pod conditions that
// follow, and the texts the kubelet records. Pure functions; the timers and the calls into the
// simulated pod are prober.ts's and probe-runners.ts's.
import type { Container, ContainerStatus, PodCondition, PodStatus, Probe } from '../api/objects.js';
import { withReadinessGates } from './stages.js';
import { copyJSON } from '../api/json.js';

export type ProbeKind = 'readiness' | 'liveness' | 'startup';
export const PROBE_KINDS: readonly ProbeKind[] = ['startup', 'readiness', 'liveness'];

export function probeOf(container: Container, kind: ProbeKind): Probe | undefined {
  return kind === 'readiness' ? container.readinessProbe : kind === 'liveness' ? container.livenessProbe : container.startupProbe;
}

export interface ProbeTiming {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
}

/** kube's API defaults for a probe (SetDefaults_Probe); 0 or absent means the default. */
export const PROBE_DEFAULTS: ProbeTiming = { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };

export function probeTiming(probe: Probe): ProbeTiming {
  const or = (v: number | undefined, d: number) => (v && v > 0 ? v : d);
  return {
    initialDelaySeconds: or(probe.initialDelaySeconds, PROBE_DEFAULTS.initialDelaySeconds),
    periodSeconds: or(probe.periodSeconds, PROBE_DEFAULTS.periodSeconds),
    timeoutSeconds: or(probe.timeoutSeconds, PROBE_DEFAULTS.timeoutSeconds),
    successThreshold: or(probe.successThreshold, PROBE_DEFAULTS.successThreshold),
    failureThreshold: or(probe.failureThreshold, PROBE_DEFAULTS.failureThreshold),
  };
}

/** Fills a probe's defaults in place, as the API server stores them (an httpGet also gets path `/` and scheme HTTP). */
export function defaultProbe(probe: Probe): void {
  probe.timeoutSeconds ||= PROBE_DEFAULTS.timeoutSeconds;
  probe.periodSeconds ||= PROBE_DEFAULTS.periodSeconds;
  probe.successThreshold ||= PROBE_DEFAULTS.successThreshold;
  probe.failureThreshold ||= PROBE_DEFAULTS.failureThreshold;
  if (probe.httpGet) {
    probe.httpGet.path ||= '/';
    probe.httpGet.scheme ||= 'HTTP';
  }
}

/**
 * When a new container's first probe of a kind runs, in ms after it started. Readiness is probed
 * at once (the kubelet triggers it while the container is not yet ready); the others on the
 * worker's ticker, whose first tick at or after initialDelaySeconds comes a period in at least.
 */
export function firstProbeDelayMs(kind: ProbeKind, timing: ProbeTiming): number {
  if (kind === 'readiness') return timing.initialDelaySeconds * 1000;
  const ticks = Math.max(1, Math.ceil(timing.initialDelaySeconds / timing.periodSeconds));
  return ticks * timing.periodSeconds * 1000;
}

/**
 * One probe's answer: a warning counts as a success (an HTTP redirect not followed); an error
 * (the probe could not be made, e.g. a port name the container does not declare) is not counted.
 */
export interface ProbeOutcome { result: 'success' | 'warning' | 'failure' | 'error'; output: string }

/** Consecutive equal results so far (the worker's lastResult and resultRun). */
export interface ResultRun { last?: 'success' | 'failure'; count: number }

export const NO_RUN: ResultRun = { count: 0 };

/**
 * Counts one result; a verdict comes once the run reaches its threshold (successThreshold or
 * failureThreshold), and again on every result after, as the kubelet sets its results then.
 */
export function countResult(run: ResultRun, outcome: ProbeOutcome, timing: ProbeTiming): { run: ResultRun; verdict?: 'success' | 'failure' } {
  if (outcome.result === 'error') return { run };
  const result = outcome.result === 'failure' ? 'failure' : 'success';
  const next: ResultRun = run.last === result ? { last: result, count: run.count + 1 } : { last: result, count: 1 };
  const threshold = result === 'failure' ? timing.failureThreshold : timing.successThreshold;
  return next.count >= threshold ? { run: next, verdict: result } : { run: next };
}

/** Readiness and liveness wait for the startup probe to pass; the startup probe stops once it has. */
export function probeRuns(kind: ProbeKind, started: boolean): boolean {
  return kind === 'startup' ? !started : started;
}

/** What the kubelet knows of a running container from its probes: undefined until a verdict. */
export interface KnownResults { ready?: boolean; started?: boolean }

/** A container's `started` and `ready`, as the kubelet's UpdatePodStatus sets them. */
export function containerProbeState(container: Container | undefined, status: ContainerStatus, known: KnownResults): { started: boolean; ready: boolean } {
  if (!status.state?.running) return { started: false, ready: false };
  const started = !container?.startupProbe || known.started === true;
  const ready = started && (!container?.readinessProbe || known.ready === true);
  return { started, ready };
}

/**
 * The pod's status with each running container's `started` and `ready` from its probes, and
 * ContainersReady and Ready following them (readiness gates honoured), with kube's reason and
 * message for containers not ready. `now` stamps conditions that change.
 */
export function withProbeResults(status: PodStatus, containers: Container[], known: (container: string) => KnownResults, now: string, gates: { conditionType: string }[] = []): PodStatus {
  const next = copyJSON(status);
  const specs = new Map(containers.map((c) => [c.name, c]));
  next.containerStatuses = (next.containerStatuses ?? []).map((cs) => ({ ...cs, ...containerProbeState(specs.get(cs.name), cs, known(cs.name)) }));
  if (!next.conditions?.some((c) => c.type === 'ContainersReady')) return next;
  const unready = next.containerStatuses.filter((cs) => !cs.ready).map((cs) => cs.name);
  const set = (type: string, value: boolean) => {
    const conditions: PodCondition[] = next.conditions ?? [];
    const i = conditions.findIndex((c) => c.type === type);
    const before = conditions[i];
    const status = value ? 'True' : 'False';
    const condition: PodCondition = {
      type, status, lastProbeTime: null,
      lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now,
      ...(value ? {} : { reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` }),
    };
    if (i >= 0) conditions[i] = condition; else conditions.push(condition);
  };
  set('ContainersReady', unready.length === 0);
  set('Ready', unready.length === 0);
  return withReadinessGates(next, gates, now);
}

// ---- the texts the kubelet records ----------------------------------------------------------

const KIND_TITLE: Record<ProbeKind, string> = { readiness: 'Readiness', liveness: 'Liveness', startup: 'Startup' };

export interface ProbeEvent { type: 'Warning'; reason: 'Unhealthy' | 'ProbeWarning'; message: string }

/** The event a probe's answer records, if any: every failure is one (before the threshold too). */
export function probeEvent(kind: ProbeKind, outcome: ProbeOutcome): ProbeEvent | undefined {
  if (outcome.result === 'failure') return { type: 'Warning', reason: 'Unhealthy', message: `${KIND_TITLE[kind]} probe failed: ${outcome.output}` };
  if (outcome.result === 'error') return { type: 'Warning', reason: 'Unhealthy', message: `${KIND_TITLE[kind]} probe errored: ${outcome.output}` };
  if (outcome.result === 'warning') return { type: 'Warning', reason: 'ProbeWarning', message: `${KIND_TITLE[kind]} probe warning: ${outcome.output}` };
  return undefined;
}

/** The Killing event's message when a liveness or startup probe fails (kuberuntime's computePodActions). */
export function killMessage(container: string, kind: 'liveness' | 'startup', restart: boolean): string {
  return `Container ${container} failed ${kind} probe${restart ? ', will be restarted' : ''}`;
}

/** An HTTP probe's answer from the status code (pkg/probe/http): 2xx passes, 3xx passes with a warning. */
export function httpOutcome(status: number, body: string): ProbeOutcome {
  if (status >= 200 && status < 300) return { result: 'success', output: body };
  if (status >= 300 && status < 400) return { result: 'warning', output: `Probe terminated redirects, Response body: ${body}` };
  return { result: 'failure', output: `HTTP probe failed with statuscode: ${status}` };
}

/** A probe's port by number or by the name of one of the container's ports (probe.ResolveContainerPort). */
export function resolveProbePort(port: number | string, container: Container): number | { error: string } {
  const n = typeof port === 'number' ? port : container.ports?.find((p) => p.name === port)?.containerPort;
  if (n === undefined) return { error: `port ${JSON.stringify(port)} not found` };
  return n > 0 && n < 65536 ? n : { error: `invalid port number: ${n}` };
}

/** Go's net dial error for a port nothing listens on. */
export function connectionRefused(host: string, port: number): string {
  return `dial tcp ${hostPort(host, port)}: connect: connection refused`;
}

/** Go's http client error wraps the dial error with the method and URL. */
export function httpGetError(url: string, cause: string): string {
  return `Get "${url}": ${cause}`;
}

/** The URL an httpGet probe requests (formatURL: scheme lower-cased, host and port joined). */
export function probeURL(scheme: string | undefined, host: string, port: number, path: string | undefined): string {
  const p = path ?? '';
  return `${(scheme ?? 'HTTP').toLowerCase()}://${hostPort(host, port)}${p && !p.startsWith('/') ? `/${p}` : p}`;
}

/** A gRPC probe whose port nothing listens on: the blocking dial runs out its timeout. */
export function grpcTimeout(host: string, port: number, timeoutSeconds: number): string {
  return `timeout: failed to connect service "${hostPort(host, port)}" within ${goDuration(timeoutSeconds * 1000)}: context deadline exceeded`;
}

/** An exec probe that outran its timeout (the CRI's DeadlineExceeded, as the remote runtime words it). */
export function execTimeout(command: string[]): string {
  return `command ${JSON.stringify(command.join(' '))} timed out`;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A whole number of seconds as Go's time.Duration prints it: 10s, 1m20s, 5m0s, 1h0m0s. */
export function goDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}
