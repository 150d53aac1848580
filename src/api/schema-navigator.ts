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
  private readonly reachable = new Map<string, boolean>();

  /**
   * @param refName the name of the component schema this node resolved to (`io.k8s.api.core.v1.Container`),
   *   when it was reached through a $ref.
   */
  constructor(private readonly schemas: Record<string, Schema>, readonly schema: Schema | undefined, readonly refName?: string) {}

  static root(schemas: Record<string, Schema>, name: string): SchemaNode {
    let byName = roots.get(schemas);
    if (!byName) roots.set(schemas, (byName = new Map<string, SchemaNode>()));
    let node = byName.get(name);
    if (!node) byName.set(name, (node = new SchemaNode(schemas, schemas[name], name).resolved()));
    return node;
  }

  /** Follows $ref and single-element allOf wrappers, keeping the outer node's extensions. */
  private resolved(): SchemaNode {
    let s = this.schema;
    let refName = this.refName;
    const ext: Schema = {};
    for (let i = 0; s && i < 20; i++) {
      for (const [k, v] of Object.entries(s)) if (k.startsWith('x-kubernetes-') && !(k in ext)) ext[k] = v;
      const ref = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0].$ref : undefined);
      if (!ref) break;
      refName = ref.replace('#/components/schemas/', '');
      s = this.schemas[refName];
    }
    return new SchemaNode(this.schemas, s ? { ...s, ...ext } : undefined, refName);
  }

  field(name: string): SchemaNode {
    const s = this.schema;
    const declared = s?.properties?.[name];
    if (declared === undefined) return this.values();
    let node = this.children.get(name);
    if (!node) this.children.set(name, (node = new SchemaNode(this.schemas, declared).resolved()));
    return node;
  }

  /** The schema of a map's values: every key of a free-form map (labels, annotations) shares one node. */
  values(): SchemaNode {
    const s = this.schema;
    return (this.valuesNode ??= new SchemaNode(this.schemas, typeof s?.additionalProperties === 'object' ? s.additionalProperties : undefined).resolved());
  }

  /**
   * Whether a value of this schema can hold, at any depth, one of the component schema `name`
   * (memoized; recursive schemas end because each node is visited once).
   */
  reaches(name: string): boolean {
    let known = this.reachable.get(name);
    if (known === undefined) {
      known = false;
      const seen = new Set<SchemaNode>([this]);
      // Each node of a recursive schema (a CRD's JSONSchemaProps) makes new child nodes: a
      // component schema is walked once, whichever node reached it.
      const seenRefs = new Set<string>(this.refName ? [this.refName] : []);
      const queue: SchemaNode[] = [this];
      for (let node = queue.shift(); node && !known; node = queue.shift()) {
        for (const child of node.childNodes()) {
          if (child.refName === name) { known = true; break; }
          if (child.refName !== undefined) { if (seenRefs.has(child.refName)) continue; seenRefs.add(child.refName); }
          if (!seen.has(child)) { seen.add(child); queue.push(child); }
        }
      }
      this.reachable.set(name, known);
    }
    return known;
  }

  /** The nodes of this node's declared fields, list items and map values. */
  private childNodes(): SchemaNode[] {
    const s = this.schema;
    const out = Object.keys(s?.properties ?? {}).map((k) => this.field(k));
    if (s?.items) out.push(this.items());
    if (s?.additionalProperties && typeof s.additionalProperties === 'object') out.push(this.values());
    return out;
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
    return Array.isArray(v) ? v.filter((k) => typeof k === 'string') : [];
  }

  get mapType(): string | undefined {
    const v = this.schema?.['x-kubernetes-map-type'];
    return typeof v === 'string' ? v : undefined;
  }
}
