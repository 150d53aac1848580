// Services: defaults, ClusterIP allocation from the service CIDR (10.96.0.0/12), NodePort
// allocation from 30000-32767, validation, and the `kubectl get svc` columns.
import { fieldErrors, type FieldError } from '../api/errors.js';
import { age, column, formatLabelSelector, NAME_COLUMN, AGE_COLUMN } from '../api/table.js';
import { STATUS_SUBRESOURCE } from '../api/reset-fields.js';
import { clusterIPCell, externalIPCell, portsCell } from '../api/service-cells.js';
import type { Service, ServiceSpec } from '../api/objects.js';
import type { KObject, Strategy, WriteContext } from '../api/types.js';
import { dns1123Label } from '../api/validation.js';

export const SERVICE_CIDR = { base: ipToInt('10.96.0.0'), bits: 12 };
export const NODE_PORT_RANGE = { min: 30000, max: 32767 };
const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}
export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
function inServiceCIDR(ip: string): boolean {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip) || ip.split('.').some((o) => Number(o) > 255)) return false;
  const n = ipToInt(ip);
  return n > SERVICE_CIDR.base && n < SERVICE_CIDR.base + 2 ** (32 - SERVICE_CIDR.bits) - 1;
}

const specOf = (o: Service): ServiceSpec => o.spec ?? {};

function usedClusterIPs(ctx: WriteContext, except?: string): Set<string> {
  return new Set(ctx.list('services').filter((s) => s.metadata.uid !== except).flatMap((s) => specOf(s).clusterIPs ?? []));
}
function usedNodePorts(ctx: WriteContext, except?: string): Set<number> {
  return new Set(ctx.list('services').filter((s) => s.metadata.uid !== except).flatMap((s) => (specOf(s).ports ?? []).map((p) => p.nodePort ?? 0)));
}

/** A random free address of the service CIDR, as kube's allocator picks one. */
export function allocateClusterIP(used: Set<string>, random: (max: number) => number): string | undefined {
  const size = 2 ** (32 - SERVICE_CIDR.bits) - 2;
  const start = random(size);
  for (let i = 0; i < size; i++) {
    const ip = intToIp(SERVICE_CIDR.base + 1 + ((start + i) % size));
    if (!used.has(ip)) return ip;
  }
  return undefined;
}

export function allocateNodePort(used: Set<number>, random: (max: number) => number): number | undefined {
  const size = NODE_PORT_RANGE.max - NODE_PORT_RANGE.min + 1;
  const start = random(size);
  for (let i = 0; i < size; i++) {
    const p = NODE_PORT_RANGE.min + ((start + i) % size);
    if (!used.has(p)) return p;
  }
  return undefined;
}

