// RBAC's rule algebra, pure: whether a PolicyRule allows a request (kube's RuleAllows with its
// verb, group, resource/subresource, resourceName and non-resource URL matching), whether one
// set of rules covers another (the escalation check's Covers, over rules broken into atoms), the
// compaction of what is missing and its CompactString form, and which binding subjects a user is.

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject { kind: string; apiGroup?: string; name: string; namespace?: string }
export interface RoleRef { apiGroup: string; kind: string; name: string }

/** Who is asking: a user as authentication (or impersonation) made them. */
export interface User { username: string; uid?: string; groups: string[] }

/** What a request does, as kube's authorizer.Attributes. */
export type Attributes =
  | { user: User; resourceRequest: true; verb: string; apiGroup: string; resource: string; subresource?: string; namespace?: string; name?: string }
  | { user: User; resourceRequest: false; verb: string; path: string };

const ALL = '*';

const has = (set: readonly string[] | undefined, item: string) => !!set && set.includes(item);
const hasAll = (set: readonly string[] | undefined, items: readonly string[] | undefined) => (items ?? []).every((i) => has(set, i));

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return has(rule.verbs, ALL) || has(rule.verbs, verb);
}

/** `*`, the combined `resource/subresource`, or `*∕subresource` for any resource's subresource. */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string | undefined): boolean {
  return (rule.resources ?? []).some((r) => r === ALL || r === combined || (!!subresource && r.startsWith('*/') && r.slice(2) === subresource));
}

/** An exact path, `*`, or a prefix ending in `*`. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some((u) => u === ALL || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
}

export function ruleAllows(attrs: Attributes, rule: PolicyRule): boolean {
  if (!attrs.resourceRequest) return verbMatches(rule, attrs.verb) && nonResourceURLMatches(rule, attrs.path);
  const combined = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const names = rule.resourceNames ?? [];
  return verbMatches(rule, attrs.verb)
    && (has(rule.apiGroups, ALL) || has(rule.apiGroups, attrs.apiGroup))
    && resourceMatches(rule, combined, attrs.subresource)
    && (names.length === 0 || has(names, attrs.name ?? ''));
}

/** The username of a service account, as its tokens authenticate. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** Whether `subject` of a binding in `namespace` ('' for cluster bindings) names `user`. */
export function appliesTo(user: User, subject: Subject, namespace: string): boolean {
  switch (subject.kind) {
    case 'User': return user.username === subject.name;
    case 'Group': return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || namespace;
      return !!ns && user.username === serviceAccountUsername(ns, subject.name);
    }
    default: return false;
  }
}

/** One rule per group × resource × verb (× name), and per URL × verb: what Covers checks one by one. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        if (rule.resourceNames?.length) for (const name of rule.resourceNames) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

function resourcesCover(owned: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  if (has(owned, ALL) || hasAll(owned, wanted)) return true;
  return (wanted ?? []).every((path) => {
    if (has(owned, path)) return true;
    const slash = path.indexOf('/');
    return slash >= 0 && has(owned, `*/${path.slice(slash + 1)}`);
  });
}

function urlsCover(owned: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  return (wanted ?? []).every((path) => (owned ?? []).some((o) => o === path || (o.endsWith('*') && path.startsWith(o.replace(/\*+$/, '')))));
}

/** Whether `owner` grants everything `sub` does (ruleCovers). */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, ALL) || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, ALL) || hasAll(owner.apiGroups, sub.apiGroups);
  const ownerNames = owner.resourceNames ?? [];
  const names = sub.resourceNames?.length ? ownerNames.length === 0 || hasAll(ownerNames, sub.resourceNames) : ownerNames.length === 0;
  return verbs && groups && resourcesCover(owner.resources, sub.resources) && names && urlsCover(owner.nonResourceURLs, sub.nonResourceURLs);
}

/** Whether `owned` covers every rule of `wanted`, and the atoms it does not. */
export function covers(owned: readonly PolicyRule[], wanted: readonly PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing = wanted.flatMap(breakdownRule).filter((atom) => !owned.some((o) => ruleCovers(o, atom)));
  return { covered: missing.length === 0, missing };
}

/** Rules of one group, one resource and at most one name merged into one rule with all their verbs (CompactRules). */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple = (r.resourceNames?.length ?? 0) <= 1 && !r.nonResourceURLs?.length && r.apiGroups?.length === 1 && r.resources?.length === 1;
    if (!isSimple) { out.push(r); continue; }
    const key = JSON.stringify([r.apiGroups, r.resources, r.resourceNames ?? []]);
    const existing = simple.get(key);
    if (existing) existing.verbs = [...existing.verbs, ...r.verbs];
    else simple.set(key, { ...r, verbs: [...r.verbs] });
  }
  return [...out, ...simple.values()];
}

/** Go's %q of a []string: `["a" "b"]`. */
export function quotedList(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** A rule as kube prints it in escalation errors: `{APIGroups:[""], Resources:["pods"], Verbs:["create"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${quotedList(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${quotedList(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${quotedList(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${quotedList(r.resourceNames)}`);
  if (r.verbs.length) parts.push(`Verbs:${quotedList(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}
