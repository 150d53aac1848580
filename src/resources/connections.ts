// The subresources that reach into a pod: log, proxy (pods and services), exec, attach and
// port-forward (over websocket or SPDY: the server's streaming.ts hands over the streams). In a
// cluster the apiserver proxies these to the kubelet; here the simulated containers answer.
import { createServer } from 'node:http';
import { errors, StatusError } from '../api/errors.js';
import { queryBool } from '../api/request-options.js';
import type { Container, Pod, Service } from '../api/objects.js';
import type { CommandStreams, ConnectRequest, ForwardStreams, StreamRequest, StreamStatus, Subresource } from '../api/types.js';
import { logRun, runCommand, type ContainerLogs, type LogLine } from '../kubelet/containers.js';
import { containerExecContext } from '../kubelet/exec-context.js';
import { serviceBackends, type PodNetwork } from '../kubelet/pod-network.js';
import { terminalShell, type ShellFlavor } from '../kubelet/shell-prompt.js';
import { TerminalSession } from '../kubelet/terminal.js';
import { sendBody } from '../server/http.js';

const containersOf = (pod: Pod): Container[] => pod.spec?.containers ?? [];

const isEphemeral = (pod: Pod, name: string): boolean => (pod.spec?.ephemeralContainers ?? []).some((c) => c.name === name);

/**
 * The container a request names, with kube's errors for a wrong or missing name: any of the
 * pod's containers, init and ephemeral ones too; with no name, its only container.
 */
export function pickContainer(pod: Pod, name: string | null): Container {
  const containers = containersOf(pod);
  const podName = pod.metadata.name;
  if (!name) {
    if (containers.length === 1) return containers[0];
    throw errors.badRequest(`a container name must be specified for pod ${podName}, choose one of: [${containers.map((c) => c.name).join(' ')}]`);
  }
  const c = [...containers, ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].find((x) => x.name === name);
  if (!c) throw errors.badRequest(`container ${name} is not valid for pod ${podName}`);
  return c;
}

const statusOf = (pod: Pod, name: string) =>
  [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])].find((s) => s.name === name);

/** An exec or attach reaches only a running ephemeral container; the kubelet answers 500 otherwise. */
function requireRunningEphemeral(pod: Pod, name: string): void {
  if (statusOf(pod, name)?.state?.running) return;
  throw new StatusError(500, 'InternalError', `container ${name} not found in pod ${pod.metadata.name}_${pod.metadata.namespace}`);
}

function requireStarted(pod: Pod, c: Container): void {
  const status = statusOf(pod, c.name);
  if (!status || status.state?.waiting) {
    const reason = status?.state?.waiting?.reason ?? 'ContainerCreating';
    throw errors.badRequest(`container "${c.name}" in pod "${pod.metadata.name}" is waiting to start: ${reason}`);
  }
}

/** How long a tty session waits for the client's terminal size before its command runs anyway. */
const TERMINAL_SIZE_WAIT_MS = 250;

/** The least time from a session's start to its first output: a container runtime's exec takes longer. */
const EXEC_START_MS = 100;

/**
 * Resolves when a session's command may start: no sooner than EXEC_START_MS, and for a tty once
 * the client has sent its terminal size. Output sooner than a real runtime gives it races the
 * client: client-go's websocket executor drops what arrives before it has made its streams
 * ("Unknown stream id"), and kubectl 1.27 logs EOF writing the size to a session already ended.
 */
function sessionStarted(streams: CommandStreams): Promise<void> {
  const started = new Promise<void>((resolve) => { setTimeout(resolve, EXEC_START_MS).unref(); });
  if (!streams.tty) return started;
  const sized = new Promise<void>((resolve) => {
    streams.onResize(() => resolve());
    setTimeout(resolve, TERMINAL_SIZE_WAIT_MS).unref();
  });
  return Promise.all([started, sized]).then(() => undefined);
}

