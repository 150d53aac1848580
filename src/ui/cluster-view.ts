// Nodes and pods drawn from the watches: one box per node (its kubelet, container runtime and
// kube-proxy, allocatable CPU and memory against the requests of its pods, pod chips) and the
// scheduling queue (pending pods with no node, each with why it is not scheduled). Events are
// coalesced per object and applied once an animation frame; each object's elements are kept by
// key and changed in place, so an event costs the elements it touches, never a re-render.
// Past COMPACT_ABOVE nodes the boxes are compact and virtualized (node-grid.ts): only those near
// the viewport exist, each with its pods counted by state instead of one chip per pod; the view
// keeps a few facts per pod (model.ts PodFacts), not the objects.
import type { Node, Pod } from '../api/objects.js';
import { h, setText } from './dom.js';
import {
  describeStates, formatCpu, formatMemory, nodeSummary, noStates, POD_STATES, podFacts, STATE_LABELS,
  type NodeSummary, type PodFacts, type PodState, type Resources,
} from './model.js';
import { MAX_MOVING, motionAllowed, playMoves } from './motion.js';
import { NodeGrid } from './node-grid.js';
import { QueueList } from './queue-list.js';

/** Beyond this many nodes, boxes are compact (no chips, no components): thousands must fit a screen. */
export const COMPACT_ABOVE = 200;
/** The scheduling queue's items in the document; the rest are counted. */
export const QUEUE_SHOWN = 100;

/** What the view knows of a node, whether or not its box is drawn. */
interface NodeModel {
  summary: NodeSummary;
  /** The requests of the pods bound here that still run: the scheduler's view. */
  requested: Resources;
  podCount: number;
  states: Record<PodState, number>;
}

/** A node's box in the document. */
interface NodeBox {
  el: HTMLElement;
  badges: HTMLElement;
  cpu: { bar: HTMLElement; text: HTMLElement };
  memory: { bar: HTMLElement; text: HTMLElement };
  count: HTMLElement;
  pods: HTMLUListElement;
  /** One segment per state, as wide as its share of the node's pods (compact boxes show this instead of chips). */
  states: Record<PodState, HTMLElement>;
}

interface PodEntry {
  facts: PodFacts;
  /** Made only while boxes draw chips. */
  chip?: HTMLLIElement;
  /** The node whose totals count this pod, and what they count. */
  countedOn?: string;
  counted: Resources;
  countedState: PodState;
}

export interface ClusterCounts { nodes: number; pods: number; queued: number; revision: string; states: Record<PodState, number> }

const NOTHING: Resources = { cpu: 0, memory: 0 };

export class ClusterView {
  private readonly nodes = new Map<string, NodeModel>();
  private readonly pods = new Map<string, PodEntry>();
  /** Pods by the node they are bound to, so a node appearing finds its pods without a scan. */
  private readonly byNode = new Map<string, Set<string>>();
  /** The boxes in the document: every node's, or in compact mode those near the viewport. */
  private readonly boxes = new Map<string, NodeBox>();
  private readonly states = noStates();
  private readonly nodeChanges = new Map<string, Node | null>();
  private readonly podChanges = new Map<string, Pod | null>();
  private readonly grid: NodeGrid;
  private readonly queue: QueueList;
  private frame = 0;
  private compact = false;
  private orderChanged = false;
  private revision = '';

  constructor(private readonly nodesEl: HTMLElement, queueEl: HTMLElement, private readonly onCounts: (c: ClusterCounts) => void) {
    this.grid = new NodeGrid(nodesEl, (name) => this.openBox(name).el, (name) => this.boxes.delete(name));
    this.queue = new QueueList(queueEl, QUEUE_SHOWN);
  }

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

  /** Brings a node's box into view and answers it, or undefined when there is no such node. */
  reveal(name: string): HTMLElement | undefined {
    if (!this.nodes.has(name)) return undefined;
    if (this.compact) return this.grid.reveal(name);
    const el = this.boxes.get(name)?.el;
    el?.scrollIntoView({ block: 'center' });
    return el;
  }

