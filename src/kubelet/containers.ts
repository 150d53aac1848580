// What the simulated containers do, since none really run: they write log lines and run a small
// set of built-in commands for exec (what they answer over HTTP is their app's: apps.ts). Nothing
// touches the host.
import { EventEmitter } from 'node:events';
import { STATUS_CODES } from 'node:http';

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

/** What an HTTP request from inside a pod got: the reply, or why there was none. */
export type Fetched =
  | { status: number; headers: Record<string, string>; body: string }
  | { error: 'resolve' | 'refused'; host: string; port: number };

export interface ExecContext {
  podName: string;
  /** An HTTP request from this pod, through the cluster's DNS and services (for curl and wget). */
  fetch?: (url: URL, method: string, body?: string) => Fetched;
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

/** Runs a built-in command: echo, cat, env, printenv, hostname, true, false, sleep, pwd, date, ls, curl, wget, sh -c. */
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
    case 'curl': return curl(args, ctx);
    case 'wget': return wget(args, ctx);
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

/** A URL as curl and wget take it: the scheme may be left out. */
function parseURL(text: string): URL | undefined {
  try {
    return new URL(/^[a-z]+:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    return undefined;
  }
}

function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** curl's common flags: -s -S -f -i -I -L -k -v, -X METHOD, -d DATA, -H HEADER, -o FILE, -m SECONDS, -w '%{http_code}'. */
function curl(args: string[], ctx: ExecContext): ExecResult {
  let silent = false, showError = false, fail = false, include = false, head = false;
  let method: string | undefined, data: string | undefined, output: string | undefined, writeOut: string | undefined, target: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => args[++i] ?? '';
    if (a === '-X' || a === '--request') method = value();
    else if (a === '-d' || a === '--data' || a === '--data-raw') data = value();
    else if (a === '-o' || a === '--output') output = value();
    else if (a === '-w' || a === '--write-out') writeOut = value();
    else if (a === '-H' || a === '--header' || a === '-m' || a === '--max-time' || a === '--connect-timeout' || a === '-A' || a === '--user-agent') value();
    else if (a === '--silent') silent = true;
    else if (a === '--show-error') showError = true;
    else if (a === '--fail') fail = true;
    else if (a === '--include') include = true;
    else if (a === '--head') head = true;
    else if (/^-[a-zA-Z]+$/.test(a)) {
      for (const f of a.slice(1)) {
        if (f === 's') silent = true; else if (f === 'S') showError = true; else if (f === 'f') fail = true;
        else if (f === 'i') include = true; else if (f === 'I') head = true;
      }
    } else if (!a.startsWith('-')) target = a;
  }
  const quiet = silent && !showError;
  const failWith = (code: number, message: string): ExecResult => ({ stdout: '', stderr: quiet ? '' : `curl: (${code}) ${message}\n`, exitCode: code });
  if (!target) return { stdout: '', stderr: "curl: try 'curl --help' or 'curl --manual' for more information\n", exitCode: 2 };
  const url = parseURL(target);
  if (!url) return failWith(3, 'URL using bad/illegal format or missing URL');
  const fetched = ctx.fetch?.(url, method ?? (head ? 'HEAD' : data !== undefined ? 'POST' : 'GET'), data) ?? { error: 'resolve', host: url.hostname, port: portOf(url) };
  if ('error' in fetched) {
    return fetched.error === 'resolve'
      ? failWith(6, `Could not resolve host: ${fetched.host}`)
      : failWith(7, `Failed to connect to ${fetched.host} port ${fetched.port} after 0 ms: Couldn't connect to server`);
  }
  if (fail && fetched.status >= 400) return failWith(22, `The requested URL returned error: ${fetched.status}`);
  const statusLine = `HTTP/1.1 ${fetched.status} ${STATUS_CODES[fetched.status] ?? ''}\r\n`;
  const headers = Object.entries(fetched.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  let stdout = head ? statusLine + headers + '\r\n' : (include ? statusLine + headers + '\r\n' : '') + fetched.body;
  if (output === '/dev/null') stdout = '';
  if (writeOut !== undefined) stdout += writeOut.replaceAll('%{http_code}', String(fetched.status)).replaceAll('\\n', '\n');
  return { stdout, stderr: '', exitCode: 0 };
}

/** busybox wget: -q, -O FILE (- for stdout), -S; errors in busybox's words. */
function wget(args: string[], ctx: ExecContext): ExecResult {
  let quiet = false, toStdout = false, target: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-O' || a === '--output-document') toStdout = args[++i] === '-';
    else if (a === '-qO-' || a === '-qO' || a === '-O-') { quiet ||= a.startsWith('-q'); toStdout = a.endsWith('-') || args[++i] === '-'; }
    else if (a === '-q' || a === '--quiet') quiet = true;
    else if (!a.startsWith('-')) target = a;
  }
  const failWith = (message: string): ExecResult => ({ stdout: '', stderr: `wget: ${message}\n`, exitCode: 1 });
  if (!target) return failWith('missing URL');
  const url = parseURL(target);
  if (!url) return failWith(`bad address '${target}'`);
  const fetched = ctx.fetch?.(url, 'GET') ?? { error: 'resolve', host: url.hostname, port: portOf(url) };
  if ('error' in fetched) return failWith(fetched.error === 'resolve' ? `bad address '${fetched.host}'` : `can't connect to remote host (${fetched.host}): Connection refused`);
  const connecting = quiet ? '' : `Connecting to ${url.host} (${url.host})\n`;
  if (fetched.status >= 400) return { stdout: '', stderr: `${connecting}wget: server returned error: HTTP/1.1 ${fetched.status} ${STATUS_CODES[fetched.status] ?? ''}\n`, exitCode: 1 };
  if (toStdout) return { stdout: fetched.body, stderr: quiet ? '' : `${connecting}writing to stdout\n`, exitCode: 0 };
  return { stdout: '', stderr: quiet ? '' : `${connecting}saving to 'index.html'\n'index.html' saved\n`, exitCode: 0 };
}
