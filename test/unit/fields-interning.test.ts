// FieldsV1 interning: equal trees become one object, and nothing a client sees changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyCached, copyTopLevels, heldNode, internTree, internValues } from '../../src/api/fields-interning.js';
import { FieldSet } from '../../src/api/fieldset.js';
import type { KObject } from '../../src/api/types.js';

const tree = (ip: string) => ({ 'f:status': { 'f:phase': {}, 'f:podIPs': { '.': {}, [`k:{"ip":"${ip}"}`]: { '.': {}, 'f:ip': {} } }, 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {} } } } });

test('equal trees are held once; different ones share their equal subtrees', () => {
  const a = internTree(tree('10.0.0.1'));
  assert.equal(internTree(tree('10.0.0.1')), a);
  const b = internTree(tree('10.0.0.2'));
  assert.notEqual(b, a);
  assert.deepEqual(b, tree('10.0.0.2'));
  const status = (t: Record<string, unknown>) => t['f:status'] as Record<string, unknown>;
  assert.equal(status(b)['f:conditions'], status(a)['f:conditions']);
  assert.notEqual(status(b)['f:podIPs'], status(a)['f:podIPs']);
});

test('trees with the same keys in another order stay apart (their JSON differs)', () => {
  const x = internTree({ 'f:a': {}, 'f:b': { 'f:c': {} } });
  const y = internTree({ 'f:b': { 'f:c': {} }, 'f:a': {} });
  assert.notEqual(x, y);
  assert.equal(JSON.stringify(y), '{"f:b":{"f:c":{}},"f:a":{}}');
  assert.equal(x['f:b'], y['f:b']);
  assert.equal(internTree({ 'f:a': {}, 'f:b': { 'f:c': {} } }), x);
});

test('many distinct trees stay distinct, and each is found again', () => {
  const make = (i: number) => ({ [`f:k${i}`]: { '.': {}, [`k:{"i":${i * 7}}`]: {} }, 'f:same': {} });
  const held = Array.from({ length: 5000 }, (_, i) => internTree(make(i)));
  assert.equal(new Set(held).size, 5000);
  for (let i = 0; i < 5000; i += 37) assert.equal(internTree(make(i)), held[i]);
  for (let i = 0; i < 5000; i += 371) assert.deepEqual(held[i], make(i));
});

test('values that are not FieldsV1 trees are never merged', () => {
  const x = internTree({ 'f:a': { v: 1 } });
  const y = internTree({ 'f:a': { v: 2 } });
  assert.deepEqual([x, y], [{ 'f:a': { v: 1 } }, { 'f:a': { v: 2 } }]);
});

test('an object keeps its JSON when its managedFields are interned', () => {
  const entry = (ip: string) => ({ manager: 'kubelet', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: tree(ip) });
  const entries = [entry('10.0.0.9'), entry('10.0.0.9'), entry('10.0.0.9')];
  const objects: KObject[] = entries.map((e) => ({ metadata: { name: 'p', managedFields: [e] } }));
  const json = JSON.stringify(objects[2]);
  for (const o of objects) internValues(o);
  assert.equal(JSON.stringify(objects[2]), json);
  const [, second, third] = objects.map((o) => (o.metadata.managedFields as { fieldsV1: unknown }[])[0]);
  assert.equal(third.fieldsV1, second.fieldsV1);
  assert.equal(third, second, 'the entries too: the same manager, operation and tree');
});

test('copyCached: a deep copy in the same key order, sharing only held FieldsV1 trees', () => {
  const cached: KObject = {
    kind: 'Pod', apiVersion: 'v1',
    metadata: { name: 'p', labels: { a: '1' }, managedFields: [
      { manager: 'kubelet', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:phase': {} } }, subresource: 'status' },
      { manager: 'never-interned', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } },
    ] },
    spec: { containers: [{ name: 'c' }] }, status: { phase: 'Running' },
  };
  const kubeletEntry = cached.metadata.managedFields![0] as { fieldsV1: Record<string, unknown> };
  kubeletEntry.fieldsV1 = internTree(kubeletEntry.fieldsV1);
  const copy = copyCached(cached);
  assert.equal(JSON.stringify(copy), JSON.stringify(cached));
  const [kubelet, other] = copy.metadata.managedFields as { fieldsV1: unknown }[];
  const [heldKubelet, notHeld] = cached.metadata.managedFields as { fieldsV1: unknown }[];
  assert.equal(kubelet.fieldsV1, heldKubelet.fieldsV1, 'a held tree is shared');
  assert.notEqual(kubelet, heldKubelet, 'its entry is a copy');
  assert.notEqual(other.fieldsV1, notHeld.fieldsV1, 'a tree not held is copied');
  assert.notEqual(copy.spec, cached.spec);
  assert.notEqual((copy.spec as { containers: unknown[] }).containers[0], (cached.spec as { containers: unknown[] }).containers[0]);
  assert.notEqual(copy.metadata.labels, cached.metadata.labels);
});

