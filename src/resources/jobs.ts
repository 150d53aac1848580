// Jobs (batch/v1): kube's defaults (completions and parallelism 1, backoffLimit 6, NonIndexed,
// podReplacementPolicy), the generated selector on batch.kubernetes.io/controller-uid with its
// labels on the template, validation with kube's texts, and the `kubectl get jobs` columns.
import type { Job, JobSpec, JobTemplateSpec } from '../api/batch-objects.js';
import { fieldErrors, type FieldError } from '../api/errors.js';
import { STATUS_SUBRESOURCE } from '../api/reset-fields.js';
import { age, AGE_COLUMN, column, humanDuration, NAME_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';
import { containerCells, defaultTemplate, formatLabelSelector, immutableSelector, nonNegative, TEMPLATE_COLUMNS } from './replicasets.js';
import { validatePodSpec } from './pods.js';
import { matchesLabels, selectorFromLabelSelector } from '../api/selectors.js';

const CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
const JOB_NAME = 'batch.kubernetes.io/job-name';

const specOf = (o: Job): JobSpec => o.spec ?? {};

/** SetDefaults_Job's spec part, shared with CronJobs' job templates. */
export function defaultJobSpec(spec: JobSpec): void {
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  defaultTemplate(spec.template);
}

/**
 * generateSelector: the template labelled with the Job's name and uid (kube's labels and the
 * legacy ones), and a selector on the uid, unless the user keeps the selector (manualSelector).
 */
function generateSelector(job: Job): void {
  const spec = specOf(job);
  const { name = '', uid = '' } = job.metadata;
  const template = (spec.template ??= {});
  const labels = ((template.metadata ??= {}).labels ??= {});
  for (const key of ['job-name', JOB_NAME]) labels[key] ??= name;
  for (const key of ['controller-uid', CONTROLLER_UID]) labels[key] ??= uid;
  const selector = (spec.selector ??= {});
  (selector.matchLabels ??= {})[CONTROLLER_UID] ??= uid;
}

const positive = (path: string, v: number | undefined): FieldError[] =>
  v !== undefined && (!Number.isInteger(v) || v <= 0) ? [fieldErrors.invalid(path, v, 'must be greater than 0')] : [];

/** validateJobSpec's checks that apply to a Job and to a CronJob's template alike, at `path` (`spec`). */
export function validateJobSpec(spec: JobSpec, path: string): FieldError[] {
  const errs = [
    ...nonNegative(`${path}.parallelism`, spec.parallelism),
    ...nonNegative(`${path}.completions`, spec.completions ?? undefined),
    ...positive(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds),
    ...nonNegative(`${path}.backoffLimit`, spec.backoffLimit),
    ...nonNegative(`${path}.ttlSecondsAfterFinished`, spec.ttlSecondsAfterFinished),
  ];
  if (spec.completionMode !== undefined && spec.completionMode !== 'NonIndexed' && spec.completionMode !== 'Indexed') {
    errs.push(fieldErrors.notSupported(`${path}.completionMode`, spec.completionMode, ['NonIndexed', 'Indexed']));
  }
  if (spec.completionMode === 'Indexed' && (spec.completions === undefined || spec.completions === null)) {
    errs.push(fieldErrors.required(`${path}.completions`, 'when completion mode is Indexed'));
  }
  const template = spec.template;
  if (!template) {
    errs.push(fieldErrors.required(`${path}.template`));
    return errs;
  }
  errs.push(...validatePodSpec(template.spec, `${path}.template.spec`));
  const restart = template.spec?.restartPolicy;
  if (restart !== 'OnFailure' && restart !== 'Never') {
    errs.push(restart ? fieldErrors.notSupported(`${path}.template.spec.restartPolicy`, restart, ['OnFailure', 'Never'])
      : fieldErrors.required(`${path}.template.spec.restartPolicy`, 'valid values: "OnFailure", "Never"'));
  } else if (spec.podFailurePolicy && restart !== 'Never') {
    errs.push(fieldErrors.invalid(`${path}.template.spec.restartPolicy`, restart, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  (spec.podFailurePolicy?.rules ?? []).forEach((rule, i) => {
    const at = `${path}.podFailurePolicy.rules[${i}]`;
    if (!['FailJob', 'FailIndex', 'Ignore', 'Count'].includes(rule.action)) errs.push(fieldErrors.notSupported(`${at}.action`, rule.action, ['Count', 'FailIndex', 'FailJob', 'Ignore']));
    if (rule.action === 'FailIndex' && spec.backoffLimitPerIndex === undefined) errs.push(fieldErrors.invalid(`${at}.action`, rule.action, 'requires the backoffLimitPerIndex to be set'));
    const exit = rule.onExitCodes;
    if (exit && exit.operator !== 'In' && exit.operator !== 'NotIn') errs.push(fieldErrors.notSupported(`${at}.onExitCodes.operator`, exit.operator, ['In', 'NotIn']));
    if (exit && rule.onPodConditions?.length) errs.push(fieldErrors.invalid(at, '', 'specifying both OnExitCodes and OnPodConditions is not supported'));
    if (!exit && !rule.onPodConditions?.length) errs.push(fieldErrors.invalid(at, '', 'specifying one of OnExitCodes and OnPodConditions is required'));
  });
  return errs;
}

/** ValidateJobTemplateSpec: a CronJob's template, whose selector is always generated. */
export function validateJobTemplate(template: JobTemplateSpec | undefined, path: string): FieldError[] {
  if (!template?.spec) return [fieldErrors.required(`${path}.spec.template`)];
  const errs = validateJobSpec(template.spec, `${path}.spec`);
  if (template.spec.selector) errs.push(fieldErrors.invalid(`${path}.spec.selector`, template.spec.selector, '`selector` will be auto-generated'));
  if (template.spec.manualSelector) errs.push(fieldErrors.notSupported(`${path}.spec.manualSelector`, template.spec.manualSelector, ['nil', 'false']));
  return errs;
}

function validateSelector(spec: JobSpec): FieldError[] {
  if (!spec.selector) return [fieldErrors.required('spec.selector')];
  const labels = spec.template?.metadata?.labels ?? {};
  if (!matchesLabels(selectorFromLabelSelector(spec.selector), labels)) {
    return [fieldErrors.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`')];
  }
  return [];
}

/** What may not change once the Job exists (ValidateJobSpecUpdate), the template only while suspended. */
function validateUpdate(spec: JobSpec, old: JobSpec): FieldError[] {
  const errs = immutableSelector(spec.selector, old.selector);
  if (spec.completionMode !== old.completionMode) errs.push(fieldErrors.invalid('spec.completionMode', spec.completionMode, 'field is immutable'));
  // validateCompletions: an Indexed Job may change completions together with parallelism (elastic Indexed Jobs).
  if (spec.completions !== old.completions) {
    if (spec.completionMode !== 'Indexed') errs.push(fieldErrors.invalid('spec.completions', spec.completions, 'field is immutable'));
    else if (spec.completions !== undefined && spec.completions !== null && spec.completions !== spec.parallelism) {
      errs.push(fieldErrors.invalid('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism'));
    }
  }
  if (!old.suspend && JSON.stringify(spec.template) !== JSON.stringify(old.template)) errs.push(fieldErrors.invalid('spec.template', spec.template, 'field is immutable'));
  return errs;
}

/** printJob's STATUS: the first of Complete, Failed, Terminating, Suspended, FailureTarget, else Running. */
function jobStatusCell(job: Job): string {
  const has = (type: string) => (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  return 'Running';
}

/** printJob's COMPLETIONS: `succeeded/completions`, or `n/1 of parallelism` for a work queue. */
function completionsCell(job: Job): string {
  const spec = specOf(job);
  const done = job.status?.succeeded ?? 0;
  if (spec.completions !== undefined && spec.completions !== null) return `${done}/${spec.completions}`;
  const parallelism = spec.parallelism ?? 0;
  return parallelism > 1 ? `${done}/1 of ${parallelism}` : `${done}/1`;
}

function durationCell(job: Job, now: number): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime;
  return humanDuration((end ? Date.parse(end) : now) - Date.parse(start));
}

export const jobStrategy: Strategy<Job> = {
  group: 'batch', version: 'v1', resource: 'jobs',
  singularName: 'job',
  categories: ['all'],
  subresources: { status: STATUS_SUBRESOURCE },
  tracksGeneration: true,
  defaults(obj) {
    const spec = (obj.spec ??= {});
    defaultJobSpec(spec);
    spec.manualSelector ??= false;
  },
  prepareForCreate(obj) {
    obj.status = {};
    const spec = (obj.spec ??= {});
    if (!spec.manualSelector) generateSelector(obj);
    // SetDefaults_Job: a Job without labels takes its template's.
    if (!Object.keys(obj.metadata.labels ?? {}).length && spec.template?.metadata?.labels) obj.metadata.labels = { ...spec.template.metadata.labels };
  },
  validate(obj, old, subresource) {
    if (subresource === 'status') return [];
    const spec = specOf(obj);
    return [
      ...validateJobSpec(spec, 'spec'),
      ...validateSelector(spec),
      ...(old ? validateUpdate(spec, specOf(old)) : []),
    ];
  },
  table: {
    columns: [
      NAME_COLUMN,
      column('Status', 'Status of the job.'),
      column('Completions', 'The completion status of the job.'),
      column('Duration', 'Time required to complete the job.'),
      AGE_COLUMN,
      ...TEMPLATE_COLUMNS,
    ],
    cells(job, now) {
      const spec = specOf(job);
      return [job.metadata.name, jobStatusCell(job), completionsCell(job), durationCell(job, now), age(job.metadata.creationTimestamp, now), ...containerCells(spec.template), formatLabelSelector(spec.selector)];
    },
  },
};
