// metrics.k8s.io/v1beta1, as metrics-server serves it: NodeMetrics and PodMetrics, read-only,
// computed from the simulated kubelets' usage (src/kubelet/usage.ts) for Ready nodes and
// Running pods, so `kubectl top nodes` and `kubectl top pods --containers` print as on a
// cluster with metrics-server.
import { definedKind, type KindDefinition } from '../api/defined-kinds.js';
import type { Node, Pod } from '../api/objects.js';
import type { MetaParts, Schema } from '../api/openapi.js';
import type { RegistryContext } from '../api/resource-store.js';
import { rfc3339 } from '../api/time.js';
import type { KObject, Strategy } from '../api/types.js';
import { containerUsage, nodeUsage, usageQuantities } from '../kubelet/usage.js';

const GROUP = 'metrics.k8s.io';
const VERSION = 'v1beta1';
/** The window metrics-server averages over. */
const WINDOW = '10s';

const quantity: Schema = { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' };
const usage: Schema = { type: 'object', description: 'Resource usage: cpu and memory.', additionalProperties: quantity };
const timestamp: Schema = { type: 'string', format: 'date-time', description: 'When the usage was measured (the end of the window).' };
const window: Schema = { type: 'string', description: 'The interval the usage is averaged over.' };

const NODE_METRICS: KindDefinition = {
  group: GROUP, version: VERSION, kind: 'NodeMetrics', plural: 'nodes', singular: 'nodemetrics', namespaced: false, verbs: ['get', 'list'],
  schema: { type: 'object', description: "A node's resource usage.", properties: { timestamp, window, usage } },
};

const POD_METRICS: KindDefinition = {
  group: GROUP, version: VERSION, kind: 'PodMetrics', plural: 'pods', singular: 'podmetrics', namespaced: true, verbs: ['get', 'list'],
  schema: {
    type: 'object',
    description: "A pod's resource usage, per container.",
    properties: {
      timestamp, window,
      containers: { type: 'array', description: 'The usage of each container.', items: { type: 'object', required: ['name', 'usage'], properties: { name: { type: 'string', description: 'The container.' }, usage } } },
    },
  },
};

const ready = (node: Node) => (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const running = (pod: Pod) => pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp;

function objects<T extends KObject>(registry: RegistryContext, resource: string, namespace?: string): T[] {
  const store = registry.resource(resource);
  // The store holds objects of the resource's kind, which T names.
  return store ? store.cache.list(store.listPrefix(namespace)).map((o) => o.object as T) : [];
}

function nodeMetrics(registry: RegistryContext): KObject[] {
  const now = rfc3339(registry.now());
  const pods = objects<Pod>(registry, 'pods').filter(running);
  return objects<Node>(registry, 'nodes').filter(ready).map((node) => ({
    kind: 'NodeMetrics', apiVersion: `${GROUP}/${VERSION}`,
    metadata: { name: node.metadata.name, creationTimestamp: now, ...(node.metadata.labels ? { labels: node.metadata.labels } : {}) },
    timestamp: now, window: WINDOW,
    usage: usageQuantities(nodeUsage(pods.filter((p) => p.spec?.nodeName === node.metadata.name))),
  }));
}

function podMetrics(registry: RegistryContext, namespace: string | undefined): KObject[] {
  const now = rfc3339(registry.now());
  return objects<Pod>(registry, 'pods', namespace).filter(running).map((pod) => ({
    kind: 'PodMetrics', apiVersion: `${GROUP}/${VERSION}`,
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: now, ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}) },
    timestamp: now, window: WINDOW,
    containers: containerUsage(pod).map((c) => ({ name: c.name, usage: usageQuantities(c.usage) })),
  }));
}

/** The two metrics kinds; `core` is the core document, whose meta schemas they refer to. */
export function metricsStrategies(meta: MetaParts): Strategy[] {
  return [
    { ...definedKind(NODE_METRICS, meta), virtual: { list: nodeMetrics } },
    { ...definedKind(POD_METRICS, meta), virtual: { list: podMetrics } },
  ];
}