function needsNodePorts(spec: ServiceSpec): boolean {
  return spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

/** Fills clusterIP and nodePorts; problems become field errors raised by validate via `allocationErrors`. */
function allocate(obj: KObject, ctx: WriteContext, old?: KObject): void {
  const spec = specOf(obj);
  const errs: FieldError[] = [];
  if (spec.type !== 'ExternalName') {
    if (old && specOf(old).clusterIP && !spec.clusterIP) { spec.clusterIP = specOf(old).clusterIP; spec.clusterIPs = specOf(old).clusterIPs; }
    if (!spec.clusterIP && spec.clusterIPs?.length) spec.clusterIP = spec.clusterIPs[0];
    if (!spec.clusterIP) {
      const ip = allocateClusterIP(usedClusterIPs(ctx), ctx.random);
      if (ip) spec.clusterIP = ip;
      else errs.push(fieldErrors.invalid('spec.clusterIPs', [], 'failed to allocate IP: range is full'));
    } else if (spec.clusterIP !== 'None' && !old) {
      if (!inServiceCIDR(spec.clusterIP)) {
        errs.push(fieldErrors.invalid('spec.clusterIPs', [spec.clusterIP], `failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is 10.96.0.0/12`));
      } else if (usedClusterIPs(ctx).has(spec.clusterIP)) {
        errs.push(fieldErrors.invalid('spec.clusterIPs', [spec.clusterIP], `failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`));
      }
    }
    if (spec.clusterIP) spec.clusterIPs = [spec.clusterIP];
  }
  if (needsNodePorts(spec)) {
    const used = usedNodePorts(ctx, obj.metadata.uid);
    const oldPorts = old ? specOf(old).ports ?? [] : [];
    (spec.ports ?? []).forEach((p, i) => {
      if (!p.nodePort) {
        p.nodePort = oldPorts.find((o) => o.port === p.port && o.protocol === p.protocol)?.nodePort ?? allocateNodePort(used, ctx.random);
      } else if (used.has(p.nodePort) && !oldPorts.some((o) => o.nodePort === p.nodePort)) {
        errs.push(fieldErrors.invalid(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated'));
      } else if (p.nodePort < NODE_PORT_RANGE.min || p.nodePort > NODE_PORT_RANGE.max) {
        errs.push(fieldErrors.invalid(`spec.ports[${i}].nodePort`, p.nodePort, `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`));
      }
      if (p.nodePort) used.add(p.nodePort);
    });
  } else {
    for (const p of spec.ports ?? []) delete p.nodePort;
  }
  allocationErrors.set(obj, errs);
}

const allocationErrors = new WeakMap<KObject, FieldError[]>();

/** kube's SetDefaults_Service. */
function defaultService(obj: Service): void {
  const spec = (obj.spec ??= {});
  spec.type ??= 'ClusterIP';
  if (spec.type !== 'ExternalName') {
    spec.sessionAffinity ??= 'None';
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  for (const p of spec.ports ?? []) {
    p.protocol ??= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  obj.status ??= { loadBalancer: {} };
}

export const serviceStrategy: Strategy<Service> = {
  group: '', version: 'v1', resource: 'services',
  singularName: 'service',
  shortNames: ['svc'],
  categories: ['all'],
  nameFormat: 'label',
  subresources: { status: STATUS_SUBRESOURCE },
  returnsDeletedObject: true,
  defaults: defaultService,
  prepareForCreate(obj, ctx) {
    obj.status = { loadBalancer: {} };
    defaultService(obj);
    allocate(obj, ctx);
  },
  prepareForUpdate(obj, old, ctx) {
    defaultService(obj);
    allocate(obj, ctx, old);
  },
  validate(obj, old) {
    const spec = specOf(obj);
    const errs: FieldError[] = [...(allocationErrors.get(obj) ?? [])];
    if (spec.type && !TYPES.includes(spec.type)) errs.push(fieldErrors.notSupported('spec.type', spec.type, TYPES));
    if (spec.type === 'ExternalName') {
      if (!spec.externalName) errs.push(fieldErrors.required('spec.externalName'));
    } else if (!spec.ports?.length) {
      errs.push(fieldErrors.required('spec.ports'));
    }
    const seen = new Set<string>();
    (spec.ports ?? []).forEach((p, i) => {
      const path = `spec.ports[${i}]`;
      if ((spec.ports?.length ?? 0) > 1 && !p.name) errs.push(fieldErrors.required(`${path}.name`));
      if (p.name) for (const m of dns1123Label(p.name)) errs.push(fieldErrors.invalid(`${path}.name`, p.name, m));
      if (p.port === undefined) errs.push(fieldErrors.required(`${path}.port`));
      else if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) errs.push(fieldErrors.invalid(`${path}.port`, p.port, 'must be between 1 and 65535, inclusive'));
      if (p.protocol && !['TCP', 'UDP', 'SCTP'].includes(p.protocol)) errs.push(fieldErrors.notSupported(`${path}.protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
      const id = `${p.port}/${p.protocol}`;
      if (seen.has(id)) errs.push(fieldErrors.duplicate(`${path}`, { port: p.port, protocol: p.protocol }));
      seen.add(id);
    });
    if (old && specOf(old).clusterIP && spec.clusterIP !== specOf(old).clusterIP && spec.type !== 'ExternalName' && specOf(old).type !== 'ExternalName') {
      errs.push(fieldErrors.invalid('spec.clusterIPs[0]', spec.clusterIP, 'may not change once set'));
    }
    return errs;
  },
  selectableFields(obj) {
    const spec = specOf(obj);
    return { 'spec.clusterIP': spec.clusterIP ?? '', 'spec.type': spec.type ?? '' };
  },
  table: {
    columns: [
      NAME_COLUMN,
      column('Type', 'How the service is exposed.'),
      column('Cluster-IP', 'The virtual IP inside the cluster.'),
      column('External-IP', 'Addresses the service is reachable at from outside.'),
      column('Port(s)', 'Service ports, with node ports where allocated.'),
      AGE_COLUMN,
      column('Selector', 'The labels of the pods behind the service.', 1),
    ],
    cells(svc, now) {
      const spec = specOf(svc);
      return [svc.metadata.name, spec.type, clusterIPCell(spec), externalIPCell(svc), portsCell(spec), age(svc.metadata.creationTimestamp, now), formatLabelSelector(spec.selector)];
    },
  },
};
