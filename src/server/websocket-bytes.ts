// A websocket message's bytes, whatever form ws hands them in (a Buffer by default; an
// ArrayBuffer or fragments if a socket's binaryType says so).
import type { RawData } from 'ws';

export function messageBytes(data: RawData): Buffer {
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(new Uint8Array(data));
}