test('a set emitted through heldNode is the held tree: the same JSON as a plain emit, and the same object as interning it', () => {
  const set = FieldSet.fromPaths([
    ['f:spec', 'f:containers', 'k:{"name":"web"}'], ['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'],
    ['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:ports', 'k:{"containerPort":8080,"protocol":"TCP"}'],
    ['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:ports', 'k:{"containerPort":8080,"protocol":"TCP"}', 'f:containerPort'],
    ['f:metadata', 'f:labels', 'f:app'], ['f:spec', 'f:restartPolicy'], ['f:spec', 'f:finalizers', 'v:"a"'], ['f:spec', 'f:args', 'i:10'], ['f:spec', 'f:args', 'i:9'],
  ]);
  const plain = set.toFieldsV1();
  const held = set.toFieldsV1(heldNode);
  assert.equal(JSON.stringify(held), JSON.stringify(plain));
  assert.equal(JSON.stringify(plain), '{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:args":{"i:9":{},"i:10":{}},"f:containers":{"k:{\\"name\\":\\"web\\"}":{".":{},"f:image":{},"f:ports":{"k:{\\"containerPort\\":8080,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{}}}}},"f:finalizers":{"v:\\"a\\"":{}},"f:restartPolicy":{}}}');
  assert.equal(set.toFieldsV1(heldNode), held, 'emitted again: the held tree, no new node');
  assert.equal(internTree(plain), held, 'interning the plain tree finds the one heldNode made');
  const spec = (t: Record<string, unknown>) => t['f:spec'] as Record<string, unknown>;
  const other = FieldSet.fromPaths([['f:spec', 'f:restartPolicy'], ['f:spec', 'f:args', 'i:10'], ['f:spec', 'f:args', 'i:9']]).toFieldsV1(heldNode);
  assert.equal(spec(other)['f:args'], spec(held)['f:args'], 'equal subtrees of different trees are one object');
  assert.equal(heldNode([], []), heldNode([], []), 'leaves are one object');
  assert.throws(() => heldNode(['f:a'], [{ 'f:b': {} }]), /not a held tree/);
});

/** A pod as a ReplicationController's template makes them: the same spec but for its own volume's name and node. */
function templatePod(i: number, node: string, time: string): KObject {
  return JSON.parse(JSON.stringify({
    kind: 'Pod', apiVersion: 'v1',
    metadata: { name: `rc-0-${i}`, uid: `uid-${i}`, labels: { rc: 'rc-0' }, ownerReferences: [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'rc-0', uid: 'rc-uid', controller: true }] },
    spec: {
      volumes: [{ name: `kube-api-access-${i}`, projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }], defaultMode: 420 } }],
      containers: [{ name: 'c', image: 'registry.example.com/app:1', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
      nodeName: node,
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
      securityContext: {},
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: time }], podIP: `10.244.0.${i}` },
  })) as KObject;
}

