// Dependencies most requests never need (YAML bodies and output, protobuf bodies, CEL rules), loaded from
// node_modules on first use rather than at startup: startup is a measured target (bench/).
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** A getter that requires the module the first time it is called. */
function onFirstUse<T>(name: string): () => T {
  let module: T | undefined;
  return () => (module ??= load(name) as T);
}

export const yaml = onFirstUse<typeof import('yaml')>('yaml');
export const protobufjs = onFirstUse<typeof import('protobufjs')>('protobufjs');
/** Certificates are issued only with --tls, and only when missing. */
export const forge = onFirstUse<typeof import('node-forge')>('node-forge');
/** CEL (custom resources' x-kubernetes-validations): an ES module, loaded by require (Node 20.19+). */
export const cel = onFirstUse<typeof import('@marcbachmann/cel-js')>('@marcbachmann/cel-js');
