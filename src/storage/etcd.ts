// The etcd backend (the etcd3 npm client against a real etcd 3 server), the store kube-apiserver
// itself uses. Revisions are etcd's; writes are transactions comparing create/mod revisions; one
// etcd watch over the whole prefix feeds every subscriber, so the revision it has delivered up to
// (`observed`) tells when this process has seen every write up to a revision, its own or another
// process's. Lists are read in pages at one revision, below gRPC's 4 MiB message limit.
import { Etcd3, type IKeyValue, type Watcher } from 'etcd3';
import { activityOf } from '../observe/activity.js';
import {
  CompactedError, KeyExistsError, KeyNotFoundError, RevisionConflictError,
  type KeyValue, type ListResult, type Store, type StoreEvent, type StoreValue, type WatchHandle,
} from './store.js';
import { Subscribers } from './subscribers.js';

export interface EtcdStoreOptions {
  endpoints: string[];
  /** Where tinykube's keys live in etcd (default /registry, as kube-apiserver's). */
  prefix?: string;
  /** How often to compact etcd's history, as kube-apiserver does (default 5 minutes; 0 never). */
  compactIntervalMs?: number;
}

const PAGE = 500;
/** Our keys all start with this; in etcd it is replaced by the configured prefix. */
const ROOT = '/registry';

export class EtcdStore implements Store {
  readonly backend = 'etcd';
  /** Store.takesBytes: a write waits on the network, and etcd is sent bytes either way. */
  readonly takesBytes = true;
  private readonly client: Etcd3;
  private readonly prefix: string;
  private watcher?: Watcher;
  private startRevision = 0;
  private compacted = 0;
  private observed = 0;
  private readonly subscribers = new Subscribers();
  private readonly waiters: { revision: number; resolve: () => void }[] = [];
  /** Events since start, so a subscriber that starts late still gets everything after its revision. */
  private readonly recent: StoreEvent[] = [];
  private compactTimer?: NodeJS.Timeout;

