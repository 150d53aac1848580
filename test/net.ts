// Loopback ports for the servers tests and benchmarks start; no dependency on tinykube itself,
// so bench/ can use it without loading the server into the load generator's process.
import { request } from 'node:http';
import { createServer } from 'node:net';

/** A TCP port free on loopback right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A loopback address of its own (Linux routes all of 127.0.0.0/8 to lo), so the ports a cluster opens there are its own. */
export function loopbackAddress(): string {
  const octet = () => 2 + Math.floor(Math.random() * 250);
  return `127.${octet()}.${octet()}.${octet()}`;
}

/** One GET on a new connection (kube-proxy balances connections), with a Host header if given: status and body, or the socket error's code. */
export function getOnce(address: string, port: number, path = '/', host?: string): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = request({ host: address, port, path, headers: host ? { Host: host } : {}, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}
