// The streaming subresources' transports: which protocols each of kube's streaming protocols is
// offered in, the checks made before an upgrade, the SPDY/3.1 upgrade handshake, and the hand-off
// of the upgraded connection to remote-command.ts or port-forward.ts.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { StreamingEndpoint, StreamRequest } from '../api/types.js';
import { forwardedPorts, PORT_FORWARD_SPDY_PROTOCOLS, PORT_FORWARD_WEBSOCKET_PROTOCOLS, spdyForward, TUNNELED_SPDY_PROTOCOL, websocketChannelForward } from './port-forward.js';
import { commandOptions, REMOTE_COMMAND_SPDY_PROTOCOLS, REMOTE_COMMAND_WEBSOCKET_PROTOCOLS, serveSpdyCommand, websocketCommandStreams } from './remote-command.js';

/** The subprotocols a websocket upgrade may choose, preferred first. */
export function websocketProtocols(endpoint: StreamingEndpoint): readonly string[] {
  return endpoint.protocol === 'remotecommand' ? REMOTE_COMMAND_WEBSOCKET_PROTOCOLS : PORT_FORWARD_WEBSOCKET_PROTOCOLS;
}

function spdyProtocols(endpoint: StreamingEndpoint): readonly string[] {
  return endpoint.protocol === 'remotecommand' ? REMOTE_COMMAND_SPDY_PROTOCOLS : PORT_FORWARD_SPDY_PROTOCOLS;
}

/**
 * What is checked before the connection is upgraded, so a bad request gets a plain 4xx answer:
 * the streams an exec asks for, the ports of a channel port-forward (`websocketProtocol`, the
 * subprotocol the websocket will speak), and the endpoint's own checks.
 */
export function checkStream(endpoint: StreamingEndpoint, request: StreamRequest, websocketProtocol?: string): void {
  if (endpoint.protocol === 'remotecommand') commandOptions(request.query);
  else if (websocketProtocol && websocketProtocol !== TUNNELED_SPDY_PROTOCOL) forwardedPorts(request.query);
  endpoint.check?.(request);
}

export function serveWebsocket(endpoint: StreamingEndpoint, request: StreamRequest, ws: WebSocket): void {
  if (endpoint.protocol === 'remotecommand') {
    endpoint.serve(request, websocketCommandStreams(ws, commandOptions(request.query)));
  } else {
    endpoint.serve(request, ws.protocol === TUNNELED_SPDY_PROTOCOL ? spdyForward(ws) : websocketChannelForward(ws, forwardedPorts(request.query)));
  }
}

export function serveSpdy(endpoint: StreamingEndpoint, request: StreamRequest, protocol: string, socket: Duplex): void {
  if (endpoint.protocol === 'remotecommand') {
    serveSpdyCommand(socket, protocol, commandOptions(request.query), (streams) => endpoint.serve(request, streams));
  } else {
    endpoint.serve(request, spdyForward(socket));
  }
}

/** The X-Stream-Protocol-Version values a client offers (one header each, or comma-separated). */
function offeredProtocols(req: IncomingMessage): string[] | undefined {
  const raw = req.headersDistinct['x-stream-protocol-version'];
  return raw?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** A plain-text answer on a socket that will not be upgraded, as Go's http.Error writes it. */
function refuseText(socket: Duplex, code: number, reason: string, text: string, headers: [string, string][] = []): void {
  const body = `${text}\n`;
  const lines = [
    `HTTP/1.1 ${code} ${reason}`, 'Content-Type: text/plain; charset=utf-8', 'X-Content-Type-Options: nosniff',
    ...headers.map(([k, v]) => `${k}: ${v}`), `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close', '', '',
  ];
  socket.end(lines.join('\r\n') + body);
}

/**
 * The SPDY/3.1 upgrade handshake (apimachinery's httpstream.Handshake): the first protocol the
 * client offers that the endpoint speaks is chosen and the connection switches; returns it, or
 * undefined when the client was refused.
 */
export function acceptSpdy(endpoint: StreamingEndpoint, req: IncomingMessage, socket: Duplex): string | undefined {
  const server = spdyProtocols(endpoint);
  const offered = offeredProtocols(req);
  if (!req.headersDistinct['x-stream-protocol-version']) {
    refuseText(socket, 400, 'Bad Request', `unable to upgrade: header X-Stream-Protocol-Version does not exist in request with ${Object.keys(req.headersDistinct).length} headers`);
    return undefined;
  }
  const chosen = offered?.find((p) => server.includes(p));
  if (!chosen) {
    refuseText(socket, 403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports [${(offered ?? []).join(' ')}], server accepts [${server.join(' ')}]`,
      server.map((p) => ['X-Accepted-Stream-Protocol-Versions', p]));
    return undefined;
  }
  socket.write(['HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', 'Upgrade: SPDY/3.1', `X-Stream-Protocol-Version: ${chosen}`, `Date: ${new Date().toUTCString()}`, '', ''].join('\r\n'));
  return chosen;
}
