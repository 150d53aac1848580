// DaemonSets (apps/v1): kube's defaults (RollingUpdate with maxUnavailable 1 and maxSurge 0,
// revisionHistoryLimit 10), validation with its texts, the template generation the server keeps
// in the deprecated.daemonset.template.generation annotation, the `kubectl get ds` columns, status.
import type { DaemonSet, DaemonSetSpec, DaemonSetUpdateStrategy } from '../api/apps-objects.js';
import { fieldErrors, type FieldError } from '../api/errors.js';
import { jsonEqual } from '../api/json.js';
import { STATUS_SUBRESOURCE } from '../api/reset-fields.js';
import { age, column, formatLabelSelector as formatLabels, NAME_COLUMN, AGE_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';
import { containerCells, defaultTemplate, formatLabelSelector, immutableSelector, nonNegative, TEMPLATE_COLUMNS } from './replicasets.js';
import { intOrPercentValue, notMoreThan100Percent, validateIntOrPercent, validateWorkloadTemplate } from './workload-validation.js';

/** Where apps/v1 keeps the internal spec.templateGeneration: bumped by the server on each template change. */
export const TEMPLATE_GENERATION = 'deprecated.daemonset.template.generation';

const specOf = (o: DaemonSet): DaemonSetSpec => o.spec ?? {};

/** ValidateDaemonSetUpdateStrategy. */
function validateUpdateStrategy(strategy: DaemonSetUpdateStrategy): FieldError[] {
  if (strategy.type === 'OnDelete') return [];
  if (strategy.type !== 'RollingUpdate') return [fieldErrors.notSupported('spec.updateStrategy', strategy, ['RollingUpdate', 'OnDelete'])];
  const rolling = strategy.rollingUpdate;
  const path = 'spec.updateStrategy.rollingUpdate';
  if (!rolling) return [fieldErrors.required(path)];
  const errs = [
    ...validateIntOrPercent(`${path}.maxUnavailable`, rolling.maxUnavailable),
    ...validateIntOrPercent(`${path}.maxSurge`, rolling.maxSurge),
    ...notMoreThan100Percent(`${path}.maxUnavailable`, rolling.maxUnavailable),
    ...notMoreThan100Percent(`${path}.maxSurge`, rolling.maxSurge),
  ];
  const unavailable = intOrPercentValue(rolling.maxUnavailable) !== 0;
  const surge = intOrPercentValue(rolling.maxSurge) !== 0;
  if (unavailable && surge) errs.push(fieldErrors.invalid(`${path}.maxSurge`, rolling.maxSurge, 'may not be set when maxUnavailable is non-zero'));
  if (!unavailable && !surge) errs.push(fieldErrors.required(`${path}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
  return errs;
}

const templateGeneration = (ds: DaemonSet): number => Number(ds.metadata.annotations?.[TEMPLATE_GENERATION] ?? 0) || 0;

export const daemonSetStrategy: Strategy<DaemonSet> = {
  group: 'apps', version: 'v1', resource: 'daemonsets',
  singularName: 'daemonset',
  shortNames: ['ds'],
  categories: ['all'],
  subresources: { status: STATUS_SUBRESOURCE },
  tracksGeneration: true,
  defaults(obj) {
    const spec = (obj.spec ??= {});
    const strategy = (spec.updateStrategy ??= {});
    strategy.type ??= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const rolling = (strategy.rollingUpdate ??= {});
      rolling.maxUnavailable ??= 1;
      rolling.maxSurge ??= 0;
    }
    spec.revisionHistoryLimit ??= 10;
    defaultTemplate(spec.template);
  },
  prepareForCreate(obj) {
    obj.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
    obj.metadata.annotations = { ...obj.metadata.annotations, [TEMPLATE_GENERATION]: '1' };
  },
  prepareForUpdate(obj, old) {
    const before = templateGeneration(old);
    const changed = !jsonEqual(specOf(obj).template, specOf(old).template);
    obj.metadata.annotations = { ...obj.metadata.annotations, [TEMPLATE_GENERATION]: String(changed ? before + 1 : before) };
  },
  validate(obj, old, subresource) {
    if (subresource === 'status') return [];
    const spec = specOf(obj);
    return [
      ...validateWorkloadTemplate('daemonset', spec.selector, spec.template),
      ...nonNegative('spec.minReadySeconds', spec.minReadySeconds),
      ...validateUpdateStrategy(spec.updateStrategy ?? {}),
      ...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit),
      ...(old ? immutableSelector(spec.selector, specOf(old).selector) : []),
    ];
  },
  table: {
    columns: [
      NAME_COLUMN,
      column('Desired', 'The number of nodes that should run the daemon pod.', 0, 'integer'),
      column('Current', 'The number of nodes running at least one daemon pod that should.', 0, 'integer'),
      column('Ready', 'The number of nodes whose daemon pod is ready.', 0, 'integer'),
      column('Up-to-date', 'The number of nodes running the current template.', 0, 'integer'),
      column('Available', 'The number of nodes whose daemon pod is available.', 0, 'integer'),
      column('Node Selector', 'The node selector of the template.'),
      AGE_COLUMN,
      ...TEMPLATE_COLUMNS,
    ],
    cells(ds, now) {
      const spec = specOf(ds);
      const s = ds.status;
      return [
        ds.metadata.name, s?.desiredNumberScheduled ?? 0, s?.currentNumberScheduled ?? 0, s?.numberReady ?? 0, s?.updatedNumberScheduled ?? 0, s?.numberAvailable ?? 0,
        formatLabels(spec.template?.spec?.nodeSelector), age(ds.metadata.creationTimestamp, now), ...containerCells(spec.template), formatLabelSelector(spec.selector),
      ];
    },
  },
};
