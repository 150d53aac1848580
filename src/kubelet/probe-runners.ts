// Running one probe against a simulated pod, as the kubelet's probers do from the node: httpGet
// through the pod's app (PodNetwork.request, User-Agent kube-probe/1.33), tcpSocket and grpc by
// whether something listens on the port, exec through the built-in commands. Each answers a
// ProbeOutcome worded as kube's probers word theirs.
import type { Container, ExecAction, GRPCAction, HTTPGetAction, Pod, Probe, TCPSocketAction } from '../api/objects.js';
import type { RegistryContext } from '../api/resource-store.js';
import { runCommand, type ExecContext } from './containers.js';
import { containerExecContext } from './exec-context.js';
import type { PodNetwork } from './pod-network.js';
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
    const ran = await execInContainer(command, containerExecContext(this.network, this.registry, pod, container), timeoutSeconds * 1000);
    if (ran === 'timeout') return { result: 'failure', output: execTimeout(command) };
    return { result: ran.exitCode === 0 ? 'success' : 'failure', output: ran.output };
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