  private schedule(revision?: string): void {
    if (revision) this.revision = revision;
    this.frame ||= requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.frame = 0;
    // Where the chips of pods about to be bound are, before anything moves.
    const moves = this.compact || !motionAllowed() ? [] : this.movesFrom();
    // The mode is chosen for the node count after this frame, so 5,000 new nodes never get full boxes first.
    let size = this.nodes.size;
    for (const [name, node] of this.nodeChanges) size += node && !this.nodes.has(name) ? 1 : !node && this.nodes.has(name) ? -1 : 0;
    if (size > COMPACT_ABOVE !== this.compact) this.relayout(size > COMPACT_ABOVE);
    const dirty = new Set<string>();
    for (const [name, node] of this.nodeChanges) this.applyNode(name, node, dirty);
    this.nodeChanges.clear();
    if (this.orderChanged && this.compact) this.grid.setOrder(this.sortedNames());
    this.orderChanged = false;
    for (const [key, pod] of this.podChanges) this.applyPod(key, pod, dirty);
    this.podChanges.clear();
    for (const name of dirty) {
      const box = this.boxes.get(name);
      const model = this.nodes.get(name);
      if (box && model) renderTotals(box, model);
    }
    this.queue.render();
    this.onCounts({ nodes: this.nodes.size, pods: this.pods.size, queued: this.queue.size, revision: this.revision, states: { ...this.states } });
    if (moves.length) playMoves(moves.flatMap(({ key, from }) => {
      const chip = this.pods.get(key)?.chip;
      return chip ? [{ chip, from }] : [];
    }));
  }

  /** The queue chips of the pods this frame binds, when there are few of them. */
  private movesFrom(): { key: string; from: DOMRect }[] {
    const moves: { key: string; from: DOMRect }[] = [];
    for (const [key, pod] of this.podChanges) {
      const chip = pod?.spec?.nodeName ? this.queue.chipOf(key) : undefined;
      if (!chip) continue;
      if (moves.length === MAX_MOVING) return [];
      moves.push({ key, from: chip.getBoundingClientRect() });
    }
    return moves;
  }

