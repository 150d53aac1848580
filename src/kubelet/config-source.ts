// The ConfigMaps and Secrets a simulated kubelet reads, from the API's watch caches (the real
// kubelet watches the ones its pods reference).
import type { RegistryContext } from '../api/resource-store.js';
import { ISSUER, type ServiceAccountTokens } from '../server/auth/service-account-tokens.js';
import type { ConfigData, ConfigSource } from './container-config.js';

function isStringMap(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

function lookup(registry: RegistryContext, resource: string, namespace: string, name: string): ConfigData | undefined {
  const store = registry.resource(resource);
  const obj = store?.cache.get(store.key(namespace, name))?.object;
  if (!obj) return undefined;
  const { data, binaryData } = obj;
  return { data: isStringMap(data) ? data : undefined, binaryData: isStringMap(binaryData) ? binaryData : undefined };
}

/** `tokens` signs projected service-account tokens (without it, none are made). */
export function registryConfigSource(registry: RegistryContext, tokens?: ServiceAccountTokens): ConfigSource {
  return {
    serviceAccountToken(pod, expirationSeconds, audience) {
      const namespace = pod.metadata.namespace ?? 'default';
      const name = pod.spec?.serviceAccountName ?? 'default';
      const accounts = registry.resource('serviceaccounts');
      const sa = accounts?.cache.get(accounts.key(namespace, name))?.object;
      if (!tokens || !sa) return undefined;
      return tokens.issue({ namespace, name, uid: sa.metadata.uid ?? '' }, [audience ?? ISSUER], registry.now(), expirationSeconds);
    },
    configMap: (namespace, name) => lookup(registry, 'configmaps', namespace, name),
    secret: (namespace, name) => lookup(registry, 'secrets', namespace, name),
  };
}
