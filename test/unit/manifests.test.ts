// Reading manifests as kubectl does, and the order to create them in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installOrder, ManifestError, parseManifests } from '../../src/manifests.js';

test('multi-document YAML, JSON and List kinds become one list of objects', () => {
  const text = [
    'apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}',
    '',
    'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: s}}\n- {apiVersion: v1, kind: Namespace, metadata: {name: x}}',
  ].join('\n---\n');
  assert.deepEqual(parseManifests(text, 'f.yaml').map((o) => `${o.kind}/${o.metadata.name}`), ['Pod/a', 'Service/s', 'Namespace/x']);
  assert.deepEqual(parseManifests('{"apiVersion":"v1","kind":"PodList","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}]}', 'f.json').map((o) => o.metadata.name), ['p']);
});

test('what is not an object says where', () => {
  const refused = (text: string) => { try { parseManifests(text, 'dir/f.yaml'); return ''; } catch (e) { assert.ok(e instanceof ManifestError, 'a ManifestError'); return (e).message; } };
  assert.equal(refused('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n- 1'), 'dir/f.yaml (document 2): not a Kubernetes object');
  assert.equal(refused('kind: Pod\nmetadata: {name: a}'), 'dir/f.yaml: an object needs apiVersion and kind');
  assert.equal(refused('apiVersion: v1\nkind: Pod\nspec: {}'), 'dir/f.yaml: Pod has no metadata.name');
  assert.match(refused('a: [1'), /^dir\/f\.yaml: /);
});

test('namespaces first, owners before what they own, the given order kept within a kind', () => {
  const kinds = ['Pod', 'Widget', 'ReplicationController', 'Namespace', 'Service', 'Pod', 'Event', 'Namespace'];
  const ordered = installOrder(kinds.map((kind, i) => ({ kind, i })), (x) => x.kind);
  assert.deepEqual(ordered.map((x) => `${x.kind}${x.i}`), ['Namespace3', 'Namespace7', 'Service4', 'ReplicationController2', 'Pod0', 'Pod5', 'Event6', 'Widget1']);
});
