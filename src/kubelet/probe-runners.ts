// Running one probe against a simulated pod, as the kubelet's probers do from the node: httpGet
// through the pod's app (PodNetwork.request, User-Agent kube-probe/1.33), tcpSocket and grpc by
// whether something listens on the port, exec through the built-in commands. Each answers a
// ProbeOutcome worded as kube's probers word theirs.
import type { Container, ExecAction, GRPCAction, HTTPGetAction, Pod, Probe, TCPSocketAction } from '../api/objects.js';
import type { RegistryContext } from '../api/resource-store.js';
import { runCommand, type ExecContext } from './containers.js';
import type { Dialed, PodNetwork } from './pod-network.js';
import { connectionRefused, execTimeout, grpcTimeout, httpGetError, httpOutcome, probeURL, resolveProbePort, type ProbeOutcome } from './probes.js';

/** kube-probe/<major>.<minor> of the kubelet version the nodes report. */
export const PROBE_USER_AGENT = 'kube-probe/1.33';

export class ProbeRunners {
  constructor(private readonly network: PodNetwork, private readonly registry: RegistryContext) {}

  /** Runs `probe` once against `container` of `pod`. */
  run(probe: Probe, pod: Pod, container: Container, timeoutSeconds: number): Promise<ProbeOutcome> | ProbeOutcome {
    if (probe.httpGet) return this.httpGet(probe.httpGet, pod, container);
    if (probe.tcpSocket) return this.tcpSocket(probe.tcpSocket, pod, container);
    if (probe.grpc) return this.grpc(probe.grpc, pod, timeoutSeconds);
    if (probe.exec) return this.exec(probe.exec, pod, container, timeoutSeconds);
    return { result: 'error', output: 'missing probe handler' };
  }

  private httpGet(action: HTTPGetAction, pod: Pod, container: Container): ProbeOutcome {
    const port = resolveProbePort(action.port, container);
    if (typeof port !== 'number') return { result: 'error', output: port.error };
    const podIP = pod.status?.podIP ?? '';
    const host = action.host || podIP;
    const url = probeURL(action.scheme, host, port, action.path);
    // The kubelet dials from the node; only the pod's own address reaches one of its containers.
    const listener = host === podIP ? this.network.listener(pod, port) : undefined;
    if (!listener) return { result: 'failure', output: httpGetError(url, connectionRefused(host, port)) };
    if ((action.scheme ?? 'HTTP').toUpperCase() === 'HTTPS') return { result: 'failure', output: httpGetError(url, 'http: server gave HTTP response to HTTPS client') };
    const headers: Record<string, string> = {};
    for (const h of action.httpHeaders ?? []) headers[h.name.toLowerCase()] = h.value;
    headers['user-agent'] ??= PROBE_USER_AGENT;
    headers.accept ??= '*/*';
    headers.host ??= `${host}:${port}`;
    const reply = this.network.request(pod, listener, { method: 'GET', url: action.path || '/', headers }, pod.status?.hostIP ?? 'unknown');
    return httpOutcome(reply.status, reply.body);
  }

  private tcpSocket(action: TCPSocketAction, pod: Pod, container: Container): ProbeOutcome {
    const port = resolveProbePort(action.port, container);
    if (typeof port !== 'number') return { result: 'error', output: port.error };
    const podIP = pod.status?.podIP ?? '';
    const host = action.host || podIP;
    return host === podIP && this.network.listener(pod, port) ? { result: 'success', output: '' } : { result: 'failure', output: connectionRefused(host, port) };
  }

  /** A listening port is taken for a server answering the health check SERVING. */
  private grpc(action: GRPCAction, pod: Pod, timeoutSeconds: number): ProbeOutcome {
    const podIP = pod.status?.podIP ?? '';
    return this.network.listener(pod, action.port) ? { result: 'success', output: 'service healthy' } : { result: 'failure', output: grpcTimeout(podIP, action.port, timeoutSeconds) };
  }

  private async exec(action: ExecAction, pod: Pod, container: Container, timeoutSeconds: number): Promise<ProbeOutcome> {
    const command = action.command ?? [];
    const ran = await execInContainer(command, this.execContext(pod, container), timeoutSeconds * 1000);
    if (ran === 'timeout') return { result: 'failure', output: execTimeout(command) };
    return { result: ran.exitCode === 0 ? 'success' : 'failure', output: ran.output };
  }

  /** What the command sees: the container's env (no downward API, as in kube), no stdin, the cluster's network. */
  private execContext(pod: Pod, container: Container): ExecContext {
    const name = pod.metadata.name ?? '';
    return {
      podName: name,
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOSTNAME: name, ...Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? ''])) },
      stdin: () => Promise.resolve(''),
      sleep: (ms) => new Promise((resolve) => { setTimeout(resolve, ms).unref(); }),
      now: () => this.registry.now(),
      fetch: (url, method, body) => {
        const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
        const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
        const listener = local ? this.network.listener(pod, port) : undefined;
        const refused: Dialed = { error: 'refused', host: url.hostname, port };
        const dialed: Dialed = local ? (listener ? { pod, container: listener, port } : refused)
          : this.network.dial(this.registry, pod.metadata.namespace ?? 'default', url.hostname, port, (n) => this.registry.entropy.int(n));
        if ('error' in dialed) return dialed;
        const headers = { host: url.host, 'user-agent': 'curl/8.5.0', accept: '*/*' };
        return this.network.request(dialed.pod, dialed.container, { method, url: url.pathname + url.search, headers, body }, pod.status?.podIP ?? 'unknown');
      },
    };
  }
}

/**
 * The one place probes call runCommand: its exit code and its stdout and stderr together (the
 * exec prober reads both into one buffer), or 'timeout' when it outruns `timeoutMs`.
 */
export async function execInContainer(command: string[], ctx: ExecContext, timeoutMs: number): Promise<{ exitCode: number; output: string } | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); timer.unref(); });
  try {
    const ran = await Promise.race([runCommand(command, ctx), timeout]);
    if (ran === 'timeout') return ran;
    return { exitCode: ran.exitCode, output: String(ran.stdout) + String(ran.stderr) };
  } finally {
    clearTimeout(timer);
  }
}
