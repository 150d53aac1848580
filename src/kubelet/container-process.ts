// A container's main process, as a container runtime runs it: what it runs (the spec's command
// and args, else the image's entrypoint and cmd from the app catalog), its output becoming the
// container's log line by line as it prints, and its end with an exit code, or a start that
// fails because the image lacks the program. Images whose programs are not known keep running.
import type { Container } from '../api/objects.js';
import type { App } from './apps.js';
import { hasProgram, runCommand, type ExecContext } from './containers.js';
import type { Command } from './process.js';
import { Sleeps } from './sleeps.js';

/** How a run ended: its exit code, or the runtime's refusal to start it (StartError, exit 128). */
export type ProcessExit = { exitCode: number } | { startError: string };

export interface MainProcess {
  /** Resolves when the process ends of itself; never for one that keeps running. */
  readonly exited: Promise<ProcessExit>;
  /** Stops it (its sleeps end for good); `exited` then never resolves. */
  kill(): void;
}

/**
 * What a container runs, as the runtime combines the spec with the image: command and args;
 * the image's entrypoint with the spec's args; else entrypoint and cmd. Undefined when the
 * image's own command is needed but not known (a server in the catalog, an image it lacks).
 */
export function containerArgv(app: App, container: Pick<Container, 'command' | 'args'>): string[] | undefined {
  if (container.command?.length) return [...container.command, ...(container.args ?? [])];
  if (!app.entrypoint && !app.cmd) return undefined;
  const argv = [...(app.entrypoint ?? []), ...(container.args?.length ? container.args : app.cmd ?? [])];
  return argv.length ? argv : undefined;
}

/** Whether the catalog knows every program of the image (it gives the image's command). */
export function knownImage(app: App): boolean {
  return !!(app.entrypoint || app.cmd);
}

/** containerd's message when the program to run is not in the image. */
export function startErrorMessage(program: string): string {
  return `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "${program}": executable file not found in $PATH: unknown`;
}

/**
 * A shell script with compound commands (loops, if, case), which the simulated shell does not
 * run: the container keeps running, as the usual `while true; do ...; sleep N; done` would.
 */
export function unsupportedScript(argv: string[]): boolean {
  const shell = argv[0]?.slice(argv[0].lastIndexOf('/') + 1);
  const c = argv.findIndex((a, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(a));
  if (!['sh', 'ash', 'bash'].includes(shell ?? '') || c < 0) return false;
  return /(^|[\n;&|(])\s*(while|until|for|if|case)\s/.test(argv[c + 1] ?? '');
}

/** The lines of `text` that are complete, and what is left after the last newline. */
function completeLines(text: string): { lines: string[]; rest: string } {
  const end = text.lastIndexOf('\n');
  if (end < 0) return { lines: [], rest: text };
  return { lines: text.slice(0, end).split('\n'), rest: text.slice(end + 1) };
}

/** A process that runs until it is killed. */
const idle: Command = () => new Promise(() => {});

export interface StartOptions {
  /** What runs; undefined for an image whose command is not known: it keeps running. */
  argv: string[] | undefined;
  /** The image's programs are all known: a program it lacks fails the start. */
  known: boolean;
  /** An init container: a program we cannot simulate is taken to have done its work (exit 0). */
  init: boolean;
  ctx: ExecContext;
  /** Each line the process prints, stdout and stderr alike, as the runtime's log has them. */
  print: (line: string) => void;
}

/** Starts a container's process. */
export function startProcess(o: StartOptions): MainProcess {
  const sleeps = new Sleeps();
  let killed = false;
  const pending: Record<1 | 2, string> = { 1: '', 2: '' };
  const streamed: Record<1 | 2, number> = { 1: 0, 2: 0 };
  const write = (fd: 1 | 2, data: Buffer) => {
    if (killed) return;
    const { lines, rest } = completeLines(pending[fd] + data.toString('utf8'));
    pending[fd] = rest;
    for (const line of lines) o.print(line);
  };
  const foreign: Command = o.init ? () => ({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: 0 }) : idle;
  const ctx: ExecContext = {
    ...o.ctx, sleep: sleeps.sleep,
    ...(o.known ? {} : { foreign }),
    stream: (fd, data) => { streamed[fd] += data.length; write(fd, data); },
  };
  const run = async (): Promise<ProcessExit> => {
    const argv = o.argv;
    if (!argv) return foreign === idle ? new Promise<ProcessExit>(() => {}) : { exitCode: 0 };
    if (o.known && !hasProgram(argv[0], ctx)) return { startError: startErrorMessage(argv[0]) };
    if (unsupportedScript(argv)) return new Promise<ProcessExit>(() => {});
    const r = await runCommand(argv, ctx);
    // What the shell streamed is in the log already; the rest (other programs' output) goes now.
    write(1, r.stdout.subarray(streamed[1]));
    write(2, r.stderr.subarray(streamed[2]));
    for (const fd of [1, 2] as const) if (pending[fd]) { o.print(pending[fd]); pending[fd] = ''; }
    return { exitCode: r.exitCode };
  };
  const exited = run().then((exit) => (killed ? new Promise<ProcessExit>(() => {}) : exit));
  return { exited, kill: () => { killed = true; sleeps.cancel(); } };
}
