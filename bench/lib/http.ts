// Plain HTTP from the bench process: requests over a keep-alive pool, and streaming reads of
// watches, with as little client work per event as possible.
import { Agent, request, type IncomingMessage } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export function send(method: string, url: string, body: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode! < 300 ? resolve() : reject(new Error(`${method} ${url}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens a streaming GET and calls back with each newline-terminated line, and once when the server ends it. */
export function stream(url: string, onLine: (line: string) => void, onEnd: () => void = () => {}): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res: IncomingMessage) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) { onLine(buf.slice(0, nl)); buf = buf.slice(nl + 1); }
      });
      res.on('error', () => {});
      res.on('end', onEnd);
      resolve(() => req.destroy());
    });
    req.on('error', reject);
    req.end();
  });
}