test('internValues: a controller\'s pods share their equal nodes, held from the second sight, and each keeps its JSON', () => {
  const pods = [0, 1, 2, 3].map((i) => templatePod(i, `node-${i % 2}`, '2026-12-07T10:00:00Z'));
  const texts = pods.map((p) => JSON.stringify(p));
  for (const p of pods) internValues(p);
  assert.deepEqual(pods.map((p) => JSON.stringify(p)), texts);
  const spec = (p: KObject) => p.spec as { tolerations: unknown[]; volumes: { projected: unknown }[]; containers: { resources: unknown }[]; securityContext: unknown };
  const status = (p: KObject) => p.status as { conditions: unknown[] };
  // The first sight is remembered, the second held, and later ones are the held node.
  assert.notEqual(spec(pods[0]).tolerations, spec(pods[1]).tolerations);
  assert.equal(spec(pods[2]).tolerations, spec(pods[1]).tolerations);
  assert.equal(spec(pods[3]).volumes[0].projected, spec(pods[1]).volumes[0].projected);
  assert.equal(spec(pods[3]).containers[0].resources, spec(pods[1]).containers[0].resources);
  assert.equal(status(pods[3]).conditions, status(pods[1]).conditions);
  assert.equal(pods[3].metadata.ownerReferences, pods[1].metadata.ownerReferences);
  assert.equal(spec(pods[3]).securityContext, spec(pods[0]).securityContext, 'an empty object is the one leaf');
  // Nodes of a pod's own (its volume's name, its IP) are neither merged nor held.
  assert.notEqual(spec(pods[3]).volumes, spec(pods[2]).volumes);
  assert.equal(Object.isFrozen(spec(pods[3]).volumes[0]), false);
  assert.equal(Object.isFrozen(pods[3].status), false);
  // A held node is frozen: a change in place would reach every pod sharing it.
  assert.throws(() => { (spec(pods[3]).tolerations).push({}); }, TypeError);
  // The object and its metadata stay the cache's to finish.
  pods[3].metadata.resourceVersion = '42';
  assert.equal(pods[3].metadata.resourceVersion, '42');
});

test('internValues: nodes merge only when their JSON is the same (key order, types, arrays against objects)', () => {
  const make = (status: unknown) => JSON.parse(JSON.stringify({ kind: 'X', metadata: { name: 'x' }, status })) as KObject;
  const values = [{ a: 1, b: 2 }, { b: 2, a: 1 }, { a: '1', b: 2 }, ['a', 'b'], { 0: 'a', 1: 'b' }, [1, 2], [2, 1], [[]], [{}]];
  const texts = values.map((v) => JSON.stringify(v));
  const seen: KObject[] = [];
  // Three sights each: held at the second, shared at the third.
  for (let round = 0; round < 3; round++) for (const v of values) { const o = make(v); internValues(o); seen.push(o); }
  const third = seen.slice(values.length * 2);
  assert.deepEqual(third.map((o) => JSON.stringify(o.status)), texts);
  assert.equal(new Set(third.map((o) => o.status)).size, values.length);
  for (let i = 0; i < values.length; i++) assert.equal(third[i].status, seen[values.length + i].status, texts[i]);
});

test('copyTopLevels: the object and its top-level objects are the copy\'s own, deeper nodes the cached ones', () => {
  const pods = [0, 1, 2].map((i) => templatePod(i, 'node-0', '2026-12-07T10:00:00Z'));
  for (const p of pods) internValues(p);
  const cached = pods[2];
  const text = JSON.stringify(cached);
  const copy = copyTopLevels(cached);
  assert.equal(JSON.stringify(copy), text);
  for (const k of ['metadata', 'spec', 'status'] as const) assert.notEqual(copy[k], cached[k], k);
  const spec = (p: KObject) => p.spec as { nodeName?: string; tolerations: unknown[] };
  assert.equal(spec(copy).tolerations, spec(cached).tolerations, 'a held node is shared, not copied');
  // What a binding does: top-level fields set or replaced; the cached object is untouched.
  spec(copy).nodeName = 'node-1';
  copy.metadata.annotations = { a: 'b' };
  (copy.status as { conditions: unknown[] }).conditions = [];
  assert.equal(JSON.stringify(cached), text);
  // A change in place below the top levels would reach the cached object: on a held node it throws.
  assert.throws(() => { spec(copy).tolerations.push({}); }, TypeError);
  assert.equal(JSON.stringify(cached), text);
});

test('the table is bounded: a held node no write meets for two generations is found no more (its objects keep it), one met often stays found', () => {
  const often = internTree({ 'f:often': { 'f:x': {} } });
  const rare = internTree({ 'f:rare': { 'f:y': {} } });
  for (let i = 0; i < 70_000; i++) {
    internTree({ [`f:bounded-${i}`]: {} });
    if (i % 1000 === 0) assert.equal(internTree({ 'f:often': { 'f:x': {} } }), often);
  }
  assert.equal(internTree({ 'f:often': { 'f:x': {} } }), often);
  const again = internTree({ 'f:rare': { 'f:y': {} } });
  assert.notEqual(again, rare);
  assert.deepEqual(again, rare);
  assert.equal(internTree({ 'f:rare': { 'f:y': {} } }), again, 'held anew, and found from then on');
});
