// apiextensions.k8s.io/v1 CustomResourceDefinitions: kube's defaults (singular, listKind,
// conversion None), its validation texts (ValidateCustomResourceDefinition: names, group, scope,
// versions with exactly one storage version, structural schemas, CEL rules that compile),
// storedVersions kept as the strategy keeps them, and deletion as kube's CRD REST does it: the
// first delete marks the CRD Terminating with the cleanup finalizer, which the CRD controller
// removes once every object of the kind is gone. Columns: NAME CREATED AT.
import type { CRDNames, CustomResourceDefinition } from '../api/apiextensions-objects.js';
import { ruleCompileErrors } from '../api/cel-rules.js';
import { fieldErrors, type FieldError } from '../api/errors.js';
import { STATUS_SUBRESOURCE } from '../api/reset-fields.js';
import { structuralErrors } from '../api/structural-schema.js';
import { DEFAULT_TABLE } from '../api/table.js';
import { rfc3339 } from '../api/time.js';
import type { Strategy } from '../api/types.js';
import { dns1035Label, dns1123Subdomain, immutable } from '../api/validation.js';
import { CLEANUP_FINALIZER, setCondition } from '../controllers/crd-policy.js';



function validateNames(names: Partial<CRDNames>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const label = (field: string, v: string | undefined, prefix = '') => {
    const problems = v ? dns1035Label(field === 'kind' || field === 'listKind' ? v.toLowerCase() : v) : [];
    if (problems.length) errs.push(fieldErrors.invalid(`${path}.${field}`, v, prefix + problems.join(',')));
  };
  label('plural', names.plural);
  label('singular', names.singular);
  label('kind', names.kind, 'may have mixed case, but should otherwise match: ');
  label('listKind', names.listKind, 'may have mixed case, but should otherwise match: ');
  (names.shortNames ?? []).forEach((s, i) => { const p = dns1035Label(s); if (p.length) errs.push(fieldErrors.invalid(`${path}.shortNames[${i}]`, s, p.join(','))); });
  if (names.kind && names.kind === names.listKind) errs.push(fieldErrors.invalid(`${path}.listKind`, names.listKind, 'kind and listKind may not be the same'));
  (names.categories ?? []).forEach((c, i) => { const p = dns1035Label(c); if (p.length) errs.push(fieldErrors.invalid(`${path}.categories[${i}]`, c, p.join(','))); });
  return errs;
}

