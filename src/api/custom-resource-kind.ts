// The Strategies a CustomResourceDefinition serves: one per served version, sharing one storage
// prefix. Objects are stored in the storage version; conversion None rewrites apiVersion only,
// both ways. Each version validates with its own structural schema and CEL rules, defaults from
// it (on writes, and on reads from storage, as kube does), and prints its printer columns.
import type { CRDVersion, CustomResourceDefinition } from './apiextensions-objects.js';
import { validateRules } from './cel-rules.js';
import { definedKind, type KindDefinition } from './defined-kinds.js';
import type { FieldError } from './errors.js';
import type { MetaParts, Schema } from './openapi.js';
import { printerColumnsTable } from './printer-columns.js';
import { additional, applyDefaults, validateValue, type JSONSchemaProps } from './structural-schema.js';
import { OBJECT_META_REF } from './defined-kinds.js';
import type { KObject, StorageCodec, Strategy } from './types.js';

/** The group-version-resource of each served version of a CRD. */
export interface ServedVersion { group: string; version: string; resource: string }

export function servedVersions(crd: CustomResourceDefinition): ServedVersion[] {
  return crd.spec.versions.filter((v) => v.served).map((v) => ({ group: crd.spec.group, version: v.name, resource: crd.spec.names.plural }));
}

/** What an object's schema-checked part is: everything but apiVersion, kind and metadata (ObjectMeta is checked generically). */
function body(obj: KObject): Record<string, unknown> {
  const { apiVersion, kind, metadata, ...rest } = obj;
  void apiVersion; void kind; void metadata;
  return rest;
}

/** The schema without what ObjectMeta's own validation covers. */
function bodySchema(schema: JSONSchemaProps): JSONSchemaProps {
  const { apiVersion, kind, metadata, ...properties } = schema.properties ?? {};
  void apiVersion; void kind; void metadata;
  return { ...schema, properties };
}

/** The Strategy of one served version. `meta` is what its OpenAPI takes from the core document. */
export function customResourceStrategy(crd: CustomResourceDefinition, version: CRDVersion, meta: MetaParts): Strategy {
  const { group, names, scope } = crd.spec;
  const schema: JSONSchemaProps = version.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const storageVersion = crd.spec.versions.find((v) => v.storage)?.name ?? version.name;
  const def: KindDefinition = {
    group, version: version.name, kind: names.kind, plural: names.plural, singular: names.singular, listKind: names.listKind,
    namespaced: scope === 'Namespaced', shortNames: names.shortNames, categories: names.categories,
    // JSONSchemaProps is a JSON schema: the OpenAPI published is the CRD's schema as written.
    schema: toOpenAPI(schema),
    subresources: { status: !!version.subresources?.status, scale: version.subresources?.scale },
  };
  const checked = bodySchema(schema);
  const storage: StorageCodec = {
    prefix: `/registry/${group}/${names.plural}/`,
    toStorage: (obj) => ({ ...obj, apiVersion: `${group}/${storageVersion}` }),
    fromStorage: (stored) => {
      applyDefaults(schema, stored);
      stored.apiVersion = `${group}/${version.name}`;
      return stored;
    },
  };
  return {
    ...definedKind(def, meta),
    storage,
    unstructured: true,
    defaults: (obj) => applyDefaults(schema, obj),
    validate: (obj: KObject, old?: KObject): FieldError[] => {
      const errs = validateValue(checked, body(obj), '');
      const self = { ...body(obj), metadata: { name: obj.metadata.name, generateName: obj.metadata.generateName } };
      const before = old ? { ...body(old), metadata: { name: old.metadata.name, generateName: old.metadata.generateName } } : undefined;
      errs.push(...validateRules(schema, self, before, ''));
      return errs;
    },
    table: printerColumnsTable(version.additionalPrinterColumns ?? []),
  };
}

/**
 * A JSONSchemaProps node is already an OpenAPI v3 schema object; a copy is published, with what
 * kube's builder adds: an embedded resource's apiVersion, kind and ObjectMeta metadata (so they
 * are known fields, and metadata is pruned and checked as an object's).
 */
function toOpenAPI(schema: JSONSchemaProps): Schema {
  const copy = structuredClone(schema);
  const visit = (node: JSONSchemaProps): void => {
    if (node['x-kubernetes-embedded-resource']) node.properties = { ...EMBEDDED_PROPERTIES, ...node.properties };
    for (const p of Object.values(node.properties ?? {})) visit(p);
    if (node.items) visit(node.items);
    const more = additional(node);
    if (more) visit(more);
  };
  visit(copy);
  return copy;
}

const EMBEDDED_PROPERTIES: Record<string, JSONSchemaProps> = {
  apiVersion: { type: 'string' },
  kind: { type: 'string' },
  metadata: { $ref: OBJECT_META_REF },
};
