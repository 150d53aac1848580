// The apiextensions-apiserver's controllers over CustomResourceDefinitions, as one loop: naming
// (NamesAccepted and status.acceptedNames, against the other CRDs of the group), serving (one
// Strategy per served version, registered with the Registry: discovery and OpenAPI follow),
// establishing (Established once served), and finalizing (a CRD being deleted has every object
// of its kind deleted, Terminating InstanceDeletionInProgress meanwhile, then its kind goes and
// the cleanup finalizer with it, which lets the CRD go).
import type { CustomResourceDefinition } from '../api/apiextensions-objects.js';
import { jsonEqual } from '../api/json.js';
import type { Registry } from '../api/registry.js';
import { Controller } from '../client/controller.js';
import { ignoreRaces } from '../client/races.js';
import { typedResource, type Stored, type TypedResource } from '../client/typed-resource.js';
import { QUIET, type Logger } from '../logging/log.js';
import { acceptNames, CLEANUP_FINALIZER, conditionTrue, ESTABLISHED, INSTANCE_DELETION, NOT_ACCEPTED, setCondition } from './crd-policy.js';
import { serveDefinition, unserveDefinition } from './crd-serving.js';

const MANAGER = 'kube-apiserver';
const GROUP = 'apiextensions.k8s.io';
/** How soon a CRD whose objects are still going (finalizers of their own) is looked at again. */
const RECHECK_MS = 1000;

export class CustomResourceDefinitionController {
  private readonly controller: Controller<string>;
  private readonly crds: TypedResource<CustomResourceDefinition>;

  constructor(private readonly registry: Registry, private readonly log: Logger = QUIET) {
    this.crds = typedResource<CustomResourceDefinition>(registry, 'customresourcedefinitions', GROUP);
    this.controller = new Controller<string>({ name: 'crd controller', reconcile: (name) => this.reconcile(name), identity: (name) => name, log })
      .watch(this.crds, (change, queue) => {
        queue.add(change.object.metadata.name);
        // Names freed or taken by one CRD may settle another's conflict.
        for (const other of this.crds.lister.list()) if (other.spec.group === change.object.spec.group && other.metadata.name !== change.object.metadata.name) queue.add(other.metadata.name);
      });
  }

  start(): void { this.controller.start(); }
  stop(): void { this.controller.stop(); }

  private async reconcile(name: string): Promise<void> {
    const crd = this.crds.lister.get(undefined, name);
    if (!crd) { unserveDefinition(this.registry, name); return; }
    if (crd.metadata.deletionTimestamp) { await this.finalize(crd); return; }
    const { names, condition } = acceptNames(crd, this.crds.lister.list());
    let status = setCondition({ ...crd.status, acceptedNames: names }, condition, this.registry.now());
    if (condition.status === 'True') {
      const failed = await serveDefinition(this.registry, { ...crd, status });
      if (failed.length) this.log.info('Versions of a CRD not served: a kind already serves the resource', { crd: name, versions: failed });
      status = setCondition(status, ESTABLISHED, this.registry.now());
    } else if (!conditionTrue(crd, 'Established')) {
      status = setCondition(status, NOT_ACCEPTED, this.registry.now());
    }
    if (jsonEqual(status, crd.status)) return;
    await ignoreRaces(this.crds.update({ name }, (current) => ({ ...current, status: { ...current.status, ...status, storedVersions: current.status?.storedVersions } }), { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
    this.log.V(2).info('Updated a CRD\'s status', { crd: name, namesAccepted: condition.status });
  }

  /** Deletes the kind's objects, then lets the CRD go. */
  private async finalize(crd: Stored<CustomResourceDefinition>): Promise<void> {
    const name = crd.metadata.name;
    if (!crd.metadata.finalizers?.includes(CLEANUP_FINALIZER)) { unserveDefinition(this.registry, name); return; }
    if (!conditionTrue(crd, 'Terminating') || crd.status?.conditions?.find((c) => c.type === 'Terminating')?.reason !== INSTANCE_DELETION.reason) {
      await ignoreRaces(this.crds.update({ name }, (current) => ({ ...current, status: setCondition(current.status ?? {}, INSTANCE_DELETION, this.registry.now()) }), { dryRun: false, subresource: 'status', fieldManager: MANAGER }));
    }
    const storage = crd.spec.versions.find((v) => v.storage)?.name;
    const rs = storage ? this.registry.lookup(crd.spec.group, storage, crd.spec.names.plural) : undefined;
    if (rs) {
      const remaining = rs.cache.list(rs.prefix).map((o) => o.object);
      for (const obj of remaining) {
        if (obj.metadata.deletionTimestamp) continue;
        await ignoreRaces(rs.delete(obj.metadata.namespace, obj.metadata.name ?? '', {}, { dryRun: false }));
      }
      if (rs.cache.list(rs.prefix).length) { this.controller.addAfter(name, RECHECK_MS); return; }
    }
    unserveDefinition(this.registry, name);
    await ignoreRaces(this.crds.update({ name }, (current) => ({ ...current, metadata: { ...current.metadata, finalizers: (current.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER) } }), { dryRun: false, fieldManager: MANAGER }));
    this.log.V(2).info('Removed a CRD\'s objects and kind', { crd: name });
  }
}
