// The bearer token a browser's websocket carries. A page cannot set Authorization on a websocket,
// so kube-apiserver also reads a token from the subprotocol list: the entry
// base64url.bearer.authorization.k8s.io.<token as unpadded base64url>. It is honoured only on
// websocket upgrades, at most once, and only beside another subprotocol (the one the server echoes
// back); once the token authenticates, the entry is removed from the request so that it is never
// chosen, echoed or logged as the subprotocol.
import type { IncomingMessage } from 'node:http';

export const BEARER_PROTOCOL_PREFIX = 'base64url.bearer.authorization.k8s.io.';

/** A token found in the subprotocols, and the subprotocols without it. */
export interface ProtocolToken { token: string; otherProtocols: string[] }

/** Why kube refuses a token subprotocol (logged by kube; the client sees a plain 401). */
export class ProtocolTokenError extends Error {}

/** Connection: upgrade and Upgrade: websocket, as wsstream.IsWebSocketRequest checks. */
export function isWebSocketRequest(req: IncomingMessage): boolean {
  const connection = (req.headers.connection ?? '').toLowerCase().split(',').map((t) => t.trim());
  return connection.includes('upgrade') && (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

const RAW_BASE64URL = /^[A-Za-z0-9_-]*$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The bearer token in a websocket request's subprotocols; undefined when the request is not a
 * websocket or carries none (or an empty one, which kube ignores). Throws ProtocolTokenError for a
 * second token entry, bad encoding, or a token with nothing else offered.
 */
export function protocolToken(req: IncomingMessage): ProtocolToken | undefined {
  if (!isWebSocketRequest(req)) return undefined;
  const header = req.headers['sec-websocket-protocol'];
  if (!header) return undefined;
  let token = '';
  let seen = false;
  const otherProtocols: string[] = [];
  for (const raw of header.split(',')) {
    const protocol = raw.trim();
    if (!protocol.startsWith(BEARER_PROTOCOL_PREFIX)) { otherProtocols.push(protocol); continue; }
    if (seen) throw new ProtocolTokenError('multiple base64.bearer.authorization tokens specified');
    seen = true;
    const encoded = protocol.slice(BEARER_PROTOCOL_PREFIX.length);
    // Unpadded base64url exactly: no padding, no other alphabet, no impossible length.
    if (!RAW_BASE64URL.test(encoded) || encoded.length % 4 === 1) throw new ProtocolTokenError('invalid base64.bearer.authorization token encoding');
    try {
      token = UTF8.decode(Buffer.from(encoded, 'base64url'));
    } catch {
      throw new ProtocolTokenError('invalid base64.bearer.authorization token');
    }
  }
  if (token && otherProtocols.length === 0) throw new ProtocolTokenError('missing additional subprotocol');
  return token ? { token, otherProtocols } : undefined;
}
