// What the simulated containers do, since none really run: they write log lines and run a small
// set of built-in commands for exec (what they answer over HTTP is their app's: apps.ts). Nothing
// touches the host.
import { EventEmitter } from 'node:events';

export interface LogLine { time: string; text: string }

/** Log lines per container (pod uid + container name), kept in memory with a cap per container. */
export class ContainerLogs {
  private readonly lines = new Map<string, LogLine[]>();
  private readonly emitter = new EventEmitter();
  private static readonly CAP = 10_000;

  /** `clock` stamps each line (the cluster's clock: fixed in deterministic mode). */
  constructor(private readonly clock: () => Date = () => new Date()) { this.emitter.setMaxListeners(0); }

  private key(uid: string, container: string): string { return `${uid}/${container}`; }

  append(uid: string, container: string, text: string, time = this.clock()): void {
    const key = this.key(uid, container);
    const list = this.lines.get(key) ?? [];
    const line = { time: time.toISOString().replace('Z', '000000Z').replace(/(\.\d{9})\d*Z$/, '$1Z'), text };
    list.push(line);
    if (list.length > ContainerLogs.CAP) list.splice(0, list.length - ContainerLogs.CAP);
    this.lines.set(key, list);
    this.emitter.emit(key, line);
  }

  read(uid: string, container: string): LogLine[] {
    return this.lines.get(this.key(uid, container)) ?? [];
  }

  /** Calls `onLine` for every later line until the returned function is called. */
  follow(uid: string, container: string, onLine: (l: LogLine) => void): () => void {
    const key = this.key(uid, container);
    this.emitter.on(key, onLine);
    return () => this.emitter.off(key, onLine);
  }

  forget(uid: string): void {
    for (const k of [...this.lines.keys()]) if (k.startsWith(`${uid}/`)) this.lines.delete(k);
  }
}

export interface ExecResult { stdout: string; stderr: string; exitCode: number }

export interface ExecContext {
  podName: string;
  env: Record<string, string>;
  /** Everything written to stdin, once it is closed (for `cat`). */
  stdin: () => Promise<string>;
  sleep: (ms: number) => Promise<void>;
  /** The cluster's clock (fixed in deterministic mode), for `date`. */
  now: () => Date;
}

/** Splits `sh -c` script text the way a shell would for the simple commands we run. */
function words(script: string): string[] {
  return (script.match(/'[^']*'|"[^"]*"|\S+/g) ?? []).map((w) => w.replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1'));
}

/** Runs a built-in command: echo, cat, env, printenv, hostname, true, false, sleep, pwd, date, ls, sh -c. */
export async function runCommand(argv: string[], ctx: ExecContext): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  const ok = (stdout = ''): ExecResult => ({ stdout, stderr: '', exitCode: 0 });
  switch (cmd) {
    case 'echo': return ok(`${args.join(' ')}\n`);
    case 'cat': return ok(args.length ? '' : await ctx.stdin());
    case 'env': case 'printenv':
      return ok(Object.entries(ctx.env).map(([k, v]) => `${k}=${v}\n`).join(''));
    case 'hostname': return ok(`${ctx.podName}\n`);
    case 'true': return ok();
    case 'false': return { stdout: '', stderr: '', exitCode: 1 };
    case 'pwd': return ok('/\n');
    case 'date': return ok(`${ctx.now().toUTCString()}\n`);
    case 'ls': return ok('bin\ndev\netc\nhome\nproc\nroot\nsys\ntmp\nusr\nvar\n');
    case 'sleep': {
      const s = Number(args[0]);
      if (!Number.isFinite(s) || s < 0) return { stdout: '', stderr: `sleep: invalid number '${args[0] ?? ''}'\n`, exitCode: 1 };
      await ctx.sleep(s * 1000);
      return ok();
    }
    case 'exit': return { stdout: '', stderr: '', exitCode: Number(args[0] ?? 0) || 0 };
    case 'sh': case 'bash': case '/bin/sh': case '/bin/bash': {
      if (args[0] !== '-c' || args[1] === undefined) return { stdout: '', stderr: 'tinykube: only `sh -c SCRIPT` is simulated\n', exitCode: 2 };
      let out = ok();
      for (const part of args[1].split(/\s*(?:;|&&)\s*/).filter(Boolean)) {
        const r = await runCommand(words(part), ctx);
        out = { stdout: out.stdout + r.stdout, stderr: out.stderr + r.stderr, exitCode: r.exitCode };
        if (words(part)[0] === 'exit' || r.exitCode !== 0) break;
      }
      return out;
    }
    default:
      return { stdout: '', stderr: `OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd}": executable file not found in $PATH: unknown\n`, exitCode: 127 };
  }
}
