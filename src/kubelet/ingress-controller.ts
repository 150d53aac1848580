// The simulated ingress controller of the `tinykube` IngressClass (controller
// tinykube.io/ingress-controller), as ingress-nginx behind a cloud load balancer: while any
// Ingress of a class it controls exists, it listens on the load-balancer address (the service
// proxy's, 127.0.0.1 unless told otherwise) on one HTTP port (80 unless told otherwise), and writes
// that address into each such Ingress's status.loadBalancer.ingress (with the port in `ports`
// when it is not 80), so `kubectl get ing` shows ADDRESS. Each request is routed by its Host and
// path (ingress-routing.ts) to one ready endpoint of the backend Service, whose simulated app
// answers; no match answers ingress-nginx's 404, a backend without ready endpoints its 503.
// TLS is not served. Traffic from here is host traffic: NetworkPolicies do not apply to it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Ingress, IngressClass, IngressLoadBalancerIngress, Service } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import { keyController, type Controller, type Result } from '../client/controller.js';
import { objectKey, type ObjectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import { typedResource, type Stored, type TypedResource } from '../client/typed-resource.js';
import { EventRecorder } from '../controllers/events.js';
import { QUIET, type Logger } from '../logging/log.js';
import { requestHost, route } from './ingress-routing.js';
import { serviceBackends, type PodNetwork } from './pod-network.js';
import { listenOn } from './service-proxy.js';

/** The controller name IngressClasses give to be served by this controller. */
export const INGRESS_CONTROLLER = 'tinykube.io/ingress-controller';

/** The port the controller listens on unless told otherwise: plain HTTP's. */
export const DEFAULT_INGRESS_PORT = 80;

const MANAGER = 'tinykube-ingress-controller';
const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** How soon a port that could not be listened on is tried again. */
const RETRY_MS = 5000;

export interface IngressControllerOptions {
  /** The load-balancer address listened on and written into the Ingresses' status. */
  address: string;
  /** The HTTP port (default 80). */
  port?: number;
}

/** An nginx error page, as ingress-nginx's default backend and its upstream errors answer. */
function nginxPage(status: number, text: string): { status: number; body: string } {
  const title = `${status} ${text}`;
  return { status, body: `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n` };
}

const NOT_FOUND = nginxPage(404, 'Not Found');
const UNAVAILABLE = nginxPage(503, 'Service Temporarily Unavailable');
const BAD_GATEWAY = nginxPage(502, 'Bad Gateway');

export class IngressController {
  private readonly ingresses: TypedResource<Ingress>;
  private readonly classes: TypedResource<IngressClass>;
  private readonly services: TypedResource<Service>;
  private readonly controller: Controller<ObjectKey>;
  private readonly events: EventRecorder;
  private readonly server: Server;
  private readonly port: number;
  private listening = false;
  private error?: string;

  constructor(private readonly registry: Registry, private readonly network: PodNetwork, private readonly options: IngressControllerOptions, private readonly log: Logger = QUIET) {
    this.port = options.port ?? DEFAULT_INGRESS_PORT;
    this.ingresses = typedResource(registry, 'ingresses', 'networking.k8s.io');
    this.classes = typedResource(registry, 'ingressclasses', 'networking.k8s.io');
    this.services = typedResource(registry, 'services');
    this.events = new EventRecorder(registry, { component: MANAGER }, log);
    this.server = createServer((req, res) => { this.serve(req, res).catch(() => req.socket.destroy()); });
    this.controller = keyController('ingress controller', (key) => this.reconcile(key), log)
      .watch(this.ingresses, ({ object }, queue) => queue.add(objectKey(object)))
      // A class made, changed or deleted may change which Ingresses are this controller's.
      .watch(this.classes, (_, queue) => { for (const i of this.ingresses.lister.list()) queue.add(objectKey(i)); });
  }

  start(): void { this.controller.start(); }

  stop(): void {
    this.controller.stop();
    this.close();
  }

  private close(): void {
    if (!this.listening) return;
    this.listening = false;
    this.server.close();
    this.server.closeAllConnections();
  }

  /** Whether `ing` is of a class this controller serves (by spec.ingressClassName, else the old annotation). */
  private ours(ing: Ingress): boolean {
    const name = ing.spec?.ingressClassName ?? ing.metadata.annotations?.[CLASS_ANNOTATION];
    return !!name && this.classes.lister.get(undefined, name)?.spec?.controller === INGRESS_CONTROLLER;
  }

  /** This controller's Ingresses, oldest first, as ingress-nginx orders them. */
  private served(): Stored<Ingress>[] {
    return this.ingresses.lister.list().filter((i) => this.ours(i) && !i.metadata.deletionTimestamp)
      .sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp) || `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  }

  private async reconcile(key: ObjectKey): Promise<Result | void> {
    await this.setListening(this.served().length > 0);
    const ing = this.ingresses.lister.get(key.namespace, key.name);
    // Other classes' Ingresses are their controllers' to report on.
    if (!ing || !this.ours(ing) || ing.metadata.deletionTimestamp) return;
    if (!this.listening) return { requeueAfterMs: RETRY_MS };
    const wanted: IngressLoadBalancerIngress[] = [{ ip: this.options.address, ...(this.port !== DEFAULT_INGRESS_PORT ? { ports: [{ port: this.port, protocol: 'TCP' }] } : {}) }];
    const current = ing.status?.loadBalancer?.ingress ?? [];
    if (JSON.stringify(current) === JSON.stringify(wanted)) return;
    await ignoreRaces(this.ingresses.update(key, (i) => ({ ...i, status: { ...i.status, loadBalancer: { ingress: wanted } } }), { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
    // As ingress-nginx reports taking an Ingress on.
    if (!current.length) await this.events.record(ing, 'Normal', 'Sync', 'Scheduled for sync');
  }

  private async setListening(on: boolean): Promise<void> {
    if (!on) { this.close(); return; }
    if (this.listening) return;
    const error = await listenOn(this.server, this.options.address, this.port);
    this.listening = error === undefined;
    if (error && error !== this.error) this.log.info('Cannot listen for ingresses', { address: this.options.address, port: this.port, error });
    this.error = error;
  }

  private reply(res: ServerResponse, page: { status: number; body: string }): void {
    res.writeHead(page.status, { Server: 'nginx', 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(page.body) });
    res.end(page.body);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const chosen = route(this.served(), requestHost(req.headers.host), url);
    const service = chosen?.backend.service;
    if (!chosen) { this.reply(res, NOT_FOUND); return; }
    if (!service) { this.reply(res, UNAVAILABLE); return; }
    const svc = this.services.lister.get(chosen.ingress.metadata.namespace, service.name);
    const port = svc?.spec?.ports?.find((p) => (service.port?.number ? p.port === service.port.number : p.name === service.port?.name));
    const backends = svc && port ? serviceBackends(this.registry, svc, port) : [];
    if (!backends.length) { this.reply(res, UNAVAILABLE); return; }
    const backend = backends[this.registry.entropy.int(backends.length)];
    const container = this.network.listener(backend.pod, backend.port);
    if (!container) { this.reply(res, BAD_GATEWAY); return; }
    await this.network.serve(backend.pod, container, url, req, res);
  }
}
