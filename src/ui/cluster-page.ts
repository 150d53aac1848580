// The Cluster view: the architecture as the diagram draws it, live. The control plane's four
// components, the scheduling queue and one box per node (drawn by ClusterView from the node and pod
// watches); each box lights when its component acts (the activity feed). A pod chip opens the pod.
import type { Node, Pod } from '../api/objects.js';
import { followActivity } from './activity.js';
import { isObject } from './api.js';
import { ClusterView, podKey, type ClusterCounts } from './cluster-view.js';
import { h, setText } from './dom.js';
import { podRef, type UiContext, type View } from './shell.js';

function isNode(v: unknown): v is Node { return isObject(v); }
function isPod(v: unknown): v is Pod { return isObject(v); }

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function component(id: string, title: string, says: HTMLElement): HTMLLIElement {
  return h('li', { 'data-component': id }, h('h3', {}, title), says);
}

const LEGEND: [string, string][] = [
  ['pending', 'Pending'], ['ready', 'Running, ready'], ['running', 'Running, not ready'],
  ['succeeded', 'Succeeded'], ['failed', 'Failed'], ['terminating', 'Terminating'],
];

export const CLUSTER_VIEW: View = {
  id: 'cluster',
  title: 'Cluster',
  mount(root: HTMLElement, ctx: UiContext): void {
    const apiserver = h('p', { id: 'cp-apiserver' }, 'watching nodes and pods');
    const scheduler = h('p', { id: 'cp-scheduler' }, 'queue empty');
    const store = h('p', { id: 'cp-store' }, 'revision –');
    const queue = h('ul', { id: 'queue', 'aria-label': 'pods waiting to be scheduled' });
    const nodes = h('div', { id: 'nodes', class: 'nodes' });
    root.classList.add('cluster-view');
    root.append(
      h('section', { class: 'control-plane', 'aria-labelledby': 'cp-title' },
        h('h2', { id: 'cp-title' }, 'Control plane'),
        h('ul', { class: 'components' },
          component('apiserver', 'API server', apiserver),
          component('scheduler', 'Scheduler', scheduler),
          component('controller-manager', 'Controller manager', h('p', {}, 'replication, deployment, node lifecycle, endpoints and more')),
          component('store', 'etcd (the store)', store))),
      h('section', { class: 'queue', 'aria-labelledby': 'queue-title' }, h('h2', { id: 'queue-title' }, 'Scheduling queue'), queue),
      h('section', { class: 'workers', 'aria-labelledby': 'nodes-title' },
        h('h2', { id: 'nodes-title' }, 'Nodes'),
        h('ul', { class: 'legend', 'aria-label': 'pod colours' },
          ...LEGEND.map(([state, label]) => h('li', {}, h('span', { class: `chip ${state}`, 'aria-hidden': 'true' }), label))),
        nodes));

    const showCounts = (c: ClusterCounts) => {
      setText(apiserver, `watching ${plural(c.nodes, 'node', 'nodes')} and ${plural(c.pods, 'pod', 'pods')}`);
      setText(scheduler, c.queued ? `${plural(c.queued, 'pod', 'pods')} waiting` : 'queue empty');
      setText(store, `revision ${c.revision || '–'}`);
    };
    const view = new ClusterView(nodes, queue, showCounts);
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
    void followActivity(root, ctx.api, ctx.signal);
  },
};
