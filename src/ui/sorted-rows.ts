// Elements kept in key order under one parent. A new one finds its place by binary search and is
// inserted before its successor, so adding or removing a row among thousands touches one element.

export class SortedRows {
  private readonly keys: string[] = [];
  private readonly els = new Map<string, Element>();

  constructor(private readonly parent: Element) {}

  get size(): number {
    return this.keys.length;
  }

  has(key: string): boolean {
    return this.els.has(key);
  }

  /** Inserts `el` at `key`'s place (replacing the element held there, if any). */
  set(key: string, el: Element): void {
    const old = this.els.get(key);
    if (old === el) return;
    if (old) { old.replaceWith(el); this.els.set(key, el); return; }
    const at = this.indexOf(key);
    const next = at < this.keys.length ? this.els.get(this.keys[at]) : undefined;
    this.keys.splice(at, 0, key);
    this.els.set(key, el);
    this.parent.insertBefore(el, next ?? null);
  }

  delete(key: string): void {
    const el = this.els.get(key);
    if (!el) return;
    this.els.delete(key);
    this.keys.splice(this.indexOf(key), 1);
    el.remove();
  }

  /** The first index whose key is not below `key`. */
  private indexOf(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
