// Services reachable from the host, as kube-proxy and a cloud load balancer make them: each
// `type: LoadBalancer` service gets an ingress address (this machine's, loopback by default, as
// Docker Desktop and k3s's servicelb give) where tinykube listens on the service's ports, and
// every NodePort (of NodePort and LoadBalancer services) is listened on there too. Connections
// spread over the service's ready endpoints, one endpoint per connection as kube-proxy's rules
// choose (sessionAffinity ClientIP keeps a client on one pod); with no ready endpoint nothing
// listens, so connections are refused. A port already taken is reported on the service (an event
// and a status condition), never a crash.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Condition, Service, ServicePort } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import { rfc3339 } from '../api/time.js';
import { keyController, type Controller, type Result } from '../client/controller.js';
import { keyString, objectKey, type ObjectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import { resources, type Resources } from '../client/resources.js';
import type { Stored } from '../client/typed-resource.js';
import { EventRecorder } from '../controllers/events.js';
import { kref, QUIET, type Logger } from '../logging/log.js';
import { proxied, serviceBackends, type Backend, type PodNetwork } from './pod-network.js';

const MANAGER = 'service-controller';

/** kube's default sessionAffinityConfig.clientIP.timeoutSeconds. */
const DEFAULT_AFFINITY_SECONDS = 10_800;

/** How soon a port that could not be listened on is tried again. */
const RETRY_MS = 5000;

/** The condition a LoadBalancer service carries while one of its ports cannot be listened on. */
export const LISTENER_CONDITION = 'tinykube.io/LoadBalancerListening';

export interface ServiceProxyOptions {
  /** The address load balancers get and listeners bind: 127.0.0.1 unless told otherwise. */
  address: string;
}

/** One port of one service, as a listener serves it. */
interface Route {
  service: ObjectKey;
  port: ServicePort;
}

/** A listening socket on the proxy's address, and what it serves. */
interface Listener {
  port: number;
  route: Route;
  server: Server;
  /** Whether the server is bound now (it is closed while the service has no ready endpoint). */
  listening: boolean;
  /** Whether binding was tried (or checked) since the listener was made. */
  checked?: boolean;
  /** Why it could not listen, when it could not. */
  error?: string;
}


export class ServiceProxy {
  private readonly client: Resources;
  private readonly controller: Controller<ObjectKey>;
  private readonly events: EventRecorder;
  /** By port on the proxy's address. */
  private readonly listeners = new Map<number, Listener>();
  /** ClientIP affinity: service port and client address → the pod chosen, and until when. */
  private readonly affinity = new Map<string, { pod: string; until: number }>();
  /** The endpoint chosen for each connection (kube-proxy balances connections, not requests). */
  private readonly chosen = new WeakMap<Socket, Backend>();

  constructor(private readonly registry: Registry, private readonly network: PodNetwork, private readonly options: ServiceProxyOptions, private readonly log: Logger = QUIET) {
    this.client = resources(registry);
    this.events = new EventRecorder(registry, { component: MANAGER }, log);
    this.controller = keyController('service proxy', (key) => this.reconcile(key), log)
      .watch(this.client.services, ({ object }, queue) => queue.add(objectKey(object)))
      .watch(this.client.endpoints, ({ object }, queue) => queue.add(objectKey(object)));
  }

  start(): void { this.controller.start(); }

  stop(): void {
    this.controller.stop();
    for (const l of this.listeners.values()) {
      l.server.close();
      l.server.closeAllConnections();
    }
    this.listeners.clear();
  }

  private async reconcile(key: ObjectKey): Promise<Result | void> {
    const svc = this.client.services.lister.get(key.namespace ?? '', key.name);
    const wanted = new Map<number, Route>();
    const type = svc?.spec?.type;
    for (const port of svc?.spec?.ports ?? []) {
      if (type === 'LoadBalancer') wanted.set(port.port, { service: key, port });
      if ((type === 'LoadBalancer' || type === 'NodePort') && port.nodePort) wanted.set(port.nodePort, { service: key, port });
    }
    // Listeners of this service that it no longer wants go.
    for (const [port, l] of this.listeners) {
      if (keyString(l.route.service) === keyString(key) && !wanted.has(port)) {
        l.server.close();
        this.listeners.delete(port);
      }
    }
    if (!svc) return;
    const failures: string[] = [];
    for (const [port, route] of wanted) {
      const l = this.listeners.get(port);
      if (l && keyString(l.route.service) !== keyString(key)) {
        failures.push(`listen tcp ${this.options.address}:${port}: bind: address already in use`);
        continue;
      }
      const listener = l ?? this.listener(port, route);
      listener.route = route;
      // A port with no ready endpoint behind it is not listened on: connections are refused.
      const error = await this.setListening(listener, this.backends(route).length > 0);
      if (error) failures.push(error);
    }
    if (type === 'LoadBalancer') await this.reportLoadBalancer(svc, failures);
    // As the service controller retries a load balancer it could not ensure.
    if (failures.length) return { requeueAfterMs: RETRY_MS };
  }

  private listener(port: number, route: Route): Listener {
    const server = createServer((req, res) => void this.serve(listener, req, res));
    server.on('connection', (socket: Socket) => {
      const backend = this.pick(listener.route, socket.remoteAddress ?? '');
      if (backend) this.chosen.set(socket, backend); else socket.destroy();
      if (backend) proxied(this.registry.store, listener.route.service, backend.pod);
    });
    const listener: Listener = { port, route, server, listening: false };
    this.listeners.set(port, listener);
    return listener;
  }

  /**
   * Binds or closes a listener; resolves with why it could not bind, if it could not. A listener
   * kept closed (no ready endpoint: connections are refused) is still tried once, so a port taken
   * by another process is reported when the service is made, not when its pods are ready.
   */
  private async setListening(l: Listener, on: boolean): Promise<string | undefined> {
    if (on === l.listening) return l.listening || (l.checked && !l.error) ? undefined : this.check(l);
    if (!on) {
      l.listening = false;
      l.server.close();
      return undefined;
    }
    l.error = await this.bind(l.server, l.port);
    l.listening = l.error === undefined;
    l.checked = true;
    if (l.error) this.log.info('Cannot listen for a service', { service: kref(l.route.service.namespace, l.route.service.name), port: l.port, error: l.error });
    return l.error;
  }

  /** Whether the listener's port could be bound: bound and closed again at once. */
  private async check(l: Listener): Promise<string | undefined> {
    const probe = createServer();
    l.error = await this.bind(probe, l.port);
    l.checked = true;
    if (!l.error) await new Promise((resolve) => probe.close(resolve));
    return l.error;
  }

  private bind(server: Server, port: number): Promise<string | undefined> {
    return listenOn(server, this.options.address, port);
  }

  /** The ready endpoints of a service port: the pods and the ports they serve it on. */
  private backends(route: Route): Backend[] {
    const svc = this.client.services.lister.get(route.service.namespace, route.service.name);
    return svc ? serviceBackends(this.registry, svc, route.port) : [];
  }

  /** The endpoint a new connection goes to: at random, or the client's own with ClientIP affinity. */
  private pick(route: Route, client: string): Backend | undefined {
    const backends = this.backends(route);
    if (!backends.length) return undefined;
    const svc = this.client.services.lister.get(route.service.namespace ?? '', route.service.name);
    if (svc?.spec?.sessionAffinity !== 'ClientIP') return backends[this.registry.entropy.int(backends.length)];
    const key = `${keyString(route.service)}:${route.port.port}|${client}`;
    const now = Date.now();
    const kept = this.affinity.get(key);
    const same = kept && kept.until > now ? backends.find((b) => b.pod.metadata.name === kept.pod) : undefined;
    const backend = same ?? backends[this.registry.entropy.int(backends.length)];
    const config = svc.spec.sessionAffinityConfig;
    const seconds = typeof config === 'object' && config !== null && 'clientIP' in config ? timeoutOf(config.clientIP) : DEFAULT_AFFINITY_SECONDS;
    this.affinity.set(key, { pod: backend.pod.metadata.name ?? '', until: now + seconds * 1000 });
    return backend;
  }

  private async serve(l: Listener, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const backend = this.chosen.get(req.socket) ?? this.pick(l.route, req.socket.remoteAddress ?? '');
    // The chosen pod may be gone since the connection opened: the connection breaks, as it would.
    const pod = backend && this.client.pods.lister.get(backend.pod.metadata.namespace, backend.pod.metadata.name ?? '');
    const container = pod && backend && this.network.listener(pod, backend.port);
    if (!pod || !container) { req.socket.destroy(); return; }
    await this.network.serve(pod, container, req.url ?? '/', req, res);
  }

  /** The load balancer's status and events, as the cloud provider's service controller writes them. */
  private async reportLoadBalancer(svc: Stored<Service>, failures: string[]): Promise<void> {
    const ingress = failures.length ? [] : [{ ip: this.options.address, ipMode: 'VIP' }];
    const current = svc.status?.loadBalancer?.ingress ?? [];
    const others = (svc.status?.conditions ?? []).filter((c) => c.type !== LISTENER_CONDITION);
    const failing = (svc.status?.conditions ?? []).find((c) => c.type === LISTENER_CONDITION);
    const message = failures.join('; ');
    if (JSON.stringify(current) === JSON.stringify(ingress) && (failing?.message ?? '') === message) return;
    if (!failures.length && !current.length) await this.events.record(svc, 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer');
    const condition: Condition | undefined = failures.length
      ? { type: LISTENER_CONDITION, status: 'False', reason: 'PortInUse', message, observedGeneration: svc.metadata.generation ?? 1, lastTransitionTime: rfc3339(this.registry.now()) }
      : undefined;
    const conditions = condition ? [...others, condition] : others;
    await ignoreRaces(this.client.services.update(objectKey(svc), (s) => {
      const status = { ...s.status, loadBalancer: ingress.length ? { ingress } : {} };
      if (conditions.length) status.conditions = conditions; else delete status.conditions;
      return { ...s, status };
    }, { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
    if (failures.length) await this.events.record(svc, 'Warning', 'SyncLoadBalancerFailed', `Error syncing load balancer: failed to ensure load balancer: ${failures.join('; ')}`);
    else if (!current.length) await this.events.record(svc, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer');
  }
}

/**
 * Binds `server` to `address:port` as a load balancer's listener; resolves with why it could not
 * (in Go's words, as the cloud provider reports it), or undefined. The ingress controller binds
 * its port the same way.
 */
export function listenOn(server: Server, address: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const failed = (e: NodeJS.ErrnoException) => {
      resolve(e.code === 'EADDRINUSE' ? `listen tcp ${address}:${port}: bind: address already in use` : `listen tcp ${address}:${port}: ${e.message}`);
    };
    server.once('error', failed);
    server.listen(port, address, () => {
      server.off('error', failed);
      resolve(undefined);
    });
  });
}

function timeoutOf(clientIP: unknown): number {
  const t = typeof clientIP === 'object' && clientIP !== null && 'timeoutSeconds' in clientIP ? clientIP.timeoutSeconds : undefined;
  return typeof t === 'number' && t > 0 ? t : DEFAULT_AFFINITY_SECONDS;
}
