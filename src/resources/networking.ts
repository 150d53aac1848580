// What the endpoints controller writes and `kubectl describe svc` reads: core/v1 Endpoints and
// discovery.k8s.io/v1 EndpointSlices.
import { fieldErrors, type FieldError } from '../api/errors.js';
import { age, column, NAME_COLUMN, AGE_COLUMN } from '../api/table.js';
import type { Endpoints, EndpointSlice, EndpointSubset, Lease } from '../api/objects.js';
import type { Strategy } from '../api/types.js';

/** `10.244.0.5:8080,10.244.0.6:8080 + 2 more...`, as kube's endpoints printer. */
export function formatEndpoints(subsets: EndpointSubset[] | undefined): string {
  const all: string[] = [];
  for (const s of subsets ?? []) {
    const ports = s.ports?.length ? s.ports : [undefined];
    for (const a of s.addresses ?? []) for (const p of ports) all.push(p ? `${a.ip}:${p.port}` : a.ip);
  }
  if (!all.length) return '<none>';
  const shown = all.slice(0, 3).join(',');
  return all.length > 3 ? `${shown} + ${all.length - 3} more...` : shown;
}

export const endpointsStrategy: Strategy<Endpoints> = {
  group: '', version: 'v1', resource: 'endpoints',
  singularName: 'endpoints',
  shortNames: ['ep'],
  table: {
    columns: [NAME_COLUMN, column('Endpoints', 'The addresses and ports behind the service.'), AGE_COLUMN],
    cells: (ep, now) => [ep.metadata.name, formatEndpoints(ep.subsets), age(ep.metadata.creationTimestamp, now)],
  },
};

const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'];

export const endpointSliceStrategy: Strategy<EndpointSlice> = {
  group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices',
  singularName: 'endpointslice',
  validate(obj) {
    const errs: FieldError[] = [];
    const t = obj.addressType;
    if (!t) errs.push(fieldErrors.required('addressType'));
    else if (!ADDRESS_TYPES.includes(t)) errs.push(fieldErrors.notSupported('addressType', t, ADDRESS_TYPES));
    (obj.endpoints ?? []).forEach((e, i) => {
      if (!e.addresses?.length) errs.push(fieldErrors.required(`endpoints[${i}].addresses`));
    });
    return errs;
  },
  table: {
    columns: [
      NAME_COLUMN,
      column('AddressType', 'The type of the addresses.'),
      column('Ports', 'The ports of the endpoints.'),
      column('Endpoints', 'The addresses of the endpoints.'),
      AGE_COLUMN,
    ],
    cells(s, now) {
      const ports = (s.ports ?? []).map((p) => String(p.port ?? '<unset>'));
      const addrs = (s.endpoints ?? []).flatMap((e) => e.addresses ?? []);
      const shown = addrs.slice(0, 3).join(',') + (addrs.length > 3 ? ` + ${addrs.length - 3} more...` : '');
      return [s.metadata.name, s.addressType, ports.length ? ports.join(',') : '<unset>', addrs.length ? shown : '<unset>', age(s.metadata.creationTimestamp, now)];
    },
  },
};

export const leaseStrategy: Strategy<Lease> = {
  group: 'coordination.k8s.io', version: 'v1', resource: 'leases',
  singularName: 'lease',
  table: {
    columns: [NAME_COLUMN, column('Holder', 'The current holder of the lease.'), AGE_COLUMN],
    cells: (l, now) => [l.metadata.name, l.spec?.holderIdentity ?? '', age(l.metadata.creationTimestamp, now)],
  },
};
