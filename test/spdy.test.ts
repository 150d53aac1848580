// Exec and port-forward over SPDY/3.1 as client-go speaks them, from a raw client written here: the
// upgrade handshake (101, or the 400 and 403 refusals), one zlib stream per direction for header
// blocks (ours compressed as Go's writer does, with the SPDY/3 dictionary and a sync flush per
// block), a stream per channel named by its `streamtype` header, and the frames that end it all.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { constants as zlibConstants, createDeflate, createInflate } from 'node:zlib';
import type { Cluster } from '../src/index.js';
import { controlFrame, dataFrame, FrameType, HEADER_DICTIONARY, headerBlock, readHeaderBlock, type SpdyHeaders } from '../src/server/spdy.js';
import { eventually, http, kubectlBinary, withCluster } from './helpers.js';

const POD = '/api/v1/namespaces/default/pods/kubia';
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; };

interface Frame {
  control: boolean;
  /** The control frame's type; 0 for DATA. */
  type: number;
  flags: number;
  /** The stream a DATA, SYN_REPLY, RST_STREAM or HEADERS frame is on; GOAWAY's last stream id. */
  streamId: number;
  payload: Buffer;
  raw: Buffer;
  /** A SYN_REPLY's or HEADERS' header block, inflated. */
  headers?: SpdyHeaders;
}

/** The raw HTTP request and its answer up to the end of the headers, then the rest of the bytes. */
function upgrade(cluster: Cluster, path: string, headers: string[]): Promise<{ socket: Socket; head: string; rest: Buffer }> {
  const { hostname, port } = new URL(cluster.url);
  const socket = connect(Number(port), hostname);
  socket.write([`POST ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, ...headers, '', ''].join('\r\n'));
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      got = Buffer.concat([got, c]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      resolve({ socket, head: got.subarray(0, end).toString('latin1'), rest: got.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('end', () => reject(new Error(`connection ended after ${JSON.stringify(got.toString('latin1'))}`)));
  });
}

/** A refused upgrade: the whole answer, read to the end of the connection. */
function refused(cluster: Cluster, path: string, headers: string[]): Promise<string> {
  const { hostname, port } = new URL(cluster.url);
  const socket = connect(Number(port), hostname);
  socket.write([`POST ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, ...headers, '', ''].join('\r\n'));
  return new Promise((resolve, reject) => {
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => { got += c; });
    socket.once('error', reject);
    socket.once('end', () => { socket.destroy(); resolve(got); });
  });
}

/** The client side of a SPDY/3.1 connection, after a 101. */
class SpdyClient {
  readonly frames: Frame[] = [];
  ended = false;
  private input = Buffer.alloc(0);
  private handling: Promise<void> = Promise.resolve();
  private readonly deflate = createDeflate({ level: 9, dictionary: HEADER_DICTIONARY });
  private readonly deflated: Buffer[] = [];
  private readonly inflate = createInflate({ dictionary: HEADER_DICTIONARY });
  private inflated = Buffer.alloc(0);

  static async open(cluster: Cluster, path: string, protocol: string): Promise<SpdyClient> {
    const { socket, head, rest } = await upgrade(cluster, path, ['Connection: Upgrade', 'Upgrade: SPDY/3.1', `X-Stream-Protocol-Version: ${protocol}`]);
    const lines = head.split('\r\n');
    assert.equal(lines[0], 'HTTP/1.1 101 Switching Protocols', head);
    assert.ok(lines.includes(`X-Stream-Protocol-Version: ${protocol}`), head);
    assert.ok(lines.includes('Upgrade: SPDY/3.1'), head);
    return new SpdyClient(socket, rest);
  }

  private constructor(readonly socket: Socket, rest: Buffer) {
    this.deflate.on('data', (c: Buffer) => this.deflated.push(c));
    this.inflate.on('data', (c: Buffer) => { this.inflated = Buffer.concat([this.inflated, c]); });
    socket.on('data', (c: Buffer) => this.receive(c));
    socket.once('end', () => { this.ended = true; });
    socket.once('close', () => { this.ended = true; });
    socket.on('error', () => { this.ended = true; });
    if (rest.length) this.receive(rest);
    socket.resume();
  }

