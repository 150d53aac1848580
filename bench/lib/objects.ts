// Objects the benchmarks create, and fast ways to create many of them through the API.
import autocannon from 'autocannon';

/**
 * A pod like a real one: a container with ports, env, resources and probes; about 2 KB stored.
 * `probe: false` leaves out the readiness probe, so Ready follows Running at once (as the pause
 * pods of scheduler_perf and kwok do) instead of waiting for the first probe.
 */
export function pod(name: string, opts: { nodeName?: string; labels?: Record<string, string>; cpu?: string; probe?: boolean } = {}) {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, labels: { app: 'bench', tier: 'web', ...opts.labels }, annotations: { 'bench.tinykube.io/purpose': 'a pod of realistic size for measuring' } },
    spec: {
      ...(opts.nodeName ? { nodeName: opts.nodeName } : {}),
      containers: [{
        name: 'web', image: 'registry.example.com/team/web:1.25.3',
        ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }],
        env: [{ name: 'MODE', value: 'production' }, { name: 'LOG_LEVEL', value: 'info' }],
        resources: { requests: { cpu: opts.cpu ?? '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
        ...(opts.probe === false ? {} : { readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 } }),
      }],
    },
  };
}

/** A Ready node; `withoutKubelet` leaves it to nobody (as scheduler_perf's fake nodes are). */
export function node(name: string, opts: { withoutKubelet?: boolean } = {}) {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: {
      name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' },
      ...(opts.withoutKubelet ? { annotations: { 'tinykube.io/kubelet': 'stopped' } } : {}),
    },
    status: {
      capacity: { cpu: '32', memory: '128Gi', pods: '110' },
      allocatable: { cpu: '32', memory: '128Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    },
  };
}

/** POSTs `count` objects made by `make(i)` with `connections` in flight; returns objects per second (first request to last response). */
export async function createMany(url: string, path: string, count: number, make: (i: number) => unknown, connections = 32, timeoutSeconds = 10): Promise<number> {
  let i = 0;
  const started = performance.now();
  const run = autocannon({
    url: url + path, connections, amount: count, timeout: timeoutSeconds,
    requests: [{ method: 'POST', headers: { 'Content-Type': 'application/json' }, setupRequest: (req: any) => ({ ...req, body: JSON.stringify(make(i++)) }) }],
  });
  // autocannon settles on its next one-second tick, not at the last response: timed by its own end,
  // 6,000 creates could only measure as 2,000, 1,500 or 1,200 a second.
  let lastResponse = started;
  void run.on('response', () => { lastResponse = performance.now(); });
  const r = await run;
  if (r['2xx'] !== count) throw new Error(`created ${r['2xx']} of ${count} at ${path} (${r.non2xx} non-2xx, ${r.errors} errors)`);
  return count / ((lastResponse - started) / 1000);
}
