// rbac.authorization.k8s.io/v1: Roles, ClusterRoles (with aggregation rules, filled in by the
// clusterrole-aggregation controller), RoleBindings and ClusterRoleBindings, with kube's defaults
// (SetDefaults_Subject, the roleRef's group), validation texts (pkg/apis/rbac/validation), the
// bindings' ROLE column, and escalation prevention on every write (rbac-escalation.ts).
import { FieldError, fieldErrors } from '../api/errors.js';
import { jsonEqual } from '../api/json.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from '../api/table.js';
import type { KObject, Strategy, TableConvertor } from '../api/types.js';
import { dns1123Subdomain, pathSegmentName } from '../api/validation.js';
import type { BindingObject, ClusterRoleObject, RoleObject } from '../authorization.js';
import { RBAC_GROUP } from '../server/auth/rbac.js';
import type { PolicyRule, RoleRef, Subject } from '../server/auth/rbac-rules.js';
import { checkBindingEscalation, checkRoleEscalation } from './rbac-escalation.js';

function validateRule(rule: PolicyRule, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!rule.verbs?.length) errs.push(fieldErrors.required(`${path}.verbs`, 'verbs must contain at least one value'));
  if (rule.nonResourceURLs?.length) {
    if (namespaced) errs.push(fieldErrors.invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
    if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length) {
      errs.push(fieldErrors.invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (!rule.apiGroups?.length) errs.push(fieldErrors.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (!rule.resources?.length) errs.push(fieldErrors.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  if (rule.resourceNames?.length && (rule.resources?.length ?? 0) > 1) errs.push(fieldErrors.required(`${path}.resourceNames`, 'resource names cannot apply to multiple resources'));
  return errs;
}

function validateRules(role: RoleObject, namespaced: boolean): FieldError[] {
  return (role.rules ?? []).flatMap((r, i) => validateRule(r, namespaced, `rules[${i}]`));
}

function validateAggregation(role: ClusterRoleObject): FieldError[] {
  const rule = role.aggregationRule;
  if (rule && !rule.clusterRoleSelectors?.length) return [fieldErrors.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil')];
  return [];
}

function defaultSubjects(binding: BindingObject): void {
  binding.roleRef.apiGroup ||= RBAC_GROUP;
  for (const s of binding.subjects ?? []) if (!s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = RBAC_GROUP;
}

function validateSubject(s: Subject, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.name) errs.push(fieldErrors.required(`${path}.name`));
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.name) for (const msg of dns1123Subdomain(s.name)) errs.push(fieldErrors.invalid(`${path}.name`, s.name, msg));
      if (s.apiGroup) errs.push(fieldErrors.notSupported(`${path}.apiGroup`, s.apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(fieldErrors.required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (!s.name) errs.push(fieldErrors.invalid(`${path}.name`, s.name, `${s.kind.toLowerCase()} name cannot be empty`));
      if (s.apiGroup !== RBAC_GROUP) errs.push(fieldErrors.notSupported(`${path}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]));
      break;
    default:
      errs.push(fieldErrors.notSupported(`${path}.kind`, s.kind, ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

/** Go's %#v of an rbac.RoleRef, as `cannot change roleRef` prints the value. */
function roleRefValue(r: RoleRef): string {
  return `rbac.RoleRef{APIGroup:${JSON.stringify(r.apiGroup)}, Kind:${JSON.stringify(r.kind)}, Name:${JSON.stringify(r.name)}}`;
}

function validateBinding(binding: BindingObject, old: BindingObject | undefined, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = binding.roleRef;
  if (ref.apiGroup !== RBAC_GROUP) errs.push(fieldErrors.notSupported('roleRef.apiGroup', ref.apiGroup, [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind)) errs.push(fieldErrors.notSupported('roleRef.kind', ref.kind, kinds));
  if (!ref.name) errs.push(fieldErrors.required('roleRef.name'));
  else for (const msg of pathSegmentName(ref.name)) errs.push(fieldErrors.invalid('roleRef.name', ref.name, msg));
  (binding.subjects ?? []).forEach((s, i) => errs.push(...validateSubject(s, namespaced, `subjects[${i}]`)));
  if (old && !jsonEqual(old.roleRef, binding.roleRef)) {
    errs.push(new RoleRefChange(roleRefValue(binding.roleRef)));
  }
  return errs;
}

/** `roleRef: Invalid value: rbac.RoleRef{...}: cannot change roleRef`: a value printed as Go prints the struct, unquoted. */
class RoleRefChange extends FieldError {
  constructor(private readonly printed: string) { super('FieldValueInvalid', 'roleRef', printed, 'cannot change roleRef'); }
  override message(): string { return `Invalid value: ${this.printed}: cannot change roleRef`; }
}

function subjectNames(b: BindingObject, kind: string): string {
  return (b.subjects ?? []).filter((s) => s.kind === kind).map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name)).join(', ');
}

function bindingTable(what: string): TableConvertor<BindingObject> {
  return {
    columns: [
      NAME_COLUMN,
      column('Role', 'The role the binding grants.'),
      AGE_COLUMN,
      column('Users', `Users in the ${what}`, 1),
      column('Groups', `Groups in the ${what}`, 1),
      column('ServiceAccounts', `ServiceAccounts in the ${what}`, 1),
    ],
    cells: (b, now) => [
      b.metadata.name, `${b.roleRef.kind}/${b.roleRef.name}`, age(b.metadata.creationTimestamp, now),
      subjectNames(b, 'User'), subjectNames(b, 'Group'), subjectNames(b, 'ServiceAccount'),
    ],
  };
}

const sameRules = (a: KObject, b: KObject) => jsonEqual(a.rules ?? null, b.rules ?? null);

export const roleStrategy: Strategy<RoleObject> = {
  group: RBAC_GROUP, version: 'v1', resource: 'roles',
  singularName: 'role',
  nameFormat: 'path',
  prepareForCreate(obj, ctx) { checkRoleEscalation(ctx.request, 'roles', obj.metadata.name ?? '', obj.metadata.namespace, obj.rules ?? []); },
  prepareForUpdate(obj, old, ctx) { if (!sameRules(obj, old)) checkRoleEscalation(ctx.request, 'roles', obj.metadata.name ?? '', obj.metadata.namespace, obj.rules ?? []); },
  validate: (obj) => validateRules(obj, true),
};

export const clusterRoleStrategy: Strategy<ClusterRoleObject> = {
  group: RBAC_GROUP, version: 'v1', resource: 'clusterroles',
  singularName: 'clusterrole',
  nameFormat: 'path',
  prepareForCreate(obj, ctx) { checkRoleEscalation(ctx.request, 'clusterroles', obj.metadata.name ?? '', undefined, obj.rules ?? []); },
  prepareForUpdate(obj, old, ctx) { if (!sameRules(obj, old)) checkRoleEscalation(ctx.request, 'clusterroles', obj.metadata.name ?? '', undefined, obj.rules ?? []); },
  validate: (obj) => [...validateRules(obj, false), ...validateAggregation(obj)],
};

export const roleBindingStrategy: Strategy<BindingObject> = {
  group: RBAC_GROUP, version: 'v1', resource: 'rolebindings',
  singularName: 'rolebinding',
  nameFormat: 'path',
  defaults: defaultSubjects,
  prepareForCreate(obj, ctx) { checkBindingEscalation(ctx.request, 'rolebindings', obj.metadata.name ?? '', obj.metadata.namespace, obj.roleRef); },
  prepareForUpdate(obj, old, ctx) { if (!jsonEqual(obj.subjects ?? null, old.subjects ?? null)) checkBindingEscalation(ctx.request, 'rolebindings', obj.metadata.name ?? '', obj.metadata.namespace, obj.roleRef); },
  validate: (obj, old) => validateBinding(obj, old, true),
  table: bindingTable('roleBinding'),
};

export const clusterRoleBindingStrategy: Strategy<BindingObject> = {
  group: RBAC_GROUP, version: 'v1', resource: 'clusterrolebindings',
  singularName: 'clusterrolebinding',
  nameFormat: 'path',
  defaults: defaultSubjects,
  prepareForCreate(obj, ctx) { checkBindingEscalation(ctx.request, 'clusterrolebindings', obj.metadata.name ?? '', undefined, obj.roleRef); },
  prepareForUpdate(obj, old, ctx) { if (!jsonEqual(obj.subjects ?? null, old.subjects ?? null)) checkBindingEscalation(ctx.request, 'clusterrolebindings', obj.metadata.name ?? '', undefined, obj.roleRef); },
  validate: (obj, old) => validateBinding(obj, old, false),
  table: bindingTable('clusterRoleBinding'),
};

export const rbacStrategies = [roleStrategy, clusterRoleStrategy, roleBindingStrategy, clusterRoleBindingStrategy];
