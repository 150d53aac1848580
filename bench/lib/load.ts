// Load from autocannon (npm), over loopback, closed-loop: each connection sends its next request
// when the last one is answered, so the figure is what the server sustains.
import autocannon from 'autocannon';

export interface LoadResult { perSecond: number; p50Ms: number; p99Ms: number; failed: number; total: number }

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds to run; or `amount` requests in all. */
  seconds?: number;
  amount?: number;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
}

export async function load(o: LoadOptions): Promise<LoadResult> {
  const started = performance.now();
  const r = await autocannon({
    url: o.url, connections: o.connections, duration: o.seconds, amount: o.amount,
    method: o.method ?? 'GET', body: o.body, headers: o.headers,
  });
  const seconds = o.amount ? (performance.now() - started) / 1000 : r.duration;
  const ok = r['2xx'];
  return { perSecond: o.amount ? ok / seconds : r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, failed: r.errors + r.timeouts + r.non2xx, total: ok };
}
