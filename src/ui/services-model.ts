// What the Services view shows of a service, derived from the objects alone (pure, no DOM): the
// cells `kubectl get services` prints (kube's printService), the endpoints `kubectl describe
// service` reads from the service's EndpointSlices, the service proxy's path for one port, and
// which pod a reply names.
import type { EndpointSlice, Service, ServicePort } from '../api/objects.js';
import { clusterIPCell, externalIPCell, portsCell } from '../api/service-cells.js';

export interface ServiceCells {
  type: string;
  clusterIP: string;
  externalIP: string;
  ports: string;
}

/** TYPE, CLUSTER-IP, EXTERNAL-IP and PORT(S) as `kubectl get services` prints them. */
export function serviceCells(svc: Service): ServiceCells {
  const spec = svc.spec ?? {};
  return { type: spec.type ?? '', clusterIP: clusterIPCell(spec), externalIP: externalIPCell(svc), ports: portsCell(spec) };
}

/** One endpoint of a service: an address, the ports it serves, the pod behind it. */
export interface ServiceEndpoint {
  key: string;
  address: string;
  /** The slice's ports on this address, as host:port; the bare address when the slice has none. */
  targets: string[];
  ready: boolean;
  pod?: { namespace: string; name: string };
  nodeName?: string;
}

/**
 * The endpoints of a service from its EndpointSlices, as kubectl describe reads them: an endpoint
 * whose ready condition is unset counts as ready.
 */
export function serviceEndpoints(slices: Iterable<EndpointSlice>): ServiceEndpoint[] {
  const out: ServiceEndpoint[] = [];
  for (const slice of slices) {
    const ports = (slice.ports ?? []).flatMap((p) => (p.port === undefined ? [] : [p.port]));
    for (const e of Array.isArray(slice.endpoints) ? slice.endpoints : []) {
      const address = e.addresses[0];
      if (!address) continue;
      const ref = e.targetRef;
      const pod = ref?.kind === 'Pod' && ref.name ? { namespace: ref.namespace ?? slice.metadata.namespace ?? '', name: ref.name } : undefined;
      out.push({
        key: `${slice.metadata.name ?? ''}/${address}`,
        address,
        targets: ports.length ? ports.map((p) => joinHostPort(address, p)) : [address],
        ready: e.conditions?.ready !== false,
        pod,
        nodeName: e.nodeName,
      });
    }
  }
  return out.sort((a, b) => a.address.localeCompare(b.address, undefined, { numeric: true }));
}

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The service a slice belongs to: its namespace and the kubernetes.io/service-name label. */
export function sliceService(slice: EndpointSlice): string | undefined {
  const name = slice.metadata.labels?.['kubernetes.io/service-name'];
  return name ? `${slice.metadata.namespace ?? ''}/${name}` : undefined;
}

/** The API server's proxy to one port of a service (named by its name when it has one, else its number). */
export function proxyPath(svc: Service, port: ServicePort): string {
  const ns = encodeURIComponent(svc.metadata.namespace ?? 'default');
  const name = encodeURIComponent(svc.metadata.name ?? '');
  return `/api/v1/namespaces/${ns}/services/${name}:${encodeURIComponent(port.name || String(port.port))}/proxy/`;
}

/** How a port is labelled: `80/TCP`, or `http 80/TCP` when it has a name. */
export function portLabel(port: ServicePort): string {
  return `${port.name ? `${port.name} ` : ''}${port.port}/${port.protocol ?? 'TCP'}`;
}

/** Who answered: the pod kubia names ("You've hit <pod>"), else the reply's first line. */
export function replier(body: string): { pod?: string; text: string } {
  const hit = /You've hit (\S+)/.exec(body);
  if (hit) return { pod: hit[1], text: hit[0] };
  const first = body.split('\n').find((l) => l.trim()) ?? '';
  return { text: first.length > 120 ? `${first.slice(0, 117)}...` : first || '(empty reply)' };
}
