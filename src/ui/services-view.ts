// The Services view: every service of every namespace in the columns `kubectl get services -A`
// prints, and under each its endpoints (ready and not ready, each with the pod behind it, from the
// service's EndpointSlices as `kubectl describe service` reads them) and, per TCP port, buttons
// that send requests through the API server's service proxy and show which pod answered.
// Watch events are coalesced per object and applied once an animation frame; each service's
// elements are kept by key and changed in place.
import type { EndpointSlice, Service, ServicePort } from '../api/objects.js';
import { isObject } from './api.js';
import { h, setText } from './dom.js';
import { ServiceProbe } from './service-probe.js';
import { age } from '../api/table.js';
import { portLabel, proxyPath, serviceCells, serviceEndpoints, sliceService, type ServiceEndpoint } from './services-model.js';
import { podRef, type UiContext, type View } from './shell.js';

function isService(v: unknown): v is Service { return isObject(v); }
function isSlice(v: unknown): v is EndpointSlice { return isObject(v); }

const COLUMNS = ['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'];

function keyOf(o: { metadata: { namespace?: string; name?: string } }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

interface Row {
  svc: Service;
  body: HTMLTableSectionElement;
  cells: HTMLTableCellElement[];
  endpoints: HTMLUListElement;
  noEndpoints: HTMLElement;
  endpointItems: Map<string, HTMLLIElement>;
  probesEl: HTMLElement;
  probes: Map<string, ServiceProbe>;
}

class ServicesTable {
  private readonly rows = new Map<string, Row>();
  /** Slices by their own key, with the service they belong to. */
  private readonly slices = new Map<string, { slice: EndpointSlice; service?: string }>();
  private readonly slicesOf = new Map<string, Map<string, EndpointSlice>>();
  private readonly serviceChanges = new Map<string, Service | null>();
  private readonly sliceChanges = new Map<string, EndpointSlice | null>();
  private frame = 0;

  constructor(private readonly table: HTMLTableElement, private readonly empty: HTMLElement, private readonly ctx: UiContext) {}

  setService(key: string, svc: Service | null): void { this.serviceChanges.set(key, svc); this.schedule(); }
  setSlice(key: string, slice: EndpointSlice | null): void { this.sliceChanges.set(key, slice); this.schedule(); }

  replaceServices(items: Service[]): void {
    const seen = new Set(items.map(keyOf));
    for (const key of this.rows.keys()) if (!seen.has(key)) this.serviceChanges.set(key, null);
    for (const s of items) this.serviceChanges.set(keyOf(s), s);
    this.schedule();
  }

  replaceSlices(items: EndpointSlice[]): void {
    const seen = new Set(items.map(keyOf));
    for (const key of this.slices.keys()) if (!seen.has(key)) this.sliceChanges.set(key, null);
    for (const s of items) this.sliceChanges.set(keyOf(s), s);
    this.schedule();
  }

  /** AGE moves on with the clock; only its cells are touched. */
  tick(): void {
    const now = Date.now();
    for (const row of this.rows.values()) setText(row.cells[6], age(row.svc.metadata.creationTimestamp, now));
  }

  private schedule(): void {
    this.frame ||= requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.frame = 0;
    const dirty = new Set<string>();
    for (const [key, slice] of this.sliceChanges) this.applySlice(key, slice, dirty);
    this.sliceChanges.clear();
    let added = false;
    const now = Date.now();
    for (const [key, svc] of this.serviceChanges) {
      if (!svc) { this.removeRow(key); continue; }
      let row = this.rows.get(key);
      if (!row) { row = this.newRow(svc); this.rows.set(key, row); added = true; }
      row.svc = svc;
      this.renderService(row, now);
      dirty.add(key);
    }
    this.serviceChanges.clear();
    if (added) this.order();
    for (const key of dirty) {
      const row = this.rows.get(key);
      if (row) this.renderEndpoints(row);
    }
    this.empty.hidden = this.rows.size > 0;
  }

  private applySlice(key: string, slice: EndpointSlice | null, dirty: Set<string>): void {
    const before = this.slices.get(key);
    if (before?.service) {
      this.slicesOf.get(before.service)?.delete(key);
      dirty.add(before.service);
    }
    if (!slice) { this.slices.delete(key); return; }
    const service = sliceService(slice);
    this.slices.set(key, { slice, service });
    if (!service) return;
    let set = this.slicesOf.get(service);
    if (!set) this.slicesOf.set(service, (set = new Map<string, EndpointSlice>()));
    set.set(key, slice);
    dirty.add(service);
  }

  private removeRow(key: string): void {
    const row = this.rows.get(key);
    if (!row) return;
    row.body.remove();
    this.rows.delete(key);
  }

  /** Keeps services in kubectl's order: by namespace, then name (the store's key order). */
  private order(): void {
    const keys = [...this.rows.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let at: Element | null = this.table.tBodies[0] ?? null;
    for (const key of keys) {
      const body = this.rows.get(key)?.body;
      if (!body) continue;
      if (body === at) { at = at.nextElementSibling; continue; }
      this.table.insertBefore(body, at);
    }
  }

  private newRow(svc: Service): Row {
    const key = keyOf(svc);
    const cells = COLUMNS.map(() => h('td'));
    const endpoints = h('ul', { class: 'svc-endpoints', 'aria-label': `Endpoints of ${key}` });
    const noEndpoints = h('p', { class: 'svc-none' }, '<none>');
    const probesEl = h('div', { class: 'svc-probes' });
    const detail = h('td', { colspan: String(COLUMNS.length) }, h('div', { class: 'svc-detail-grid' },
      h('div', { class: 'svc-endpoints-block' }, h('p', { class: 'svc-label' }, 'Endpoints'), noEndpoints, endpoints),
      probesEl));
    const body = h('tbody', { 'data-service': key },
      h('tr', { class: 'svc-row' }, ...cells),
      h('tr', { class: 'svc-detail' }, detail));
    return { svc, body, cells, endpoints, noEndpoints, endpointItems: new Map(), probesEl, probes: new Map() };
  }

  private renderService(row: Row, now: number): void {
    const { svc, cells } = row;
    const c = serviceCells(svc);
    const values = [svc.metadata.namespace ?? '', svc.metadata.name ?? '', c.type, c.clusterIP, c.externalIP, c.ports, age(svc.metadata.creationTimestamp, now)];
    values.forEach((v, i) => setText(cells[i], v));
    this.renderProbes(row);
  }

  /** One probe per TCP port (the proxy speaks HTTP over TCP), kept across updates by port. */
  private renderProbes(row: Row): void {
    const ports = (row.svc.spec?.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP');
    const seen = new Set<string>();
    for (const port of ports) {
      const id = port.name || String(port.port);
      seen.add(id);
      const path = proxyPath(row.svc, port);
      const existing = row.probes.get(id);
      if (existing) { existing.retarget(path); continue; }
      const probe = new ServiceProbe(path, probeLabel(row.svc, port), row.svc.metadata.namespace ?? '', this.ctx);
      probe.el.dataset.port = id;
      row.probes.set(id, probe);
      row.probesEl.append(h('p', { class: 'svc-label' }, `Port ${portLabel(port)}`), probe.el);
    }
    for (const [id, probe] of row.probes) {
      if (seen.has(id)) continue;
      probe.el.previousElementSibling?.remove();
      probe.el.remove();
      row.probes.delete(id);
    }
  }

  private renderEndpoints(row: Row): void {
    const list = serviceEndpoints(this.slicesOf.get(keyOf(row.svc))?.values() ?? []);
    row.noEndpoints.hidden = list.length > 0;
    const seen = new Set<string>();
    let at: Element | null = row.endpoints.firstElementChild;
    for (const ep of list) {
      seen.add(ep.key);
      let li = row.endpointItems.get(ep.key);
      if (!li) { li = h('li'); row.endpointItems.set(ep.key, li); }
      renderEndpoint(li, ep, this.ctx);
      if (li === at) { at = at.nextElementSibling; continue; }
      row.endpoints.insertBefore(li, at);
    }
    for (const [key, li] of row.endpointItems) {
      if (seen.has(key)) continue;
      li.remove();
      row.endpointItems.delete(key);
    }
  }
}

function probeLabel(svc: Service, port: ServicePort): string {
  return `${keyOf(svc)} port ${portLabel(port)}`;
}

/** An endpoint's line: ready or not, its address:port, the pod (a button opening it) and its node. */
function renderEndpoint(li: HTMLLIElement, ep: ServiceEndpoint, ctx: UiContext): void {
  const state = ep.ready ? 'ready' : 'not-ready';
  const signature = JSON.stringify([state, ep.targets, ep.pod, ep.nodeName]);
  if (li.dataset.signature === signature) return;
  li.dataset.signature = signature;
  li.dataset.endpoint = ep.key;
  li.className = `endpoint ${state}`;
  const parts: (Node | string)[] = [
    h('span', { class: 'ep-state' }, ep.ready ? 'ready' : 'not ready'),
    h('span', { class: 'ep-address' }, ep.targets.join(', ')),
  ];
  const pod = ep.pod;
  if (pod) {
    const open = h('button', { type: 'button', class: 'link', 'data-endpoint-pod': `${pod.namespace}/${pod.name}` }, pod.name);
    open.addEventListener('click', () => ctx.openObject(podRef(pod.namespace, pod.name)));
    parts.push(open);
  }
  if (ep.nodeName) parts.push(h('span', { class: 'ep-node' }, `on ${ep.nodeName}`));
  li.replaceChildren(...parts);
}

export const SERVICES_VIEW: View = {
  id: 'services',
  title: 'Services',
  mount(root: HTMLElement, ctx: UiContext): void {
    const table = h('table', { class: 'services' },
      h('caption', {}, 'Services of all namespaces, each with its endpoints and a way to send it requests'),
      h('thead', {}, h('tr', {}, ...COLUMNS.map((c) => h('th', { scope: 'col' }, c)))));
    const empty = h('p', { class: 'hint' }, 'No services.');
    root.classList.add('services-view');
    root.append(h('section', { 'aria-labelledby': 'services-title' }, h('h2', { id: 'services-title' }, 'Services'), empty, table));
    const view = new ServicesTable(table, empty, ctx);
    ctx.watch<Service>('/api/v1/services', isService, {
      replace: (items) => view.replaceServices(items),
      event: (type, svc) => view.setService(keyOf(svc), type === 'DELETED' ? null : svc),
    });
    ctx.watch<EndpointSlice>('/apis/discovery.k8s.io/v1/endpointslices', isSlice, {
      replace: (items) => view.replaceSlices(items),
      event: (type, slice) => view.setSlice(keyOf(slice), type === 'DELETED' ? null : slice),
    });
    // Ages tick only while the view is shown.
    const timer = setInterval(() => { if (!root.hidden) view.tick(); }, 1000);
    ctx.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  },
};
