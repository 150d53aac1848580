// Which webhooks a request goes to (src/admission/matching.ts), as kube's rules, namespace and
// object matchers decide: operations, groups, versions, resources with subresources, scope,
// matchPolicy Equivalent, selectors on the new or old object and on the namespace's labels.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusError } from '../../src/api/errors.js';
import { isExemptKind, matchRules, namespaceSelectorMatches, objectSelectorMatches, ruleMatches, shouldCall, type RequestAttributes } from '../../src/admission/matching.js';
import { evaluateMatchConditions } from '../../src/admission/match-conditions.js';
import type { Webhook } from '../../src/admission/types.js';

const podCreate: RequestAttributes = {
  operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'pods' }, subresource: '', kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'default',
  object: { metadata: { name: 'p', labels: { app: 'web' } } },
};
const rule = (over: object = {}) => ({ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], ...over });

test('rules match by operation, group, version and resource, with wildcards', () => {
  assert.equal(ruleMatches(rule(), podCreate), true);
  assert.equal(ruleMatches(rule({ operations: ['UPDATE'] }), podCreate), false);
  assert.equal(ruleMatches(rule({ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }), podCreate), true);
  assert.equal(ruleMatches(rule({ apiGroups: ['apps'] }), podCreate), false);
  assert.equal(ruleMatches(rule({ apiVersions: ['v2'] }), podCreate), false);
});

test('a resource without a subresource does not match the subresource; pods/status and */status do', () => {
  const status = { ...podCreate, operation: 'UPDATE' as const, subresource: 'status' };
  assert.equal(ruleMatches(rule({ operations: ['UPDATE'] }), status), false);
  assert.equal(ruleMatches(rule({ operations: ['UPDATE'], resources: ['pods/status'] }), status), true);
  assert.equal(ruleMatches(rule({ operations: ['UPDATE'], resources: ['*/status'] }), status), true);
  assert.equal(ruleMatches(rule({ operations: ['UPDATE'], resources: ['pods/*'] }), status), true);
  assert.equal(ruleMatches(rule({ operations: ['UPDATE'], resources: ['*'] }), status), false);
});

test('scope: Namespaced never matches a Namespace, Cluster matches it and cluster-scoped objects', () => {
  const ns: RequestAttributes = { ...podCreate, resource: { group: '', version: 'v1', resource: 'namespaces' }, kind: { group: '', version: 'v1', kind: 'Namespace' }, namespace: 'team' };
  const any = { operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] };
  assert.deepEqual([ruleMatches({ ...any, scope: 'Namespaced' }, ns), ruleMatches({ ...any, scope: 'Cluster' }, ns)], [false, true]);
  assert.deepEqual([ruleMatches({ ...any, scope: 'Namespaced' }, podCreate), ruleMatches({ ...any, scope: 'Cluster' }, podCreate)], [true, false]);
});

test('matchPolicy Equivalent matches the same objects at another version; Exact does not', () => {
  const events: RequestAttributes = { ...podCreate, resource: { group: '', version: 'v1', resource: 'events' }, kind: { group: '', version: 'v1', kind: 'Event' } };
  const other = { resource: { group: 'events.k8s.io', version: 'v1', resource: 'events' }, kind: { group: 'events.k8s.io', version: 'v1', kind: 'Event' } };
  const hook: Webhook = { rules: [rule({ apiGroups: ['events.k8s.io'], resources: ['events'] })], matchPolicy: 'Equivalent' };
  assert.deepEqual(matchRules(hook, events, [other]), other);
  assert.equal(matchRules({ ...hook, matchPolicy: 'Exact' }, events, [other]), undefined);
});

test('the object selector matches the new or the old object', () => {
  const update: RequestAttributes = { ...podCreate, operation: 'UPDATE', object: { metadata: { labels: {} } }, oldObject: { metadata: { labels: { app: 'web' } } } };
  assert.equal(objectSelectorMatches({ matchLabels: { app: 'web' } }, update), true);
  assert.equal(objectSelectorMatches({ matchLabels: { app: 'db' } }, update), false);
  assert.equal(objectSelectorMatches({}, update), true);
  assert.equal(objectSelectorMatches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, { ...podCreate, operation: 'DELETE', object: undefined, oldObject: podCreate.object }), false);
});

test('the namespace selector reads the namespace\'s labels; cluster-scoped objects always match; a missing namespace is a 404', () => {
  const labels = (name: string) => (name === 'default' ? { env: 'prod' } : undefined);
  assert.equal(namespaceSelectorMatches({ matchLabels: { env: 'prod' } }, podCreate, labels), true);
  assert.equal(namespaceSelectorMatches({ matchLabels: { env: 'dev' } }, podCreate, labels), false);
  assert.equal(namespaceSelectorMatches({ matchLabels: { env: 'dev' } }, { ...podCreate, namespace: '' }, labels), true);
  assert.throws(() => namespaceSelectorMatches({ matchLabels: { env: 'dev' } }, { ...podCreate, namespace: 'gone' }, labels), (e: unknown) => e instanceof StatusError && e.code === 404);
  const newNamespace: RequestAttributes = { ...podCreate, resource: { group: '', version: 'v1', resource: 'namespaces' }, namespace: 'fresh', object: { metadata: { labels: { env: 'dev' } } } };
  assert.equal(namespaceSelectorMatches({ matchLabels: { env: 'dev' } }, newNamespace, labels), true);
});

test('shouldCall: selectors first, then rules; a selector error only counts when the rules match', () => {
  const hook: Webhook = { rules: [rule()], namespaceSelector: { matchLabels: { env: 'x' } } };
  assert.throws(() => shouldCall(hook, { ...podCreate, namespace: 'gone' }, [], () => undefined), StatusError);
  assert.equal(shouldCall({ ...hook, rules: [rule({ operations: ['DELETE'] })] }, { ...podCreate, namespace: 'gone' }, [], () => undefined), undefined);
  assert.deepEqual(shouldCall({ rules: [rule()] }, podCreate, [], () => ({})), { resource: podCreate.resource, kind: podCreate.kind });
});

test('the kinds that configure admission are exempt', () => {
  assert.equal(isExemptKind({ group: 'admissionregistration.k8s.io', version: 'v1', kind: 'ValidatingWebhookConfiguration' }), true);
  assert.equal(isExemptKind({ group: '', version: 'v1', kind: 'Pod' }), false);
});

test('matchConditions: all must hold; a false one decides even beside an error; an error alone is reported', () => {
  const vars = { object: { metadata: { name: 'a', labels: { team: 'x' } } }, oldObject: null, request: { operation: 'CREATE' } };
  assert.deepEqual(evaluateMatchConditions([{ name: 'team', expression: 'object.metadata.labels.team == "x"' }, { name: 'op', expression: 'request.operation == "CREATE"' }], vars), { matches: true });
  assert.deepEqual(evaluateMatchConditions([{ name: 'broken', expression: 'object.nothere == 1' }, { name: 'no', expression: 'request.operation == "DELETE"' }], vars), { matches: false });
  const error = evaluateMatchConditions([{ name: 'broken', expression: 'object.nothere == 1' }], vars);
  assert.ok('error' in error && error.error.startsWith("expression 'broken' resulted in error: "), JSON.stringify(error));
  assert.deepEqual(evaluateMatchConditions([{ name: 'not-bool', expression: '"yes"' }], vars), { error: "expression 'not-bool' resulted in error: must evaluate to bool" });
});
