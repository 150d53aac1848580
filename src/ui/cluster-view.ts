// Nodes and pods drawn from the watches: one box per node (its kubelet, container runtime and
// kube-proxy, allocatable CPU and memory against the requests of its pods, pod chips) and the
// scheduling queue (pending pods with no node, each with why it is not scheduled). Events are
// coalesced per object and applied once an animation frame; each object's elements are kept by
// key and changed in place, so an event costs the elements it touches, never a re-render.
import type { Node, Pod } from '../api/objects.js';
import { h, setText } from './dom.js';
import {
  formatCpu, formatMemory, holdsResources, nodeSummary, podRequests, podState, STATE_LABELS, unschedulableMessage,
  type NodeSummary, type Resources,
} from './model.js';

/** Beyond this many nodes, boxes are compact (no chips, no components): thousands must fit a screen. */
export const COMPACT_ABOVE = 200;

interface NodeView {
  el: HTMLElement;
  title: HTMLElement;
  badges: HTMLElement;
  cpu: { bar: HTMLElement; text: HTMLElement };
  memory: { bar: HTMLElement; text: HTMLElement };
  count: HTMLElement;
  pods: HTMLUListElement;
  summary: NodeSummary;
  /** The requests of the pods bound here that still run: the scheduler's view. */
  requested: Resources;
  podCount: number;
}

interface PodEntry {
  pod: Pod;
  chip: HTMLLIElement;
  queued?: { el: HTMLLIElement; reason: HTMLElement };
  /** The node whose totals count this pod, if any. */
  countedOn?: string;
  requests: Resources;
}

export interface ClusterCounts { nodes: number; pods: number; queued: number; revision: string }

export class ClusterView {
  private readonly nodes = new Map<string, NodeView>();
  private readonly pods = new Map<string, PodEntry>();
  /** Pods by the node they are bound to, so a node appearing finds its pods without a scan. */
  private readonly byNode = new Map<string, Set<string>>();
  private readonly nodeChanges = new Map<string, Node | null>();
  private readonly podChanges = new Map<string, Pod | null>();
  private frame = 0;
  private compact = false;
  private queued = 0;
  private revision = '';

  constructor(private readonly nodesEl: HTMLElement, private readonly queueEl: HTMLElement, private readonly onCounts: (c: ClusterCounts) => void) {}

  setNode(node: Node | null, name: string, revision?: string): void {
    this.nodeChanges.set(name, node);
    this.schedule(revision);
  }

  setPod(pod: Pod | null, key: string, revision?: string): void {
    this.podChanges.set(key, pod);
    this.schedule(revision);
  }

  /** After a (re)list: these are all the nodes; the others are gone. */
  replaceNodes(items: Node[], revision: string): void {
    const seen = new Set(items.map((n) => n.metadata.name ?? ''));
    for (const name of this.nodes.keys()) if (!seen.has(name)) this.nodeChanges.set(name, null);
    for (const n of items) this.nodeChanges.set(n.metadata.name ?? '', n);
    this.schedule(revision);
  }

  replacePods(items: Pod[], revision: string): void {
    const seen = new Set(items.map(podKey));
    for (const key of this.pods.keys()) if (!seen.has(key)) this.podChanges.set(key, null);
    for (const p of items) this.podChanges.set(podKey(p), p);
    this.schedule(revision);
  }

  private schedule(revision?: string): void {
    if (revision) this.revision = revision;
    this.frame ||= requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.frame = 0;
    const dirty = new Set<string>();
    for (const [name, node] of this.nodeChanges) this.applyNode(name, node, dirty);
    this.nodeChanges.clear();
    const compact = this.nodes.size > COMPACT_ABOVE;
    if (compact !== this.compact) this.relayout(compact);
    for (const [key, pod] of this.podChanges) this.applyPod(key, pod, dirty);
    this.podChanges.clear();
    for (const name of dirty) {
      const view = this.nodes.get(name);
      if (view) renderTotals(view);
    }
    this.onCounts({ nodes: this.nodes.size, pods: this.pods.size, queued: this.queued, revision: this.revision });
  }

