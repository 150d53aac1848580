// The endpoints and endpointslice controllers: for every service with a selector, the addresses
// of the matching pods that have an IP (ready ones as addresses, the rest as notReadyAddresses)
// with the service's target ports resolved against each pod's container ports.
import type { Registry } from '../api/registry.js';
import type { ResourceStore } from '../api/resource-store.js';
import { rfc3339 } from '../api/resource-store.js';
import { matchesLabels, selectorFromMap } from '../api/selectors.js';
import type { KObject } from '../api/types.js';
import { canonicalJSON } from '../api/json.js';
import { kref, QUIET, type Logger } from '../logging/log.js';
import { ignoreRaces, informer, keyOf, listAll, splitKey, WorkQueue } from './runtime.js';

const MANAGER = 'kube-controller-manager';

interface ServicePort { name?: string; port: number; protocol?: string; targetPort?: number | string; appProtocol?: string }
interface Address { ip: string; nodeName?: string; targetRef: Record<string, unknown> }

function podReady(pod: KObject): boolean {
  return ((pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** A named targetPort resolved in the pod's containers; numbers pass through. */
function resolvePort(pod: KObject, target: number | string | undefined, fallback: number): number | undefined {
  if (typeof target === 'number') return target;
  if (target === undefined || /^\d+$/.test(target)) return target === undefined ? fallback : Number(target);
  for (const c of ((pod.spec ?? {}) as { containers?: { ports?: { name?: string; containerPort: number }[] }[] }).containers ?? []) {
    const p = c.ports?.find((x) => x.name === target);
    if (p) return p.containerPort;
  }
  return undefined;
}

export class EndpointsController {
  private readonly queue: WorkQueue;
  private readonly stops: (() => void)[] = [];

  constructor(private readonly registry: Registry, private readonly log: Logger = QUIET) {
    this.queue = new WorkQueue('endpoints controller', (key) => this.reconcile(key), log);
  }

  start(): void {
    const services = this.registry.resource('services')!;
    this.stops.push(informer(services, (svc) => this.queue.add(keyOf(svc))));
    this.stops.push(informer(this.registry.resource('pods')!, (pod) => {
      for (const svc of listAll(services, pod.metadata.namespace)) this.queue.add(keyOf(svc));
    }));
  }

  stop(): void {
    for (const s of this.stops) s();
    this.queue.stop();
  }

  private async reconcile(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const services = this.registry.resource('services')!;
    const endpoints = this.registry.resource('endpoints')!;
    const slices = this.registry.resource('endpointslices', 'discovery.k8s.io')!;
    const svc = services.cache.get(services.key(ns, name))?.object;
    const selector = (svc?.spec as { selector?: Record<string, string> } | undefined)?.selector;
    const sliceName = `${name}-tk`;
    if (!svc || !selector || Object.keys(selector).length === 0) {
      // Services without selectors keep whatever Endpoints their owner writes; gone services lose theirs.
      if (!svc && name !== 'kubernetes') {
        if (endpoints.cache.get(endpoints.key(ns, name))) this.log.V(2).info('Deleting endpoints of a deleted service', { service: kref(ns, name) });
        await ignoreRaces(endpoints.delete(ns, name, {}, { dryRun: false }));
        await ignoreRaces(slices.delete(ns, sliceName, {}, { dryRun: false }));
      }
      return;
    }
    const ports = ((svc.spec as { ports?: ServicePort[] }).ports ?? []);
    const pods = listAll(this.registry.resource('pods')!, ns).filter((p) =>
      matchesLabels(selectorFromMap(selector), p.metadata.labels) && (p.status as { podIP?: string } | undefined)?.podIP && !p.metadata.deletionTimestamp);
    // Pods are grouped by the ports they resolve to, as subsets are.
    const subsets = new Map<string, { addresses: Address[]; notReadyAddresses: Address[]; ports: Record<string, unknown>[] }>();
    const sliceEndpoints: Record<string, unknown>[] = [];
    let slicePorts: Record<string, unknown>[] = [];
    for (const pod of pods) {
      const resolved = ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: resolvePort(pod, p.targetPort, p.port), protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }))
        .filter((p) => p.port !== undefined);
      const id = canonicalJSON(resolved);
      const subset = subsets.get(id) ?? { addresses: [], notReadyAddresses: [], ports: resolved };
      subsets.set(id, subset);
      const address: Address = {
        ip: (pod.status as { podIP: string }).podIP,
        nodeName: (pod.spec as { nodeName?: string }).nodeName,
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
    const owner = { apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true };
    const now = rfc3339(this.registry.now());
    await this.upsert(endpoints, ns!, name, (e) => {
      e.metadata.labels = labels;
      e.metadata.annotations = { ...(e.metadata.annotations ?? {}), 'endpoints.kubernetes.io/last-change-trigger-time': now };
      if (subsetList.length) e.subsets = subsetList; else delete e.subsets;
      return e;
    }, (e, before) => canonicalJSON(e.subsets ?? null) === canonicalJSON(before.subsets ?? null) && canonicalJSON(e.metadata.labels) === canonicalJSON(before.metadata.labels));
    sliceEndpoints.sort((a, b) => String((a.addresses as string[])[0]).localeCompare(String((b.addresses as string[])[0])));
    await this.upsert(slices, ns!, sliceName, (s) => {
      s.metadata.labels = { ...labels, 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' };
      s.metadata.ownerReferences = [owner];
      s.addressType = 'IPv4';
      s.endpoints = sliceEndpoints;
      // Slice ports always carry a name, empty for unnamed ports, as the real controller writes them
      // (kubectl describe dereferences it).
      const source = slicePorts.length ? slicePorts : ports.map((p) => ({ name: p.name, port: typeof p.targetPort === 'number' ? p.targetPort : p.port, protocol: p.protocol ?? 'TCP' }));
      s.ports = source.map((p) => ({ ...p, name: (p.name as string | undefined) ?? '' }));
      return s;
    });
  }

  /** Creates or updates one object; `unchanged` skips writes that would only move a timestamp. */
  private async upsert(rs: ResourceStore, ns: string, name: string, fill: (o: KObject) => KObject, unchanged?: (next: KObject, before: KObject) => boolean): Promise<void> {
    const existing = rs.cache.get(rs.key(ns, name))?.object;
    if (!existing) {
      this.log.V(4).info('Creating', { kind: rs.kind, object: kref(ns, name) });
      await ignoreRaces(rs.create(ns, fill({ metadata: { name, namespace: ns } }), { dryRun: false, fieldManager: MANAGER }));
      return;
    }
    const next = fill(structuredClone(existing));
    if (unchanged?.(next, existing)) return;
    this.log.V(4).info('Updating', { kind: rs.kind, object: kref(ns, name) });
    await ignoreRaces(rs.update(ns, name, (cur) => fill(cur), { dryRun: false, fieldManager: MANAGER }));
  }
}
