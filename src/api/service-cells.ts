// A Service's cells as kube's printService makes them (kubectl get services, the dashboard's
// Services view). The API server prints tables wide, so a load balancer's addresses are never
// clipped here: kubectl shows them whole.
import type { Service, ServiceSpec } from './objects.js';

/** CLUSTER-IP: the first of clusterIPs (the dual-stack list). */
export function clusterIPCell(spec: ServiceSpec): string {
  return spec.clusterIPs?.[0] ?? spec.clusterIP ?? '<none>';
}

/** EXTERNAL-IP by type: external IPs; a load balancer's ingress (IP, else hostname, sorted, once each) first. */
export function externalIPCell(svc: Service): string {
  const spec = svc.spec ?? {};
  const external = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = [...new Set((svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean))].sort();
      const all = [...ingress, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** PORT(S): port/protocol, or port:nodePort/protocol, comma-separated. */
export function portsCell(spec: ServiceSpec): string {
  const ports = spec.ports ?? [];
  if (!ports.length) return '<none>';
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}
