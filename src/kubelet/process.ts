// What a command run in a simulated container is given and gives back: the exec request's
// context (from the apiserver's exec handler), and per command the process it runs as (argv,
// environment, working directory, stdin, the container's filesystem). Types and small helpers
// shared by the shell and the commands.
import type { FileSystem } from './filesystem.js';

export interface ExecResult { stdout: Buffer; stderr: Buffer; exitCode: number }

/** What an HTTP request from inside a pod got: the reply, or why there was none. */
export type Fetched =
  | { status: number; headers: Record<string, string>; body: string }
  | { error: 'resolve' | 'refused' | 'timeout'; host: string; port: number };

/** A name the cluster's DNS answers: its full name and address. */
export interface Resolved { name: string; address: string }

export interface ExecContext {
  podName: string;
  /** An HTTP request from this pod, through the cluster's DNS and services (for curl and wget). */
  fetch?: (url: URL, method: string, body?: string) => Fetched;
  /** The cluster DNS's answer for a name as this pod's resolv.conf searches it (for nslookup). */
  resolve?: (name: string) => Resolved | undefined;
  env: Record<string, string>;
  /** Everything written to stdin, once it is closed (for `cat`, `tar x`). */
  stdin: () => Promise<Buffer>;
  sleep: (ms: number) => Promise<void>;
  /** The cluster's clock (fixed in deterministic mode), for `date` and file times. */
  now: () => Date;
  /** The container's filesystem (ContainerFiles.of); a fresh base image's when absent. */
  files?: FileSystem;
  /** The container's PID 1 as `ps` shows it (e.g. `nginx: master process nginx -g daemon off;`). */
  mainProcess?: string;
  /** Programs the container's image has beyond the userland (the perl image's `perl`). */
  programs?: string[];
  /**
   * What a program the userland lacks runs as, in an image whose programs are not known (its
   * own server, say): a container's main process then keeps running, as that program would.
   */
  foreign?: Command;
  /** Called with what the top-level shell writes as it writes it, for a container's log. */
  stream?: (fd: 1 | 2, data: Buffer) => void;
}

/** A process in the container, as `ps` lists it. */
export interface ProcessEntry { pid: number; command: string }

/** One command being run: its argv and everything it reads. */
export interface Process {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  fs: FileSystem;
  stdin: () => Promise<Buffer>;
  ctx: ExecContext;
  /** Its own pid and the processes running when it started (PID 1 and its shells). */
  pid: number;
  running: ProcessEntry[];
  /** How many programs started this one (an exec'd command is 0), to stop scripts that run themselves. */
  depth: number;
}

export type Command = (p: Process) => Promise<ExecResult> | ExecResult;

export const EMPTY = Buffer.alloc(0);

export function result(stdout: Buffer | string = EMPTY, stderr: Buffer | string = EMPTY, exitCode = 0): ExecResult {
  return { stdout: typeof stdout === 'string' ? Buffer.from(stdout) : stdout, stderr: typeof stderr === 'string' ? Buffer.from(stderr) : stderr, exitCode };
}

/** A failure with a message on stderr (exit code 1 unless given). */
export function failure(stderr: string, exitCode = 1, stdout: Buffer | string = EMPTY): ExecResult {
  return result(stdout, stderr, exitCode);
}

/** The most output one command may hold in memory (nothing streams: it is all kept until the command ends). */
export const MAX_OUTPUT = 128 * 1024 * 1024;

/** Output kept in memory up to MAX_OUTPUT, so that no script can make the server hold more. */
export class Collected {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  /** `onAdd` sees each piece as it is added (a container's log as its shell prints). */
  constructor(private readonly onAdd?: (data: Buffer) => void) {}

  /** Adds `data`; false (and nothing added) when it does not fit. */
  add(data: Buffer): boolean {
    if (this.size + data.length > MAX_OUTPUT) return false;
    this.chunks.push(data);
    this.size += data.length;
    this.onAdd?.(data);
    return true;
  }

  bytes(): Buffer { return Buffer.concat(this.chunks); }
}

/** Collects a command's output as it goes: several lines to stdout and stderr, and whether any step failed. */
export class Output {
  private readonly out = new Collected();
  private readonly err: string[] = [];
  private overflowed = false;
  failed = false;

  write(data: Buffer | string): void {
    if (this.out.add(typeof data === 'string' ? Buffer.from(data) : data) || this.overflowed) return;
    this.overflowed = true;
    this.error('write error: File too large');
  }

  /** An error line, `cmd: text`, that makes the exit code 1. */
  error(text: string): void { this.err.push(`${text}\n`); this.failed = true; }

  /** A line on stderr that does not change the exit code. */
  warn(text: string): void { this.err.push(`${text}\n`); }

  done(exitCode = this.failed ? 1 : 0): ExecResult { return result(this.out.bytes(), this.err.join(''), exitCode); }
}

/** Reads a command's flags busybox-style: clustered single letters (`-rf`), `--` ends them; returns the flags and the operands. */
export function parseFlags(args: string[], withValue = ''): { flags: Map<string, string>; operands: string[] } {
  const flags = new Map<string, string>();
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') { operands.push(...args.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-') { operands.push(a); continue; }
    for (let j = 1; j < a.length; j++) {
      const f = a[j];
      if (withValue.includes(f)) {
        flags.set(f, j + 1 < a.length ? a.slice(j + 1) : args[++i] ?? '');
        break;
      }
      flags.set(f, '');
    }
  }
  return { flags, operands };
}
