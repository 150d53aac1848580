// Server-side apply and field ownership against cases whose outcome kube-apiserver gives.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FieldSet, pathString } from '../../src/api/fieldset.js';
import { apply, ApplyConflictError, compare, recordUpdate, toFieldSet } from '../../src/api/managed-fields.js';
import { loadOpenAPI } from '../../src/api/openapi.js';
import { SchemaNode } from '../../src/api/schema-navigator.js';
import type { KObject } from '../../src/api/types.js';

const schemas = loadOpenAPI().find((d) => d.path === 'api/v1')!.document.components.schemas;
const podSchema = SchemaNode.root(schemas, 'io.k8s.api.core.v1.Pod');
const svcSchema = SchemaNode.root(schemas, 'io.k8s.api.core.v1.Service');
const writer = (manager: string, operation: 'Apply' | 'Update' = 'Apply', subresource?: string) => ({ manager, operation, subresource, apiVersion: 'v1', time: '2026-01-01T00:00:00Z' });
const pod = (containers: object[], labels: Record<string, string> = {}): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels }, spec: { containers } });
const fields = (obj: KObject, manager: string) => (obj.metadata.managedFields as any[]).find((m) => m.manager === manager)?.fieldsV1;

describe('field sets', () => {
  test('FieldsV1 round trip, with "." where a path is a member and has children', () => {
    const json = { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"main"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } };
    assert.deepEqual(FieldSet.fromFieldsV1(json).toFieldsV1(), json);
  });

  test('toFieldSet: list items keyed by merge keys (sorted), map entries, scalars', () => {
    const svc = { spec: { ports: [{ protocol: 'TCP', port: 80 }], selector: { app: 'x' } } };
    assert.deepEqual(toFieldSet(svc, svcSchema).toFieldsV1(), {
      'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:protocol': {} } }, 'f:selector': {} },
    });
  });

  test('conflict paths print as kube prints them', () => {
    assert.equal(pathString(['f:spec', 'f:containers', 'k:{"name":"main"}', 'f:image']), '.spec.containers[name="main"].image');
    assert.equal(pathString(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}']), '.spec.ports[port=80,protocol="TCP"]');
    assert.equal(pathString(['f:metadata', 'f:finalizers', 'v:"a"']), '.metadata.finalizers[="a"]');
  });

  test('compare: added, modified and removed paths', () => {
    const c = compare(pod([{ name: 'a', image: '1' }], { x: '1' }), pod([{ name: 'a', image: '2' }, { name: 'b', image: '1' }]), podSchema);
    assert.deepEqual(c.modified.paths().map(pathString), ['.spec.containers[name="a"].image']);
    assert.ok(c.added.has(['f:spec', 'f:containers', 'k:{"name":"b"}']));
    assert.ok(c.removed.has(['f:metadata', 'f:labels', 'f:x']));
  });
});

describe('updates', () => {
  test('an Update owns what it added or changed, taking it from other managers', () => {
    const created = pod([{ name: 'a', image: '1' }], { app: 'x' });
    recordUpdate(undefined, created, podSchema, writer('creator', 'Update'), true);
    assert.deepEqual(fields(created, 'creator'), { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } });
    const next = structuredClone(created);
    (next.spec as any).containers[0].image = '2';
    recordUpdate(created, next, podSchema, writer('editor', 'Update'), true);
    assert.deepEqual(fields(next, 'editor'), { 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { 'f:image': {} } } } });
    assert.equal(fields(next, 'creator')['f:spec']['f:containers']['k:{"name":"a"}']['f:image'], undefined);
  });

  test('status writes are recorded with subresource status and only for status', () => {
    const before: KObject = { ...pod([{ name: 'a', image: '1' }]), status: { phase: 'Pending' } };
    const after: KObject = { ...structuredClone(before), status: { phase: 'Running' } };
    recordUpdate(before, after, podSchema, writer('kubelet', 'Update', 'status'), true);
    const entry = (after.metadata.managedFields as any[])[0];
    assert.deepEqual([entry.manager, entry.subresource, entry.fieldsV1], ['kubelet', 'status', { 'f:status': { 'f:phase': {} } }]);
  });
});