  private applyNode(name: string, node: Node | null, dirty: Set<string>): void {
    let view = this.nodes.get(name);
    if (!node) {
      view?.el.remove();
      this.nodes.delete(name);
      // Its pods are counted again if it comes back.
      for (const key of this.byNode.get(name) ?? []) {
        const entry = this.pods.get(key);
        if (entry) entry.countedOn = undefined;
      }
      return;
    }
    if (!view) {
      view = nodeView(name);
      this.nodes.set(name, view);
      insertSorted(this.nodesEl, view.el, name);
      for (const key of this.byNode.get(name) ?? []) {
        const entry = this.pods.get(key);
        if (entry) this.place(entry, dirty);
      }
    }
    view.summary = nodeSummary(node);
    renderNodeState(view);
    dirty.add(name);
  }

  private applyPod(key: string, pod: Pod | null, dirty: Set<string>): void {
    let entry = this.pods.get(key);
    if (entry) this.unplace(key, entry, dirty);
    if (!pod) {
      if (entry) { entry.chip.remove(); entry.queued?.el.remove(); this.pods.delete(key); }
      return;
    }
    if (!entry) {
      entry = { pod, chip: h('li', { class: 'chip', 'data-pod': key }), requests: podRequests(pod) };
      this.pods.set(key, entry);
    }
    entry.pod = pod;
    entry.requests = podRequests(pod);
    const state = podState(pod);
    const label = `${key}: ${STATE_LABELS[state]}`;
    if (entry.chip.dataset.state !== state) { entry.chip.dataset.state = state; entry.chip.className = `chip ${state}`; }
    if (entry.chip.title !== label) { entry.chip.title = label; entry.chip.setAttribute('aria-label', label); }
    this.place(entry, dirty);
  }

  /** Undoes where a pod was counted and indexed (before it changes or goes). */
  private unplace(key: string, entry: PodEntry, dirty: Set<string>): void {
    const node = entry.pod.spec?.nodeName;
    if (node) this.byNode.get(node)?.delete(key);
    if (entry.countedOn) {
      const view = this.nodes.get(entry.countedOn);
      if (view) {
        view.requested.cpu -= entry.requests.cpu;
        view.requested.memory -= entry.requests.memory;
        view.podCount--;
        dirty.add(entry.countedOn);
      }
      entry.countedOn = undefined;
    }
    if (entry.queued?.el.isConnected) this.queued--;
  }

  /** Puts a pod's chip on its node (counting its requests there) or in the scheduling queue. */
  private place(entry: PodEntry, dirty: Set<string>): void {
    const key = podKey(entry.pod);
    const nodeName = entry.pod.spec?.nodeName;
    if (nodeName) {
      let set = this.byNode.get(nodeName);
      if (!set) this.byNode.set(nodeName, (set = new Set()));
      set.add(key);
      entry.queued?.el.remove();
      const view = this.nodes.get(nodeName);
      if (!view) { entry.chip.remove(); return; }
      if (entry.countedOn !== nodeName) {
        if (entry.countedOn) this.unplace(key, entry, dirty);
        view.podCount++;
        if (holdsResources(entry.pod)) {
          view.requested.cpu += entry.requests.cpu;
          view.requested.memory += entry.requests.memory;
        } else {
          entry.requests = { cpu: 0, memory: 0 };
        }
        entry.countedOn = nodeName;
        dirty.add(nodeName);
      }
      if (this.compact) entry.chip.remove();
      else if (entry.chip.parentElement !== view.pods) view.pods.append(entry.chip);
      return;
    }
    entry.chip.remove();
    if (!holdsResources(entry.pod)) { entry.queued?.el.remove(); return; }
    if (!entry.queued) {
      const reason = h('p', { class: 'reason' });
      const el = h('li', { class: 'queued', 'data-pod': key }, h('span', { class: 'chip pending', 'aria-hidden': 'true' }), h('span', { class: 'pod-name' }, key), reason);
      entry.queued = { el, reason };
    }
    setText(entry.queued.reason, unschedulableMessage(entry.pod) ?? 'waiting for the scheduler');
    if (!entry.queued.el.isConnected) this.queueEl.append(entry.queued.el);
    this.queued++;
  }

