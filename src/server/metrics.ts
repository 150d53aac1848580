// /metrics: what kube-apiserver exports about its requests and storage, in Prometheus' text format,
// with the names, labels and buckets kube 1.33 uses:
//
//   apiserver_request_total{code,component,dry_run,group,resource,scope,subresource,verb,version}
//   apiserver_request_duration_seconds{component,dry_run,group,resource,scope,subresource,verb,version}
//   apiserver_longrunning_requests{component,group,resource,scope,subresource,verb,version}   (open watches, follows, exec)
//   apiserver_storage_objects{resource}                                   ("pods", "leases.coordination.k8s.io")
//   etcd_request_duration_seconds{operation,type}, etcd_requests_total, etcd_request_errors_total
//                                                                         (the store's get/list/create/update/delete)
//   process_* and nodejs_*                                                (prom-client's default metrics)
//
// The request path only counts: each series is a plain record found by one Map lookup, updated in
// place (prom-client's own observe() hashes its label object on every call, several times the cost).
// prom-client, loaded on the first scrape, owns the exposition: one prom-client Registry per
// cluster reads these records when scraped, so clusters in one process never share or clash. The
// process metrics describe the process, not a cluster: one registry for them, made on the first
// scrape in the process and merged into every cluster's answer.
import type { ServerResponse } from 'node:http';
import type * as PromClient from 'prom-client';
import type { Registry } from '../api/registry.js';
import type { Store } from '../storage/store.js';
import { sendBody, sendError } from './http.js';
import { CONNECT_SUBRESOURCES, type RequestInfo, type ResourceRequest } from './request-info.js';

/** kube's apiserver_request_duration_seconds and etcd_request_duration_seconds buckets. */
export const DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

/** Verbs kube reports; anything else is "other". */
const VALID_VERBS = new Set(['APPLY', 'CONNECT', 'CREATE', 'DELETE', 'DELETECOLLECTION', 'GET', 'LIST', 'PATCH', 'POST', 'PROXY', 'PUT', 'UPDATE', 'WATCH', 'WATCHLIST']);

export const APISERVER_COMPONENT = 'apiserver';

/** kube's CleanScope: "resource" for one object (or a create), "namespace", "cluster". */
export function scopeOf(info: ResourceRequest): string {
  if (info.name || info.verb === 'create') return 'resource';
  return info.namespace ? 'namespace' : 'cluster';
}

/**
 * kube's NormalizedVerb: the HTTP method, GET made LIST for collections, WATCH for watches,
 * APPLY for server-side apply patches, CONNECT for log, exec, attach, portforward and proxy.
 */
export function normalizedVerb(method: string | undefined, info: RequestInfo | undefined, contentType: string | undefined): string {
  const m = method ?? 'GET';
  if (!info?.isResourceRequest) return m === 'HEAD' ? 'GET' : m;
  let verb = m === 'GET' || m === 'HEAD' ? (info.name ? 'GET' : 'LIST') : m;
  if (info.verb === 'watch') verb = 'WATCH';
  if (m === 'PATCH' && contentType === 'application/apply-patch+yaml') verb = 'APPLY';
  if (info.subresource && CONNECT_SUBRESOURCES.has(info.subresource)) verb = 'CONNECT';
  return verb;
}

/** kube's dry_run label: "" without dryRun, the distinct values sorted and joined, "invalid" for values other than All. */
export function dryRunLabel(url: string | undefined): string {
  if (!url || !url.includes('dryRun')) return '';
  const values = new URL(url, 'http://localhost').searchParams.getAll('dryRun');
  if (values.some((v) => v !== 'All')) return 'invalid';
  return values.length ? 'All' : '';
}

interface RequestLabels { component: string; dry_run: string; group: string; resource: string; scope: string; subresource: string; verb: string; version: string }
type LongRunningLabels = Omit<RequestLabels, 'dry_run'>;

/** A histogram's state: per-bucket (not cumulative) counts, the count and the sum. */
class HistogramSeries<L> {
  readonly buckets = new Float64Array(DURATION_BUCKETS.length);
  count = 0;
  sum = 0;
  constructor(readonly labels: L) {}

  observe(seconds: number): void {
    this.count++;
    this.sum += seconds;
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]) i++;
    if (i < DURATION_BUCKETS.length) this.buckets[i]++;
  }
}

