// PodTemplates (core/v1, namespaced): stored templates, defaulted as every pod spec is
// (SetDefaults_PodSpec reaches template.spec), validated by kube's ValidatePodTemplate(Update)
// with the pod spec checks workloads share, and `kubectl get podtemplates` with kube's columns.
// kubectl describe reads the object and prints it itself.
import { fieldErrors, type FieldError } from '../api/errors.js';
import type { PodTemplate, PodTemplateSpec } from '../api/objects.js';
import { column, formatLabelSelector, NAME_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';
import { labelValue, qualifiedName } from '../api/validation.js';
import { defaultPodSpec, validatePodSpec } from './pods.js';
import { containerCells } from './replicasets.js';

/** ValidatePodTemplateSpec at `path`: the template's labels, its pod spec, and no ephemeral containers. */
export function validatePodTemplateSpec(template: PodTemplateSpec | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(template?.metadata?.labels ?? {})) {
    for (const msg of qualifiedName(k)) errs.push(fieldErrors.invalid(`${path}.labels`, k, msg));
    for (const msg of labelValue(String(v))) errs.push(fieldErrors.invalid(`${path}.labels`, v, msg));
  }
  errs.push(...validatePodSpec(template?.spec, `${path}.spec`));
  if ((template?.spec?.ephemeralContainers ?? []).length > 0) {
    errs.push(fieldErrors.forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

export const podTemplateStrategy: Strategy<PodTemplate> = {
  group: '', version: 'v1', resource: 'podtemplates',
  singularName: 'podtemplate',
  // The registry's PrepareForUpdate bumps generation when the template changes.
  tracksGeneration: true,
  defaults(obj) {
    const spec = obj.template?.spec;
    if (spec && typeof spec === 'object') defaultPodSpec(spec);
  },
  // The template may change freely (ValidatePodTemplateUpdate checks it as on create).
  validate: (obj) => validatePodTemplateSpec(obj.template, 'template'),
  table: {
    columns: [
      NAME_COLUMN,
      column('Containers', 'Names of each container in the template.'),
      column('Images', 'Images referenced by each container in the template.'),
      column('Pod Labels', 'The labels for the pod template.'),
    ],
    cells: (pt) => [pt.metadata.name, ...containerCells(pt.template), formatLabelSelector(pt.template?.metadata?.labels)],
  },
};
