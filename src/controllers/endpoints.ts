// The endpoints and endpointslice controllers: for every service with a selector, the addresses
// of the matching pods that have an IP (ready ones as addresses, the rest as notReadyAddresses)
// with the service's target ports resolved against each pod's container ports.
import type { Endpoint, EndpointAddress, EndpointPort, Endpoints, EndpointSlice, EndpointSlicePort, IntOrString, Pod } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import { rfc3339 } from '../api/time.js';
import { matchesLabels, selectorFromMap } from '../api/selectors.js';
import type { KObject, OwnerReference } from '../api/types.js';
import { canonicalJSON, copyJSON } from '../api/json.js';
import { keyController, type Controller } from '../client/controller.js';
import { objectKey, type ObjectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import { resources, type Resources } from '../client/resources.js';
import type { TypedResource } from '../client/typed-resource.js';
import { kref, QUIET, type Logger } from '../logging/log.js';

const MANAGER = 'kube-controller-manager';

function podReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** A named targetPort resolved in the pod's containers; numbers pass through. */
function resolvePort(pod: Pod, target: IntOrString | undefined, fallback: number): number | undefined {
  if (typeof target === 'number') return target;
  if (target === undefined || /^\d+$/.test(target)) return target === undefined ? fallback : Number(target);
  for (const c of pod.spec?.containers ?? []) {
    const p = c.ports?.find((x) => x.name === target);
    if (p) return p.containerPort;
  }
  return undefined;
}

export class EndpointsController {
  private readonly client: Resources;
  private readonly controller: Controller<ObjectKey>;

  constructor(registry: Registry, private readonly log: Logger = QUIET) {
    this.client = resources(registry);
    const services = this.client.services;
    this.controller = keyController('endpoints controller', (key) => this.reconcile(key), log)
      .watch(services, ({ object }, queue) => queue.add(objectKey(object)))
      .watch(this.client.pods, ({ object }, queue) => {
        for (const svc of services.lister.list(object.metadata.namespace)) queue.add(objectKey(svc));
      });
  }

  start(): void { this.controller.start(); }
  stop(): void { this.controller.stop(); }

  private async reconcile({ namespace: ns = '', name }: ObjectKey): Promise<void> {
    const { services, endpoints, endpointSlices: slices } = this.client;
    const svc = services.lister.get(ns, name);
    const selector = svc?.spec?.selector;
    const sliceName = `${name}-tk`;
    if (!svc || !selector || Object.keys(selector).length === 0) {
      // Services without selectors keep whatever Endpoints their owner writes; gone services lose theirs.
      if (!svc && name !== 'kubernetes') {
        if (endpoints.lister.get(ns, name)) this.log.V(2).info('Deleting endpoints of a deleted service', { service: kref(ns, name) });
        await ignoreRaces(endpoints.delete({ namespace: ns, name }, {}, { dryRun: false }));
        await ignoreRaces(slices.delete({ namespace: ns, name: sliceName }, {}, { dryRun: false }));
      }
      return;
    }
    const ports = svc.spec?.ports ?? [];
    const pods = this.client.pods.lister.list(ns).filter((p) =>
      matchesLabels(selectorFromMap(selector), p.metadata.labels) && p.status?.podIP && !p.metadata.deletionTimestamp);
    // Pods are grouped by the ports they resolve to, as subsets are.
    const subsets = new Map<string, { addresses: EndpointAddress[]; notReadyAddresses: EndpointAddress[]; ports: EndpointPort[] }>();
    const sliceEndpoints: Endpoint[] = [];
    let slicePorts: EndpointSlicePort[] = [];
    for (const pod of pods) {
      const resolved = ports.flatMap((p): EndpointPort[] => {
        const port = resolvePort(pod, p.targetPort, p.port);
        return port === undefined ? [] : [{ ...(p.name ? { name: p.name } : {}), port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }];
      });
      const id = canonicalJSON(resolved);
      const subset = subsets.get(id) ?? { addresses: [], notReadyAddresses: [], ports: resolved };
      subsets.set(id, subset);
      const address: EndpointAddress = {
        ip: pod.status?.podIP ?? '',
        nodeName: pod.spec?.nodeName,
        targetRef: { kind: 'Pod', namespace: ns, name: pod.metadata.name, uid: pod.metadata.uid },
      };
      (podReady(pod) ? subset.addresses : subset.notReadyAddresses).push(address);
      slicePorts = resolved;
      sliceEndpoints.push({
        addresses: [address.ip],
        conditions: { ready: podReady(pod), serving: podReady(pod), terminating: false },
        nodeName: address.nodeName, targetRef: address.targetRef,
      });
    }
    const subsetList = [...subsets.values()].map((s) => ({
      ...(s.addresses.length ? { addresses: s.addresses.sort((a, b) => a.ip.localeCompare(b.ip)) } : {}),
      ...(s.notReadyAddresses.length ? { notReadyAddresses: s.notReadyAddresses.sort((a, b) => a.ip.localeCompare(b.ip)) } : {}),
      ports: s.ports,
    }));
    const labels = { ...(svc.metadata.labels ?? {}) };
    const owner: OwnerReference = { apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true };
    const now = rfc3339(this.client.registry.now());
    await this.upsert<Endpoints>(endpoints, { namespace: ns, name }, { metadata: { name, namespace: ns } }, (e) => {
      e.metadata.labels = labels;
      e.metadata.annotations = { ...(e.metadata.annotations ?? {}), 'endpoints.kubernetes.io/last-change-trigger-time': now };
      if (subsetList.length) e.subsets = subsetList; else delete e.subsets;
      return e;
    }, (e, before) => canonicalJSON(e.subsets ?? null) === canonicalJSON(before.subsets ?? null) && canonicalJSON(e.metadata.labels) === canonicalJSON(before.metadata.labels));
    sliceEndpoints.sort((a, b) => String(a.addresses[0]).localeCompare(String(b.addresses[0])));
    const emptySlice: EndpointSlice = { metadata: { name: sliceName, namespace: ns }, addressType: 'IPv4', endpoints: [] };
    await this.upsert(slices, { namespace: ns, name: sliceName }, emptySlice, (s) => {
      s.metadata.labels = { ...labels, 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' };
      s.metadata.ownerReferences = [owner];
      s.addressType = 'IPv4';
      s.endpoints = sliceEndpoints;
      // Slice ports always carry a name, empty for unnamed ports, as the real controller writes them
      // (kubectl describe dereferences it).
      const source: EndpointSlicePort[] = slicePorts.length ? slicePorts : ports.map((p) => ({ name: p.name, port: typeof p.targetPort === 'number' ? p.targetPort : p.port, protocol: p.protocol ?? 'TCP' }));
      s.ports = source.map((p) => ({ ...p, name: p.name ?? '' }));
      return s;
    });
  }

  /** Creates or updates one object; `unchanged` skips writes that would only move a timestamp. */
  private async upsert<T extends KObject>(rs: TypedResource<T>, key: ObjectKey, empty: T, fill: (o: T) => T, unchanged?: (next: T, before: T) => boolean): Promise<void> {
    const existing = rs.lister.getKey(key);
    if (!existing) {
      this.log.V(4).info('Creating', { kind: rs.kind, object: kref(key.namespace, key.name) });
      await ignoreRaces(rs.create(key.namespace, fill(empty), { dryRun: false, fieldManager: MANAGER }));
      return;
    }
    const next = fill(copyJSON(existing));
    if (unchanged?.(next, existing)) return;
    this.log.V(4).info('Updating', { kind: rs.kind, object: kref(key.namespace, key.name) });
    await ignoreRaces(rs.update(key, (cur) => fill(cur), { dryRun: false, fieldManager: MANAGER }));
  }
}