export function validateCRD(crd: CustomResourceDefinition, old?: CustomResourceDefinition): FieldError[] {
  const errs: FieldError[] = [];
  const spec = crd.spec ?? {};
  const names: Partial<CRDNames> = spec.names ?? {};
  const name = crd.metadata.name ?? '';
  if (name !== `${names.plural}.${spec.group}`) errs.push(fieldErrors.invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  if (!spec.group) errs.push(fieldErrors.required('spec.group', ''));
  else if (dns1123Subdomain(spec.group).length) errs.push(fieldErrors.invalid('spec.group', spec.group, dns1123Subdomain(spec.group).join(',')));
  else if (spec.group.split('.').length < 2) errs.push(fieldErrors.invalid('spec.group', spec.group, 'should be a domain with at least one dot'));
  if (!spec.scope) errs.push(fieldErrors.required('spec.scope', ''));
  else if (spec.scope !== 'Cluster' && spec.scope !== 'Namespaced') errs.push(fieldErrors.notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));
  const versions = spec.versions ?? [];
  if (!versions.length) errs.push(fieldErrors.invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  const seen = new Set<string>();
  let storage = 0;
  versions.forEach((v, i) => {
    const path = `spec.versions[${i}]`;
    if (v.storage) storage++;
    if (seen.has(v.name)) errs.push(fieldErrors.invalid('spec.versions', versions.map((x) => x.name), 'must contain unique version names'));
    seen.add(v.name);
    const problems = dns1035Label(v.name ?? '');
    if (problems.length) errs.push(fieldErrors.invalid(`${path}.name`, v.name, problems.join(',')));
    const schema = v.schema?.openAPIV3Schema;
    if (!schema) errs.push(fieldErrors.required(`${path}.schema.openAPIV3Schema`, 'schemas are required'));
    else {
      errs.push(...structuralErrors(schema, `${path}.schema.openAPIV3Schema`));
      errs.push(...ruleCompileErrors(schema, `${path}.schema.openAPIV3Schema`));
    }
    const scale = v.subresources?.scale;
    if (scale) {
      if (!scale.specReplicasPath) errs.push(fieldErrors.required(`${path}.subresources.scale.specReplicasPath`, ''));
      else if (!scale.specReplicasPath.startsWith('.spec.')) errs.push(fieldErrors.invalid(`${path}.subresources.scale.specReplicasPath`, scale.specReplicasPath, 'should be a json path under .spec'));
      if (!scale.statusReplicasPath) errs.push(fieldErrors.required(`${path}.subresources.scale.statusReplicasPath`, ''));
      else if (!scale.statusReplicasPath.startsWith('.status.')) errs.push(fieldErrors.invalid(`${path}.subresources.scale.statusReplicasPath`, scale.statusReplicasPath, 'should be a json path under .status'));
    }
  });
  if (versions.length && storage !== 1) errs.push(fieldErrors.invalid('spec.versions', versions.map((v) => v.name), 'must have exactly one version marked as storage version'));
  for (const field of ['plural', 'singular', 'kind', 'listKind'] as const) if (!names[field]) errs.push(fieldErrors.required(`spec.names.${field}`, ''));
  errs.push(...validateNames(names, 'spec.names'));
  if (old) {
    errs.push(...immutable('spec.group', spec.group, old.spec.group));
    errs.push(...immutable('spec.names.plural', names.plural, old.spec.names.plural));
    const established = old.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    if (established) {
      errs.push(...immutable('spec.scope', spec.scope, old.spec.scope));
      errs.push(...immutable('spec.names.kind', names.kind, old.spec.names.kind));
    }
    (crd.status?.storedVersions ?? []).forEach((s, i) => {
      if (!versions.some((v) => v.name === s)) errs.push(fieldErrors.invalid(`status.storedVersions[${i}]`, s, 'must appear in spec.versions'));
    });
  }
  if (crd.status?.acceptedNames) errs.push(...validateNames(crd.status.acceptedNames, 'status.acceptedNames'));
  return errs;
}

/** The storage version joins storedVersions, as kube's strategy records it on every write. */
function recordStorageVersion(crd: CustomResourceDefinition): void {
  const storage = crd.spec.versions?.find((v) => v.storage)?.name;
  if (!storage) return;
  crd.status ??= {};
  const stored = crd.status.storedVersions ?? [];
  if (!stored.includes(storage)) crd.status.storedVersions = [...stored, storage];
}

export const customResourceDefinitionStrategy: Strategy<CustomResourceDefinition> = {
  group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions',
  singularName: 'customresourcedefinition',
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  subresources: { status: STATUS_SUBRESOURCE },
  tracksGeneration: true,
  defaults(crd) {
    const names = crd.spec?.names;
    if (names?.kind) {
      names.singular ||= names.kind.toLowerCase();
      names.listKind ||= `${names.kind}List`;
    }
    if (crd.spec) crd.spec.conversion ??= { strategy: 'None' };
  },
  prepareForCreate(crd) {
    crd.status = {};
    recordStorageVersion(crd);
  },
  prepareForUpdate(crd) {
    recordStorageVersion(crd);
  },
  validate: (crd, old) => validateCRD(crd, old),
  beforeDelete(crd, now) {
    if (crd.metadata.deletionTimestamp) return undefined;
    crd.metadata.deletionTimestamp = rfc3339(now);
    crd.metadata.deletionGracePeriodSeconds = 0;
    const finalizers = crd.metadata.finalizers ?? [];
    if (!finalizers.includes(CLEANUP_FINALIZER)) crd.metadata.finalizers = [...finalizers, CLEANUP_FINALIZER];
    crd.status = setCondition(crd.status ?? {}, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionPending', message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon' }, now);
    return crd;
  },
  table: DEFAULT_TABLE,
};
