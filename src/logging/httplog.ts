// One line per request, as kube-apiserver's httplog writes it at -v=3 and above:
//   "HTTP" verb="LIST" URI="/api/v1/pods?limit=500" latency="1.2ms" userAgent="kubectl/v1.33.1 ..." audit-ID="" srcIP="127.0.0.1:54321" resp=200
// kube adds the key/value pairs filters noted between srcIP and resp; tinykube notes the user
// there. An upgraded connection (a websocket watch or exec) says hijacked=true instead of resp.
import type { IncomingMessage } from 'node:http';
import { Duration, type Logger } from './log.js';

/** The verbosity kube-apiserver's request log is written at. */
export const HTTP_LOG_LEVEL = 3;

/** "ip:port" of the client, as Go's RemoteAddr (IPv6 in brackets, IPv4 on a dual-stack socket bare). */
export function sourceAddress(req: IncomingMessage): string {
  let ip = req.socket.remoteAddress ?? '';
  if (ip.startsWith('::ffff:') && ip.includes('.')) ip = ip.slice(7);
  return ip.includes(':') ? `[${ip}]:${req.socket.remotePort}` : `${ip}:${req.socket.remotePort}`;
}

export interface HttpLogEntry {
  /** kube's normalized verb: GET, LIST, WATCH, POST, PUT, PATCH, APPLY, DELETE, CONNECT. */
  verb: string;
  req: IncomingMessage;
  latencyMs: number;
  user: string;
  /** The status answered, or 'hijacked' for an upgraded connection. */
  status: number | 'hijacked';
}

export function logRequest(log: Logger, e: HttpLogEntry): void {
  const values: Record<string, unknown> = {
    verb: e.verb,
    URI: e.req.url ?? '',
    latency: Duration.fromMs(e.latencyMs),
    userAgent: e.req.headers['user-agent'] ?? '',
    'audit-ID': '',
    srcIP: sourceAddress(e.req),
    user: e.user,
  };
  if (e.status === 'hijacked') values.hijacked = true;
  else values.resp = e.status;
  log.V(HTTP_LOG_LEVEL).info('HTTP', values);
}