  private constructor(private readonly options: EtcdStoreOptions) {
    this.client = new Etcd3({ hosts: options.endpoints, grpcOptions: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 } });
    this.prefix = (options.prefix ?? ROOT).replace(/\/+$/, '');
  }

  static async open(options: EtcdStoreOptions): Promise<EtcdStore> {
    const store = new EtcdStore(options);
    await store.startWatch();
    store.scheduleCompaction();
    return store;
  }

  private toEtcd(key: string): Buffer {
    return Buffer.from(this.prefix + (key.startsWith(ROOT) ? key.slice(ROOT.length) : key));
  }

  private fromEtcd(key: Buffer): string {
    return ROOT + key.toString('utf8').slice(this.prefix.length);
  }

  private async headerRevision(): Promise<number> {
    const res = await this.client.kv.range({ key: this.toEtcd(`${ROOT}/`), count_only: true });
    return Number(res.header.revision);
  }

  private async startWatch(): Promise<void> {
    this.startRevision = await this.headerRevision();
    this.observed = this.startRevision;
    this.watcher = await this.client.watch().prefix(this.prefix + '/').startRevision(String(this.startRevision + 1)).withPreviousKV().create();
    const emit = (type: 'put' | 'delete', kv: IKeyValue, prev?: IKeyValue) => {
      const revision = Number(kv.mod_revision);
      const e: StoreEvent = {
        type, key: this.fromEtcd(kv.key), revision,
        value: type === 'put' ? kv.value.toString('utf8') : (prev?.value.toString('utf8') ?? ''),
        createRevision: Number(type === 'put' ? kv.create_revision : prev?.create_revision ?? 0),
      };
      this.recent.push(e);
      if (this.recent.length > 10_000) this.recent.splice(0, this.recent.length - 10_000);
      this.subscribers.publish(e);
      activityOf(this).storeWrite(e.key);
    };
    this.watcher.on('put', (kv, prev) => emit('put', kv, prev));
    this.watcher.on('delete', (kv, prev) => emit('delete', kv, prev));
    // Each response carries the revision it brings the stream up to.
    this.watcher.on('data', (res) => this.advance(Number(res.header.revision)));
  }

  /**
   * Every interval, compact to the revision seen at the previous interval (kube-apiserver's
   * policy): history always covers at least one interval for watches to resume.
   */
  private scheduleCompaction(): void {
    const interval = this.options.compactIntervalMs ?? 5 * 60_000;
    if (interval <= 0) return;
    let previous = 0;
    this.compactTimer = setInterval(() => {
      const target = previous;
      previous = this.observed;
      if (target > this.compacted) void this.compact(target).catch(() => undefined);
    }, interval);
    this.compactTimer.unref();
  }

  private advance(revision: number): void {
    if (revision <= this.observed) return;
    this.observed = revision;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].revision <= revision) { this.waiters[i].resolve(); this.waiters.splice(i, 1); }
    }
  }

  /** Resolves once every event up to `revision` has been delivered (or after `timeoutMs`). */
  waitForRevision(revision: number, timeoutMs = 1000): Promise<void> {
    if (revision <= this.observed) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { revision, resolve };
      this.waiters.push(waiter);
      setTimeout(() => { const i = this.waiters.indexOf(waiter); if (i >= 0) { this.waiters.splice(i, 1); resolve(); } }, timeoutMs).unref();
    });
  }

  async currentRevision(): Promise<number> { return this.headerRevision(); }
  /** History before this process started is not replayed; history before a compaction is gone. */
  async compactedRevision(): Promise<number> { return Math.max(this.startRevision, this.compacted); }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.client.kv.range({ key: this.toEtcd(key) });
    return res.kvs[0] && this.toKeyValue(res.kvs[0]);
  }

  async list(prefix: string, revision?: number): Promise<ListResult> {
    const start = this.toEtcd(prefix);
    const end = prefixEnd(start);
    const items: KeyValue[] = [];
    let at = revision;
    let from = start;
    for (;;) {
      let res;
      try {
        res = await this.client.kv.range({ key: from, range_end: end, limit: PAGE, ...(at ? { revision: at } : {}) });
      } catch (e) {
        if (/compacted/.test(String(e))) throw new CompactedError(revision ?? 0, revision ?? 0);
        throw e;
      }
      at ??= Number(res.header.revision);
      for (const kv of res.kvs) items.push(this.toKeyValue(kv));
      if (!res.more || !res.kvs.length) break;
      from = Buffer.concat([res.kvs[res.kvs.length - 1].key, Buffer.from([0])]);
    }
    return { items, revision: at };
  }

  async create(key: string, value: StoreValue): Promise<KeyValue<StoreValue>> {
    const k = this.toEtcd(key);
    const res = await this.client.kv.txn({
      compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: k, value: Buffer.from(value) } }],
    });
    if (!res.succeeded) throw new KeyExistsError(key);
    const rev = Number(res.header.revision);
    return { key, value, createRevision: rev, modRevision: rev };
  }

  async update(key: string, value: StoreValue, expectedModRevision?: number): Promise<KeyValue<StoreValue>> {
    const k = this.toEtcd(key);
    const compare = expectedModRevision !== undefined
      ? { key: k, target: 'Mod' as const, result: 'Equal' as const, mod_revision: expectedModRevision }
      : { key: k, target: 'Create' as const, result: 'Greater' as const, create_revision: 0 };
    const res = await this.client.kv.txn({ compare: [compare], success: [{ request_put: { key: k, value: Buffer.from(value), prev_kv: true } }] });
    if (!res.succeeded) {
      const now = await this.get(key);
      if (!now) throw new KeyNotFoundError(key);
      throw new RevisionConflictError(key, now.modRevision);
    }
    const prev = res.responses[0].response_put.prev_kv;
    return { key, value, createRevision: Number(prev.create_revision), modRevision: Number(res.header.revision) };
  }

  async delete(key: string, expectedModRevision?: number): Promise<{ prev: KeyValue; revision: number }> {
    const k = this.toEtcd(key);
    const compare = expectedModRevision !== undefined
      ? { key: k, target: 'Mod' as const, result: 'Equal' as const, mod_revision: expectedModRevision }
      : { key: k, target: 'Create' as const, result: 'Greater' as const, create_revision: 0 };
    const res = await this.client.kv.txn({ compare: [compare], success: [{ request_delete_range: { key: k, prev_kv: true } }] });
    if (!res.succeeded) {
      const now = await this.get(key);
      if (!now) throw new KeyNotFoundError(key);
      throw new RevisionConflictError(key, now.modRevision);
    }
    const prev = res.responses[0].response_delete_range.prev_kvs[0];
    return { prev: this.toKeyValue(prev), revision: Number(res.header.revision) };
  }

  async watch(prefix: string, fromRevision: number, onEvent: (e: StoreEvent) => void): Promise<WatchHandle> {
    const oldest = await this.compactedRevision();
    if (fromRevision < oldest) throw new CompactedError(fromRevision, oldest);
    for (const e of this.recent) if (e.revision > fromRevision && e.key.startsWith(prefix)) onEvent(e);
    return { cancel: this.subscribers.add(prefix, onEvent) };
  }

  async compact(revision: number): Promise<void> {
    await this.client.kv.compact({ revision, physical: false });
    this.compacted = Math.max(this.compacted, revision);
  }

  async close(): Promise<void> {
    if (this.compactTimer) clearInterval(this.compactTimer);
    this.subscribers.clear();
    await this.watcher?.cancel().catch(() => undefined);
    this.client.close();
  }

  private toKeyValue(kv: IKeyValue): KeyValue {
    return { key: this.fromEtcd(kv.key), value: kv.value.toString('utf8'), createRevision: Number(kv.create_revision), modRevision: Number(kv.mod_revision) };
  }
}

function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) { end[i]++; return end.subarray(0, i + 1); }
  }
  return Buffer.from([0]);
}
