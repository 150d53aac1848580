// Interactive exec with a terminal: `kubectl exec -it POD -- sh` and the dashboard's Terminal tab
// get a live shell. Over a raw v5.channel.k8s.io websocket, as xterm.js sends keys (one byte a
// message, Enter as CR): the image's prompt, echo, each line run as it is typed in one shell (cd
// and export last), backspace, Ctrl-C, and `exit N` as the kubelet reports it. Then real kubectl
// 1.33 on a pty (util-linux `script`), whose exit code is the shell's.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import type { Cluster } from '../src/index.js';
import { eventually, kubectlBinary, kubectlOk, withCluster } from './helpers.js';

const WAIT_MS = 15_000;

/** One exec session over the websocket: what came on each channel, and the status frame. */
class TtyClient {
  stdout = '';
  stderr = '';
  status: unknown;
  readonly closed: Promise<void>;
  private readonly ws: WebSocket;

  constructor(cluster: Cluster, pod: string, command: string[]) {
    const commands = command.map((c) => `command=${encodeURIComponent(c)}`).join('&');
    this.ws = new WebSocket(`${cluster.url.replace(/^http/, 'ws')}/api/v1/namespaces/default/pods/${pod}/exec?${commands}&stdin=true&stdout=true&tty=true`, ['v5.channel.k8s.io']);
    this.ws.on('open', () => this.ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":100,"Height":30}')])));
    this.ws.on('message', (data: Buffer) => {
      const text = data.subarray(1).toString('utf8');
      if (data[0] === 1) this.stdout += text;
      if (data[0] === 2) this.stderr += text;
      if (data[0] === 3) this.status = JSON.parse(text);
    });
    this.closed = new Promise((resolve) => this.ws.on('close', () => resolve()));
  }

  /** Sends `text` as xterm sends keys: one message per character. */
  type(text: string): void {
    for (const c of text) this.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(c)]));
  }

  /** Sends `text` in one message, as a paste arrives. */
  paste(text: string): void {
    this.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(text)]));
  }

  /** Waits until what came since `from` ends with `tail` (after a line ended, with `afterEnter`); answers it. */
  async until(tail: string, from = 0, afterEnter = false): Promise<string> {
    const since = () => this.stdout.slice(from);
    await eventually(() => since().endsWith(tail) && (!afterEnter || since().includes('\r\n')), WAIT_MS, `stdout ending ${JSON.stringify(tail)}`);
    return since();
  }

  /** Types a line and waits for the next prompt: answers everything echoed and printed up to it. */
  line(text: string, prompt: string): Promise<string> {
    const from = this.stdout.length;
    this.type(`${text}\r`);
    return this.until(prompt, from, true);
  }

  close(): void { this.ws.close(); }
}

