// Test helpers: start a real tinykube on a free port, run the real kubectl binaries against it,
// and make plain HTTP requests. Nothing here mocks the server.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startCluster, type Cluster, type ClusterOptions } from '../src/index.js';

/** A tinykube on a free port with a memory store; the API alone unless controlPlane is asked for. */
export async function withCluster(options: ClusterOptions = {}): Promise<Cluster> {
  return startCluster({ port: 0, store: 'memory', controlPlane: false, ...options });
}

/** The directory holding kubectl.1.27 ... kubectl.1.33, beside the kubectl on PATH. */
function kubectlDir(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    try {
      return dirname(realpathSync(join(dir, 'kubectl')));
    } catch { /* not in this PATH entry */ }
  }
  throw new Error('kubectl is not on PATH');
}


export interface RunResult { code: number; stdout: string; stderr: string }

export function kubectlBinary(version: string): string {
  return join(kubectlDir(), `kubectl.${version}`);
}

export interface KubectlOptions {
  stdin?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Stops a long-running command (a watch, a follow) once its output satisfies this. */
  until?: (stdout: string) => boolean;
}

/** Runs `kubectl.<version>` against a cluster with its kubeconfig and a private cache. */
export function kubectl(version: string, cluster: Cluster, args: string[], opts: KubectlOptions = {}): Promise<RunResult> {
  const bin = kubectlBinary(version);
  const cache = cacheDirs.get(cluster.url + version) ?? mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
  cacheDirs.set(cluster.url + version, cache);
  return new Promise((resolve) => {
    const child = execFile(bin, ['--kubeconfig', cluster.kubeconfigPath, '--cache-dir', cache, ...args], {
      env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath, ...opts.env },
      timeout: opts.timeoutMs ?? 30_000,
      maxBuffer: 16 * 1024 * 1024,
    }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
    const until = opts.until;
    if (until) {
      let seen = '';
      child.stdout?.on('data', (chunk) => {
        seen += chunk;
        if (until(seen)) child.kill();
      });
    }
  });
}

/** kubectl that must succeed: its stdout, or the test fails naming the command and its stderr. */
export async function kubectlOk(version: string, cluster: Cluster, args: string[], opts: KubectlOptions = {}): Promise<string> {
  const r = await kubectl(version, cluster, args, opts);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const cacheDirs = new Map<string, string>();

/**
 * Runs `kubectl port-forward TARGET :PORT` (a local port of kubectl's choosing) while `use` talks
 * to that port; returns what kubectl printed once stopped. Its stdin is closed, as in a script:
 * with an open stdin pipe kubectl was seen to stop listening right after saying it forwards.
 */
export async function kubectlPortForward(version: string, cluster: Cluster, target: string, port: number, use: (local: number, exited: Promise<void>) => Promise<void>): Promise<{ stdout: string; stderr: string }> {
  const child = spawn(kubectlBinary(version), ['--kubeconfig', cluster.kubeconfigPath, 'port-forward', target, `:${port}`, '--address', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const local = await new Promise<number>((resolve) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(stdout);
      if (m) resolve(Number(m[1]));
    });
    void exited.then(() => resolve(0));
  });
  assert.ok(local, `kubectl port-forward ${target} exited: ${stderr}`);
  try { await use(local, exited); } finally { child.kill(); await exited; }
  return { stdout, stderr };
}


/** A GET to a local port on a connection of its own (what a port-forward or a listener answers). */
export function httpGet(port: number, path = '/', host = '127.0.0.1'): Promise<{ status?: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export interface HttpResult { status: number; headers: Headers; text: string; json: () => any }

export async function http(cluster: Cluster, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  const sent: Record<string, string> = { ...headers };
  const init: RequestInit = { method, headers: sent };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : body instanceof Uint8Array ? new Uint8Array(body) : JSON.stringify(body);
    sent['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(cluster.url + path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

/**
 * Follows a watch (`path` with ?watch=true) and calls `onEvent` with each event, in order, until
 * `stop`; the path may be computed first (after a list whose resourceVersion it names).
 */
export function followWatch(cluster: Cluster, path: () => Promise<string> | string, onEvent: (event: { type: string; object: any }) => void): { stop(): Promise<void> } {
  const controller = new AbortController();
  const done = (async () => {
    try {
      const res = await fetch(cluster.url + await path(), { signal: controller.signal });
      if (!res.body) throw new Error('the watch has no body');
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done: ended } = await reader.read();
        if (ended) return;
        buf += decoder.decode(value, { stream: true });
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          onEvent(JSON.parse(buf.slice(0, nl)));
          buf = buf.slice(nl + 1);
        }
      }
    } catch (e) {
      if (!(e instanceof Error) || e.name !== 'AbortError') throw e;
    }
  })();
  return { async stop() { controller.abort(); await done; } };
}

/** Reads a watch stream until `count` events arrived or `ms` passed, then aborts it. */
export async function readWatch(cluster: Cluster, path: string, count: number, ms = 5000, headers: Record<string, string> = {}, onOpen?: () => Promise<void> | void): Promise<any[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  const events: any[] = [];
  try {
    const res = await fetch(cluster.url + path, { signal: controller.signal, headers });
    if (!res.body) throw new Error(`GET ${path}: no body`);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    const opened = onOpen?.();
    while (events.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) events.push(JSON.parse(line));
      }
    }
    await opened;
    controller.abort();
  } catch (e) {
    if (!(e instanceof Error) || e.name !== 'AbortError') throw e;
  } finally {
    clearTimeout(timer);
  }
  return events;
}

export const FIXTURES = join(dirname(new URL(import.meta.url).pathname), '..', 'fixtures');
/** Inputs only tests use (bad manifests and the like). */
export const TEST_DATA = join(dirname(new URL(import.meta.url).pathname), 'data');

/** Runs another language's client script and parses the one JSON object it prints. */
export function runJSONScript(command: string, args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 30_000 }, (err, out, errOut) => {
      if (err) reject(new Error(`${err.message}\n${errOut}`));
      else resolve(JSON.parse(String(out)));
    });
  });
}

export { freePort } from './net.js';

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Splits a kubectl table output into rows of cells. */
export function rows(out: string): string[][] {
  return out.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
}

/** Polls until `f` returns something truthy, and returns it; fails after `ms`. */
export async function eventually<T>(f: () => Promise<T | undefined | false> | T | undefined | false, ms = 8000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'tinykube-test-'));
/** Writes a file into this test process's scratch directory and returns its path. */
export function scratchFile(name: string, text: string): string {
  const p = join(scratch, name);
  writeFileSync(p, text);
  return p;
}

/** sha256 of `perl -Mbignum=bpi -wle 'print bpi(2000)'`'s output: "3.14159…" with 2,000 digits and a newline. */
export const PI_2000_SHA256 = 'acf68936c61dd66c8a1a5668b0c59c179fefe02bc5a7e8f4b86c5bf74936c28d';

/** A CA and a serving certificate for 127.0.0.1 and webhook.default.svc, made with openssl. */
export function makeCertificates(): { ca: string; cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'webhook-pki-'));
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=webhook-test-ca']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=webhook.default.svc']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:webhook.default.svc\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf']);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { ca: read('ca.crt'), cert: read('server.crt'), key: read('server.key') };
}
