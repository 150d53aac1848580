// curl and wget inside a simulated pod: their flags, their output, their errors and exit codes
// as curl 8 and busybox wget print them, over whatever the cluster's network answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCommand, type ExecContext, type Fetched } from '../../src/kubelet/containers.js';

const reply = (status: number, body: string): Fetched => ({ status, headers: { 'Content-Type': 'text/plain' }, body });
/** A command's result with its output as text, to compare with what a terminal shows. */
async function run(argv: string[], ctx: ExecContext): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const r = await runCommand(argv, ctx);
  return { stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), exitCode: r.exitCode };
}

function context(fetched: (url: URL, method: string) => Fetched): ExecContext & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls, podName: 'client', env: {}, stdin: async () => Buffer.alloc(0), sleep: async () => {}, now: () => new Date(0),
    fetch: (url, method) => { calls.push(`${method} ${url.href}`); return fetched(url, method); },
  };
}

test('curl: the body, -i headers, -w the code, -f failures, -X methods; errors 6 and 7 unless -s', async () => {
  const ctx = context((url) => (url.hostname === 'nowhere' ? { error: 'resolve', host: 'nowhere', port: 80 } : url.port === '9' ? { error: 'refused', host: url.hostname, port: 9 } : url.pathname === '/missing' ? reply(404, 'no\n') : reply(200, 'hi\n')));
  assert.deepEqual(await run(['curl', '-s', 'kubia'], ctx), { stdout: 'hi\n', stderr: '', exitCode: 0 });
  assert.deepEqual(await run(['curl', '-si', 'http://kubia/'], ctx), { stdout: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhi\n', stderr: '', exitCode: 0 });
  assert.deepEqual(await run(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://kubia/missing'], ctx), { stdout: '404', stderr: '', exitCode: 0 });
  assert.deepEqual(await run(['curl', '-fsS', 'http://kubia/missing'], ctx), { stdout: '', stderr: 'curl: (22) The requested URL returned error: 404\n', exitCode: 22 });
  assert.deepEqual(await run(['curl', 'http://nowhere'], ctx), { stdout: '', stderr: 'curl: (6) Could not resolve host: nowhere\n', exitCode: 6 });
  assert.deepEqual(await run(['curl', '-s', 'http://nowhere'], ctx), { stdout: '', stderr: '', exitCode: 6 });
  assert.deepEqual(await run(['curl', 'http://10.96.0.10:9'], ctx), { stdout: '', stderr: "curl: (7) Failed to connect to 10.96.0.10 port 9 after 0 ms: Couldn't connect to server\n", exitCode: 7 });
  await run(['curl', '-X', 'DELETE', 'http://kubia/x'], ctx);
  await run(['curl', '-d', 'a=1', 'http://kubia/y'], ctx);
  assert.deepEqual(ctx.calls.slice(-2), ['DELETE http://kubia/x', 'POST http://kubia/y']);
});

test('wget: -qO- to stdout, busybox errors with exit code 1', async () => {
  const ctx = context((url) => (url.hostname === 'nowhere' ? { error: 'resolve', host: 'nowhere', port: 80 } : url.pathname === '/missing' ? reply(404, '') : reply(200, 'hi\n')));
  assert.deepEqual(await run(['wget', '-qO-', 'http://kubia:8080'], ctx), { stdout: 'hi\n', stderr: '', exitCode: 0 });
  assert.deepEqual(await run(['wget', '-q', '-O', '-', 'kubia'], ctx), { stdout: 'hi\n', stderr: '', exitCode: 0 });
  assert.deepEqual(await run(['wget', '-qO-', 'http://nowhere'], ctx), { stdout: '', stderr: "wget: bad address 'nowhere'\n", exitCode: 1 });
  assert.deepEqual(await run(['wget', '-qO-', 'http://kubia/missing'], ctx), { stdout: '', stderr: 'wget: server returned error: HTTP/1.1 404 Not Found\n', exitCode: 1 });
  assert.deepEqual(await run(['sh', '-c', 'wget -qO- http://kubia && echo done'], ctx), { stdout: 'hi\ndone\n', stderr: '', exitCode: 0 });
});