describe('server-side apply', () => {
  test('apply merges containers by name and owns exactly what it applied', () => {
    const live = apply(undefined, pod([{ name: 'a', image: '1' }], { app: 'x' }), podSchema, writer('m1'), false, true);
    assert.deepEqual(fields(live, 'm1'), { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } });
    const merged = apply(live, pod([{ name: 'b', image: '1' }]), podSchema, writer('m2'), false, true);
    assert.deepEqual((merged.spec as any).containers.map((c: any) => c.name), ['a', 'b']);
  });

  test('a field the applier no longer applies is removed, unless another manager owns it', () => {
    let live = apply(undefined, pod([{ name: 'a', image: '1' }], { app: 'x', tier: 'web' }), podSchema, writer('m1'), false, true);
    live = apply(live, pod([{ name: 'a', image: '1' }], { app: 'x' }), podSchema, writer('m1'), false, true);
    assert.deepEqual(live.metadata.labels, { app: 'x' });
    live = apply(live, pod([{ name: 'a', image: '1' }], { app: 'x', shared: 'y' }), podSchema, writer('m1'), false, true);
    live = apply(live, pod([{ name: 'a', image: '1' }], { shared: 'y' }), podSchema, writer('m2'), false, true);
    live = apply(live, pod([{ name: 'a', image: '1' }], { app: 'x' }), podSchema, writer('m1'), false, true);
    assert.deepEqual(live.metadata.labels, { app: 'x', shared: 'y' }, 'm2 still owns shared');
  });

  test('changing a field another manager owns conflicts; force takes it; same value co-owns', () => {
    const live = apply(undefined, pod([{ name: 'a', image: '1' }]), podSchema, writer('m1'), false, true);
    assert.throws(() => apply(live, pod([{ name: 'a', image: '2' }]), podSchema, writer('m2'), false, true), (e: ApplyConflictError) => {
      assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "m1": .spec.containers[name="a"].image');
      assert.deepEqual(e.causes(), [{ reason: 'FieldManagerConflict', message: 'conflict with "m1"', field: '.spec.containers[name="a"].image' }]);
      return true;
    });
    const shared = apply(live, pod([{ name: 'a', image: '1' }]), podSchema, writer('m2'), false, true);
    assert.ok(fields(shared, 'm1')['f:spec'] && fields(shared, 'm2')['f:spec'], 'both own the image');
    const forced = apply(live, pod([{ name: 'a', image: '2' }]), podSchema, writer('m2'), true, true);
    assert.equal((forced.spec as any).containers[0].image, '2');
    assert.equal(fields(forced, 'm1')['f:spec']['f:containers']['k:{"name":"a"}']['f:image'], undefined);
  });

  test('conflicts with Update managers name their version and time; several are grouped', () => {
    const created = pod([{ name: 'a', image: '1' }], { app: 'x' });
    recordUpdate(undefined, created, podSchema, writer('kubectl-edit', 'Update'), true);
    assert.throws(() => apply(created, pod([{ name: 'a', image: '2' }], { app: 'y' }), podSchema, writer('m2'), false, true), (e: Error) => {
      assert.equal(e.message, 'Apply failed with 2 conflicts: conflicts with "kubectl-edit" using v1 at 2026-01-01T00:00:00Z:\n- .metadata.labels.app\n- .spec.containers[name="a"].image');
      return true;
    });
  });

  test('atomic lists are replaced whole', () => {
    const live = apply(undefined, { ...pod([{ name: 'a', image: '1', args: ['x', 'y'] }]) }, podSchema, writer('m1'), false, true);
    const next = apply(live, pod([{ name: 'a', image: '1', args: ['z'] }]), podSchema, writer('m1'), false, true);
    assert.deepEqual((next.spec as any).containers[0].args, ['z']);
    assert.deepEqual(fields(next, 'm1')['f:spec']['f:containers']['k:{"name":"a"}']['f:args'], {});
  });
});
