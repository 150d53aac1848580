// What a command run in a simulated container sees, whoever runs it (exec and attach, exec
// probes, ephemeral containers): the container's env and filesystem, its pod's hostname, the
// cluster's DNS and network (curl, wget, nslookup), and the cluster's clock.
import type { Container, Namespace, NetworkPolicy, Pod, Service } from '../api/objects.js';
import type { RegistryContext } from '../api/resource-store.js';
import { mainProcess } from './apps.js';
import { resolveName } from './cluster-dns.js';
import type { ExecContext } from './containers.js';
import type { Dialed, PodNetwork } from './pod-network.js';
import { resolveEnv, type ConfigSource } from './container-config.js';
import { registryConfigSource } from './config-source.js';
import { allowed, type NamespaceLabels } from './network-policy.js';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The longest a built-in `sleep` runs, so a forgotten session does not hold a timer for ever. */
const MAX_SLEEP_MS = 60_000;

/** The container's env with its ConfigMap and Secret references resolved (a running container's were met when it started). */
function containerEnv(pod: Pod, container: Container, source: ConfigSource): Record<string, string> {
  const resolved = resolveEnv(pod, container, source);
  return 'ok' in resolved ? resolved.ok : Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? '']));
}

/** Whether the cluster's NetworkPolicies let `from` open a connection to `to` on `port` (the pod's port). */
function policyAllows(registry: RegistryContext, from: Pod, to: Pod, port: number): boolean {
  const policies = registry.resource('networkpolicies', 'networking.k8s.io');
  const list: NetworkPolicy[] = policies ? policies.cache.list(policies.prefix).map((o) => o.object) : [];
  if (!list.length) return true;
  const namespaces = registry.resource('namespaces');
  const labels: NamespaceLabels = new Map((namespaces?.cache.list(namespaces.prefix) ?? []).map((o): [string, Record<string, string>] => {
    const ns: Namespace = o.object;
    return [ns.metadata.name ?? '', ns.metadata.labels ?? {}];
  }));
  return allowed({ pod: from, ip: from.status?.podIP ?? '' }, { pod: to, ip: to.status?.podIP ?? '' }, { port, protocol: 'TCP' }, list, labels);
}

/** The context of a command in `container` of `pod`; `stdin` is what the command reads (empty if absent). */
export function containerExecContext(network: PodNetwork, registry: RegistryContext, pod: Pod, container: Container, stdin: () => Promise<Buffer> = () => Promise.resolve(Buffer.alloc(0))): ExecContext {
  const name = pod.metadata.name ?? '';
  const namespace = pod.metadata.namespace ?? 'default';
  const services = registry.resource('services');
  const app = network.apps.appFor(container.image);
  return {
    podName: name,
    env: { PATH: DEFAULT_PATH, HOSTNAME: name, ...containerEnv(pod, container, registryConfigSource(registry)) },
    stdin,
    files: network.files.of(pod, container),
    mainProcess: mainProcess(app, container),
    ...(app.programs ? { programs: app.programs } : {}),
    resolve: (host) => resolveName(host, namespace, (ns, svc): Service | undefined => services?.cache.get(services.key(ns, svc))?.object),
    sleep: (ms) => new Promise((resolve) => { setTimeout(resolve, Math.min(ms, MAX_SLEEP_MS)).unref(); }),
    now: () => registry.now(),
    fetch: (url, method, body) => {
      const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
      // localhost is the pod's own network: its containers share it.
      const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
      const listener = local ? network.listener(pod, port) : undefined;
      const dialed: Dialed = local
        ? (listener ? { pod, container: listener, port } : { error: 'refused', host: url.hostname, port })
        : network.dial(registry, namespace, url.hostname, port, (n) => registry.entropy.int(n));
      if ('error' in dialed) return dialed;
      // A policy that denies the connection drops its packets, as a CNI does: the client times out.
      if (!local && !policyAllows(registry, pod, dialed.pod, dialed.port)) return { error: 'timeout', host: url.hostname, port };
      const headers = { host: url.host, 'user-agent': 'curl/8.5.0', accept: '*/*' };
      return network.request(dialed.pod, dialed.container, { method, url: url.pathname + url.search, headers, body }, pod.status?.podIP ?? 'unknown');
    },
  };
}
