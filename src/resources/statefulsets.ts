// StatefulSets (apps/v1): kube's defaults (OrderedReady, RollingUpdate with partition 0,
// revisionHistoryLimit 10, claims retained), validation with its texts (names are DNS labels, as
// pod names are made of them), the `kubectl get sts` columns, scale and status.
import type { StatefulSet, StatefulSetSpec } from '../api/apps-objects.js';
import { fieldErrors, type FieldError } from '../api/errors.js';
import { canonicalJSON } from '../api/json.js';
import { STATUS_SUBRESOURCE } from '../api/reset-fields.js';
import { age, column, NAME_COLUMN, AGE_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';
import { containerCells, defaultTemplate, nonNegative, scaleSelector } from './replicasets.js';
import { intOrPercentValue, notMoreThan100Percent, validateIntOrPercent, validateWorkloadTemplate } from './workload-validation.js';

const specOf = (o: StatefulSet): StatefulSetSpec => o.spec ?? {};

const RETENTION = ['Retain', 'Delete'];

/** ValidateStatefulSetSpec's updateStrategy part. */
function validateUpdateStrategy(spec: StatefulSetSpec): FieldError[] {
  const strategy = spec.updateStrategy ?? {};
  const rolling = strategy.rollingUpdate;
  switch (strategy.type) {
    case undefined: case '':
      return [fieldErrors.required('spec.updateStrategy')];
    case 'OnDelete':
      return rolling ? [fieldErrors.invalid('spec.updateStrategy.rollingUpdate', rolling, "only allowed for updateStrategy 'RollingUpdate'")] : [];
    case 'RollingUpdate': {
      if (!rolling) return [];
      const errs = nonNegative('spec.updateStrategy.rollingUpdate.partition', rolling.partition);
      if (rolling.maxUnavailable !== undefined) {
        const path = 'spec.updateStrategy.rollingUpdate.maxUnavailable';
        errs.push(...validateIntOrPercent(path, rolling.maxUnavailable));
        if (intOrPercentValue(rolling.maxUnavailable) === 0) errs.push(fieldErrors.invalid(path, rolling.maxUnavailable, 'cannot be 0'));
        errs.push(...notMoreThan100Percent(path, rolling.maxUnavailable));
      }
      return errs;
    }
    default:
      return [fieldErrors.invalid('spec.updateStrategy', strategy, "must be 'RollingUpdate' or 'OnDelete'")];
  }
}

function validateSpec(spec: StatefulSetSpec): FieldError[] {
  const errs: FieldError[] = [];
  const policy = spec.podManagementPolicy;
  if (!policy) errs.push(fieldErrors.required('spec.podManagementPolicy'));
  else if (policy !== 'OrderedReady' && policy !== 'Parallel') errs.push(fieldErrors.invalid('spec.podManagementPolicy', policy, "must be 'OrderedReady' or 'Parallel'"));
  errs.push(...validateUpdateStrategy(spec));
  const retention = spec.persistentVolumeClaimRetentionPolicy;
  for (const k of ['whenDeleted', 'whenScaled'] as const) {
    const v = retention?.[k];
    if (retention && !RETENTION.includes(v ?? '')) errs.push(fieldErrors.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, v ?? '', RETENTION));
  }
  errs.push(...nonNegative('spec.replicas', spec.replicas), ...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  if (spec.ordinals) errs.push(...nonNegative('spec.ordinals.start', spec.ordinals.start));
  errs.push(...validateWorkloadTemplate('statefulset', spec.selector, spec.template));
  return errs;
}

/** The spec without what an update may change: the rest must stay as it was. */
function frozenSpec(spec: StatefulSetSpec): string {
  const { replicas: _r, ordinals: _o, template: _t, updateStrategy: _u, persistentVolumeClaimRetentionPolicy: _p, minReadySeconds: _m, ...rest } = spec;
  return canonicalJSON(rest);
}

export const statefulSetStrategy: Strategy<StatefulSet> = {
  group: 'apps', version: 'v1', resource: 'statefulsets',
  singularName: 'statefulset',
  shortNames: ['sts'],
  categories: ['all'],
  nameFormat: 'label',
  subresources: {
    status: STATUS_SUBRESOURCE,
    scale: { type: 'scale', specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', selector: (s: StatefulSet) => scaleSelector(specOf(s).selector) },
  },
  tracksGeneration: true,
  defaults(obj) {
    const spec = (obj.spec ??= {});
    spec.replicas ??= 1;
    spec.podManagementPolicy ??= 'OrderedReady';
    const strategy = (spec.updateStrategy ??= {});
    strategy.type ??= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') (strategy.rollingUpdate ??= {}).partition ??= 0;
    spec.revisionHistoryLimit ??= 10;
    const retention = (spec.persistentVolumeClaimRetentionPolicy ??= {});
    retention.whenDeleted ??= 'Retain';
    retention.whenScaled ??= 'Retain';
    for (const claim of spec.volumeClaimTemplates ?? []) {
      claim.apiVersion ??= 'v1';
      claim.kind ??= 'PersistentVolumeClaim';
      (claim.spec ??= {}).volumeMode ??= 'Filesystem';
      (claim.status ??= {}).phase ??= 'Pending';
    }
    defaultTemplate(spec.template);
  },
  prepareForCreate(obj) {
    obj.status = { replicas: 0, availableReplicas: 0 };
  },
  validate(obj, old, subresource) {
    if (subresource === 'status') return [];
    const spec = specOf(obj);
    const errs = validateSpec(spec);
    if (old && frozenSpec(spec) !== frozenSpec(specOf(old))) {
      errs.push(fieldErrors.forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
    }
    return errs;
  },
  table: {
    columns: [
      NAME_COLUMN,
      column('Ready', 'Ready pods of the replicas asked for.'),
      AGE_COLUMN,
      column('Containers', 'The names of the containers in the template.', 1),
      column('Images', 'The images of the containers in the template.', 1),
    ],
    cells: (s, now) => [s.metadata.name, `${s.status?.readyReplicas ?? 0}/${specOf(s).replicas ?? 0}`, age(s.metadata.creationTimestamp, now), ...containerCells(specOf(s).template)],
  },
};
