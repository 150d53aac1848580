// kube's remotecommand protocol (exec and attach) over its two transports, as the kubelet and
// apiserver serve it: websocket channels (v4, v5.channel.k8s.io: byte 0 of each message names the
// stream) and SPDY/3.1 (one stream per channel, named by its `streamType` header). Either way the
// subresource gets the same CommandStreams.
import { PassThrough, Writable, type Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { errors } from '../api/errors.js';
import { queryBool } from '../api/request-options.js';
import type { CommandStreams, StreamStatus } from '../api/types.js';
import { Listeners, Once } from './listeners.js';
import { SpdySession, type SpdyStream } from './spdy.js';
import { messageBytes } from './websocket-bytes.js';

/** The websocket channel protocols, newest first (kube's apiserver also speaks older ones no current client asks for). */
export const REMOTE_COMMAND_WEBSOCKET_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

/** The SPDY stream protocols, newest first: v5 and v4 report the outcome as a Status, v1-v3 as text. */
export const REMOTE_COMMAND_SPDY_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

/** How long the client has to open its streams (the kubelet's stream creation timeout). */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

const enum Channel { Stdin = 0, Stdout = 1, Stderr = 2, Error = 3, Resize = 4, Close = 255 }

/** The streams a request asks for, as kube reads them (a tty has no separate stderr). */
export interface CommandOptions { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }

/** The options of an exec or attach request, or kube's 400 for a request that asks for no stream. */
export function commandOptions(query: URLSearchParams): CommandOptions {
  const tty = queryBool(query.get('tty'));
  const options = { stdin: queryBool(query.get('stdin')), stdout: queryBool(query.get('stdout')), stderr: queryBool(query.get('stderr')) && !tty, tty };
  if (!options.stdin && !options.stdout && !options.stderr) throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  return options;
}

/** Reads `{"Width":80,"Height":24}` messages, however the bytes are split, and reports each size. */
function resizeReader(onSize: (size: { width: number; height: number }) => void): (chunk: Buffer) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString('utf8');
    let end: number;
    while ((end = pending.indexOf('}')) >= 0) {
      const text = pending.slice(0, end + 1);
      pending = pending.slice(end + 1);
      try {
        const size: unknown = JSON.parse(text.slice(text.indexOf('{')));
        if (size && typeof size === 'object' && 'Width' in size && 'Height' in size) onSize({ width: Number(size.Width), height: Number(size.Height) });
      } catch { /* a malformed size is ignored, as a terminal ignores a bad resize */ }
    }
  };
}

/** The session over a websocket: v4 has no way to end stdin but closing; v5 sends CLOSE (255) with the stream's channel. */
export function websocketCommandStreams(ws: WebSocket, options: CommandOptions): CommandStreams {
  const send = (channel: Channel, data: Buffer) => { if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data])); };
  const channelWriter = (channel: Channel) => new Writable({ write(chunk: Buffer, _e, done) { send(channel, chunk); done(); } });
  const stdin = options.stdin ? new PassThrough() : undefined;
  const resized = new Listeners<{ width: number; height: number }>();
  const onResize = resizeReader((size) => resized.emit(size));
  const closed = new Once();
  ws.on('message', (data: RawData) => {
    const buf = messageBytes(data);
    if (buf[0] === Channel.Stdin && buf.length > 1) stdin?.write(buf.subarray(1));
    if (buf[0] === Channel.Resize) onResize(buf.subarray(1));
    if (buf[0] === Channel.Close && buf[1] === Channel.Stdin) stdin?.end();
  });
  ws.on('close', () => { stdin?.end(); closed.fire(); });
  return {
    stdin, tty: options.tty,
    stdout: options.stdout ? channelWriter(Channel.Stdout) : undefined,
    stderr: options.stderr ? channelWriter(Channel.Stderr) : undefined,
    onResize: (l) => resized.add(l),
    end: (status) => { send(Channel.Error, Buffer.from(JSON.stringify(status))); ws.close(1000); },
    onClose: (l) => closed.add(l),
  };
}

/** What the error stream carries: the Status for v4 and later, the failure's text before. */
function errorStreamBytes(protocol: string, status: StreamStatus): Buffer {
  if (protocol === 'v4.channel.k8s.io' || protocol === 'v5.channel.k8s.io') return Buffer.from(JSON.stringify(status));
  return Buffer.from(status.status === 'Success' ? '' : status.message ?? '');
}

/**
 * The session over SPDY: the client opens a stream per channel (error always; stdin, stdout,
 * stderr and resize as asked), then the command starts. `start` gets the streams once all are
 * open; a client that does not open them in time is told so.
 */
export function serveSpdyCommand(transport: Duplex, protocol: string, options: CommandOptions, start: (streams: CommandStreams) => void): void {
  const expected = ['error', ...(options.stdin ? ['stdin'] : []), ...(options.stdout ? ['stdout'] : []), ...(options.stderr ? ['stderr'] : []), ...(options.tty ? ['resize'] : [])];
  const opened = new Map<string, SpdyStream>();
  const resized = new Listeners<{ width: number; height: number }>();
  const closed = new Once();
  let started = false;
  const session = new SpdySession(transport, (stream) => {
    const type = stream.headers.streamtype ?? '';
    if (opened.has(type)) { stream.reset(); return; }
    opened.set(type, stream);
    // Client streams are written by the client only where it sends; its half of the others ends now.
    if (type === 'resize') stream.on('data', resizeReader((size) => resized.emit(size)));
    else if (type !== 'stdin') stream.resume();
    if (opened.size === expected.length) begin();
  }, (headers) => expected.includes(headers.streamtype ?? ''));
  session.onClose(() => closed.fire());
  const timeout = setTimeout(() => {
    const error = opened.get('error');
    if (error) error.finish(errorStreamBytes(protocol, { metadata: {}, status: 'Failure', message: 'timed out waiting for client to create streams' }));
    session.goAway();
  }, STREAM_CREATION_TIMEOUT_MS);
  timeout.unref();
  session.onClose(() => clearTimeout(timeout));
  const begin = () => {
    if (started) return;
    started = true;
    clearTimeout(timeout);
    const error = opened.get('error');
    const stdout = opened.get('stdout');
    const stderr = opened.get('stderr');
    start({
      stdin: opened.get('stdin'), stdout, stderr, tty: options.tty,
      onResize: (l) => resized.add(l),
      end: (status) => {
        stdout?.finish();
        stderr?.finish();
        error?.finish(errorStreamBytes(protocol, status));
        session.goAway();
      },
      onClose: (l) => closed.add(l),
    });
  };
}
