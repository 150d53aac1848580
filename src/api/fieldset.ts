// Field sets as server-side apply tracks them (structured-merge-diff's fieldpath.Set): a trie of
// path elements, serialized as FieldsV1. Path elements are kept in their serialized form:
//   f:<field>   k:{"key":value,...}   v:<json value>   i:<index>
// Pure data structure; no schema knowledge here.

export type Path = string[];

export class FieldSet {
  /** Path elements that are members of the set themselves. */
  readonly members = new Set<string>();
  readonly children = new Map<string, FieldSet>();

  static fromPaths(paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: Path): void {
    if (path.length === 0) return;
    let cur: FieldSet = this;
    for (const pe of path.slice(0, -1)) {
      let next = cur.children.get(pe);
      if (!next) { next = new FieldSet(); cur.children.set(pe, next); }
      cur = next;
    }
    cur.members.add(path[path.length - 1]);
  }

  has(path: Path): boolean {
    let cur: FieldSet | undefined = this;
    for (const pe of path.slice(0, -1)) { cur = cur.children.get(pe); if (!cur) return false; }
    return cur.members.has(path[path.length - 1]);
  }

  get empty(): boolean {
    return this.members.size === 0 && [...this.children.values()].every((c) => c.empty);
  }

  /** Every member path. */
  paths(prefix: Path = []): Path[] {
    const out: Path[] = [];
    for (const m of this.members) out.push([...prefix, m]);
    for (const [pe, child] of this.children) out.push(...child.paths([...prefix, pe]));
    return out;
  }

  union(other: FieldSet): FieldSet {
    return FieldSet.fromPaths([...this.paths(), ...other.paths()]);
  }

  difference(other: FieldSet): FieldSet {
    return FieldSet.fromPaths(this.paths().filter((p) => !other.has(p)));
  }

  intersection(other: FieldSet): FieldSet {
    return FieldSet.fromPaths(this.paths().filter((p) => other.has(p)));
  }

  /** Drops every path that starts with one of `prefixes` or equals one of `exact`. */
  without(exact: Path[], prefixes: Path[] = []): FieldSet {
    const key = (p: Path) => JSON.stringify(p);
    const exactKeys = new Set(exact.map(key));
    return FieldSet.fromPaths(this.paths().filter((p) => !exactKeys.has(key(p)) && !prefixes.some((pre) => pre.every((pe, i) => p[i] === pe))));
  }

  /** Only the paths under `prefix` (kept whole). */
  under(prefix: Path): FieldSet {
    return FieldSet.fromPaths(this.paths().filter((p) => p.length > prefix.length && prefix.every((pe, i) => p[i] === pe)));
  }

  /** The FieldsV1 JSON form: `{"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{}}}}}`. */
  toFieldsV1(): Record<string, unknown> {
    return this.emit(false);
  }

  private emit(includeSelf: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (includeSelf && !this.empty) out['.'] = {};
    const keys = [...new Set([...this.members, ...this.children.keys()])].sort(comparePathElements);
    for (const k of keys) {
      const child = this.children.get(k);
      const member = this.members.has(k);
      if (child && !child.empty) out[k] = child.emit(member);
      else if (member) out[k] = {};
    }
    return out;
  }

  static fromFieldsV1(v: unknown): FieldSet {
    const s = new FieldSet();
    const walk = (node: unknown, into: FieldSet) => {
      if (!node || typeof node !== 'object') return;
      for (const [k, child] of Object.entries(node as Record<string, unknown>)) {
        if (k === '.') continue;
        const entries = child && typeof child === 'object' ? Object.keys(child) : [];
        if (entries.length === 0) { into.members.add(k); continue; }
        if (entries.includes('.')) into.members.add(k);
        const sub = new FieldSet();
        walk(child, sub);
        into.children.set(k, sub);
      }
    };
    walk(v, s);
    return s;
  }
}

const TYPE_ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** structured-merge-diff's PathElement order: fields, then keys, then values, then indexes. */
export function comparePathElements(a: string, b: string): number {
  const ta = TYPE_ORDER[a[0]] ?? 9;
  const tb = TYPE_ORDER[b[0]] ?? 9;
  if (ta !== tb) return ta - tb;
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A path as kube prints it in conflicts: `.spec.containers[name="main"].image`. */
export function pathString(path: Path): string {
  return path.map((pe) => {
    const body = pe.slice(2);
    switch (pe[0]) {
      case 'f': return `.${body}`;
      case 'k': {
        const key = JSON.parse(body) as Record<string, unknown>;
        return `[${Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
      }
      case 'v': return `[=${body}]`;
      default: return `[${body}]`;
    }
  }).join('');
}

export const fieldPE = (name: string): string => `f:${name}`;

/** `k:{...}` with the key fields sorted by name, as structured-merge-diff serializes them. */
export function keyPE(fields: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(fields).sort()) sorted[k] = fields[k];
  return `k:${JSON.stringify(sorted)}`;
}

export const valuePE = (v: unknown): string => `v:${JSON.stringify(v)}`;
