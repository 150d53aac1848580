// The Cluster view: the architecture as the diagram draws it, live. The control plane's four
// components, the scheduling queue and one box per node (drawn by ClusterView from the node and pod
// watches); each box lights when its component acts (the activity feed) and counts its actions
// per second. A pod chip opens the pod; the legend counts the pods of each colour; "Find a node"
// brings a node's box into view (with thousands of nodes, only those near the viewport are drawn).
import type { Node, Pod } from '../api/objects.js';
import { followActivity, type ActivityCounters } from './activity.js';
import { isObject } from './api.js';
import { ClusterView, podKey, type ClusterCounts } from './cluster-view.js';
import { h, plural, setText } from './dom.js';
import { POD_STATES, STATE_LABELS } from './model.js';
import { podRef, type UiContext, type View } from './shell.js';

function isNode(v: unknown): v is Node { return isObject(v); }
function isPod(v: unknown): v is Pod { return isObject(v); }

function component(id: string, title: string, ...says: HTMLElement[]): HTMLLIElement {
  return h('li', { 'data-component': id }, h('h3', {}, title), ...says);
}

/** A component's actions per second, from the feed's counters: which count, and in what words. */
const RATES: [string, keyof ActivityCounters, string, string][] = [
  ['apiserver', 'apiserver', 'request/s', 'requests/s'],
  ['scheduler', 'binds', 'bind/s', 'binds/s'],
  ['controller-manager', 'controller-manager', 'action/s', 'actions/s'],
  ['store', 'store', 'write/s', 'writes/s'],
];

export const CLUSTER_VIEW: View = {
  id: 'cluster',
  title: 'Cluster',
  mount(root: HTMLElement, ctx: UiContext): void {
    const rates = new Map(RATES.map(([id]) => [id, h('p', { class: 'rate', id: `rate-${id}` })]));
    const rate = (id: string) => rates.get(id) ?? h('p');
    const apiserver = h('p', { id: 'cp-apiserver' }, 'watching nodes and pods');
    const scheduler = h('p', { id: 'cp-scheduler' }, 'queue empty');
    const store = h('p', { id: 'cp-store' }, 'revision –');
    const queue = h('ul', { id: 'queue', 'aria-label': 'pods waiting to be scheduled' });
    const nodes = h('div', { id: 'nodes', class: 'nodes' });
    const legendCounts = Object.fromEntries(POD_STATES.map((s) => [s, h('span', { class: 'n' })]));
    const findInput = h('input', { id: 'find-node', type: 'search', autocomplete: 'off', spellcheck: 'false' });
    const findSays = h('span', { class: 'find-says', role: 'status' });
    const find = h('form', { class: 'find-node', role: 'search', 'aria-label': 'nodes' },
      h('label', { for: 'find-node' }, 'Find a node'), findInput, h('button', { type: 'submit' }, 'Show'), findSays);
    root.classList.add('cluster-view');
    root.append(
      h('section', { class: 'control-plane', 'aria-labelledby': 'cp-title' },
        h('h2', { id: 'cp-title' }, 'Control plane'),
        h('ul', { class: 'components' },
          component('apiserver', 'API server', apiserver, rate('apiserver')),
          component('scheduler', 'Scheduler', scheduler, rate('scheduler')),
          component('controller-manager', 'Controller manager', h('p', {}, 'replication, deployment, node lifecycle, endpoints and more'), rate('controller-manager')),
          component('store', 'etcd (the store)', store, rate('store')))),
      h('section', { class: 'queue', 'aria-labelledby': 'queue-title' }, h('h2', { id: 'queue-title' }, 'Scheduling queue'), queue),
      h('section', { class: 'workers', 'aria-labelledby': 'nodes-title' },
        h('h2', { id: 'nodes-title' }, 'Nodes'),
        h('ul', { class: 'legend', 'aria-label': 'pod colours' },
          ...POD_STATES.map((state) => h('li', { 'data-state': state }, h('span', { class: `chip ${state}`, 'aria-hidden': 'true' }), STATE_LABELS[state], legendCounts[state]))),
        find,
        nodes));

    const showCounts = (c: ClusterCounts) => {
      setText(apiserver, `watching ${plural(c.nodes, 'node', 'nodes')} and ${plural(c.pods, 'pod', 'pods')}`);
      setText(scheduler, c.queued ? `${plural(c.queued, 'pod', 'pods')} waiting` : 'queue empty');
      setText(store, `revision ${c.revision || '–'}`);
      for (const s of POD_STATES) setText(legendCounts[s], String(c.states[s]));
    };
    const view = new ClusterView(nodes, queue, showCounts);
    find.addEventListener('submit', (e) => {
      e.preventDefault();
      const name = findInput.value.trim();
      const box = name ? view.reveal(name) : undefined;
      setText(findSays, box || !name ? '' : `no node named ${name}`);
      box?.focus({ preventScroll: true });
    });
    const showRates = (c: ActivityCounters) => {
      for (const [id, key, one, many] of RATES) setText(rate(id), `${c[key] ?? 0} ${c[key] === 1 ? one : many}`);
    };
    // One listener for every chip, in the boxes and the queue.
    root.addEventListener('click', (e) => {
      const chip = e.target instanceof Element ? e.target.closest<HTMLElement>('[data-pod]') : null;
      const [namespace, name] = chip?.dataset.pod?.split('/') ?? [];
      if (namespace && name) ctx.openObject(podRef(namespace, name));
    });
    ctx.watch<Node>('/api/v1/nodes', isNode, {
      replace: (items, rv) => view.replaceNodes(items, rv),
      event: (type, n, rv) => view.setNode(type === 'DELETED' ? null : n, n.metadata.name ?? '', rv),
    });
    ctx.watch<Pod>('/api/v1/pods', isPod, {
      replace: (items, rv) => view.replacePods(items, rv),
      event: (type, p, rv) => view.setPod(type === 'DELETED' ? null : p, podKey(p), rv),
    });
    void followActivity(root, ctx.api, ctx.signal, showRates);
  },
};