  private sortedNames(): string[] {
    return [...this.nodes.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private applyNode(name: string, node: Node | null, dirty: Set<string>): void {
    let model = this.nodes.get(name);
    if (!node) {
      if (!model) return;
      this.nodes.delete(name);
      this.orderChanged = true;
      const box = this.boxes.get(name);
      if (box && !this.compact) { box.el.remove(); this.boxes.delete(name); }
      // Its pods are counted again if it comes back.
      for (const key of this.byNode.get(name) ?? []) {
        const entry = this.pods.get(key);
        if (entry) { entry.countedOn = undefined; entry.chip?.remove(); }
      }
      return;
    }
    const summary = nodeSummary(node);
    if (!model) {
      model = { summary, requested: { cpu: 0, memory: 0 }, podCount: 0, states: noStates() };
      this.nodes.set(name, model);
      this.orderChanged = true;
      for (const key of this.byNode.get(name) ?? []) {
        const entry = this.pods.get(key);
        if (entry) this.count(entry, name, model);
      }
      if (!this.compact) insertSorted(this.nodesEl, this.openBox(name).el, name);
    }
    model.summary = summary;
    const box = this.boxes.get(name);
    if (box) renderNodeState(box, summary);
    dirty.add(name);
  }

  private applyPod(key: string, pod: Pod | null, dirty: Set<string>): void {
    const entry = this.pods.get(key);
    if (entry) {
      this.uncount(entry, dirty);
      if (entry.facts.nodeName) this.byNode.get(entry.facts.nodeName)?.delete(key);
      this.states[entry.facts.state]--;
    }
    if (!pod) {
      if (entry) { entry.chip?.remove(); this.pods.delete(key); }
      this.queue.delete(key);
      return;
    }
    const facts = podFacts(pod);
    const e: PodEntry = entry ?? { facts, counted: NOTHING, countedState: facts.state };
    e.facts = facts;
    this.pods.set(key, e);
    this.states[facts.state]++;
    const nodeName = facts.nodeName;
    if (!nodeName) {
      e.chip?.remove();
      if (facts.holds) this.queue.set(key, facts.waiting ?? 'waiting for the scheduler');
      else this.queue.delete(key);
      return;
    }
    this.queue.delete(key);
    let set = this.byNode.get(nodeName);
    if (!set) this.byNode.set(nodeName, (set = new Set()));
    set.add(key);
    const model = this.nodes.get(nodeName);
    if (model) { this.count(e, nodeName, model); dirty.add(nodeName); }
    const box = this.compact ? undefined : this.boxes.get(nodeName);
    if (box) {
      const chip = chipOf(key, e);
      if (chip.parentElement !== box.pods) box.pods.append(chip);
    } else {
      e.chip?.remove();
    }
  }

  /** Counts a pod on its node: one more pod of its state, and its requests while it holds them. */
  private count(entry: PodEntry, name: string, model: NodeModel): void {
    const { state, holds, requests } = entry.facts;
    entry.counted = holds ? requests : NOTHING;
    entry.countedState = state;
    entry.countedOn = name;
    model.podCount++;
    model.states[state]++;
    model.requested.cpu += entry.counted.cpu;
    model.requested.memory += entry.counted.memory;
  }

  /** Undoes count (before the pod changes or goes). */
  private uncount(entry: PodEntry, dirty: Set<string>): void {
    const model = entry.countedOn ? this.nodes.get(entry.countedOn) : undefined;
    if (entry.countedOn && model) {
      model.podCount--;
      model.states[entry.countedState]--;
      model.requested.cpu -= entry.counted.cpu;
      model.requested.memory -= entry.counted.memory;
      dirty.add(entry.countedOn);
    }
    entry.countedOn = undefined;
  }

  /** A node's box, drawn from what is known of it; in full mode with its pods' chips. */
  private openBox(name: string): NodeBox {
    const box = nodeBox(name);
    this.boxes.set(name, box);
    const model = this.nodes.get(name);
    if (model) { renderNodeState(box, model.summary); renderTotals(box, model); }
    if (!this.compact) {
      for (const key of this.byNode.get(name) ?? []) {
        const entry = this.pods.get(key);
        if (entry) box.pods.append(chipOf(key, entry));
      }
    }
    return box;
  }

  /** Switches between full boxes with chips and compact, virtualized boxes without. */
  private relayout(compact: boolean): void {
    this.compact = compact;
    if (compact) {
      for (const box of this.boxes.values()) box.el.remove();
      this.boxes.clear();
      // Chips are not drawn in compact mode: let them go.
      for (const entry of this.pods.values()) entry.chip = undefined;
      this.grid.enable();
      this.orderChanged = true;
    } else {
      this.grid.disable();
      for (const name of this.sortedNames()) this.nodesEl.append(this.openBox(name).el);
    }
  }
}

export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

/** A pod's chip, made on first need and kept in step with its state. */
function chipOf(key: string, entry: PodEntry): HTMLLIElement {
  const chip = entry.chip ??= h('li', { class: 'chip', 'data-pod': key });
  const state = entry.facts.state;
  if (chip.dataset.state !== state) {
    chip.dataset.state = state;
    chip.className = `chip ${state}`;
    const label = `${key}: ${STATE_LABELS[state]}`;
    chip.title = label;
    chip.setAttribute('aria-label', label);
  }
  return chip;
}

function nodeBox(name: string): NodeBox {
  const resource = (label: string) => {
    const bar = h('span', { class: 'fill' });
    const text = h('span', { class: 'amount' });
    const row = h('div', { class: 'resource' }, h('dt', {}, label), h('dd', {}, h('span', { class: 'bar', 'aria-hidden': 'true' }, bar), text));
    return { row, bar, text };
  };
  const cpu = resource('CPU');
  const memory = resource('Memory');
  const badges = h('span', { class: 'badges' });
  const count = h('p', { class: 'count' });
  const pods = h('ul', { class: 'pods', 'aria-label': `pods on ${name}` });
  const states = noStatesElements();
  const components = h('ul', { class: 'node-components', 'aria-label': `components of ${name}` },
    h('li', { 'data-component': 'kubelet' }, 'kubelet'),
    h('li', { 'data-component': 'container-runtime' }, 'container runtime'),
    h('li', { 'data-component': 'kube-proxy' }, 'kube-proxy'));
  const el = h('article', { class: 'node', 'data-node': name, tabindex: '0' },
    h('header', {}, h('h3', {}, name), badges), components, h('dl', { class: 'resources' }, cpu.row, memory.row), count,
    h('span', { class: 'states', 'aria-hidden': 'true' }, ...POD_STATES.map((s) => states[s])), pods);
  return { el, badges, cpu, memory, count, pods, states };
}

function noStatesElements(): Record<PodState, HTMLElement> {
  const make = (s: PodState) => h('span', { class: `share ${s}`, 'data-state': s, hidden: '' });
  return { pending: make('pending'), ready: make('ready'), running: make('running'), succeeded: make('succeeded'), failed: make('failed'), terminating: make('terminating') };
}

function renderNodeState(box: NodeBox, summary: NodeSummary): void {
  box.el.classList.toggle('not-ready', !summary.ready);
  box.el.classList.toggle('cordoned', summary.cordoned);
  setText(box.badges, summary.status);
}

function renderTotals(box: NodeBox, model: NodeModel): void {
  const { allocatable, name } = model.summary;
  const { requested, podCount, states } = model;
  fill(box.cpu, requested.cpu, allocatable.cpu, `${formatCpu(requested.cpu)} of ${formatCpu(allocatable.cpu)} requested`);
  fill(box.memory, requested.memory, allocatable.memory, `${formatMemory(requested.memory)} of ${formatMemory(allocatable.memory)} requested`);
  const count = `${podCount} ${podCount === 1 ? 'pod' : 'pods'}`;
  setText(box.count, count);
  for (const s of POD_STATES) {
    const share = box.states[s];
    share.hidden = states[s] === 0;
    const grow = String(states[s]);
    if (share.style.flexGrow !== grow) share.style.flexGrow = grow;
  }
  const breakdown = describeStates(states);
  box.count.title = breakdown;
  const label = `node ${name}, ${model.summary.status}, ${count}${breakdown ? ` (${breakdown})` : ''}, CPU ${box.cpu.text.textContent ?? ''}, memory ${box.memory.text.textContent ?? ''}`;
  if (box.el.getAttribute('aria-label') !== label) box.el.setAttribute('aria-label', label);
}

function fill(r: { bar: HTMLElement; text: HTMLElement }, used: number, total: number, text: string): void {
  const pct = total > 0 ? Math.min(100, (used / total) * 100) : 0;
  const width = `${pct.toFixed(1)}%`;
  if (r.bar.style.width !== width) r.bar.style.width = width;
  r.bar.classList.toggle('full', total > 0 && used >= total);
  setText(r.text, text);
}

/** Keeps node boxes in name order, as kubectl lists them (full mode: at most COMPACT_ABOVE boxes). */
function insertSorted(parent: HTMLElement, el: HTMLElement, name: string): void {
  for (const child of parent.children) {
    if (child instanceof HTMLElement && (child.dataset.node ?? '') > name) { parent.insertBefore(el, child); return; }
  }
  parent.append(el);
}
