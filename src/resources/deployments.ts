// Deployments (apps/v1): kube's defaults (RollingUpdate 25%/25%, revisionHistoryLimit 10,
// progressDeadlineSeconds 600), validation with its texts, the `kubectl get deploy` columns,
// scale and status.
import { fieldErrors, type FieldError } from '../api/errors.js';
import type { Deployment, DeploymentSpec, DeploymentStrategy, IntOrString } from '../api/objects.js';
import { STATUS_SUBRESOURCE } from '../api/reset-fields.js';
import { age, column, NAME_COLUMN, AGE_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';
import { containerCells, defaultTemplate, TEMPLATE_COLUMNS, formatLabelSelector, immutableSelector, nonNegative, scaleSelector, validateSelectorAndTemplate } from './replicasets.js';

const specOf = (o: Deployment): DeploymentSpec => o.spec ?? {};

const PERCENT = /^[0-9]+%$/;

/** ValidatePositiveIntOrPercent and IsNotMoreThan100Percent. */
function validateIntOrPercent(path: string, v: IntOrString | undefined, atMost100: boolean): FieldError[] {
  if (v === undefined) return [];
  if (typeof v === 'string') {
    if (!PERCENT.test(v)) return [fieldErrors.invalid(path, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
    if (atMost100 && Number(v.slice(0, -1)) > 100) return [fieldErrors.invalid(path, v, 'must not be greater than 100%')];
    return [];
  }
  return nonNegative(path, v);
}

const isZero = (v: IntOrString | undefined) => v === 0 || v === '0%';

/** ValidateDeploymentStrategy. */
function validateStrategy(strategy: DeploymentStrategy): FieldError[] {
  const errs: FieldError[] = [];
  const rolling = strategy.rollingUpdate;
  if (strategy.type === 'Recreate') {
    if (rolling) errs.push(fieldErrors.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  } else if (strategy.type === 'RollingUpdate') {
    if (!rolling) errs.push(fieldErrors.required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'));
    else {
      errs.push(...validateIntOrPercent('spec.strategy.rollingUpdate.maxUnavailable', rolling.maxUnavailable, true));
      errs.push(...validateIntOrPercent('spec.strategy.rollingUpdate.maxSurge', rolling.maxSurge, false));
      if (isZero(rolling.maxUnavailable) && isZero(rolling.maxSurge)) {
        errs.push(fieldErrors.invalid('spec.strategy.rollingUpdate.maxUnavailable', rolling.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
      }
    }
  } else {
    errs.push(fieldErrors.notSupported('spec.strategy.type', strategy.type, ['Recreate', 'RollingUpdate']));
  }
  return errs;
}

export const deploymentStrategy: Strategy<Deployment> = {
  group: 'apps', version: 'v1', resource: 'deployments',
  singularName: 'deployment',
  shortNames: ['deploy'],
  categories: ['all'],
  subresources: {
    status: STATUS_SUBRESOURCE,
    scale: { type: 'scale', specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', selector: (d: Deployment) => scaleSelector(specOf(d).selector) },
  },
  tracksGeneration: true,
  defaults(obj) {
    const spec = (obj.spec ??= {});
    spec.replicas ??= 1;
    const strategy = (spec.strategy ??= {});
    strategy.type ??= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const rolling = (strategy.rollingUpdate ??= {});
      rolling.maxUnavailable ??= '25%';
      rolling.maxSurge ??= '25%';
    }
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    defaultTemplate(spec.template);
  },
  prepareForCreate(obj) {
    obj.status = {};
  },
  validate(obj, old, subresource) {
    if (subresource === 'status') return [];
    const spec = specOf(obj);
    const errs = [
      ...nonNegative('spec.replicas', spec.replicas),
      ...validateSelectorAndTemplate(spec.selector, spec.template),
      ...validateStrategy(spec.strategy ?? {}),
      ...nonNegative('spec.minReadySeconds', spec.minReadySeconds),
      ...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit),
      ...nonNegative('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds),
      ...(old ? immutableSelector(spec.selector, specOf(old).selector) : []),
    ];
    if (spec.progressDeadlineSeconds !== undefined && spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      errs.push(fieldErrors.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
    return errs;
  },
  table: {
    columns: [
      NAME_COLUMN,
      column('Ready', 'Ready pods of the replicas asked for.'),
      column('Up-to-date', 'The number of pods running the current template.', 0, 'integer'),
      column('Available', 'The number of pods available to users.', 0, 'integer'),
      AGE_COLUMN,
      ...TEMPLATE_COLUMNS,
    ],
    cells(d, now) {
      const spec = specOf(d);
      const status = d.status ?? {};
      return [
        d.metadata.name, `${status.readyReplicas ?? 0}/${spec.replicas ?? 0}`, status.updatedReplicas ?? 0, status.availableReplicas ?? 0, age(d.metadata.creationTimestamp, now),
        ...containerCells(spec.template), formatLabelSelector(spec.selector),
      ];
    },
  },
};