class RequestSeries extends HistogramSeries<RequestLabels> {
  readonly codes = new Map<number, number>();
}

class StorageSeries extends HistogramSeries<{ operation: string; type: string }> {
  errors = 0;
}

/** One open long-running request: ends once. */
export interface LongRunning { end(): void }

export class LongRunningSeries {
  value = 0;
  constructor(readonly labels: LongRunningLabels) {}
}

type StoreOperation = 'get' | 'list' | 'create' | 'update' | 'delete';

/**
 * The GroupResource of a custom resource's key, `/registry/<group>/<plural>/...` (a CRD's group
 * has a dot, no built-in resource's name does): its cache lists the store before the registry
 * serves the kind, so before its prefix is known.
 */
function customResourceOf(key: string): string | undefined {
  const [root, group, plural] = key.split('/').slice(1);
  return root === 'registry' && group?.includes('.') && plural ? `${plural}.${group}` : undefined;
}

export class ApiMetrics {
  /** Request series by resource (subresource path for health checks), found by comparing labels: no key is built per request. */
  private readonly requests = new Map<string, RequestSeries[]>();
  private readonly longRunning = new Map<string, LongRunningSeries>();
  private readonly storage = new Map<string, StorageSeries>();
  /** Store key prefixes and the resource ("pods", "leases.coordination.k8s.io") each holds, longest first. */
  private prefixes?: [string, string][];
  /** resourceOf by a key's directory (all but its last segment): a few per resource and namespace. */
  private readonly resourceByDirectory = new Map<string, string>();
  private registry?: PromClient.Registry;

  constructor(private readonly api: Registry) {
    // Kinds come and go (custom resources): their keys are found anew.
    api.onChange(() => {
      this.prefixes = undefined;
      this.resourceByDirectory.clear();
    });
  }

  // ---- the request path ----------------------------------------------------------------------

  /** Counts one answered resource request. */
  observeResource(method: string | undefined, url: string | undefined, contentType: string | undefined, info: ResourceRequest, code: number, seconds: number): void {
    const verb = normalizedVerb(method, info, contentType);
    this.observe(VALID_VERBS.has(verb) ? verb : 'other', dryRunLabel(url), info.group, info.version, info.resource, info.subresource ?? '', scopeOf(info), APISERVER_COMPONENT, code, seconds);
  }

  /** Counts one answer of /healthz, /livez or /readyz, labelled as kube's health handlers are. */
  observeHealth(path: string, code: number, seconds: number): void {
    this.observe('GET', '', '', '', '', path, '', '', code, seconds);
  }

  private observe(verb: string, dryRun: string, group: string, version: string, resource: string, subresource: string, scope: string, component: string, code: number, seconds: number): void {
    const key = resource || subresource;
    let all = this.requests.get(key);
    if (!all) { all = []; this.requests.set(key, all); }
    let series: RequestSeries | undefined;
    for (const s of all) {
      const l = s.labels;
      if (l.verb === verb && l.scope === scope && l.subresource === subresource && l.group === group && l.version === version && l.dry_run === dryRun && l.resource === resource && l.component === component) { series = s; break; }
    }
    if (!series) {
      series = new RequestSeries({ component, dry_run: dryRun, group, resource, scope, subresource, verb, version });
      all.push(series);
    }
    series.observe(seconds);
    series.codes.set(code, (series.codes.get(code) ?? 0) + 1);
  }

  /** A watch, a followed log or an exec session, counted in apiserver_longrunning_requests until end(). */
  startLongRunning(method: string | undefined, contentType: string | undefined, info: ResourceRequest): LongRunning {
    const labels: LongRunningLabels = {
      component: APISERVER_COMPONENT, group: info.group, resource: info.resource, scope: scopeOf(info),
      subresource: info.subresource ?? '', verb: normalizedVerb(method, info, contentType), version: info.version,
    };
    const key = `${labels.verb}\0${labels.group}\0${labels.version}\0${labels.resource}\0${labels.subresource}\0${labels.scope}`;
    let series = this.longRunning.get(key);
    if (!series) { series = new LongRunningSeries(labels); this.longRunning.set(key, series); }
    series.value++;
    let open = true;
    const s = series;
    return { end() { if (open) { open = false; s.value--; } } };
  }

