// The Workloads view: Deployments (each with the ReplicaSets it controls grouped under it and its
// rollout's progress), ReplicaSets of their own and ReplicationControllers, of all namespaces, in
// kubectl get's columns with a bar of ready against desired pods. Watch events are coalesced per
// object and applied once an animation frame; each object's row is kept by key and changed in
// place, in namespace-then-name order, so hundreds of rows cost only the rows that change.
import type { Deployment, ReplicaSet, ReplicationController } from '../api/objects.js';
import { humanDuration } from '../api/table.js';
import { isObject } from './api.js';
import { h, setText } from './dom.js';
import type { ObjectRef, UiContext, View } from './shell.js';
import { SortedRows } from './sorted-rows.js';
import {
  deploymentCounts, owningDeployment, replicaCounts, revision, rollout, workloadKey, workloadRef,
  type Workload, type WorkloadKind,
} from './workloads-model.js';

function isRc(v: unknown): v is ReplicationController { return isObject(v); }
function isRs(v: unknown): v is ReplicaSet { return isObject(v); }
function isDeployment(v: unknown): v is Deployment { return isObject(v); }

/** One object's row: its cells, kept and changed in place. */
interface Row {
  ref: ObjectRef;
  tr: HTMLTableRowElement;
  /** The number and text cells after NAME, in column order. */
  cells: HTMLTableCellElement[];
  age: HTMLTableCellElement;
  bar: HTMLElement;
  fill: HTMLElement;
  created?: string;
}

interface SetRow extends Row {
  rs: ReplicaSet;
  /** The Deployment group the row is drawn in, or '' for the ReplicaSets table. */
  placedIn: string;
}

interface Group {
  row: Row;
  tbody: HTMLTableSectionElement;
  children: SortedRows;
}

function age(created: string | undefined, now: number): string {
  return created ? humanDuration(now - Date.parse(created)) : '<unknown>';
}

function cell(text = '', attrs: Record<string, string> = {}): HTMLTableCellElement {
  return h('td', attrs, text);
}

/** A table with a caption and column headers; its bodies are added by the caller. */
function table(caption: string, columns: string[]): HTMLTableElement {
  return h('table', { class: 'workloads' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)))));
}

/** A row: NAMESPACE, NAME (a button opening the object), `count` cells, AGE, the bar, then `after` cells. */
function makeRow(key: string, ref: ObjectRef, count: number, after: number, owned = false): Row {
  const cells = Array.from({ length: count }, () => cell('', { class: 'num' }));
  const fill = h('span', { class: 'fill' });
  const bar = h('span', { class: 'bar', role: 'img' }, fill);
  const age = cell();
  const name = h('button', { type: 'button', class: 'link', 'data-open': key }, owned ? `ReplicaSet ${ref.name}` : ref.name);
  const tr = h('tr', { 'data-kind': ref.kind, 'data-name': `${ref.namespace ?? ''}/${ref.name}`, ...(owned ? { class: 'owned' } : {}) },
    cell(owned ? '' : ref.namespace ?? ''), h('th', { scope: 'row' }, name), ...cells, age, h('td', {}, bar));
  for (let i = 0; i < after; i++) {
    const c = cell();
    cells.push(c);
    tr.append(c);
  }
  return { ref, tr, cells, age, bar, fill };
}

function fillBar(row: Row, ready: number, desired: number): void {
  const pct = desired > 0 ? Math.min(100, (ready / desired) * 100) : 0;
  const width = `${pct.toFixed(1)}%`;
  if (row.fill.style.width !== width) row.fill.style.width = width;
  row.fill.classList.toggle('short', ready < desired);
  const label = `${ready} of ${desired} ready`;
  if (row.bar.getAttribute('aria-label') !== label) row.bar.setAttribute('aria-label', label);
}

class WorkloadsView {
  private readonly rcs = new Map<string, Row>();
  private readonly sets = new Map<string, SetRow>();
  private readonly groups = new Map<string, Group>();
  /** ReplicaSets by the Deployment that controls them, so a Deployment appearing finds its sets. */
  private readonly byOwner = new Map<string, Set<string>>();
  private readonly changes = new Map<string, { kind: WorkloadKind; obj: Workload | null }>();
  private readonly rcRows: SortedRows;
  private readonly setRows: SortedRows;
  private readonly groupBodies: SortedRows;
  private frame = 0;

  constructor(private readonly el: { rcs: HTMLElement; sets: HTMLElement; deployments: HTMLTableElement; empty: Record<WorkloadKind, HTMLElement> }) {
    this.rcRows = new SortedRows(el.rcs);
    this.setRows = new SortedRows(el.sets);
    this.groupBodies = new SortedRows(el.deployments);
  }

  /** The object a row's name button opens. */
  refOf(key: string): ObjectRef | undefined {
    return (this.rcs.get(key) ?? this.sets.get(key) ?? this.groups.get(key)?.row)?.ref;
  }

