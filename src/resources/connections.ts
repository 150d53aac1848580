// The subresources that reach into a pod: log, proxy (pods and services), exec and attach over
// websocket (v4 and v5.channel.k8s.io). In a cluster the apiserver proxies these to the kubelet;
// here they are answered by the simulated containers.
import { createServer } from 'node:http';
import { Duplex } from 'node:stream';
import { errors, StatusError } from '../api/errors.js';
import { queryBool } from '../api/request-options.js';
import type { Container, Pod, Service } from '../api/objects.js';
import type { ConnectRequest, Subresource, UpgradeRequest } from '../api/types.js';
import { runCommand, type ContainerLogs } from '../kubelet/containers.js';
import { serviceBackends, type PodNetwork } from '../kubelet/pod-network.js';
import { sendBody } from '../server/http.js';

const containersOf = (pod: Pod): Container[] => pod.spec?.containers ?? [];

/** The container a request names, with kube's errors for a wrong or missing name. */
export function pickContainer(pod: Pod, name: string | null): Container {
  const containers = containersOf(pod);
  const podName = pod.metadata.name;
  if (!name) {
    if (containers.length === 1) return containers[0];
    throw errors.badRequest(`a container name must be specified for pod ${podName}, choose one of: [${containers.map((c) => c.name).join(' ')}]`);
  }
  const c = containers.find((x) => x.name === name);
  if (!c) throw errors.badRequest(`container ${name} is not valid for pod ${podName}`);
  return c;
}

