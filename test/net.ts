// Loopback ports for the servers tests and benchmarks start; no dependency on tinykube itself,
// so bench/ can use it without loading the server into the load generator's process.
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