const nonZero = (code: number) => ({
  metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: error executing command [sh], exit code ${code}`,
  reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
});

describe('exec with a terminal: an interactive shell', () => {
  let cluster: Cluster;
  let kubia: string;

  before(async () => {
    cluster = await withCluster({ controlPlane: true, nodes: 1 });
    await kubectlOk('1.33', cluster, ['create', '-f', 'fixtures/kubia-rc.yaml']);
    await kubectlOk('1.33', cluster, ['run', 'bb', '--image=busybox', '--', 'sleep', '3600']);
    await kubectlOk('1.33', cluster, ['wait', '--for=condition=Ready', 'pod', '-l', 'app=kubia', '--timeout=60s']);
    await kubectlOk('1.33', cluster, ['wait', '--for=condition=Ready', 'pod/bb', '--timeout=60s']);
    kubia = (await kubectlOk('1.33', cluster, ['get', 'pods', '-l', 'app=kubia', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
  });
  after(async () => { await cluster?.close(); });

  test('kubia (Debian: sh is dash): `# `, echo as typed, cd and export last, backspace, Ctrl-C, exit 3', async () => {
    const t = new TtyClient(cluster, kubia, ['sh']);
    assert.equal(await t.until('# '), '# ');
    assert.equal(await t.line('echo hello', '# '), 'echo hello\r\nhello\r\n# ');
    assert.equal(await t.line('cd /tmp', '# '), 'cd /tmp\r\n# ');
    assert.equal(await t.line('pwd', '# '), 'pwd\r\n/tmp\r\n# ');
    await t.line('export A=1', '# ');
    assert.equal(await t.line('echo $A', '# '), 'echo $A\r\n1\r\n# ');
    assert.equal(await t.line('hostname', '# '), `hostname\r\n${kubia}\r\n# `);
    // Backspace erases on screen and in the line; ^U the whole line.
    assert.equal(await t.line('echo abx\x7fc', '# '), 'echo abx\b \bc\r\nabc\r\n# ');
    assert.equal(await t.line('echo zz\x15echo ok', '# '), `echo zz${'\b \b'.repeat(7)}echo ok\r\nok\r\n# `);
    // Ctrl-C drops the line and prompts again; nothing of it runs.
    let from = t.stdout.length;
    t.type('echo dropped\x03');
    assert.equal(await t.until('^C\r\n# ', from), 'echo dropped^C\r\n# ');
    // stderr is on the terminal (channel 1) too, LF as CR LF.
    assert.equal(await t.line('cat /nope', '# '), "cat /nope\r\ncat: can't open '/nope': No such file or directory\r\n# ");
    assert.equal(t.stderr, '');
    from = t.stdout.length;
    t.type('exit 3\r');
    await t.closed;
    assert.equal(t.stdout.slice(from), 'exit 3\r\n');
    assert.deepEqual(t.status, nonZero(3));
  });

  test('busybox (ash): `/ # ` with the working directory, pasted lines, arrow keys swallowed, Ctrl-C stops a sleep, exit', async () => {
    const t = new TtyClient(cluster, 'bb', ['sh']);
    assert.equal(await t.until('/ # '), '/ # ');
    assert.equal(await t.line('cd /tmp', '/tmp # '), 'cd /tmp\r\n/tmp # ');
    // A paste: several lines in one message, each run in turn after its prompt.
    let from = t.stdout.length;
    t.paste('cd /etc\rpwd\rexport B=2; C=3\recho $B$C\r');
    assert.equal(await t.until('23\r\n/etc # ', from), 'cd /etc\r\n/etc # pwd\r\n/etc\r\n/etc # export B=2; C=3\r\n/etc # echo $B$C\r\n23\r\n/etc # ');
    // Up and left arrows are not echoed and do not enter the line.
    assert.equal(await t.line('echo \x1b[A\x1b[Dx', '/etc # '), 'echo x\r\nx\r\n/etc # ');
    assert.equal(await t.line('cd', '/ # '), 'cd\r\n/ # ');
    // Ctrl-C interrupts a running sleep at once, and the shell prompts again.
    from = t.stdout.length;
    const started = Date.now();
    t.type('sleep 30\r');
    await t.until('sleep 30\r\n', from);
    t.type('\x03');
    assert.equal(await t.until('^C\r\n/ # ', from), 'sleep 30\r\n^C\r\n/ # ');
    assert.ok(Date.now() - started < 20_000);
    assert.equal(await t.line('echo after', '/ # '), 'echo after\r\nafter\r\n/ # ');
    t.type('exit\r');
    await t.closed;
    assert.deepEqual(t.status, { metadata: {}, status: 'Success' });
  });

  test('Ctrl-D on an empty line ends the shell with the last status; /bin/bash in a Debian image prompts as bash', async () => {
    const t = new TtyClient(cluster, 'bb', ['sh']);
    await t.until('/ # ');
    await t.line('false', '/ # ');
    t.type('\x04');
    await t.closed;
    assert.deepEqual(t.status, nonZero(1));

    const b = new TtyClient(cluster, kubia, ['/bin/bash']);
    assert.equal(await b.until('# '), `root@${kubia}:/# `);
    assert.equal(await b.line('cd /tmp', ':/tmp# '), `cd /tmp\r\nroot@${kubia}:/tmp# `);
    b.type('exit 0\r');
    await b.closed;
    assert.ok(b.stdout.endsWith('exit 0\r\nexit\r\n'), b.stdout);
    assert.deepEqual(b.status, { metadata: {}, status: 'Success' });
  });

  // 1.27 speaks SPDY, 1.30 and 1.33 websockets (v5).
  for (const version of ['1.27', '1.30', '1.33']) {
    test(`kubectl ${version} exec -it on a pty: the prompt, the command's output, and kubectl exits with the shell's code`, { skip: spawnSync('script', ['--version']).error ? 'util-linux script is not installed' : false }, async () => {
      const cmd = `${kubectlBinary(version)} --kubeconfig ${cluster.kubeconfigPath} exec -it bb -- sh`;
      const child = spawn('script', ['-qfec', cmd, '/dev/null'], { env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath, TERM: 'xterm' } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString('utf8'); });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        await eventually(() => out.includes('/ # '), WAIT_MS, 'the prompt');
        child.stdin.write('echo hello-$HOSTNAME\r');
        await eventually(() => out.includes('echo hello-$HOSTNAME\r\nhello-bb\r\n/ # '), WAIT_MS, 'the echo\'s output');
        child.stdin.write('cd /tmp; pwd\r');
        await eventually(() => out.includes('/tmp\r\n/tmp # '), WAIT_MS, 'pwd\'s output');
        child.stdin.write('exit 3\r');
        assert.equal(await exited, 3);
        assert.match(out, /\/tmp # exit 3\r\ncommand terminated with exit code 3\r?\n$/);
      } finally {
        child.kill();
      }
    });
  }
});
