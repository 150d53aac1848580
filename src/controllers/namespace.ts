// The namespace controller: a namespace being deleted is Terminating until everything in it is
// gone; then its `kubernetes` finalizer is removed through /finalize and it is deleted.
// Level-triggered: each pass compares what is left with nothing, and retries until it is so.
import { StatusError } from '../api/errors.js';
import type { Registry } from '../api/registry.js';
import type { KObject } from '../api/types.js';

const RETRY_MS = 300;

export class NamespaceController {
  private readonly pending = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = false;
  private stopped = false;
  private stopWatch?: () => void;

  constructor(private readonly registry: Registry) {}

  start(): void {
    const namespaces = this.registry.resource('namespaces')!;
    this.stopWatch = namespaces.cache.watch({
      matches: (ns) => !!ns.metadata.deletionTimestamp,
      deliver: (type, obj) => { if (type !== 'DELETED') this.enqueue(obj.object.metadata.name!); },
    });
    for (const o of namespaces.cache.list(namespaces.prefix)) {
      if (o.object.metadata.deletionTimestamp) this.enqueue(o.object.metadata.name!);
    }
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
    for (const t of this.timers) clearTimeout(t);
  }

  private enqueue(name: string, delayMs = 0): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.pending.add(name);
      void this.drain();
    }, delayMs);
    this.timers.add(t);
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.pending.size && !this.stopped) {
        const [name] = this.pending;
        this.pending.delete(name);
        try {
          if (!(await this.reconcile(name))) this.enqueue(name, RETRY_MS);
        } catch (e) {
          console.error(`tinykube: namespace controller: ${name}:`, e);
          this.enqueue(name, RETRY_MS);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** One pass; true when the namespace needs no more work. */
  private async reconcile(name: string): Promise<boolean> {
    const namespaces = this.registry.resource('namespaces')!;
    const ns = namespaces.cache.get(namespaces.key(undefined, name))?.object;
    if (!ns?.metadata.deletionTimestamp) return true;
    let remaining = 0;
    for (const rs of this.registry.resources()) {
      if (!rs.namespaced) continue;
      for (const o of rs.cache.list(rs.listPrefix(name))) {
        remaining++;
        if (o.object.metadata.deletionTimestamp) continue;
        await ignoreGone(rs.delete(name, o.object.metadata.name!, {}, { dryRun: false }));
      }
    }
    if (remaining > 0) return false;
    await ignoreGone(namespaces.update(undefined, name, (current: KObject) => {
      const spec = (current.spec ?? {}) as { finalizers?: string[] };
      current.spec = { ...spec, finalizers: (spec.finalizers ?? []).filter((f) => f !== 'kubernetes') };
      return current;
    }, { dryRun: false, subresource: 'finalize' }));
    // Other finalizers (spec or metadata) are someone else's: the namespace goes when they do.
    if (namespaces.cache.get(namespaces.key(undefined, name))) await ignoreGone(namespaces.delete(undefined, name, {}, { dryRun: false }));
    return true;
  }
}

async function ignoreGone<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof StatusError && (e.code === 404 || e.code === 409)) return undefined;
    throw e;
  }
}