  // ---- the store -----------------------------------------------------------------------------

  /** Times the store's reads and writes, as kube times its etcd requests (etcd_request_duration_seconds). */
  instrumentStore(store: Store): void {
    const timed = <A extends unknown[], R>(operation: StoreOperation, original: (this: Store, key: string, ...rest: A) => Promise<R>) =>
      async (key: string, ...rest: A): Promise<R> => {
        const started = performance.now();
        let failed = false;
        try {
          return await original.call(store, key, ...rest);
        } catch (e) {
          failed = true;
          throw e;
        } finally {
          this.observeStorage(operation, this.resourceOf(key), (performance.now() - started) / 1000, failed);
        }
      };
    store.get = timed('get', store.get);
    store.list = timed('list', store.list);
    store.create = timed('create', store.create);
    store.update = timed('update', store.update);
    store.delete = timed('delete', store.delete);
  }


  private observeStorage(operation: string, type: string, seconds: number, failed: boolean): void {
    const key = `${operation}\0${type}`;
    let series = this.storage.get(key);
    if (!series) { series = new StorageSeries({ operation, type }); this.storage.set(key, series); }
    series.observe(seconds);
    if (failed) series.errors++;
  }

  /** The resource a store key belongs to, named as kube's GroupResource.String(); the key itself when none. */
  private resourceOf(key: string): string {
    const directory = key.slice(0, key.lastIndexOf('/') + 1);
    const known = this.resourceByDirectory.get(directory);
    if (known !== undefined) return known;
    const resource = this.resourceByPrefix(directory) ?? customResourceOf(directory);
    // A key no resource holds is named by itself and not remembered (there is no bound on those).
    if (resource !== undefined) this.resourceByDirectory.set(directory, resource);
    return resource ?? key;
  }

  private resourceByPrefix(key: string): string | undefined {
    if (!this.prefixes) {
      const seen = new Map<string, string>();
      // Core groups first, so resources stored twice (events) take the core name.
      for (const rs of [...this.api.resources()].sort((a, b) => Number(!!a.shape.group) - Number(!!b.shape.group))) {
        if (!seen.has(rs.prefix)) seen.set(rs.prefix, groupResource(rs.shape.group, rs.shape.resource));
      }
      this.prefixes = [...seen].sort((a, b) => b[0].length - a[0].length);
    }
    for (const [prefix, resource] of this.prefixes) if (key.startsWith(prefix)) return resource;
    return undefined;
  }

  // ---- exposition ----------------------------------------------------------------------------

  /** The Prometheus text kube-apiserver answers /metrics with. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    const pc = await loadPromClient();
    this.registry ??= this.build(pc);
    const texts = await Promise.all([this.registry.metrics(), processRegistry(pc).metrics()]);
    // As Go's client writes them: families sorted by name, no blank lines, none without samples.
    const families = texts.join('\n\n').split('\n\n').map((f) => f.trim()).filter((f) => f.split('\n').some((l) => l && !l.startsWith('#')));
    const name = (family: string) => family.split(' ', 3)[2] ?? '';
    families.sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
    return { contentType: pc.Registry.PROMETHEUS_CONTENT_TYPE, text: families.join('\n') + '\n' };
  }

  /** Answers GET /metrics. */
  serve(res: ServerResponse): void {
    this.exposition().then(({ contentType, text }) => sendBody(res, 200, contentType, text), (e) => sendError(res, e));
  }