  set(kind: WorkloadKind, obj: Workload, deleted: boolean): void {
    this.changes.set(workloadKey(kind, obj.metadata.namespace, obj.metadata.name), { kind, obj: deleted ? null : obj });
    this.frame ||= requestAnimationFrame(() => this.flush());
  }

  /** After a (re)list: these are all the objects of `kind`; the others are gone. */
  replace(kind: WorkloadKind, items: Workload[]): void {
    const known = kind === 'ReplicationController' ? this.rcs : kind === 'ReplicaSet' ? this.sets : this.groups;
    const seen = new Set(items.map((o) => workloadKey(kind, o.metadata.namespace, o.metadata.name)));
    for (const key of known.keys()) if (!seen.has(key)) this.changes.set(key, { kind, obj: null });
    for (const o of items) this.set(kind, o, false);
    this.frame ||= requestAnimationFrame(() => this.flush());
  }

  /** Every row's AGE, as time passes. */
  tick(now: number): void {
    const rows: Row[] = [...this.rcs.values(), ...this.sets.values(), ...[...this.groups.values()].map((g) => g.row)];
    for (const row of rows) setText(row.age, age(row.created, now));
  }

  private flush(): void {
    this.frame = 0;
    const now = Date.now();
    // Deployments first, so their ReplicaSets find the group they belong in.
    for (const kind of ['Deployment', 'ReplicaSet', 'ReplicationController'] as const) {
      for (const [key, change] of this.changes) {
        if (change.kind !== kind) continue;
        if (kind === 'Deployment') this.applyDeployment(key, isDeployment(change.obj) ? change.obj : null, now);
        else if (kind === 'ReplicaSet') this.applySet(key, isRs(change.obj) ? change.obj : null, now);
        else this.applyRc(key, isRc(change.obj) ? change.obj : null, now);
      }
    }
    this.changes.clear();
    this.el.empty.ReplicationController.hidden = this.rcs.size > 0;
    this.el.empty.ReplicaSet.hidden = this.setRows.size > 0;
    this.el.empty.Deployment.hidden = this.groups.size > 0;
  }

  private applyRc(key: string, rc: ReplicationController | null, now: number): void {
    let row = this.rcs.get(key);
    if (!rc) {
      this.rcRows.delete(key);
      this.rcs.delete(key);
      return;
    }
    if (!row) {
      row = makeRow(key, workloadRef('ReplicationController', rc), 3, 0);
      this.rcs.set(key, row);
      this.rcRows.set(key, row.tr);
    }
    renderReplicas(row, rc, now);
  }

  private applySet(key: string, rs: ReplicaSet | null, now: number): void {
    const old = this.sets.get(key);
    const owner = rs ? owningDeployment(rs) : undefined;
    const oldOwner = old ? owningDeployment(old.rs) : undefined;
    if (oldOwner && oldOwner !== owner) this.byOwner.get(oldOwner)?.delete(key);
    if (!rs) {
      if (old) this.unplace(key, old);
      this.sets.delete(key);
      return;
    }
    if (owner) {
      let set = this.byOwner.get(owner);
      if (!set) this.byOwner.set(owner, (set = new Set()));
      set.add(key);
    }
    const placeIn = owner && this.groups.has(owner) ? owner : '';
    let row = old;
    if (!row || row.placedIn !== placeIn) {
      if (old) this.unplace(key, old);
      const ref = workloadRef('ReplicaSet', rs);
      // Under a Deployment: DESIRED, CURRENT and READY in one cell spanning the Deployment's three counts.
      row = placeIn ? { ...makeRow(key, ref, 1, 1, true), rs, placedIn: placeIn } : { ...makeRow(key, ref, 3, 0), rs, placedIn: '' };
      if (placeIn) row.cells[0].colSpan = 3;
      this.sets.set(key, row);
      const group = this.groups.get(placeIn);
      if (group) group.children.set(key, row.tr);
      else this.setRows.set(key, row.tr);
    }
    row.rs = rs;
    renderSet(row, rs, now);
  }

  private unplace(key: string, row: SetRow): void {
    if (row.placedIn) this.groups.get(row.placedIn)?.children.delete(key);
    else this.setRows.delete(key);
  }

  private applyDeployment(key: string, d: Deployment | null, now: number): void {
    let group = this.groups.get(key);
    if (!d) {
      if (!group) return;
      this.groupBodies.delete(key);
      this.groups.delete(key);
      // Its ReplicaSets, if still there, go back to the ReplicaSets table.
      for (const setKey of this.byOwner.get(key) ?? []) {
        const row = this.sets.get(setKey);
        if (row) this.applySet(setKey, row.rs, now);
      }
      return;
    }
    if (!group) {
      const row = makeRow(key, workloadRef('Deployment', d), 3, 1);
      row.cells[3].classList.add('rollout');
      const tbody = h('tbody', { class: 'group', 'data-deployment': `${d.metadata.namespace ?? ''}/${d.metadata.name ?? ''}` }, row.tr);
      group = { row, tbody, children: new SortedRows(tbody) };
      this.groups.set(key, group);
      this.groupBodies.set(key, tbody);
      for (const setKey of this.byOwner.get(key) ?? []) {
        const set = this.sets.get(setKey);
        if (set) this.applySet(setKey, set.rs, now);
      }
    }
    renderDeployment(group.row, d, now);
  }
}

