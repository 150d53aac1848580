// The composition root of the API's kinds: a Registry serving the built-in kinds, their
// admission checks and what their subresources need (the simulated containers' logs). The only
// module that imports src/resources/.
import { Registry, type RegistryOptions } from './api/registry.js';
import { ContainerLogs } from './kubelet/containers.js';
import { BUILTIN_ADMISSION, builtinStrategies, SYSTEM_NAMESPACES } from './resources/index.js';
import type { Store } from './storage/store.js';

export async function builtinRegistry(store: Store, options: Omit<RegistryOptions, 'admission'> = {}): Promise<{ registry: Registry; logs: ContainerLogs }> {
  const registry = new Registry(store, { ...options, admission: BUILTIN_ADMISSION });
  const logs = new ContainerLogs(() => registry.now());
  for (const strategy of builtinStrategies({ logs })) await registry.register(strategy);
  return { registry, logs };
}

export { SYSTEM_NAMESPACES };
