// Walks the OpenAPI schemas of one document: the schema of a field, of list items, and the patch
// extensions (x-kubernetes-patch-strategy / -merge-key, list-type, map-keys) on the way.
import type { Schema } from './openapi.js';

// Nodes are memoized (roots per document, children per node): the schemas never change, and
// resolving a node copies its schema, which every write's field-ownership walk would repeat.
const roots = new WeakMap<Record<string, Schema>, Map<string, SchemaNode>>();

export class SchemaNode {
  private readonly children = new Map<string, SchemaNode>();
  private itemsNode?: SchemaNode;
  private valuesNode?: SchemaNode;

  constructor(private readonly schemas: Record<string, Schema>, readonly schema: Schema | undefined) {}

  static root(schemas: Record<string, Schema>, name: string): SchemaNode {
    let byName = roots.get(schemas);
    if (!byName) roots.set(schemas, (byName = new Map()));
    let node = byName.get(name);
    if (!node) byName.set(name, (node = new SchemaNode(schemas, schemas[name]).resolved()));
    return node;
  }

  /** Follows $ref and single-element allOf wrappers, keeping the outer node's extensions. */
  private resolved(): SchemaNode {
    let s = this.schema;
    const ext: Schema = {};
    for (let i = 0; s && i < 20; i++) {
      for (const [k, v] of Object.entries(s)) if (k.startsWith('x-kubernetes-') && !(k in ext)) ext[k] = v;
      const ref = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0].$ref : undefined);
      if (!ref) break;
      s = this.schemas[ref.replace('#/components/schemas/', '')];
    }
    return new SchemaNode(this.schemas, s ? { ...s, ...ext } : undefined);
  }

  field(name: string): SchemaNode {
    const s = this.schema;
    const declared = s?.properties?.[name];
    // Every key of a free-form map (labels, annotations) shares one node.
    if (declared === undefined) {
      return (this.valuesNode ??= new SchemaNode(this.schemas, typeof s?.additionalProperties === 'object' ? s.additionalProperties : undefined).resolved());
    }
    let node = this.children.get(name);
    if (!node) this.children.set(name, (node = new SchemaNode(this.schemas, declared).resolved()));
    return node;
  }

  items(): SchemaNode {
    return (this.itemsNode ??= new SchemaNode(this.schemas, this.schema?.items).resolved());
  }

  get patchStrategy(): string[] {
    const v = this.schema?.['x-kubernetes-patch-strategy'];
    return typeof v === 'string' ? v.split(',') : [];
  }

  get patchMergeKey(): string | undefined {
    const v = this.schema?.['x-kubernetes-patch-merge-key'];
    return typeof v === 'string' ? v : undefined;
  }

  get listType(): string | undefined {
    const v = this.schema?.['x-kubernetes-list-type'];
    return typeof v === 'string' ? v : undefined;
  }

  get listMapKeys(): string[] {
    const v = this.schema?.['x-kubernetes-list-map-keys'];
    return Array.isArray(v) ? (v as string[]) : [];
  }

  get mapType(): string | undefined {
    const v = this.schema?.['x-kubernetes-map-type'];
    return typeof v === 'string' ? v : undefined;
  }
}