  /** Switches between boxes with chips and compact boxes (chips left out of the document). */
  private relayout(compact: boolean): void {
    this.compact = compact;
    this.nodesEl.classList.toggle('compact', compact);
    for (const entry of this.pods.values()) {
      const view = entry.countedOn ? this.nodes.get(entry.countedOn) : undefined;
      if (!view) continue;
      if (compact) entry.chip.remove();
      else if (entry.chip.parentElement !== view.pods) view.pods.append(entry.chip);
    }
  }
}

export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

function nodeView(name: string): NodeView {
  const bar = () => h('span', { class: 'fill' });
  const resource = (label: string) => {
    const fill = bar();
    const text = h('span', { class: 'amount' });
    const row = h('div', { class: 'resource' }, h('dt', {}, label), h('dd', {}, h('span', { class: 'bar', 'aria-hidden': 'true' }, fill), text));
    return { row, bar: fill, text };
  };
  const cpu = resource('CPU');
  const memory = resource('Memory');
  const title = h('h3', {}, name);
  const badges = h('span', { class: 'badges' });
  const count = h('p', { class: 'count' });
  const pods = h('ul', { class: 'pods', 'aria-label': `pods on ${name}` });
  const components = h('ul', { class: 'node-components', 'aria-label': `components of ${name}` },
    h('li', { 'data-component': 'kubelet' }, 'kubelet'),
    h('li', { 'data-component': 'container-runtime' }, 'container runtime'),
    h('li', { 'data-component': 'kube-proxy' }, 'kube-proxy'));
  const el = h('article', { class: 'node', 'data-node': name, tabindex: '0' },
    h('header', {}, title, badges), components, h('dl', { class: 'resources' }, cpu.row, memory.row), count, pods);
  return {
    el, title, badges, cpu, memory, count, pods,
    summary: { name, allocatable: { cpu: 0, memory: 0 }, ready: false, cordoned: false, status: 'Unknown' },
    requested: { cpu: 0, memory: 0 }, podCount: 0,
  };
}

function renderNodeState(view: NodeView): void {
  const { ready, cordoned, status } = view.summary;
  view.el.classList.toggle('not-ready', !ready);
  view.el.classList.toggle('cordoned', cordoned);
  setText(view.badges, status);
}

function renderTotals(view: NodeView): void {
  const { allocatable } = view.summary;
  const { requested } = view;
  fill(view.cpu, requested.cpu, allocatable.cpu, `${formatCpu(requested.cpu)} of ${formatCpu(allocatable.cpu)} requested`);
  fill(view.memory, requested.memory, allocatable.memory, `${formatMemory(requested.memory)} of ${formatMemory(allocatable.memory)} requested`);
  setText(view.count, `${view.podCount} ${view.podCount === 1 ? 'pod' : 'pods'}`);
  view.el.setAttribute('aria-label', `node ${view.summary.name}, ${view.badges.textContent ?? ''}, ${view.count.textContent ?? ''}, CPU ${view.cpu.text.textContent ?? ''}, memory ${view.memory.text.textContent ?? ''}`);
}

function fill(r: { bar: HTMLElement; text: HTMLElement }, used: number, total: number, text: string): void {
  const pct = total > 0 ? Math.min(100, (used / total) * 100) : 0;
  r.bar.style.width = `${pct.toFixed(1)}%`;
  r.bar.classList.toggle('full', total > 0 && used >= total);
  setText(r.text, text);
}

/** Keeps node boxes in name order, as kubectl lists them. */
function insertSorted(parent: HTMLElement, el: HTMLElement, name: string): void {
  for (const child of parent.children) {
    if (child instanceof HTMLElement && (child.dataset.node ?? '') > name) { parent.insertBefore(el, child); return; }
  }
  parent.append(el);
}
