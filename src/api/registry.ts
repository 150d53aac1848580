// The registry: every served resource as a ResourceStore, built from the OpenAPI route table and
// the resources' strategies, over one Store.
import type { Store } from '../storage/store.js';
import type { WatchHistoryOptions } from '../storage/watch-cache.js';
import { RANDOM, type Entropy } from './entropy.js';
import { STRATEGIES } from '../resources/index.js';
import { loadOpenAPI, schemaNameForKind, type GroupVersionDocument } from './openapi.js';
import { ResourceStore, type RegistryContext } from './resource-store.js';
import { SchemaValidator } from './schema.js';
import { SchemaNode } from './schema-navigator.js';

export class Registry implements RegistryContext {
  readonly docs: GroupVersionDocument[];
  readonly validator: SchemaValidator;
  private readonly byPath = new Map<string, ResourceStore>();
  private readonly all: ResourceStore[] = [];

  readonly clock: () => Date;

  readonly entropy: Entropy;

  constructor(readonly store: Store, options: { clock?: () => Date; entropy?: Entropy; watchHistory?: WatchHistoryOptions } = {}) {
    this.clock = options.clock ?? (() => new Date());
    this.entropy = options.entropy ?? RANDOM;
    this.docs = loadOpenAPI();
    this.validator = new SchemaValidator(this.docs);
    for (const doc of this.docs) {
      for (const shape of doc.resources) {
        const strategy = STRATEGIES[`${shape.group}/${shape.resource}`];
        if (!strategy) continue;
        const schemaName = schemaNameForKind(doc.document, { group: shape.group, version: shape.version, kind: shape.kind });
        if (!schemaName) throw new Error(`no schema for ${shape.kind} in ${doc.path}`);
        const schema = SchemaNode.root(doc.document.components.schemas, schemaName);
        const rs = new ResourceStore(shape, strategy, schemaName, schema, this, options.watchHistory);
        this.byPath.set(`${shape.group}/${shape.version}/${shape.resource}`, rs);
        this.all.push(rs);
      }
    }
  }

  async start(): Promise<void> {
    for (const rs of this.all) await rs.cache.start();
  }

  stop(): void {
    for (const rs of this.all) rs.cache.stop();
  }

  now(): Date { return this.clock(); }

  /** A resource by its name, in the core group unless one is given (the first version served). */
  resource(name: string, group = ''): ResourceStore | undefined {
    return this.all.find((r) => r.shape.resource === name && r.shape.group === group);
  }

  lookup(group: string, version: string, resource: string): ResourceStore | undefined {
    return this.byPath.get(`${group}/${version}/${resource}`);
  }

  resources(): readonly ResourceStore[] { return this.all; }

  documentFor(group: string, version: string): GroupVersionDocument | undefined {
    return this.docs.find((d) => d.group === group && d.version === version);
  }
}
