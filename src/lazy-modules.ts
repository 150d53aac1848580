// Dependencies most requests never need (YAML bodies and output, protobuf bodies), loaded from
// node_modules on first use rather than at startup: startup is a measured target (bench/).
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

let yamlModule: typeof import('yaml') | undefined;
export function yaml(): typeof import('yaml') {
  return (yamlModule ??= load('yaml') as typeof import('yaml'));
}

let protobufModule: typeof import('protobufjs') | undefined;
export function protobufjs(): typeof import('protobufjs') {
  return (protobufModule ??= load('protobufjs') as typeof import('protobufjs'));
}
