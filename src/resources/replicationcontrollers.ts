// ReplicationControllers: defaults (replicas, selector and labels from the template), validation
// and the `kubectl get rc` columns. The scale subresource maps them to autoscaling/v1 Scale.
import { fieldErrors, type FieldError } from '../api/errors.js';
import { formatLabelSelector } from '../api/table.js';
import { STATUS_SUBRESOURCE } from '../api/reset-fields.js';
import type { ReplicationController, ReplicationControllerSpec } from '../api/objects.js';
import type { Strategy } from '../api/types.js';
import { defaultPodSpec, validatePodSpec } from './pods.js';
import { REPLICA_COLUMNS, replicaCells } from './replicasets.js';

const specOf = (o: ReplicationController): ReplicationControllerSpec => o.spec ?? {};

export const replicationControllerStrategy: Strategy<ReplicationController> = {
  group: '', version: 'v1', resource: 'replicationcontrollers',
  singularName: 'replicationcontroller',
  shortNames: ['rc'],
  categories: ['all'],
  subresources: {
    status: STATUS_SUBRESOURCE,
    scale: { type: 'scale', specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', selector: (rc) => formatLabelSelector(specOf(rc).selector).replace('<none>', '') },
  },
  tracksGeneration: true,
  defaults(obj) {
    const spec = (obj.spec ??= {});
    const labels = spec.template?.metadata?.labels;
    if (labels && Object.keys(labels).length) {
      if (!spec.selector || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
      if (!obj.metadata.labels || Object.keys(obj.metadata.labels).length === 0) obj.metadata.labels = { ...labels };
    }
    spec.replicas ??= 1;
    spec.minReadySeconds ??= 0;
    if (spec.template?.spec) {
      spec.template.metadata ??= {};
      defaultPodSpec(spec.template.spec);
    }
  },
  prepareForCreate(obj) {
    obj.status = { replicas: 0 };
  },
  validate(obj) {
    const spec = specOf(obj);
    const errs: FieldError[] = [];
    if (spec.replicas !== undefined && (!Number.isInteger(spec.replicas) || spec.replicas < 0)) {
      errs.push(fieldErrors.invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
    }
    if (!spec.selector || Object.keys(spec.selector).length === 0) errs.push(fieldErrors.required('spec.selector'));
    if (!spec.template) {
      errs.push(fieldErrors.required('spec.template'));
      return errs;
    }
    const labels = spec.template.metadata?.labels ?? {};
    if (spec.selector && Object.entries(spec.selector).some(([k, v]) => labels[k] !== v)) {
      errs.push(fieldErrors.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
    }
    errs.push(...validatePodSpec(spec.template.spec, 'spec.template.spec'));
    const restart = spec.template.spec?.restartPolicy;
    if (restart && restart !== 'Always') errs.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', restart, ['Always']));
    return errs;
  },
  selectableFields(obj) {
    return { 'status.replicas': String(obj.status?.replicas ?? 0) };
  },
  table: {
    columns: REPLICA_COLUMNS,
    cells: (rc, now) => replicaCells(rc, specOf(rc), formatLabelSelector(specOf(rc).selector), now),
  },
};
