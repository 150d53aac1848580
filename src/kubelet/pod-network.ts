// The simulated pods on the network: which container of a pod listens on a port, and its app's
// answer to an HTTP request there, written to the pod's log as the app would log it. Every path to
// a pod (the apiserver's proxies, LoadBalancer and NodePort listeners, port-forward) goes
// through here, so a pod answers the same bytes however it is reached.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Container, Pod } from '../api/objects.js';
import { answer, listensOn, type AppCatalog, type AppRequest } from './apps.js';
import type { ContainerLogs } from './containers.js';

export class PodNetwork {
  constructor(readonly apps: AppCatalog, readonly logs: ContainerLogs) {}

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

  /** Answers one HTTP request (body read here) as `container` of `pod`; `url` is the path and query the app sees. */
  async serve(pod: Pod, container: Container, url: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    const request: AppRequest = { method: req.method ?? 'GET', url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    const app = this.apps.appFor(container.image);
    if (pod.metadata.uid) this.logs.append(pod.metadata.uid, container.name, `Received request from ${req.socket.remoteAddress ?? 'unknown'}`);
    const reply = answer(app, request, { pod: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? '', podIP: pod.status?.podIP });
    if (res.headersSent) { res.end(); return; }
    res.writeHead(reply.status, { ...reply.headers, 'Content-Length': Buffer.byteLength(reply.body) });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  }
}
