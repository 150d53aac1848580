// The typed clients of the kinds the control plane works with, each resolved from the registry
// once, on first use, failing with the resource's name when the registry does not serve it.
import type { ConfigMap, Deployment, Event, Endpoints, EndpointSlice, Lease, Namespace, Node, Pod, PodDisruptionBudget, ReplicaSet, ReplicationController, Service } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import type { KObject } from '../api/types.js';
import { TypedResource, typedResource } from './typed-resource.js';

export class Resources {
  private podsClient?: TypedResource<Pod>;
  private nodesClient?: TypedResource<Node>;
  private servicesClient?: TypedResource<Service>;
  private endpointsClient?: TypedResource<Endpoints>;
  private endpointSlicesClient?: TypedResource<EndpointSlice>;
  private rcsClient?: TypedResource<ReplicationController>;
  private replicaSetsClient?: TypedResource<ReplicaSet>;
  private deploymentsClient?: TypedResource<Deployment>;
  private namespacesClient?: TypedResource<Namespace>;
  private eventsClient?: TypedResource<Event>;
  private leasesClient?: TypedResource<Lease>;
  private configMapsClient?: TypedResource<ConfigMap>;
  private pdbsClient?: TypedResource<PodDisruptionBudget>;

  constructor(readonly registry: Registry) {}

  get pods(): TypedResource<Pod> { return (this.podsClient ??= typedResource(this.registry, 'pods')); }
  get nodes(): TypedResource<Node> { return (this.nodesClient ??= typedResource(this.registry, 'nodes')); }
  get services(): TypedResource<Service> { return (this.servicesClient ??= typedResource(this.registry, 'services')); }
  get endpoints(): TypedResource<Endpoints> { return (this.endpointsClient ??= typedResource(this.registry, 'endpoints')); }
  get endpointSlices(): TypedResource<EndpointSlice> { return (this.endpointSlicesClient ??= typedResource(this.registry, 'endpointslices', 'discovery.k8s.io')); }
  get replicationControllers(): TypedResource<ReplicationController> { return (this.rcsClient ??= typedResource(this.registry, 'replicationcontrollers')); }
  get replicaSets(): TypedResource<ReplicaSet> { return (this.replicaSetsClient ??= typedResource(this.registry, 'replicasets', 'apps')); }
  get deployments(): TypedResource<Deployment> { return (this.deploymentsClient ??= typedResource(this.registry, 'deployments', 'apps')); }
  get namespaces(): TypedResource<Namespace> { return (this.namespacesClient ??= typedResource(this.registry, 'namespaces')); }
  get events(): TypedResource<Event> { return (this.eventsClient ??= typedResource(this.registry, 'events')); }
  get leases(): TypedResource<Lease> { return (this.leasesClient ??= typedResource(this.registry, 'leases', 'coordination.k8s.io')); }
  get configMaps(): TypedResource<ConfigMap> { return (this.configMapsClient ??= typedResource(this.registry, 'configmaps')); }
  get podDisruptionBudgets(): TypedResource<PodDisruptionBudget> { return (this.pdbsClient ??= typedResource(this.registry, 'poddisruptionbudgets', 'policy')); }

  /** Every resource the registry serves, untyped: for controllers that work across kinds. */
  all(): TypedResource<KObject>[] {
    return this.registry.resources().map((rs) => new TypedResource<KObject>(rs));
  }
}

/** The typed clients of a registry's resources. */
export function resources(registry: Registry): Resources {
  return new Resources(registry);
}
