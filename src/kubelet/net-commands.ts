// The network clients of the simulated containers: curl (curl 8's flags, output and errors),
// busybox wget and busybox nslookup, over whatever the cluster's network and DNS answer.
import { STATUS_CODES } from 'node:http';
import { CLUSTER_DNS } from './container-files.js';
import { result, type ExecResult, type Process } from './process.js';

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

/**
 * How long a connection whose packets are dropped (a NetworkPolicy denies it) waits when the
 * client sets no timeout. Linux gives up after about 130 s of SYN retries; a simulated wait that
 * long would only hold sessions open, so it is bounded here.
 */
export const DROPPED_CONNECT_MS = 10_000;

/** Seconds as curl and wget take them (`2`, `0.5`), in ms; undefined when not a number. */
function secondsToMs(text: string): number | undefined {
  const n = Number(text);
  return text !== '' && Number.isFinite(n) && n >= 0 ? Math.round(n * 1000) : undefined;
}

/** Waits as a client whose connection is dropped waits, and says how long it waited (ms). */
async function waitDropped(p: Process, ms: number): Promise<number> {
  const started = performance.now();
  await p.ctx.sleep(ms);
  return Math.max(ms, Math.round(performance.now() - started));
}

/** curl's common flags: -s -S -f -i -I -L -k -v, -X METHOD, -d DATA, -H HEADER, -o FILE, -m SECONDS, -w '%{http_code}'. */
export async function curl(p: Process): Promise<ExecResult> {
  const args = p.argv.slice(1);
  const ctx = p.ctx;
  let silent = false, showError = false, fail = false, include = false, head = false;
  let method: string | undefined, data: string | undefined, output: string | undefined, writeOut: string | undefined, target: string | undefined;
  let maxTimeMs: number | undefined, connectTimeoutMs: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => args[++i] ?? '';
    if (a === '-X' || a === '--request') method = value();
    else if (a === '-d' || a === '--data' || a === '--data-raw') data = value();
    else if (a === '-o' || a === '--output') output = value();
    else if (a === '-w' || a === '--write-out') writeOut = value();
    else if (a === '-m' || a === '--max-time') maxTimeMs = secondsToMs(value());
    else if (a === '--connect-timeout') connectTimeoutMs = secondsToMs(value());
    else if (a === '-H' || a === '--header' || a === '-A' || a === '--user-agent') value();
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
  const failWith = (code: number, message: string): ExecResult => result('', quiet ? '' : `curl: (${code}) ${message}\n`, code);
  if (!target) return result('', "curl: try 'curl --help' or 'curl --manual' for more information\n", 2);
  const url = parseURL(target);
  if (!url) return failWith(3, 'URL using bad/illegal format or missing URL');
  const fetched = ctx.fetch?.(url, method ?? (head ? 'HEAD' : data !== undefined ? 'POST' : 'GET'), data) ?? { error: 'resolve', host: url.hostname, port: portOf(url) };
  if ('error' in fetched && fetched.error === 'timeout') {
    // Dropped packets: the connect phase runs out of the shorter of -m and --connect-timeout.
    const limits = [maxTimeMs, connectTimeoutMs].filter((ms): ms is number => ms !== undefined && ms > 0);
    if (!limits.length) {
      const waited = await waitDropped(p, DROPPED_CONNECT_MS);
      return failWith(28, `Failed to connect to ${fetched.host} port ${fetched.port} after ${waited} ms: Couldn't connect to server`);
    }
    return failWith(28, `Connection timed out after ${await waitDropped(p, Math.min(...limits))} milliseconds`);
  }
  if ('error' in fetched) {
    return fetched.error === 'resolve'
      ? failWith(6, `Could not resolve host: ${fetched.host}`)
      : failWith(7, `Failed to connect to ${fetched.host} port ${fetched.port} after 0 ms: Couldn't connect to server`);
  }
  if (fail && fetched.status >= 400) return failWith(22, `The requested URL returned error: ${fetched.status}`);
  const statusLine = `HTTP/1.1 ${fetched.status} ${STATUS_CODES[fetched.status] ?? ''}\r\n`;
  const headers = Object.entries(fetched.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  let stdout = head ? statusLine + headers + '\r\n' : (include ? statusLine + headers + '\r\n' : '') + fetched.body;
  if (output !== undefined && output !== '-') {
    try { p.fs.writeFile(output, Buffer.from(stdout), p.cwd); } catch { return failWith(23, `Failure writing output to destination, passed ${Buffer.byteLength(stdout)} returned 0`); }
    stdout = '';
  }
  if (writeOut !== undefined) stdout += writeOut.replaceAll('%{http_code}', String(fetched.status)).replaceAll('\\n', '\n');
  return result(stdout);
}

/** busybox wget: -q, -O FILE (- for stdout), -T SECONDS, -S; errors in busybox's words. */
export async function wget(p: Process): Promise<ExecResult> {
  const args = p.argv.slice(1);
  const ctx = p.ctx;
  let quiet = false, output: string | undefined, target: string | undefined, timeoutMs: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-O' || a === '--output-document') output = args[++i];
    else if (a === '-T' || a === '--timeout') timeoutMs = secondsToMs(args[++i] ?? '');
    else if (/^-T\d/.test(a)) timeoutMs = secondsToMs(a.slice(2));
    else if (/^-q?O/.test(a)) { quiet ||= a.startsWith('-q'); output = a.replace(/^-q?O/, '') || args[++i]; }
    else if (a === '-q' || a === '--quiet') quiet = true;
    else if (!a.startsWith('-')) target = a;
  }
  const failWith = (message: string): ExecResult => result('', `wget: ${message}\n`, 1);
  if (!target) return failWith('missing URL');
  const url = parseURL(target);
  if (!url) return failWith(`bad address '${target}'`);
  const fetched = ctx.fetch?.(url, 'GET') ?? { error: 'resolve', host: url.hostname, port: portOf(url) };
  if ('error' in fetched && fetched.error === 'timeout') {
    // Dropped packets: busybox gives up after -T seconds, else when the kernel's connect does.
    if (timeoutMs !== undefined && timeoutMs > 0) { await waitDropped(p, timeoutMs); return failWith('download timed out'); }
    await waitDropped(p, DROPPED_CONNECT_MS);
    return failWith(`can't connect to remote host (${fetched.host}): Connection timed out`);
  }
  if ('error' in fetched) return failWith(fetched.error === 'resolve' ? `bad address '${fetched.host}'` : `can't connect to remote host (${fetched.host}): Connection refused`);
  const connecting = quiet ? '' : `Connecting to ${url.host} (${url.host})\n`;
  if (fetched.status >= 400) return result('', `${connecting}wget: server returned error: HTTP/1.1 ${fetched.status} ${STATUS_CODES[fetched.status] ?? ''}\n`, 1);
  if (output === '-') return result(fetched.body, quiet ? '' : `${connecting}writing to stdout\n`);
  // Without -O the file is named after the URL's last path segment, index.html for a directory.
  const file = output ?? (url.pathname.split('/').pop() || 'index.html');
  try { p.fs.writeFile(file, Buffer.from(fetched.body), p.cwd); } catch (e) { return result('', `${connecting}wget: can't open '${file}': ${e instanceof Error ? e.message : String(e)}\n`, 1); }
  return result('', quiet ? '' : `${connecting}saving to '${file}'\n'${file}' saved\n`);
}

/**
 * busybox nslookup NAME [SERVER]: the server, then the name's address as the cluster DNS answers
 * it (the pod's search list applied), or NXDOMAIN with exit code 1.
 */
export function nslookup(p: Process): ExecResult {
  const name = p.argv.slice(1).find((a) => !a.startsWith('-'));
  if (!name) return result('', 'BusyBox v1.36.1 multi-call binary.\n\nUsage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n', 1);
  const server = `Server:\t\t${CLUSTER_DNS}\nAddress:\t${CLUSTER_DNS}:53\n\n`;
  // An address is its own answer, as a PTR lookup would name it.
  const found = /^\d+\.\d+\.\d+\.\d+$/.test(name) ? { name, address: name } : p.ctx.resolve?.(name);
  if (!found) return result(`${server}** server can't find ${name}: NXDOMAIN\n\n`, '', 1);
  return result(`${server}Name:\t${found.name}\nAddress: ${found.address}\n\n`);
}
