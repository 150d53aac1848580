// What the simulated containers do, since none really run: they write log lines and run
// busybox-like commands for exec over an in-memory filesystem of their own (programs.ts,
// container-files.ts; what they answer over HTTP is their app's: apps.ts). Nothing touches the host.
import { EventEmitter } from 'node:events';
import type { ContainerStatus } from '../api/objects.js';
import { seededFileSystem } from './container-files.js';
import { result, type ExecContext, type ExecResult, type Process } from './process.js';
import { findProgram } from './programs.js';

/**
 * A line a container wrote, and when: kept as a number, its timestamp's text (RFC 3339 with
 * nanoseconds, as the CRI's log files have it) made when read. Every running pod keeps its lines.
 */
export class LogLine {
  constructor(readonly at: number, readonly text: string) {}
  get time(): string { return `${new Date(this.at).toISOString().slice(0, -1)}000000Z`; }
}

/**
 * Log lines per container (pod uid + container name), kept in memory with a cap per container:
 * its current run's, and the run before (for `kubectl logs --previous`), each by container id.
 */
export class ContainerLogs {
  private readonly lines = new Map<string, LogLine[]>();
  private readonly current = new Map<string, string>();
  private readonly previous = new Map<string, { id: string; lines: LogLine[] }>();
  private readonly emitter = new EventEmitter();
  private static readonly CAP = 10_000;

  /** `clock` stamps each line (the cluster's clock: fixed in deterministic mode). */
  constructor(private readonly clock: () => Date = () => new Date()) { this.emitter.setMaxListeners(0); }

  private key(uid: string, container: string): string { return `${uid}/${container}`; }

  append(uid: string, container: string, text: string, time = this.clock()): void {
    const key = this.key(uid, container);
    const list = this.lines.get(key) ?? [];
    const line = new LogLine(time.getTime(), text);
    list.push(line);
    if (list.length > ContainerLogs.CAP) list.splice(0, list.length - ContainerLogs.CAP);
    this.lines.set(key, list);
    this.emitter.emit(key, line);
  }

  /** A new run of the container (`id`, its container id) starts: the last run's lines become the previous run's. */
  begin(uid: string, container: string, id: string): void {
    const key = this.key(uid, container);
    const before = this.current.get(key);
    if (before === id) return;
    if (before !== undefined) this.previous.set(key, { id: before, lines: this.lines.get(key) ?? [] });
    this.lines.set(key, []);
    this.current.set(key, id);
  }

  /** The lines of the current run, or of the run with container id `id` (nothing once it is older than the previous). */
  read(uid: string, container: string, id?: string): LogLine[] {
    const key = this.key(uid, container);
    if (id !== undefined && this.current.has(key) && this.current.get(key) !== id) {
      const previous = this.previous.get(key);
      return previous?.id === id ? previous.lines : [];
    }
    return this.lines.get(key) ?? [];
  }

  /** Calls `onLine` for every later line until the returned function is called. */
  follow(uid: string, container: string, onLine: (l: LogLine) => void): () => void {
    const key = this.key(uid, container);
    this.emitter.on(key, onLine);
    return () => this.emitter.off(key, onLine);
  }

  forget(uid: string): void {
    for (const map of [this.lines, this.current, this.previous]) for (const k of [...map.keys()]) if (k.startsWith(`${uid}/`)) map.delete(k);
  }
}

/** A container's running process that reads stdin (an ephemeral container's shell), for attach. */
export interface ContainerProcess {
  /** Feeds its stdin (an interactive shell runs each line). */
  write(text: string): void;
  readonly running: boolean;
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number>;
  kill(): void;
}

/** The running processes of containers, by `podUID/container`. */
export type ContainerProcesses = Map<string, ContainerProcess>;

export type { ExecContext, ExecResult, Fetched, Resolved } from './process.js';

/** The pid the first process of an exec gets (the container's own processes hold the ones below). */
const FIRST_EXEC_PID = 7;

/**
 * Runs `argv` in a container, as `kubectl exec` does: a busybox applet or shell over the
 * container's filesystem (`ctx.files`, a fresh base image's when absent). A program the image
 * lacks fails as the container runtime fails it, before anything runs.
 */
export async function runCommand(argv: string[], ctx: ExecContext): Promise<ExecResult> {
  const fs = ctx.files ?? seededFileSystem({ name: ctx.podName, namespace: 'default' }, {}, ctx.now);
  const process: Process = {
    argv, env: ctx.env, cwd: '/', fs, ctx, stdin: once(ctx.stdin), pid: FIRST_EXEC_PID,
    running: [], depth: 0,
  };
  const program = argv.length ? findProgram(argv[0], process) : undefined;
  if (!program) {
    return result('', `OCI runtime exec failed: exec failed: unable to start container process: exec: "${argv[0] ?? ''}": executable file not found in $PATH: unknown\n`, 127);
  }
  try {
    return await program(process);
  } catch (e) {
    // A command's bug must not take the server down: it fails as a crashed process would.
    return result('', `${argv[0]}: ${e instanceof Error ? e.message : String(e)}\n`, 139);
  }
}

/** Whether `name` names a program the container has (an applet, or its image's own), as runCommand looks it up. */
export function hasProgram(name: string, ctx: ExecContext): boolean {
  const fs = ctx.files ?? seededFileSystem({ name: ctx.podName, namespace: 'default' }, {}, ctx.now);
  return !!findProgram(name, { argv: [name], env: ctx.env, cwd: '/', fs, ctx, stdin: ctx.stdin, pid: 1, running: [], depth: 0 });
}

/** Stdin is read once: the first reader gets what was written, later ones (`cat; cat`) nothing. */
function once(read: () => Promise<Buffer>): () => Promise<Buffer> {
  let taken = false;
  return async () => {
    if (taken) return Buffer.alloc(0);
    taken = true;
    return read();
  };
}

/**
 * Which run of a container `kubectl logs` reads, as the kubelet's validateContainerLogStatus
 * picks it: with `previous` the last terminated one; else the running one, the terminated one,
 * or the last terminated run of one waiting to restart. A container with no run yet is an error.
 */
export function logRun(status: ContainerStatus | undefined, container: string, pod: string, previous: boolean): { id?: string } | { error: string } {
  const last = status?.lastState?.terminated;
  const state = status?.state;
  if (previous) return last?.containerID ? { id: last.containerID } : { error: `previous terminated container "${container}" in pod "${pod}" not found` };
  if (!status || !state || (state.waiting && !last?.containerID)) return { error: `container "${container}" in pod "${pod}" is waiting to start: ${state?.waiting?.reason ?? 'ContainerCreating'}` };
  if (state.running) return { id: status.containerID };
  const id = state.terminated ? state.terminated.containerID ?? last?.containerID : last?.containerID;
  return id ? { id } : { error: `container "${container}" in pod "${pod}" is terminated` };
}