  /** Opens a stream: SYN_STREAM with its header block compressed on the connection's one zlib stream. */
  async open(streamId: number, headers: SpdyHeaders, fin = false): Promise<void> {
    this.deflate.write(headerBlock(headers));
    await new Promise<void>((resolve) => this.deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => resolve()));
    await new Promise((resolve) => setImmediate(resolve));
    const block = Buffer.concat(this.deflated.splice(0));
    this.socket.write(controlFrame(FrameType.SynStream, fin ? 1 : 0, Buffer.concat([u32(streamId), u32(0), Buffer.from([0, 0]), block])));
  }

  data(streamId: number, data: string | Buffer, fin = false): void {
    this.socket.write(dataFrame(streamId, Buffer.from(data), fin));
  }

  /** What the server sent on a stream, and whether it ended it with FIN. */
  stream(streamId: number): { text: string; fin: boolean } {
    const frames = this.frames.filter((f) => !f.control && f.streamId === streamId);
    return { text: Buffer.concat(frames.map((f) => f.payload)).toString(), fin: frames.some((f) => f.flags & 1) };
  }

  controls(type: FrameType): Frame[] {
    return this.frames.filter((f) => f.control && f.type === type);
  }

  /** Waits until `done` holds; a timeout names the frames received so far. */
  async until(what: string, done: (client: SpdyClient) => unknown, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (!done(this)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; frames: ${this.frames.map((f) => f.raw.subarray(0, 24).toString('hex')).join(' ')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.socket.destroy();
    this.deflate.close();
    this.inflate.close();
  }

  private receive(chunk: Buffer): void {
    this.input = Buffer.concat([this.input, chunk]);
    while (this.input.length >= 8) {
      const length = this.input.readUInt32BE(4) & 0xffffff;
      if (this.input.length < 8 + length) return;
      const raw = this.input.subarray(0, 8 + length);
      this.input = this.input.subarray(8 + length);
      this.handling = this.handling.then(() => this.handle(raw));
    }
  }

  private async handle(raw: Buffer): Promise<void> {
    const control = (raw[0] & 0x80) !== 0;
    const payload = raw.subarray(8);
    const frame: Frame = {
      control, type: control ? raw.readUInt16BE(2) : 0, flags: raw[4], payload, raw,
      streamId: control ? (payload.length >= 4 ? payload.readUInt32BE(0) & 0x7fffffff : 0) : raw.readUInt32BE(0) & 0x7fffffff,
    };
    if (control) assert.equal(raw.readUInt16BE(0), 0x8003, 'SPDY version 3');
    if (control && (frame.type === FrameType.SynReply || frame.type === FrameType.Headers)) {
      this.inflate.write(payload.subarray(4));
      await new Promise<void>((resolve) => this.inflate.flush(zlibConstants.Z_SYNC_FLUSH, () => resolve()));
      await new Promise((resolve) => setImmediate(resolve));
      const block = readHeaderBlock(this.inflated);
      assert.ok(block, 'a whole header block in each SYN_REPLY');
      this.inflated = this.inflated.subarray(block.length);
      frame.headers = block.headers;
    }
    this.frames.push(frame);
  }
}

const EXEC_HEADERS = (protocol: string) => ['Connection: Upgrade', 'Upgrade: SPDY/3.1', `X-Stream-Protocol-Version: ${protocol}`];

describe('exec and port-forward over SPDY/3.1', () => {
  let cluster: Cluster;
  let uid: string;
  const clients: SpdyClient[] = [];
  const open = async (path: string, protocol: string) => {
    const client = await SpdyClient.open(cluster, path, protocol);
    clients.push(client);
    return client;
  };

  before(async () => {
    cluster = await withCluster({ controlPlane: true, nodes: 1, loadBalancerAddress: false });
    const created = await http(cluster, 'POST', '/api/v1/namespaces/default/pods', {
      metadata: { name: 'kubia' }, spec: { containers: [{ name: 'kubia', image: 'luksa/kubia', ports: [{ containerPort: 8080 }] }] },
    });
    assert.equal(created.status, 201, created.text);
    uid = created.json().metadata.uid;
    await eventually(async () => (await http(cluster, 'GET', POD)).json().status.phase === 'Running', 8000, 'the pod running');
  });
  after(async () => {
    for (const c of clients) c.close();
    await cluster.close();
  });

  test('exec echo hi: a SYN_REPLY per stream, stdout, the v4 Success Status on the error stream, then GOAWAY', async () => {
    const client = await open(`${POD}/exec?command=echo&command=hi&stdout=true&stderr=true`, 'v4.channel.k8s.io');
    await client.open(1, { streamtype: 'error' });
    await client.open(3, { streamtype: 'stdout' });
    await client.open(5, { streamtype: 'stderr' });
    await client.until('GOAWAY', (c) => c.controls(FrameType.GoAway).length);
    assert.deepEqual(client.controls(FrameType.SynReply).map((f) => [f.streamId, f.flags, f.headers]), [[1, 0, {}], [3, 0, {}], [5, 0, {}]]);
    assert.deepEqual(client.stream(3), { text: 'hi\n', fin: true });
    assert.deepEqual(client.stream(5), { text: '', fin: true });
    assert.deepEqual(client.stream(1), { text: '{"metadata":{},"status":"Success"}', fin: true });
    // The Status and its FIN come in one frame, before GOAWAY (last stream 5, OK), the last frame.
    const errorFrames = client.frames.filter((f) => !f.control && f.streamId === 1);
    assert.deepEqual(errorFrames.map((f) => f.raw.subarray(0, 8)), [hex('00 00 00 01 01 00 00 22')]);
    assert.deepEqual(client.frames.at(-1)?.raw, hex('80 03 00 07 00 00 00 08 00 00 00 05 00 00 00 00'));
    await client.until('the connection closed', (c) => c.ended);
  });

  test("exec sh -c 'exit 3': the error stream's Status is NonZeroExitCode with the exit code as a cause", async () => {
    const client = await open(`${POD}/exec?command=sh&command=-c&command=exit%203&stdout=true&stderr=true`, 'v4.channel.k8s.io');
    await client.open(1, { streamtype: 'error' });
    await client.open(3, { streamtype: 'stdout' });
    await client.open(5, { streamtype: 'stderr' });
    await client.until('GOAWAY', (c) => c.controls(FrameType.GoAway).length);
    const error = client.stream(1);
    assert.equal(error.fin, true);
    assert.deepEqual(JSON.parse(error.text), {
      metadata: {}, status: 'Failure', message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3', reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    assert.deepEqual(client.stream(3), { text: '', fin: true });
  });

  test('exec cat: what is sent on stdin, up to its FIN, comes back on stdout', async () => {
    const client = await open(`${POD}/exec?command=cat&stdin=true&stdout=true&stderr=true`, 'v4.channel.k8s.io');
    await client.open(1, { streamtype: 'error' });
    await client.open(3, { streamtype: 'stdin' });
    await client.open(5, { streamtype: 'stdout' });
    await client.open(7, { streamtype: 'stderr' });
    client.data(3, 'hello over spdy\n');
    client.data(3, 'bye');
    client.data(3, '', true);
    await client.until('GOAWAY', (c) => c.controls(FrameType.GoAway).length);
    assert.deepEqual(client.stream(5), { text: 'hello over spdy\nbye', fin: true });
    assert.deepEqual(client.stream(1), { text: '{"metadata":{},"status":"Success"}', fin: true });
    assert.deepEqual(client.stream(7), { text: '', fin: true });
    assert.deepEqual(client.stream(3), { text: '', fin: false }, 'the server writes nothing on stdin');
  });

  test('PING is echoed with the same id', async () => {
    const client = await open(`${POD}/exec?command=cat&stdin=true&stdout=true`, 'v4.channel.k8s.io');
    client.socket.write(controlFrame(FrameType.Ping, 0, u32(1)));
    client.socket.write(controlFrame(FrameType.Ping, 0, u32(0x7ffffffe)));
    await client.until('the PINGs', (c) => c.controls(FrameType.Ping).length === 2);
    assert.deepEqual(client.controls(FrameType.Ping).map((f) => f.raw), [hex('80 03 00 06 00 00 00 04 00 00 00 01'), hex('80 03 00 06 00 00 00 04 7f ff ff fe')]);
    client.close();
  });

  test('no X-Stream-Protocol-Version: 400, nothing upgraded', async () => {
    const answer = await refused(cluster, `${POD}/exec?command=echo&stdout=true`, ['Connection: Upgrade', 'Upgrade: SPDY/3.1']);
    const [head, body] = answer.split('\r\n\r\n');
    assert.equal(head.split('\r\n')[0], 'HTTP/1.1 400 Bad Request');
    assert.match(head, /\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
    assert.match(body, /^unable to upgrade: .*X-Stream-Protocol-Version.*\n$/);
  });

  test('no protocol in common: 403 naming what each side speaks, the accepted ones as headers', async () => {
    const answer = await refused(cluster, `${POD}/exec?command=echo&stdout=true`, EXEC_HEADERS('v9.channel.k8s.io, v0.channel.k8s.io'));
    const [head, body] = answer.split('\r\n\r\n');
    const lines = head.split('\r\n');
    assert.equal(lines[0], 'HTTP/1.1 403 Forbidden');
    assert.deepEqual(lines.filter((l) => /^X-Accepted-Stream-Protocol-Versions:/i.test(l)), [
      'X-Accepted-Stream-Protocol-Versions: v5.channel.k8s.io', 'X-Accepted-Stream-Protocol-Versions: v4.channel.k8s.io',
      'X-Accepted-Stream-Protocol-Versions: v3.channel.k8s.io', 'X-Accepted-Stream-Protocol-Versions: v2.channel.k8s.io',
      'X-Accepted-Stream-Protocol-Versions: channel.k8s.io',
    ]);
    assert.equal(body, 'unable to upgrade: unable to negotiate protocol: client supports [v9.channel.k8s.io v0.channel.k8s.io], ' +
      'server accepts [v5.channel.k8s.io v4.channel.k8s.io v3.channel.k8s.io v2.channel.k8s.io channel.k8s.io]\n');

    const forward = await refused(cluster, `${POD}/portforward`, EXEC_HEADERS('v4.channel.k8s.io'));
    assert.equal(forward.split('\r\n')[0], 'HTTP/1.1 403 Forbidden');
    assert.equal(forward.split('\r\n\r\n')[1], 'unable to upgrade: unable to negotiate protocol: client supports [v4.channel.k8s.io], server accepts [portforward.k8s.io]\n');
  });

  test('exec asking for no stream: 400 Status', async () => {
    const answer = await refused(cluster, `${POD}/exec?command=echo&command=hi`, EXEC_HEADERS('v4.channel.k8s.io'));
    const [head, body] = answer.split('\r\n\r\n');
    assert.equal(head.split('\r\n')[0], 'HTTP/1.1 400 Bad Request');
    assert.match(head, /\r\nContent-Type: application\/json\r\n/);
    assert.deepEqual(JSON.parse(body), {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'you must specify at least 1 of stdin, stdout, stderr', reason: 'BadRequest', code: 400,
    });
  });

  test("port-forward: an error and a data stream per connection; the pod's app answers on data, then FIN on both", async () => {
    const client = await open(`${POD}/portforward`, 'portforward.k8s.io');
    await client.open(1, { streamtype: 'error', port: '8080', requestid: '0' });
    await client.open(3, { streamtype: 'data', port: '8080', requestid: '0' });
    client.data(3, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await client.until('FIN on both streams', (c) => c.stream(1).fin && c.stream(3).fin);
    assert.deepEqual(client.controls(FrameType.SynReply).map((f) => [f.streamId, f.headers]), [[1, {}], [3, {}]]);
    const reply = client.stream(3).text;
    assert.match(reply, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(reply.endsWith("\r\n\r\nYou've hit kubia\n"), reply);
    assert.deepEqual(client.stream(1), { text: '', fin: true });
    assert.deepEqual(client.controls(FrameType.RstStream), []);
    client.close();
  });

  test("port-forward to a port the pod does not listen on: the kubelet's error on the error stream", async () => {
    const client = await open(`${POD}/portforward`, 'portforward.k8s.io');
    await client.open(1, { streamtype: 'error', port: '9999', requestid: '0' });
    await client.open(3, { streamtype: 'data', port: '9999', requestid: '0' });
    await client.until('FIN on the error stream', (c) => c.stream(1).fin);
    assert.deepEqual(client.stream(1), { text: `error forwarding port 9999 to pod kubia, uid ${uid}: dial tcp4 127.0.0.1:9999: connect: connection refused`, fin: true });
    await client.until('FIN on the data stream', (c) => c.stream(3).fin);
    assert.equal(client.stream(3).text, '');
    client.close();
  });

  test('port-forward with a port header that is not a number: the stream is reset (RST_STREAM CANCEL)', async () => {
    const client = await open(`${POD}/portforward`, 'portforward.k8s.io');
    await client.open(1, { streamtype: 'error', port: 'abc', requestid: '0' });
    await client.until('RST_STREAM', (c) => c.controls(FrameType.RstStream).length);
    assert.deepEqual(client.controls(FrameType.RstStream).map((f) => f.raw), [hex('80 03 00 03 00 00 00 08 00 00 00 01 00 00 00 05')]);
    // The connection stays up for the client's next streams.
    await client.open(3, { streamtype: 'error', port: '8080', requestid: '1' });
    await client.open(5, { streamtype: 'data', port: '8080', requestid: '1' });
    client.data(5, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await client.until('the reply', (c) => c.stream(5).fin);
    assert.ok(client.stream(5).text.endsWith("You've hit kubia\n"));
    client.close();
  });

  // kubectl 1.27-1.29 speak only SPDY for exec (1.33: websocket); `-t` asks for a tty (a resize
  // stream, no stderr), which kubectl gives only on a terminal: script(1) lends it one.
  for (const v of ['1.27', '1.29', '1.33']) {
    test(`kubectl ${v} exec -it: a tty session runs the command`, async () => {
      const command = `${kubectlBinary(v)} --kubeconfig ${cluster.kubeconfigPath} exec -it kubia -- echo hi`;
      const out = await new Promise<string>((resolve, reject) => {
        execFile('script', ['-qec', command, '/dev/null'], { timeout: 20_000 }, (e, stdout) => (e ? reject(e) : resolve(stdout)));
      });
      assert.equal(out.replaceAll('\r\n', '\n'), 'hi\n');
    });
  }
});