function requireStarted(pod: Pod, c: Container): void {
  const status = (pod.status?.containerStatuses ?? []).find((s) => s.name === c.name);
  if (!status || status.state?.waiting) {
    const reason = status?.state?.waiting?.reason ?? 'ContainerCreating';
    throw errors.badRequest(`container "${c.name}" in pod "${pod.metadata.name}" is waiting to start: ${reason}`);
  }
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

/**
 * The websocket port-forward protocols (the kubelet's): per port, a data channel 2i and an error
 * channel 2i+1, each opened by the port number (uint16, little-endian). kubectl's own port-forward
 * speaks SPDY, which is not served yet.
 */
const PORT_FORWARD_PROTOCOLS = ['v4.channel.k8s.io', 'channel.k8s.io'];

/** The channel protocols exec and attach speak, newest first. */
const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

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
      exec: { type: 'connect', upgrade: { protocols: EXEC_PROTOCOLS, serve: (r) => this.exec(r, 'exec') } },
      attach: { type: 'connect', upgrade: { protocols: EXEC_PROTOCOLS, serve: (r) => this.exec(r, 'attach') } },
      portforward: { type: 'connect', upgrade: { protocols: PORT_FORWARD_PROTOCOLS, serve: (r) => this.portForward(r) } },
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
    if (queryBool(query.get('previous'))) {
      throw errors.badRequest(`previous terminated container "${c.name}" in pod "${name}" not found`);
    }
    requireStarted(pod, c);
    const uid = pod.metadata.uid ?? '';
    const timestamps = queryBool(query.get('timestamps'));
    const since = query.has('sinceSeconds') ? registry.now().getTime() - Number(query.get('sinceSeconds')) * 1000 : undefined;
    const tail = query.has('tailLines') ? Number(query.get('tailLines')) : undefined;
    let budget = query.has('limitBytes') ? Number(query.get('limitBytes')) : Infinity;
    const format = (l: { time: string; text: string }) => `${timestamps ? `${l.time} ` : ''}${l.text}\n`;
    let lines = this.logs.read(uid, c.name).filter((l) => since === undefined || Date.parse(l.time) >= since);
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

  /**
   * exec and attach over websocket, channel protocol v4 or v5: byte 0 of each message is the
   * stream (0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize, 255 close in v5).
   */
  private exec({ target, namespace, name, query, socket, registry }: UpgradeRequest, subresource: 'exec' | 'attach'): void {
    const send = (channel: number, data: string | Buffer) => {
      socket.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
    };
    const finish = (exitCode: number, argv: string[]) => {
      const status = exitCode === 0 ? { metadata: {}, status: 'Success' } : {
        metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${exitCode}`,
        reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
      };
      send(3, JSON.stringify(status));
      socket.close(1000);
    };
    const stdinChunks: Buffer[] = [];
    let stdinClosed = false;
    const stdinWaiters: (() => void)[] = [];
    const closeStdin = () => { stdinClosed = true; for (const w of stdinWaiters.splice(0)) w(); };
    socket.onMessage((buf) => {
      if (buf[0] === 0) stdinChunks.push(buf.subarray(1));
      if (buf[0] === 255 && buf[1] === 0) closeStdin();
    });
    socket.onClose(closeStdin);
    try {
      const pod = this.pod(target, namespace, name);
      const c = pickContainer(pod, query.get('container'));
      requireStarted(pod, c);
      const argv = subresource === 'attach' ? ['cat'] : query.getAll('command');
      const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOSTNAME: name, ...Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? ''])) };
      void runCommand(argv, {
        podName: name, env,
        stdin: () => new Promise((resolve) => { if (stdinClosed || !queryBool(query.get('stdin'))) resolve(Buffer.concat(stdinChunks)); else stdinWaiters.push(() => resolve(Buffer.concat(stdinChunks))); }),
        sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 60_000))),
        now: () => registry.now(),
        fetch: (url, method, body) => {
          const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
          const dialed = this.network.dial(registry, namespace ?? 'default', url.hostname, port, (n) => registry.entropy.int(n));
          if ('error' in dialed) return dialed;
          const headers = { host: url.host, 'user-agent': 'curl/8.5.0', accept: '*/*' };
          return this.network.request(dialed.pod, dialed.container, { method, url: url.pathname + url.search, headers, body }, pod.status?.podIP ?? 'unknown');
        },
      }).then((r) => {
        if (r.stdout) send(1, r.stdout);
        if (r.stderr) send(2, r.stderr);
        finish(r.exitCode, argv);
      });
    } catch (e) {
      const message = e instanceof StatusError ? e.message : String(e);
      send(3, JSON.stringify({ metadata: {}, status: 'Failure', message, reason: 'BadRequest', code: 400 }));
      socket.close(1000);
    }
  }

  /**
   * pods/{name}/portforward over a websocket: each port's data channel carries the bytes of one
   * connection to the pod's port, where its container's app answers HTTP (the bytes are parsed by
   * a node http server of its own, as a socket to the app would be).
   */
  private portForward({ target, namespace, name, query, socket }: UpgradeRequest): void {
    const ports = (query.get('ports') ?? '').split(',').filter(Boolean).map(Number);
    const header = (channel: number, port: number) => Buffer.from([channel, port & 0xff, port >> 8]);
    let pod: Pod;
    try {
      pod = this.pod(target, namespace, name);
      if (!ports.length || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw errors.badRequest('query parameter "port" is required');
    } catch (e) {
      socket.send(Buffer.concat([Buffer.from([1]), Buffer.from(e instanceof Error ? e.message : String(e))]));
      socket.close(1000);
      return;
    }
    const inbound = new Map<number, Duplex>();
    ports.forEach((port, i) => {
      socket.send(header(2 * i, port));
      socket.send(header(2 * i + 1, port));
      const container = this.network.listener(pod, port);
      if (!container) {
        socket.send(Buffer.concat([Buffer.from([2 * i + 1]), Buffer.from(`error forwarding port ${port} to pod ${pod.metadata.name}, uid ${pod.metadata.uid}: dial tcp4 127.0.0.1:${port}: connect: connection refused`)]));
        return;
      }
      const connection = new Duplex({
        read() {},
        write(chunk: Buffer, _encoding, done) {
          socket.send(Buffer.concat([Buffer.from([2 * i]), chunk]));
          done();
        },
      });
      const app = createServer((req, res) => void this.network.serve(pod, container, req.url ?? '/', req, res));
      app.emit('connection', connection);
      inbound.set(2 * i, connection);
    });
    socket.onMessage((data) => {
      const connection = inbound.get(data[0]);
      if (connection && data.length > 1) connection.push(data.subarray(1));
    });
    socket.onClose(() => { for (const c of inbound.values()) c.destroy(); });
  }

}
