// kube's portforward protocol over its transports, as the kubelet and apiserver serve it:
// - SPDY/3.1 (`portforward.k8s.io`, kubectl up to 1.30): per forwarded connection the client
//   opens an `error` and a `data` stream with the same `requestID` and a `port` header;
// - the same SPDY bytes inside websocket binary messages (`SPDY/3.1+portforward.k8s.io`, kubectl
//   1.31 and later);
// - websocket channels (`v4.channel.k8s.io`, as client libraries speak it): the `ports` query
//   names the ports, port i's data on channel 2i and its errors on 2i+1, each channel opened by
//   the port number (uint16, little-endian).
// Either way the subresource gets ForwardedConnections.
import { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { errors } from '../api/errors.js';
import type { ForwardedConnection, ForwardStreams } from '../api/types.js';
import { Listeners, Once } from './listeners.js';
import { SpdySession, type SpdyStream } from './spdy.js';
import { messageBytes } from './websocket-bytes.js';

/** The websocket subprotocols, preferred first: SPDY tunnelled (kubectl), then the channel protocols. */
export const TUNNELED_SPDY_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
export const PORT_FORWARD_WEBSOCKET_PROTOCOLS = [TUNNELED_SPDY_PROTOCOL, 'v4.channel.k8s.io', 'channel.k8s.io'];
export const PORT_FORWARD_SPDY_PROTOCOLS = ['portforward.k8s.io'];

/** How long a forwarded connection's second stream may take to come (the kubelet's stream creation timeout). */
const STREAM_PAIR_TIMEOUT_MS = 30_000;

/** The ports a websocket channel port-forward asks for, or kube's 400. */
export function forwardedPorts(query: URLSearchParams): number[] {
  const ports = (query.get('ports') ?? '').split(',').filter(Boolean).map(Number);
  if (!ports.length || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw errors.badRequest('query parameter "port" is required');
  return ports;
}

/** A websocket as a byte stream: each binary message is a chunk (the SPDY tunnel). */
function websocketDuplex(ws: WebSocket): Duplex {
  const duplex = new Duplex({
    read() { /* pushed as messages arrive */ },
    write(chunk: Buffer, _encoding, done) { if (ws.readyState === ws.OPEN) ws.send(chunk); done(); },
    final(done) { ws.close(1000); done(); },
  });
  ws.on('message', (data: RawData) => duplex.push(messageBytes(data)));
  ws.on('close', () => { duplex.push(null); duplex.destroy(); });
  return duplex;
}

/** Port-forward over websocket channels: one connection per port in the query, for the socket's life. */
export function websocketChannelForward(ws: WebSocket, ports: number[]): ForwardStreams {
  const connections = new Listeners<ForwardedConnection>();
  const closed = new Once();
  const send = (channel: number, data: Buffer) => { if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data])); };
  const inbound = new Map<number, Duplex>();
  ws.on('message', (data: RawData) => {
    const buf = messageBytes(data);
    if (buf.length > 1) inbound.get(buf[0])?.push(buf.subarray(1));
  });
  ws.on('close', () => { for (const d of inbound.values()) d.destroy(); closed.fire(); });
  // Every channel starts with its port; kube writes them all before any data.
  ports.forEach((port, i) => {
    const number = Buffer.from([port & 0xff, port >> 8]);
    send(2 * i, number);
    send(2 * i + 1, number);
  });
  ports.forEach((port, i) => {
    const data = new Duplex({
      read() { /* pushed as messages arrive */ },
      write(chunk: Buffer, _encoding, done) { send(2 * i, chunk); done(); },
    });
    inbound.set(2 * i, data);
    connections.emit({ port, data, fail: (message) => { send(2 * i + 1, Buffer.from(message)); data.destroy(); } });
  });
  return { onConnection: (l) => connections.add(l), onClose: (l) => closed.add(l) };
}

/** A port-forward stream the kubelet takes: a port (1-65535) and a stream type, `error` or `data`. */
function validForwardStream({ port, streamtype }: { port?: string; streamtype?: string }): boolean {
  return !!port && /^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535 && (streamtype === 'error' || streamtype === 'data');
}

/** Port-forward over SPDY (on an upgraded socket, or tunnelled in a websocket when `transport` is one). */
export function spdyForward(transport: Duplex | WebSocket): ForwardStreams {
  const connections = new Listeners<ForwardedConnection>();
  const closed = new Once();
  const pairs = new Map<string, { error?: SpdyStream; data?: SpdyStream; timer: NodeJS.Timeout }>();
  const session = new SpdySession(transport instanceof Duplex ? transport : websocketDuplex(transport), (stream) => {
    const { port: portHeader, streamtype: type, requestid } = stream.headers;
    const port = Number(portHeader);
    if (type !== 'error' && type !== 'data') return;
    // Clients before request ids send the pair as consecutive streams (error first).
    const id = requestid ?? String(type === 'error' ? stream.id : stream.id - 2);
    let pair = pairs.get(id);
    if (!pair) {
      const timer = setTimeout(() => {
        pairs.delete(id);
        pair?.error?.finish(Buffer.from(`timed out waiting for streams`));
        pair?.data?.reset();
      }, STREAM_PAIR_TIMEOUT_MS);
      timer.unref();
      pair = { timer };
      pairs.set(id, pair);
    }
    if (pair[type]) { pair[type]?.finish(Buffer.from(`error processing stream for request ${id}: ${type} stream already assigned`)); return; }
    pair[type] = stream;
    const { error, data } = pair;
    if (!error || !data) return;
    clearTimeout(pair.timer);
    pairs.delete(id);
    // The client does not write on the error stream; its half ends at once.
    error.resume();
    // When the connection to the pod ends, both streams end: the client reads the error stream to its end.
    data.once('finish', () => error.finish());
    connections.emit({ port, data, fail: (message) => { error.finish(Buffer.from(message)); data.end(); } });
  }, validForwardStream);
  session.onClose(() => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    closed.fire();
  });
  return { onConnection: (l) => connections.add(l), onClose: (l) => closed.add(l) };
}