  private build(pc: PromClientModule): PromClient.Registry {
    const registry = new pc.Registry();
    const requests = this.requests;
    const longRunning = this.longRunning;
    const storage = this.storage;
    new pc.Counter({
      name: 'apiserver_request_total',
      help: '[STABLE] Requests answered, by verb, dry run, group, version, resource, subresource, scope, component and HTTP status code.',
      labelNames: ['code', 'component', 'dry_run', 'group', 'resource', 'scope', 'subresource', 'verb', 'version'],
      registers: [registry],
      collect() {
        this.reset();
        for (const all of requests.values()) for (const s of all) for (const [code, n] of s.codes) this.inc({ code: String(code), ...s.labels }, n);
      },
    });
    registry.registerMetric(histogramFamily('apiserver_request_duration_seconds',
      '[STABLE] How long requests took to answer, in seconds, by verb, dry run, group, version, resource, subresource, scope and component.',
      () => [...requests.values()].flat()));
    new pc.Gauge({
      name: 'apiserver_longrunning_requests',
      help: '[STABLE] Long-running requests open now (watches, followed logs, exec), by verb, group, version, resource, subresource, scope and component.',
      labelNames: ['component', 'group', 'resource', 'scope', 'subresource', 'verb', 'version'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of longRunning.values()) this.set({ ...s.labels }, s.value);
      },
    });
    const api = this.api;
    new pc.Gauge({
      name: 'apiserver_storage_objects',
      help: '[STABLE] Objects stored, by resource, at the time of the scrape.',
      labelNames: ['resource'],
      registers: [registry],
      collect() {
        this.reset();
        const counted = new Set<string>();
        for (const rs of api.resources()) {
          const resource = groupResource(rs.shape.group, rs.shape.resource);
          if (counted.has(resource)) continue;
          counted.add(resource);
          this.set({ resource }, rs.cache.size);
        }
      },
    });
    registry.registerMetric(histogramFamily('etcd_request_duration_seconds',
      '[ALPHA] How long the store took to answer, in seconds, by operation and resource.',
      () => storage.values()));
    new pc.Counter({
      name: 'etcd_requests_total',
      help: '[ALPHA] Store requests, by operation and resource.',
      labelNames: ['operation', 'type'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of storage.values()) this.inc({ ...s.labels }, s.count);
      },
    });
    new pc.Counter({
      name: 'etcd_request_errors_total',
      help: '[ALPHA] Store requests that failed, by operation and resource.',
      labelNames: ['operation', 'type'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of storage.values()) if (s.errors) this.inc({ ...s.labels }, s.errors);
      },
    });
    return registry;
  }
}

/** kube's GroupResource.String(): "pods", "leases.coordination.k8s.io". */
function groupResource(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

/**
 * A histogram family prom-client's Registry can expose, read from our own series: prom-client's
 * Histogram can only be fed one observation at a time, which is what the request path avoids.
 * It returns what prom-client's own metrics return from get(): name, help, type and the samples.
 */
function histogramFamily<L extends object>(name: string, help: string, series: () => Iterable<HistogramSeries<L>>): PromClient.Metric {
  const family = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    reset() {},
    async get() {
      const values: { labels: object; value: number; metricName: string }[] = [];
      for (const s of series()) {
        let cumulative = 0;
        for (let i = 0; i < DURATION_BUCKETS.length; i++) {
          cumulative += s.buckets[i];
          values.push({ labels: { ...s.labels, le: DURATION_BUCKETS[i] }, value: cumulative, metricName: `${name}_bucket` });
        }
        values.push({ labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: `${name}_bucket` });
        values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${name}_sum` });
        values.push({ labels: { ...s.labels }, value: s.count, metricName: `${name}_count` });
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
  };
  return family as unknown as PromClient.Metric;
}

/** prom-client's exports: the CommonJS module's default export under Node, the namespace when bundled. */
type PromClientModule = typeof PromClient.default;
let promClient: Promise<PromClientModule> | undefined;
/** prom-client, loaded on the first scrape: starting a server should not pay for it. */
function loadPromClient(): Promise<PromClientModule> {
  return (promClient ??= import('prom-client').then((m) => m.default ?? m));
}

let processMetrics: PromClient.Registry | undefined;
/** The process's own metrics (CPU, memory, file descriptors, event loop, GC): one registry per process. */
function processRegistry(pc: PromClientModule): PromClient.Registry {
  if (!processMetrics) {
    processMetrics = new pc.Registry();
    // prom-client counts CPU from when its collector is made; kube's counts from the process start.
    const before = process.cpuUsage();
    pc.collectDefaultMetrics({ register: processMetrics });
    const seed = { process_cpu_user_seconds_total: before.user / 1e6, process_cpu_system_seconds_total: before.system / 1e6, process_cpu_seconds_total: (before.user + before.system) / 1e6 };
    for (const [name, seconds] of Object.entries(seed)) {
      const counter = processMetrics.getSingleMetric(name);
      if (counter instanceof pc.Counter) counter.inc(seconds);
    }
  }
  return processMetrics;
}
