// The composition root of the API's kinds: a Registry serving the built-in kinds, their
// admission checks and what their subresources need (the simulated pods' apps, network and
// logs). The only module that imports src/resources/.
import { WebhookAdmission } from './admission/webhooks.js';
import { Registry, type RegistryOptions } from './api/registry.js';
import { AppCatalog } from './kubelet/apps.js';
import { resolveVolumeFiles } from './kubelet/container-config.js';
import { ContainerFiles } from './kubelet/container-files.js';
import { registryConfigSource } from './kubelet/config-source.js';
import { ContainerLogs } from './kubelet/containers.js';
import { PodNetwork } from './kubelet/pod-network.js';
import { BUILTIN_ADMISSION, builtinStrategies, QuotaAdmission, SYSTEM_NAMESPACES, SYSTEM_PRIORITY_CLASSES } from './resources/index.js';
import { ServiceAccountTokens } from './server/auth/service-account-tokens.js';
import type { Store } from './storage/store.js';

export interface BuiltinOptions extends Omit<RegistryOptions, 'admission'> {
  /** What the simulated containers answer (default: the built-in apps). */
  apps?: AppCatalog;
  /** Signs service-account tokens (default: a key for this process only). */
  tokens?: ServiceAccountTokens;
  /** Whether this server runs the scheduler and controllers, for componentstatuses (default: yes). */
  controlPlane?: boolean;
}

export async function builtinRegistry(store: Store, options: BuiltinOptions = {}): Promise<{ registry: Registry; logs: ContainerLogs; network: PodNetwork }> {
  const { apps, tokens = ServiceAccountTokens.load(), controlPlane = true, ...registryOptions } = options;
  const registry = new Registry(store, { ...registryOptions, admission: BUILTIN_ADMISSION });
  const logs = new ContainerLogs(() => registry.now());
  const catalog = apps ?? AppCatalog.load();
  const files = new ContainerFiles(catalog, () => registry.now());
  const config = registryConfigSource(registry, tokens);
  files.mounted = (pod, container) => { const r = resolveVolumeFiles(pod, container, config); return 'ok' in r ? r.ok : {}; };
  const network = new PodNetwork(catalog, logs, files);
  const meta = registry.library.meta();
  for (const strategy of builtinStrategies({ network, meta, tokens, components: { controlPlane } })) await registry.register(strategy);
  // ResourceQuota runs last, after the validating webhooks, as in kube's plugin order.
  registry.dynamicAdmission = new QuotaAdmission(registry, new WebhookAdmission(registry));
  return { registry, logs, network };
}

export { SYSTEM_NAMESPACES };
export { SYSTEM_PRIORITY_CLASSES };
