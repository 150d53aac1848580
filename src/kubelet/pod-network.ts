// The simulated pods on the network: which container of a pod listens on a port, and its app's
// answer to an HTTP request there, written to the pod's log as the app would log it. Every path to
// a pod (the apiserver's proxies, LoadBalancer and NodePort listeners, port-forward) goes
// through here, so a pod answers the same bytes however it is reached.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Container, Endpoints, Pod, Service, ServicePort } from '../api/objects.js';
import type { RegistryContext } from '../api/resource-store.js';
import { answer, listensOn, type AppAnswer, type AppCatalog, type AppRequest } from './apps.js';
import type { ContainerFiles } from './container-files.js';
import type { ContainerLogs, ContainerProcesses } from './containers.js';
import { activityOf } from '../observe/activity.js';

/** A pod and the port a connection reaches it on. */
export interface Backend { pod: Pod; port: number }

/** Where a connection from inside the cluster goes: a pod's container, or why it goes nowhere. */
export type Dialed =
  | { container: Container; pod: Pod; port: number }
  | { error: 'resolve' | 'refused'; host: string; port: number };

/** The cluster DNS suffixes of a service name, as a pod's resolv.conf search list tries them. */
const SERVICE_DOMAIN = /^([a-z0-9-]+)(?:\.([a-z0-9-]+))?(?:\.svc(?:\.cluster\.local)?)?\.?$/;

/** The ready endpoints of one service port: each pod with the port it serves it on. */
export function serviceBackends(registry: RegistryContext, svc: Service, port: ServicePort): Backend[] {
  const namespace = svc.metadata.namespace;
  const endpoints = registry.resource('endpoints');
  const pods = registry.resource('pods');
  const ep: Endpoints | undefined = endpoints?.cache.get(endpoints.key(namespace, svc.metadata.name ?? ''))?.object;
  return (ep?.subsets ?? []).flatMap((s) => {
    const epPort = (s.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? ''));
    if (!epPort) return [];
    return (s.addresses ?? []).flatMap((a) => {
      const pod: Pod | undefined = a.targetRef?.name ? pods?.cache.get(pods.key(namespace, a.targetRef.name))?.object : undefined;
      return pod ? [{ pod, port: epPort.port }] : [];
    });
  });
}

/** kube-proxy sent a connection to `service` on to `pod`: activity on the pod's node. */
export function proxied(store: object, service: { namespace?: string; name: string }, pod: Pod): void {
  const activity = activityOf(store);
  if (activity.listening) activity.publish('kube-proxy', 'proxy', { kind: 'Service', namespace: service.namespace, name: service.name }, pod.spec?.nodeName);
}

export class PodNetwork {
  /** `logs` and `files`: what the pods' containers have written, kept while the pods live. */
  constructor(readonly apps: AppCatalog, readonly logs: ContainerLogs, readonly files: ContainerFiles) {}

  /** Containers' processes that read stdin (ephemeral containers' shells), for attach. */
  readonly processes: ContainerProcesses = new Map();

  /**
   * The container of `pod` that accepts connections on `port`: one declaring it, or whose app
   * listens there; with no port, the first container (as the pod proxy picks one).
   */
  listener(pod: Pod, port?: number): Container | undefined {
    const containers = pod.spec?.containers ?? [];
    if (port === undefined) return containers[0];
    return containers.find((c) => listensOn(this.apps.appFor(c.image), (c.ports ?? []).map((p) => p.containerPort), port));
  }

  /** A container port given by name or number, as a proxy URL or a targetPort gives it. */
  resolvePort(pod: Pod, port: string | number): number | undefined {
    if (typeof port === 'number' || /^\d+$/.test(port)) return Number(port);
    for (const c of pod.spec?.containers ?? []) {
      const named = c.ports?.find((p) => p.name === port);
      if (named) return named.containerPort;
    }
    return undefined;
  }

  /** The app's answer to one request as `container` of `pod`, logged as the app logs it; `from` is the client's address. */
  request(pod: Pod, container: Container, request: AppRequest, from: string): AppAnswer {
    if (pod.metadata.uid) this.logs.append(pod.metadata.uid, container.name, `Received request from ${from}`);
    return answer(this.apps.appFor(container.image), request, { pod: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? '', podIP: pod.status?.podIP });
  }

  /** Answers one HTTP request (body read here) as `container` of `pod`; `url` is the path and query the app sees. */
  async serve(pod: Pod, container: Container, url: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    const request: AppRequest = { method: req.method ?? 'GET', url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    const reply = this.request(pod, container, request, req.socket.remoteAddress ?? 'unknown');
    if (res.headersSent) { res.end(); return; }
    res.writeHead(reply.status, { ...reply.headers, 'Content-Length': Buffer.byteLength(reply.body) });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  }

  /**
   * Where a connection from a pod in `namespace` to `host:port` goes, as the cluster's DNS and
   * kube-proxy send it: a service by name (`kubia`, `kubia.ns`, `kubia.ns.svc.cluster.local`) or
   * cluster IP to one of its ready endpoints, or a pod by IP. `pick` chooses among endpoints.
   */
  dial(registry: RegistryContext, namespace: string, host: string, port: number, pick: (n: number) => number): Dialed {
    const services = registry.resource('services');
    const pods = registry.resource('pods');
    let svc: Service | undefined;
    let pod: Pod | undefined;
    const named = SERVICE_DOMAIN.exec(host);
    if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) {
      svc = services?.cache.list(services.prefix).map((o) => o.object).find((s: Service) => s.spec?.clusterIP === host);
      pod = svc ? undefined : pods?.cache.list(pods.prefix).map((o) => o.object).find((p: Pod) => p.status?.podIP === host && !p.metadata.deletionTimestamp);
      if (!svc && !pod) return { error: 'refused', host, port };
    } else if (named && services) {
      svc = services.cache.get(services.key(named[2] ?? namespace, named[1]))?.object;
      if (!svc) return { error: 'resolve', host, port };
    } else {
      return { error: 'resolve', host, port };
    }
    let target = port;
    if (svc) {
      const svcPort = svc.spec?.ports?.find((p) => p.port === port);
      const backends = svcPort ? serviceBackends(registry, svc, svcPort) : [];
      if (!backends.length) return { error: 'refused', host, port };
      const chosen = backends[pick(backends.length)];
      pod = chosen.pod;
      target = chosen.port;
      proxied(registry.store, { namespace: svc.metadata.namespace, name: svc.metadata.name ?? '' }, pod);
    }
    const container = pod && this.listener(pod, target);
    return pod && container ? { container, pod, port: target } : { error: 'refused', host, port };
  }
}