/** How a command ended, as the kubelet reports it on the error stream. */
function commandStatus(exitCode: number, argv: string[]): StreamStatus {
  return exitCode === 0 ? { metadata: {}, status: 'Success' } : {
    metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** What a connection to a port nothing listens on answers through the apiserver's proxy. */
function refused(ip: string | undefined, port: string | number | undefined): StatusError {
  return new StatusError(503, 'ServiceUnavailable', `error trying to reach service: dial tcp ${ip}:${port}: connect: connection refused`, {});
}

/** The path and query a proxied app sees: what follows `/proxy` in the URL. */
function proxiedURL(rest: string[], query: URLSearchParams): string {
  const q = query.toString();
  return `/${rest.join('/')}${q ? `?${q}` : ''}`;
}

/** A pod's subresources that reach into its containers, and a service's proxy, answered by the simulated containers. */
export class Connections {
  private readonly logs: ContainerLogs;

  constructor(private readonly network: PodNetwork) {
    this.logs = network.logs;
  }

  podSubresources(): Record<string, Subresource> {
    return {
      log: { type: 'connect', connect: (r) => this.log(r) },
      proxy: { type: 'connect', connect: (r) => this.podProxy(r) },
      exec: { type: 'connect', stream: { protocol: 'remotecommand', check: (r) => this.commandTarget(r), serve: (r, streams) => this.exec(r, streams, 'exec') } },
      attach: { type: 'connect', stream: { protocol: 'remotecommand', check: (r) => this.commandTarget(r), serve: (r, streams) => this.exec(r, streams, 'attach') } },
      portforward: { type: 'connect', stream: { protocol: 'portforward', check: ({ target, namespace, name }) => this.pod(target, namespace, name), serve: (r, streams) => this.portForward(r, streams) } },
    };
  }

  serviceSubresources(): Record<string, Subresource> {
    return { proxy: { type: 'connect', connect: (r) => this.serviceProxy(r) } };
  }

  private pod(target: ConnectRequest['target'], namespace: string | undefined, name: string): Pod {
    const pod = target.cache.get(target.key(namespace, name))?.object;
    if (!pod) throw errors.notFound(target.gr, name);
    return pod;
  }

  /** GET pods/{name}/log: follow, tailLines, timestamps, sinceSeconds, limitBytes, container, previous. */
  private log({ target, namespace, name, query, req, res, registry }: ConnectRequest): void {
    const pod = this.pod(target, namespace, name);
    const c = pickContainer(pod, query.get('container'));
    const run = logRun(statusOf(pod, c.name), c.name, name, queryBool(query.get('previous')));
    if ('error' in run) throw errors.badRequest(run.error);
    const uid = pod.metadata.uid ?? '';
    const timestamps = queryBool(query.get('timestamps'));
    const since = query.has('sinceSeconds') ? registry.now().getTime() - Number(query.get('sinceSeconds')) * 1000 : undefined;
    const tail = query.has('tailLines') ? Number(query.get('tailLines')) : undefined;
    let budget = query.has('limitBytes') ? Number(query.get('limitBytes')) : Infinity;
    const format = (l: LogLine) => `${timestamps ? `${l.time} ` : ''}${l.text}\n`;
    let lines = this.logs.read(uid, c.name, run.id).filter((l) => since === undefined || l.at >= since);
    if (tail !== undefined && tail >= 0) lines = lines.slice(Math.max(0, lines.length - tail));
    const take = (text: string) => {
      const chunk = text.length > budget ? text.slice(0, budget) : text;
      budget -= chunk.length;
      return chunk;
    };
    const body = take(lines.map(format).join(''));
    if (!queryBool(query.get('follow'))) {
      sendBody(res, 200, 'text/plain', body);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    if (body) res.write(body);
    const stopFollow = this.logs.follow(uid, c.name, (l) => {
      const chunk = take(format(l));
      if (chunk) res.write(chunk);
      if (budget <= 0) end();
    });
    // The stream ends when the pod goes away, as a container's log does when it stops.
    const stopWatch = target.cache.watch({ matches: (p) => p.metadata.uid === uid, deliver: (type) => { if (type === 'DELETED') end(); } });
    const end = () => { stopFollow(); stopWatch(); res.end(); };
    req.on('close', () => { stopFollow(); stopWatch(); });
  }

  /** services/{name[:port]}/proxy/... : one ready endpoint, chosen at random, answers. */
  private async serviceProxy({ target, namespace, name: nameAndPort, rest, query, req, res, registry }: ConnectRequest): Promise<void> {
    const parts = nameAndPort.split(':');
    const [name, port] = parts.length === 3 ? [parts[1], parts[2]] : [parts[0], parts[1]];
    const svc: Service | undefined = target.cache.get(target.key(namespace, name))?.object;
    if (!svc) throw errors.notFound(target.gr, name);
    const svcPorts = svc.spec?.ports ?? [];
    const svcPort = port ? svcPorts.find((p) => p.name === port || String(p.port) === port) : svcPorts[0];
    const ready = svcPort ? serviceBackends(registry, svc, svcPort) : [];
    if (!ready.length) throw new StatusError(503, 'ServiceUnavailable', `no endpoints available for service "${name}"`, {});
    const chosen = ready[registry.entropy.int(ready.length)];
    const container = this.network.listener(chosen.pod, chosen.port);
    if (!container) throw refused(chosen.pod.status?.podIP, chosen.port);
    await this.network.serve(chosen.pod, container, proxiedURL(rest, query), req, res);
  }

  /** pods/{name[:port]}/proxy/... */
  private async podProxy({ target, namespace, name: nameAndPort, rest, query, req, res }: ConnectRequest): Promise<void> {
    const parts = nameAndPort.split(':');
    const [name, port] = parts.length === 3 ? [parts[1], parts[2]] : [parts[0], parts[1]];
    const pod = this.pod(target, namespace, name);
    const number = port ? this.network.resolvePort(pod, port) : undefined;
    const container = port && number === undefined ? undefined : this.network.listener(pod, number);
    if (!container) throw refused(pod.status?.podIP, port);
    if (pod.status?.phase !== 'Running') {
      throw errors.badRequest(`pod ${name} is not running`);
    }
    await this.network.serve(pod, container, proxiedURL(rest, query), req, res);
  }

  /** The pod and container an exec or attach reaches, with kube's errors before the upgrade. */
  private commandTarget({ target, namespace, name, query }: StreamRequest): { pod: Pod; container: Container } {
    const pod = this.pod(target, namespace, name);
    const container = pickContainer(pod, query.get('container'));
    if (isEphemeral(pod, container.name)) requireRunningEphemeral(pod, container.name);
    else requireStarted(pod, container);
    return { pod, container };
  }

  /**
   * exec and attach, whatever the transport (remote-command.ts): the command runs with what the
   * client sends on stdin until it ends, and its outcome is reported as the kubelet reports it.
   */
  private exec(request: StreamRequest, streams: CommandStreams, subresource: 'exec' | 'attach'): void {
    const { query, registry } = request;
    let pod: Pod;
    let c: Container;
    try {
      ({ pod, container: c } = this.commandTarget(request));
    } catch (e) {
      const message = e instanceof StatusError ? e.message : String(e);
      streams.end({ metadata: {}, status: 'Failure', message, reason: 'BadRequest', code: 400 });
      return;
    }
    if (subresource === 'attach' && isEphemeral(pod, c.name)) { void this.attachProcess(request, streams, pod, c.name); return; }
    const shell = subresource === 'exec' && streams.tty && streams.stdin ? terminalShell(this.network.apps.appFor(c.image).name, query.getAll('command')) : undefined;
    if (shell) { this.terminal(request, streams, pod, c, shell); return; }
    const stdinChunks: Buffer[] = [];
    const stdinEnded = new Promise<void>((resolve) => {
      if (!streams.stdin) { resolve(); return; }
      streams.stdin.on('data', (chunk: Buffer) => stdinChunks.push(chunk));
      streams.stdin.on('end', () => resolve());
      streams.stdin.on('close', () => resolve());
      streams.onClose(() => resolve());
    });
    const argv = subresource === 'attach' ? ['cat'] : query.getAll('command');
    const stdin = async () => { await stdinEnded; return Buffer.concat(stdinChunks); };
    void sessionStarted(streams).then(() => runCommand(argv, containerExecContext(this.network, registry, pod, c, stdin))).then((r) => {
      if (r.stdout.length) streams.stdout?.write(r.stdout);
      if (r.stderr.length) (streams.stderr ?? streams.stdout)?.write(r.stderr);
      streams.end(commandStatus(r.exitCode, argv));
    });
  }

  /**
   * exec of a shell with a terminal (`kubectl exec -it POD -- sh`): the shell prompts and runs each
   * line as it is typed (kubelet/terminal.ts) until it exits, the client goes, or the pod does.
   */
  private terminal(request: StreamRequest, streams: CommandStreams, pod: Pod, c: Container, flavor: ShellFlavor): void {
    const { target, query, registry } = request;
    const argv = query.getAll('command');
    const stdin = streams.stdin;
    if (!stdin) return;
    let ended = false;
    const end = (code: number) => {
      if (ended) return;
      ended = true;
      stopWatch();
      session.close();
      streams.end(commandStatus(code, argv));
    };
    const session = new TerminalSession({
      argv, flavor,
      ctx: containerExecContext(this.network, registry, pod, c),
      write: (data) => { streams.stdout?.write(data); },
      exit: end,
    });
    // What is typed before the prompt waits for it, as typeahead does on a terminal.
    stdin.on('data', (chunk: Buffer) => session.input(chunk));
    stdin.on('end', () => session.endInput());
    // The shell dies with its container: a deleted pod's session ends as a killed process's (137).
    const uid = pod.metadata.uid;
    const stopWatch = target.cache.watch({ matches: (p: Pod) => p.metadata.uid === uid, deliver: (type) => { if (type === 'DELETED') end(137); } });
    streams.onClose(() => { ended = true; stopWatch(); session.close(); });
    void sessionStarted(streams).then(() => session.start());
  }

  /**
   * attach to a container's process (an ephemeral container's): what it printed since it started,
   * then what it prints, until it ends with its exit code; what the client types goes to its stdin.
   * (A real attach sees only what comes after it; replaying keeps `debug -it -- echo hi` from
   * racing the command.)
   */
  private async attachProcess({ target }: StreamRequest, streams: CommandStreams, pod: Pod, name: string): Promise<void> {
    await sessionStarted(streams);
    const uid = pod.metadata.uid ?? '';
    const out = streams.stdout ?? streams.stderr;
    for (const line of this.logs.read(uid, name)) out?.write(`${line.text}\n`);
    const stopFollow = this.logs.follow(uid, name, (line) => out?.write(`${line.text}\n`));
    streams.stdin?.on('data', (chunk: Buffer) => this.network.processes.get(`${uid}/${name}`)?.write(chunk.toString('utf8')));
    let ended = false;
    const end = (exitCode: number) => {
      if (ended) return;
      ended = true;
      stopFollow();
      stopWatch();
      streams.end(commandStatus(exitCode, [name]));
    };
    const terminated = (p: Pod) => statusOf(p, name)?.state?.terminated;
    const stopWatch = target.cache.watch({
      matches: (p: Pod) => p.metadata.uid === uid,
      deliver: (type, cached) => {
        if (type === 'DELETED') { end(137); return; }
        const p: Pod = cached.object;
        const t = terminated(p);
        if (t) end(t.exitCode);
      },
    });
    const now: Pod | undefined = target.cache.get(target.key(pod.metadata.namespace, pod.metadata.name ?? ''))?.object;
    const t = now && terminated(now);
    if (t) end(t.exitCode);
    streams.onClose(() => { stopFollow(); stopWatch(); });
  }

  /**
   * pods/{name}/portforward, whatever the transport (port-forward.ts): each forwarded connection
   * reaches the app of the container listening on its port, whose bytes a node http server of
   * its own parses, as a socket to the app would be.
   */
  private portForward({ target, namespace, name }: StreamRequest, streams: ForwardStreams): void {
    const pod = this.pod(target, namespace, name);
    streams.onConnection(({ port, data, fail }) => {
      const container = this.network.listener(pod, port);
      if (!container) {
        fail(`error forwarding port ${port} to pod ${pod.metadata.name}, uid ${pod.metadata.uid}: dial tcp4 127.0.0.1:${port}: connect: connection refused`);
        return;
      }
      const app = createServer((req, res) => void this.network.serve(pod, container, req.url ?? '/', req, res));
      app.emit('connection', data);
    });
  }
}
