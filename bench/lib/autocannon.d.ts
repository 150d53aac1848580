// The part of autocannon's API the benchmarks use (the package ships no types).
declare module 'autocannon' {
  interface Options {
    url: string;
    connections?: number;
    pipelining?: number;
    duration?: number;
    amount?: number;
    /** Seconds to wait for each response (autocannon: 10). */
    timeout?: number;
    method?: string;
    body?: string | Buffer;
    headers?: Record<string, string>;
    requests?: { method?: string; path?: string; body?: string; headers?: Record<string, string>; setupRequest?: (req: any, context: any) => any }[];
  }
  interface Histogram { average: number; mean: number; p50: number; p90: number; p99: number; max: number; total: number }
  interface Result { requests: Histogram; latency: Histogram; throughput: Histogram; errors: number; timeouts: number; non2xx: number; duration: number; '2xx': number }
  /** A run: a promise of its result that also emits each response as it arrives. */
  interface Instance extends Promise<Result> {
    on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this;
  }
  function autocannon(opts: Options): Instance;
  export default autocannon;
}
