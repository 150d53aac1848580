// Processes under measurement: a tinykube started the way users start it, and small baseline
// servers. Each runs in its own process so the load generator never shares its event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/net.js';
import { sampleAllocations, type AllocationSampler } from './allocation-sampling.js';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface Served {
  url: string;
  pid: number;
  /** performance.now() at spawn: the origin of the server's --cpu-prof timeline, near enough. */
  startedAt: number;
  /** From spawn to the first 200 from /readyz (or `/` for baselines), in ms. */
  readyMs: number;
  /** CPU seconds (user + sys, every thread) the process has used so far. */
  cpuSeconds(): number;
  rssBytes(): number;
  stop(): Promise<void>;
}

/** Polls until `url` answers 200; returns the elapsed ms since `since`. */
async function firstSuccess(url: string, since: number, child: ChildProcess, timeoutMs = 120_000): Promise<number> {
  let exited = false;
  child.once('exit', () => { exited = true; });
  for (;;) {
    if (exited) throw new Error(`the process serving ${url} exited before it was ready`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - since;
    } catch { /* not listening yet */ }
    if (performance.now() - since > timeoutMs) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

// A benchmark that fails must not leave its servers running.
const children = new Set<ChildProcess>();
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });

function served(child: ChildProcess, url: string, startedAt: number, readyMs: number, cleanup: () => void = () => {}, sampler?: AllocationSampler): Served {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return {
    url, pid: child.pid!, startedAt, readyMs,
    rssBytes: () => rss(child.pid!),
    cpuSeconds: () => cpuSeconds(child.pid!),
    stop: async () => {
      // The profile is read over the inspector before the process goes.
      if (sampler && child.exitCode === null) {
        const file = await sampler.finish().catch((e: unknown) => `none: ${String(e)}`);
        console.error(`bench: allocation profile ${file}`);
      }
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) { cleanup(); resolve(); return; }
        child.once('exit', () => { cleanup(); resolve(); });
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      });
    },
  };
}

/** Resident set size of a process, from /proc. */
export function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * CPU seconds (user + sys) a process has used, from /proc/PID/stat (clock ticks of 10 ms); with
 * `mainThread`, its main thread's alone (/proc/PID/task/PID/stat: the event loop serving HTTP).
 */
export function cpuSeconds(pid: number, mainThread = false): number {
  const fields = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface TinykubeOptions {
  store?: 'memory' | 'sqlite'; nodes?: number; apiOnly?: boolean; extra?: string[];
  /** Serve this data directory (a previous run's store) and keep it at stop; by default a fresh one, removed at stop. */
  data?: string;
  /** Called with each line the server logs, as it arrives, and its pid (the lines still reach our stderr). */
  onLog?: (line: string, pid: number) => void;
}

/** A fresh data directory for runs that share one store; the caller removes it. */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'tinykube-bench-'));
}

/** `tinykube serve` as users run it (bin/tinykube.js), on a free port and a fresh data directory. */
export async function startTinykube(opts: TinykubeOptions = {}): Promise<Served> {
  const port = await freePort();
  const data = opts.data ?? tempDataDir();
  const args = [join(ROOT, 'bin', 'tinykube.js'), 'serve', '--port', String(port), '--store', opts.store ?? 'memory',
    '--data', data, '--nodes', String(opts.nodes ?? 0), ...(opts.apiOnly ? ['--api-only'] : []), ...(opts.extra ?? []),
    // TINYKUBE_BENCH_SERVE_ARGS='--controllers-in-worker' runs every case's servers with those flags.
    ...(process.env.TINYKUBE_BENCH_SERVE_ARGS ?? '').split(' ').filter(Boolean)];
  const since = performance.now();
  // TINYKUBE_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=prof' profiles the server under load.
  const nodeArgs = (process.env.TINYKUBE_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // TINYKUBE_BENCH_ALLOC_PROF=DIR: where the server allocates (bench/lib/allocation-sampling.ts).
  const allocDir = process.env.TINYKUBE_BENCH_ALLOC_PROF;
  const inspectPort = allocDir ? await freePort() : 0;
  if (allocDir) nodeArgs.push(`--inspect=127.0.0.1:${inspectPort}`);
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['ignore', 'ignore', opts.onLog ? 'pipe' : 'inherit'], env: { ...process.env, NODE_ENV: 'production' } });
  if (opts.onLog) { const onLog = opts.onLog; followLog(child, (line) => onLog(line, child.pid!)); }
  const sampler = allocDir ? await sampleAllocations(inspectPort, child.pid!, allocDir) : undefined;
  const url = `http://127.0.0.1:${port}`;
  const readyMs = await firstSuccess(`${url}/readyz`, since, child);
  return served(child, url, since, readyMs, opts.data ? undefined : () => rmSync(data, { recursive: true, force: true }), sampler);
}

/** Passes a child's stderr on to ours, and each of its lines to `onLine`. */
function followLog(child: ChildProcess, onLine: (line: string) => void): void {
  let buf = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    process.stderr.write(chunk);
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) { onLine(buf.slice(0, nl)); buf = buf.slice(nl + 1); }
  });
}

/** A baseline server script from bench/baselines/, given its arguments as environment. */
export async function startBaseline(script: string, env: Record<string, string> = {}): Promise<Served> {
  const port = await freePort();
  const since = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'baselines', script)], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env, PORT: String(port) } });
  const url = `http://127.0.0.1:${port}`;
  const readyMs = await firstSuccess(`${url}/readyz`, since, child);
  return served(child, url, since, readyMs);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