function renderReplicas(row: Row, obj: ReplicationController | ReplicaSet, now: number): void {
  const c = replicaCounts(obj);
  setText(row.cells[0], String(c.desired));
  setText(row.cells[1], String(c.current));
  setText(row.cells[2], String(c.ready));
  row.created = obj.metadata.creationTimestamp;
  setText(row.age, age(row.created, now));
  fillBar(row, c.ready, c.desired);
}

function renderSet(row: SetRow, rs: ReplicaSet, now: number): void {
  if (!row.placedIn) { renderReplicas(row, rs, now); return; }
  const c = replicaCounts(rs);
  setText(row.cells[0], `${c.desired} desired, ${c.current} current, ${c.ready} ready`);
  const rev = revision(rs);
  setText(row.cells[1], rev ? `revision ${rev}` : '');
  row.created = rs.metadata.creationTimestamp;
  setText(row.age, age(row.created, now));
  fillBar(row, c.ready, c.desired);
}

function renderDeployment(row: Row, d: Deployment, now: number): void {
  const c = deploymentCounts(d);
  setText(row.cells[0], `${c.ready}/${c.desired}`);
  setText(row.cells[1], String(c.updated));
  setText(row.cells[2], String(c.available));
  const r = rollout(d);
  setText(row.cells[3], r.text);
  if (row.cells[3].dataset.state !== r.state) row.cells[3].dataset.state = r.state;
  row.created = d.metadata.creationTimestamp;
  setText(row.age, age(row.created, now));
  fillBar(row, c.ready, c.desired);
}

function section(title: string, tableEl: HTMLTableElement, empty: HTMLElement): HTMLElement {
  return h('section', { class: 'workload-kind', 'aria-label': title }, tableEl, empty);
}

export const WORKLOADS_VIEW: View = {
  id: 'workloads',
  title: 'Workloads',
  mount(root: HTMLElement, ctx: UiContext): void {
    const deployments = table('Deployments', ['Namespace', 'Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Pods ready', 'Rollout']);
    const sets = table('ReplicaSets', ['Namespace', 'Name', 'Desired', 'Current', 'Ready', 'Age', 'Pods ready']);
    const rcs = table('ReplicationControllers', ['Namespace', 'Name', 'Desired', 'Current', 'Ready', 'Age', 'Pods ready']);
    const setBody = h('tbody');
    const rcBody = h('tbody');
    sets.append(setBody);
    rcs.append(rcBody);
    const empty = {
      Deployment: h('p', { class: 'empty' }, 'No Deployments.'),
      ReplicaSet: h('p', { class: 'empty' }, 'No ReplicaSets other than those of Deployments.'),
      ReplicationController: h('p', { class: 'empty' }, 'No ReplicationControllers.'),
    };
    root.classList.add('workloads-view');
    root.append(
      section('Deployments', deployments, empty.Deployment),
      section('ReplicaSets', sets, empty.ReplicaSet),
      section('ReplicationControllers', rcs, empty.ReplicationController));

    const view = new WorkloadsView({ rcs: rcBody, sets: setBody, deployments, empty });
    root.addEventListener('click', (e) => {
      const button = e.target instanceof Element ? e.target.closest<HTMLElement>('[data-open]') : null;
      const ref = button?.dataset.open ? view.refOf(button.dataset.open) : undefined;
      if (ref) ctx.openObject(ref);
    });
    // AGE moves on; only a shown view spends time on it.
    const timer = setInterval(() => { if (!root.hidden) view.tick(Date.now()); }, 1000);
    ctx.signal.addEventListener('abort', () => clearInterval(timer), { once: true });

    ctx.watch<Deployment>('/apis/apps/v1/deployments', isDeployment, {
      replace: (items) => view.replace('Deployment', items),
      event: (type, d) => view.set('Deployment', d, type === 'DELETED'),
    });
    ctx.watch<ReplicaSet>('/apis/apps/v1/replicasets', isRs, {
      replace: (items) => view.replace('ReplicaSet', items),
      event: (type, rs) => view.set('ReplicaSet', rs, type === 'DELETED'),
    });
    ctx.watch<ReplicationController>('/api/v1/replicationcontrollers', isRc, {
      replace: (items) => view.replace('ReplicationController', items),
      event: (type, rc) => view.set('ReplicationController', rc, type === 'DELETED'),
    });
  },
};
