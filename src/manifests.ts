// Manifests as kubectl reads them: YAML or JSON files holding one or more documents, `List` kinds
// flattened into their items; and the order to create them in, dependencies first (as Helm and
// kubectl apply --prune order kinds): namespaces before what lives in them, owners before the
// objects they own.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { KObject } from './api/types.js';
import { yaml } from './lazy-modules.js';

export class ManifestError extends Error {}

/** The objects in one file's text (`source` names it in errors). */
export function parseManifests(text: string, source: string): KObject[] {
  const out: KObject[] = [];
  const docs = yaml().parseAllDocuments(text);
  docs.forEach((doc, i) => {
    const where = docs.length > 1 ? `${source} (document ${i + 1})` : source;
    if (doc.errors.length) throw new ManifestError(`${where}: ${doc.errors[0].message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    flatten(value, where, out);
  });
  return out;
}

function flatten(value: unknown, where: string, out: KObject[]): void {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ManifestError(`${where}: not a Kubernetes object`);
  const obj = value as KObject;
  if (typeof obj.kind !== 'string' || typeof obj.apiVersion !== 'string') throw new ManifestError(`${where}: an object needs apiVersion and kind`);
  if (obj.kind === 'List' || (obj.kind.endsWith('List') && Array.isArray(obj.items))) {
    const items = obj.items ?? [];
    if (!Array.isArray(items)) throw new ManifestError(`${where}: a List's items must be a list`);
    for (const item of items) flatten(item, where, out);
    return;
  }
  if (!obj.metadata || typeof obj.metadata !== 'object' || (!obj.metadata.name && !obj.metadata.generateName)) throw new ManifestError(`${where}: ${obj.kind} has no metadata.name`);
  out.push(obj);
}

/** Every .yaml, .yml and .json file in a directory (and its subdirectories), in name order. */
export function manifestFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...manifestFiles(path));
    else if (/\.(ya?ml|json)$/i.test(name)) files.push(path);
  }
  return files;
}

/** An object read from a manifest, with the file it came from. */
export interface Manifest { object: KObject; source: string }

/** Every object in every manifest file of a directory, in the order to create them. */
export function readManifestDir(dir: string): Manifest[] {
  const all = manifestFiles(dir).flatMap((source) => parseManifests(readFileSync(source, 'utf8'), source).map((object) => ({ object, source })));
  return installOrder(all, (m) => m.object.kind ?? ''); // flatten saw every kind is a string
}

/**
 * Kinds in creation order; kinds not named here come after, in the order given (webhook
 * configurations among them: made last, they see none of the objects restored before them).
 */
const KIND_ORDER = [
  // Kinds before their objects.
  'CustomResourceDefinition',
  'Namespace', 'Node', 'Lease', 'StorageClass', 'IngressClass', 'PriorityClass', 'RuntimeClass', 'PersistentVolume', 'PersistentVolumeClaim',
  // Kinds and permissions before what uses them (custom objects, not named here, come after).
  'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding',
  // What pods read their configuration from. (ServiceAccounts come last: a pod made before its
  // account exists gets no token volume, so a snapshot of such a pod restores as it was.)
  'Secret', 'ConfigMap', 'Service', 'Endpoints', 'EndpointSlice',
  // Owners before what they own, down to the pods.
  'CronJob', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicationController', 'ReplicaSet', 'ControllerRevision',
  'Pod', 'Binding', 'Event',
  // What constrains objects goes last: a quota restored with its usage would refuse the very
  // objects it counted (its controller recounts them), and restored pods carry their defaults.
  'ResourceQuota', 'LimitRange',
];

/** A stable sort by kind: dependencies first, and the given order within a kind. */
export function installOrder<T>(items: T[], kindOf: (item: T) => string): T[] {
  const rank = (item: T) => {
    const i = KIND_ORDER.indexOf(kindOf(item));
    return i < 0 ? KIND_ORDER.length : i;
  };
  return items.map((item, i) => ({ item, i })).sort((a, b) => rank(a.item) - rank(b.item) || a.i - b.i).map((x) => x.item);
}
