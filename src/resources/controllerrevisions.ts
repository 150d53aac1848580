// ControllerRevisions (apps/v1): the history StatefulSets and DaemonSets keep of their templates.
// Data and revision are what kube validates; data may not change once written.
import type { ControllerRevision } from '../api/apps-objects.js';
import { fieldErrors } from '../api/errors.js';
import { jsonEqual } from '../api/json.js';
import { age, column, NAME_COLUMN, AGE_COLUMN } from '../api/table.js';
import type { Strategy } from '../api/types.js';
import { nonNegative } from './replicasets.js';

/** The controller's `<kind>.<group>/<name>` as kubectl's printers format a resource name. */
function controllerName(rev: ControllerRevision): string {
  const ref = rev.metadata.ownerReferences?.find((r) => r.controller);
  if (!ref) return '<none>';
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  return `${ref.kind.toLowerCase()}${group ? `.${group}` : ''}/${ref.name}`;
}

export const controllerRevisionStrategy: Strategy<ControllerRevision> = {
  group: 'apps', version: 'v1', resource: 'controllerrevisions',
  singularName: 'controllerrevision',
  validate(obj, old) {
    const errs = [];
    if (obj.data === undefined || obj.data === null) errs.push(fieldErrors.required('data', 'data is mandatory'));
    errs.push(...nonNegative('revision', obj.revision));
    if (old && !jsonEqual(obj.data, old.data)) errs.push(fieldErrors.invalid('data', obj.data, 'field is immutable'));
    return errs;
  },
  table: {
    columns: [
      NAME_COLUMN,
      column('Controller', 'The object that owns this revision.'),
      column('Revision', 'The revision number.', 0, 'integer'),
      AGE_COLUMN,
    ],
    cells: (rev, now) => [rev.metadata.name, controllerName(rev), rev.revision, age(rev.metadata.creationTimestamp, now)],
  },
};
