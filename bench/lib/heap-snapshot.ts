// Reads a V8 .heapsnapshot without JSON.parse of the whole file (snapshots of a large cluster are
// bigger than the longest string V8 allows): the header is parsed as JSON, the node and edge
// arrays are scanned as numbers straight from the bytes, and each string is parsed alone.

interface Meta {
  node_fields: string[]; node_types: [string[], ...unknown[]];
  edge_fields: string[]; edge_types: [string[], ...unknown[]];
}

export class HeapSnapshot {
  readonly nodeCount: number;
  /** First edge of each node (index into edges / edgeFieldCount), nodeCount + 1 entries. */
  readonly firstEdge: Uint32Array;
  private readonly nf: number;
  private readonly ef: number;
  private readonly typeIdx: number; private readonly nameIdx: number; private readonly sizeIdx: number; private readonly edgeCountIdx: number;
  private readonly edgeTypeIdx: number; private readonly edgeNameIdx: number; private readonly toIdx: number;
  readonly nodeTypes: string[];
  readonly edgeTypes: string[];

  constructor(meta: Meta, readonly nodes: Float64Array, readonly edgeData: Uint32Array, readonly strings: string[]) {
    this.nf = meta.node_fields.length;
    this.ef = meta.edge_fields.length;
    this.typeIdx = meta.node_fields.indexOf('type');
    this.nameIdx = meta.node_fields.indexOf('name');
    this.sizeIdx = meta.node_fields.indexOf('self_size');
    this.edgeCountIdx = meta.node_fields.indexOf('edge_count');
    this.edgeTypeIdx = meta.edge_fields.indexOf('type');
    this.edgeNameIdx = meta.edge_fields.indexOf('name_or_index');
    this.toIdx = meta.edge_fields.indexOf('to_node');
    this.nodeTypes = meta.node_types[0];
    this.edgeTypes = meta.edge_types[0];
    this.nodeCount = nodes.length / this.nf;
    this.firstEdge = new Uint32Array(this.nodeCount + 1);
    for (let n = 0, e = 0; n < this.nodeCount; n++) {
      this.firstEdge[n] = e;
      e += nodes[n * this.nf + this.edgeCountIdx];
      this.firstEdge[n + 1] = e;
    }
  }

  typeName(n: number): string { return this.nodeTypes[this.nodes[n * this.nf + this.typeIdx]]; }
  name(n: number): string { return this.strings[this.nodes[n * this.nf + this.nameIdx]]; }
  selfSize(n: number): number { return this.nodes[n * this.nf + this.sizeIdx]; }
  /** The constructor's name for objects (without the _ a bundler may prefix), the type otherwise. */
  className(n: number): string {
    const t = this.typeName(n);
    return t === 'object' || t === 'native' || t === 'hidden' ? this.name(n).replace(/^_+/, '') : `(${t})`;
  }
  /** A string node's value; a concatenated one is joined from its parts. */
  stringValue(n: number | undefined): string | undefined {
    if (n === undefined) return undefined;
    const t = this.typeName(n);
    if (t === 'concatenated string') return `${this.stringValue(this.edge(n, 'first')) ?? ''}${this.stringValue(this.edge(n, 'second')) ?? ''}`;
    return t.includes('string') ? this.name(n) : undefined;
  }
  edgeTarget(e: number): number { return this.edgeData[e * this.ef + this.toIdx] / this.nf; }
  edgeType(e: number): string { return this.edgeTypes[this.edgeData[e * this.ef + this.edgeTypeIdx]]; }
  edgeName(e: number): string {
    const t = this.edgeType(e);
    const v = this.edgeData[e * this.ef + this.edgeNameIdx];
    return t === 'element' || t === 'hidden' ? String(v) : this.strings[v];
  }
  /** Named edges of a node with their targets (weak ones left out). */
  *edges(n: number): Generator<[string, number]> {
    for (let e = this.firstEdge[n]; e < this.firstEdge[n + 1]; e++) {
      if (this.edgeType(e) !== 'weak') yield [this.edgeName(e), this.edgeTarget(e)];
    }
  }
  /** The target of a node's property edge by name. */
  edge(n: number, name: string): number | undefined {
    for (let e = this.firstEdge[n]; e < this.firstEdge[n + 1]; e++) {
      const t = this.edgeType(e);
      if ((t === 'property' || t === 'internal') && this.edgeName(e) === name) return this.edgeTarget(e);
    }
    return undefined;
  }
}

/** Numbers of the JSON array that starts at `from` (just after '['), up to its ']'. */
function numbers(bytes: Buffer, from: number, count: number, Out: Float64ArrayConstructor | Uint32ArrayConstructor): Float64Array | Uint32Array {
  const out = new Out(count);
  let i = from, k = 0, v = 0, inNumber = false;
  for (;; i++) {
    const c = bytes[i];
    if (c >= 48 && c <= 57) { v = v * 10 + (c - 48); inNumber = true; continue; }
    if (inNumber) { out[k++] = v; v = 0; inNumber = false; }
    if (c === 93) break; // ']'
  }
  if (k !== count) throw new Error(`expected ${count} numbers, read ${k}`);
  return out;
}

function after(bytes: Buffer, marker: string, from = 0): number {
  const i = bytes.indexOf(marker, from);
  if (i < 0) throw new Error(`no ${marker} in the snapshot`);
  return i + marker.length;
}

/** The strings array: each JSON string parsed alone. */
function stringArray(bytes: Buffer, from: number): string[] {
  const out: string[] = [];
  let i = from;
  for (;;) {
    while (bytes[i] !== 34 && bytes[i] !== 93) i++; // '"' or ']'
    if (bytes[i] === 93) return out;
    let j = i + 1;
    while (bytes[j] !== 34) j += bytes[j] === 92 ? 2 : 1; // skip escapes
    out.push(JSON.parse(bytes.toString('utf8', i, j + 1)) as string);
    i = j + 1;
  }
}

export function readSnapshot(bytes: Buffer): HeapSnapshot {
  const nodesAt = after(bytes, '"nodes":[');
  const header = JSON.parse(`${bytes.toString('utf8', 0, nodesAt - '"nodes":['.length).replace(/,\s*$/, '')}}`) as { snapshot: { meta: Meta; node_count: number; edge_count: number } };
  const { meta, node_count, edge_count } = header.snapshot;
  const nodes = numbers(bytes, nodesAt, node_count * meta.node_fields.length, Float64Array) as Float64Array;
  const edgesAt = after(bytes, '"edges":[', nodesAt);
  const edges = numbers(bytes, edgesAt, edge_count * meta.edge_fields.length, Uint32Array) as Uint32Array;
  const strings = stringArray(bytes, after(bytes, '"strings":[', edgesAt));
  return new HeapSnapshot(meta, nodes, edges, strings);
}
