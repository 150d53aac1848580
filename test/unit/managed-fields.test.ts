// Server-side apply and field ownership against cases whose outcome kube-apiserver gives.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FieldSet, pathString } from '../../src/api/fieldset.js';
import { apply, ApplyConflictError, compare, createdFields, recordUpdate, toFieldSet, writtenFields } from '../../src/api/managed-fields.js';
import { heldNode } from '../../src/api/fields-interning.js';
import { OpenAPILibrary } from '../../src/api/openapi.js';
import { SchemaNode } from '../../src/api/schema-navigator.js';
import type { KObject } from '../../src/api/types.js';

const core = new OpenAPILibrary().document('', 'v1');
if (!core) throw new Error('no OpenAPI document for api/v1');
const schemas = core.components.schemas;
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

  test('a write stamps only its writer; managers that lose fields to it keep their time and version', () => {
    const at = (manager: string, day: number, operation: 'Apply' | 'Update' = 'Apply') => ({ manager, operation, apiVersion: 'v1', time: `2026-01-0${day}T00:00:00Z` });
    const entry = (o: KObject, manager: string) => (o.metadata.managedFields as any[]).find((m) => m.manager === manager);
    let live = apply(undefined, pod([{ name: 'a', image: '1' }, { name: 'b', image: '1' }]), podSchema, at('m1', 1), false, true);
    const edited = structuredClone(live);
    (edited.spec as any).containers[1].image = '2';
    edited.metadata.labels = { by: 'editor' };
    recordUpdate(live, edited, podSchema, at('editor', 2, 'Update'), true);
    live = apply(edited, pod([{ name: 'a', image: '3' }]), podSchema, at('m2', 3), true, true);
    assert.equal(entry(live, 'm1').time, '2026-01-01T00:00:00Z', 'm1 lost a\'s image to a forced apply');
    live = apply(live, pod([{ name: 'a', image: '3' }]), podSchema, at('m1', 4), false, true);
    assert.deepEqual((live.spec as any).containers.map((c: any) => c.name), ['a']);
    assert.deepEqual([entry(live, 'editor').time, entry(live, 'editor').fieldsV1], ['2026-01-02T00:00:00Z', { 'f:metadata': { 'f:labels': { 'f:by': {} } } }], 'the editor lost b\'s image with b');
    assert.equal(entry(live, 'm1').time, '2026-01-04T00:00:00Z');
    live = apply(live, pod([{ name: 'a', image: '3' }]), podSchema, at('m1', 5), false, true);
    assert.equal(entry(live, 'm1').time, '2026-01-04T00:00:00Z', 'an apply that changes nothing stamps nothing');
    live = apply(live, pod([{ name: 'a', image: '3' }], { by: 'editor' }), podSchema, at('m2', 6), false, true);
    live = apply(live, pod([{ name: 'a', image: '4' }], { by: 'editor' }), podSchema, at('m2', 7), true, true);
    assert.deepEqual([entry(live, 'm2').time, entry(live, 'm1').time], ['2026-01-07T00:00:00Z', '2026-01-04T00:00:00Z'], 'the object changed, m2\'s set did not; m1 lost the image');
  });

  test('a write leaves the stored object it read untouched; changing only fields it owns keeps the writer\'s FieldsV1 as read', () => {
    const at = (day: number) => ({ manager: 'editor', operation: 'Update' as const, apiVersion: 'v1', time: `2026-01-0${day}T00:00:00Z` });
    const created = pod([{ name: 'a', image: '1' }], { x: '1' });
    recordUpdate(undefined, created, podSchema, at(1), true);
    const stored = structuredClone(created);
    const frozen = JSON.stringify(stored);
    // The store hands the write the stored object's entries (they are the cache's, shared with readers).
    const relabelled = { ...structuredClone(stored), metadata: { ...structuredClone(stored.metadata), labels: { x: '2' }, managedFields: stored.metadata.managedFields } };
    recordUpdate(stored, relabelled, podSchema, at(2), true);
    assert.equal(JSON.stringify(stored), frozen, 'the object read is not changed');
    assert.equal(fields(relabelled, 'editor'), fields(stored, 'editor'), 'the same FieldsV1 object: its set did not change');
    assert.equal((relabelled.metadata.managedFields as any[])[0].time, '2026-01-02T00:00:00Z');
    // Renaming a label (one field gone, one added: the same count) changes the set.
    const renamed = { ...structuredClone(relabelled), metadata: { ...structuredClone(relabelled.metadata), labels: { y: '2' }, managedFields: relabelled.metadata.managedFields } };
    recordUpdate(relabelled, renamed, podSchema, at(3), true);
    assert.deepEqual(fields(renamed, 'editor')['f:metadata'], { 'f:labels': { '.': {}, 'f:y': {} } });
  });

  test('atomic lists are replaced whole', () => {
    const live = apply(undefined, { ...pod([{ name: 'a', image: '1', args: ['x', 'y'] }]) }, podSchema, writer('m1'), false, true);
    const next = apply(live, pod([{ name: 'a', image: '1', args: ['z'] }]), podSchema, writer('m1'), false, true);
    assert.deepEqual((next.spec as any).containers[0].args, ['z']);
    assert.deepEqual(fields(next, 'm1')['f:spec']['f:containers']['k:{"name":"a"}']['f:args'], {});
  });
});

// ---- what an applier drops ---------------------------------------------------------------------
// Each case is a sequence of writes and the object and managedFields kube-apiserver ends with.
// The rule (structured-merge-diff's prune): what the applier applied last time and no longer
// applies goes, unless a manager owns it; a list item or map entry goes whole once nobody owns
// the item itself, whoever owns fields inside it. Fields only defaulting set are owned by nobody;
// `defaults` stands for the server's defaulting between writes.

interface Step {
  manager: string;
  /** An apply configuration; or else `update`, an Update that edits the live object. */
  apply?: KObject;
  update?: (live: any) => void;
  force?: boolean;
  /** The apply fails with this conflict message and leaves the object as it was. */
  conflict?: string;
}

interface DropCase {
  name: string;
  schema: SchemaNode;
  steps: Step[];
  /** The part of the final object the case is about. */
  part: (o: any) => unknown;
  want: unknown;
  /** Each manager's FieldsV1 at the end; undefined: the manager has no entry. */
  managed: Record<string, object | undefined>;
}

const svcOf = (spec: object): KObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec });
const podOf = (spec: object, metadata: object = {}): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...metadata }, spec });
const K = (key: object) => `k:${JSON.stringify(key)}`;

/** What the server's defaulting adds that these cases depend on: port protocols. */
function defaults(o: any): void {
  for (const p of o.spec?.ports ?? []) p.protocol ??= 'TCP';
  for (const c of o.spec?.containers ?? []) for (const p of c.ports ?? []) p.protocol ??= 'TCP';
}

const dropCases: DropCase[] = [
  {
    name: 'Service port 80 -> 81 (keys port,protocol; protocol defaulted): one port, 81',
    schema: svcSchema,
    steps: [
      { manager: 'kubectl', apply: svcOf({ ports: [{ name: 'http', port: 80, targetPort: 8080 }] }) },
      { manager: 'kubectl', apply: svcOf({ ports: [{ name: 'http', port: 81, targetPort: 8080 }] }) },
    ],
    part: (o) => o.spec.ports,
    want: [{ name: 'http', port: 81, targetPort: 8080, protocol: 'TCP' }],
    managed: { kubectl: { 'f:spec': { 'f:ports': { [K({ port: 81, protocol: 'TCP' })]: { '.': {}, 'f:name': {}, 'f:port': {}, 'f:targetPort': {} } } } } },
  },
  {
    name: 'Service port with an explicit protocol matches the defaulted one',
    schema: svcSchema,
    steps: [
      { manager: 'a', apply: svcOf({ ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }] }) },
      { manager: 'a', apply: svcOf({ ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }) },
      { manager: 'a', apply: svcOf({ ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }) },
    ],
    part: (o) => o.spec.ports,
    want: [{ name: 'dns', port: 53, protocol: 'UDP' }],
    managed: { a: { 'f:spec': { 'f:ports': { [K({ port: 53, protocol: 'UDP' })]: { '.': {}, 'f:name': {}, 'f:port': {}, 'f:protocol': {} } } } } },
  },
  {
    name: 'Service port another applier also applied stays, with only the fields that applier owns',
    schema: svcSchema,
    steps: [
      { manager: 'a', apply: svcOf({ ports: [{ name: 'http', port: 80, targetPort: 8080 }] }) },
      { manager: 'b', apply: svcOf({ ports: [{ port: 80, targetPort: 8080 }] }) },
      { manager: 'a', apply: svcOf({ ports: [{ name: 'http', port: 81, targetPort: 8080 }] }) },
    ],
    part: (o) => o.spec.ports,
    want: [{ port: 80, targetPort: 8080, protocol: 'TCP' }, { name: 'http', port: 81, targetPort: 8080, protocol: 'TCP' }],
    managed: {
      a: { 'f:spec': { 'f:ports': { [K({ port: 81, protocol: 'TCP' })]: { '.': {}, 'f:name': {}, 'f:port': {}, 'f:targetPort': {} } } } },
      b: { 'f:spec': { 'f:ports': { [K({ port: 80, protocol: 'TCP' })]: { '.': {}, 'f:port': {}, 'f:targetPort': {} } } } },
    },
  },
  {
    name: 'container renamed (key name): the old container goes whole',
    schema: podSchema,
    steps: [
      { manager: 'a', apply: podOf({ containers: [{ name: 'web', image: 'nginx', command: ['nginx'] }] }) },
      { manager: 'a', apply: podOf({ containers: [{ name: 'app', image: 'nginx' }] }) },
    ],
    part: (o) => o.spec.containers,
    want: [{ name: 'app', image: 'nginx' }],
    managed: { a: { 'f:spec': { 'f:containers': { [K({ name: 'app' })]: { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
  },
  {
    name: 'container another applier also applied stays with that applier\'s fields; the dropper\'s others go',
    schema: podSchema,
    steps: [
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx' }, { name: 'side', image: 'busybox', command: ['sleep'] }] }) },
      { manager: 'b', apply: podOf({ containers: [{ name: 'side', image: 'busybox' }] }) },
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx' }] }) },
    ],
    part: (o) => o.spec.containers,
    want: [{ name: 'main', image: 'nginx' }, { name: 'side', image: 'busybox' }],
    managed: {
      a: { 'f:spec': { 'f:containers': { [K({ name: 'main' })]: { '.': {}, 'f:image': {}, 'f:name': {} } } } },
      b: { 'f:spec': { 'f:containers': { [K({ name: 'side' })]: { '.': {}, 'f:image': {}, 'f:name': {} } } } },
    },
  },
  {
    name: 'container in which an Update manager owns only a field goes whole, and that manager loses it',
    schema: podSchema,
    steps: [
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx' }, { name: 'side', image: 'busybox' }] }) },
      { manager: 'editor', update: (o) => { o.spec.containers[1].image = 'busybox:2'; } },
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx' }] }) },
    ],
    part: (o) => o.spec.containers,
    want: [{ name: 'main', image: 'nginx' }],
    managed: { a: { 'f:spec': { 'f:containers': { [K({ name: 'main' })]: { '.': {}, 'f:image': {}, 'f:name': {} } } } }, editor: undefined },
  },
  {
    name: 'container an Update manager added stays when an applier drops its own fields in it',
    schema: podSchema,
    steps: [
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx' }] }) },
      { manager: 'editor', update: (o) => { o.spec.containers.push({ name: 'side', image: 'busybox' }); } },
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx' }, { name: 'side', image: 'busybox', command: ['sleep'] }] }) },
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx' }] }) },
    ],
    part: (o) => o.spec.containers,
    want: [{ name: 'main', image: 'nginx' }, { name: 'side', image: 'busybox' }],
    managed: {
      a: { 'f:spec': { 'f:containers': { [K({ name: 'main' })]: { '.': {}, 'f:image': {}, 'f:name': {} } } } },
      editor: { 'f:spec': { 'f:containers': { [K({ name: 'side' })]: { '.': {}, 'f:image': {}, 'f:name': {} } } } },
    },
  },
  {
    name: 'container port 80 -> 8080 (keys containerPort,protocol; protocol defaulted)',
    schema: podSchema,
    steps: [
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx', ports: [{ name: 'http', containerPort: 80 }] }] }) },
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] }) },
    ],
    part: (o) => o.spec.containers[0].ports,
    want: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    managed: { a: { 'f:spec': { 'f:containers': { [K({ name: 'main' })]: { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { [K({ containerPort: 8080, protocol: 'TCP' })]: { '.': {}, 'f:containerPort': {}, 'f:name': {} } } } } } } },
  },
  {
    name: 'container ports all dropped: the list goes',
    schema: podSchema,
    steps: [
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx', ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }] }] }) },
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx' }] }) },
    ],
    part: (o) => o.spec.containers,
    want: [{ name: 'main', image: 'nginx' }],
    managed: { a: { 'f:spec': { 'f:containers': { [K({ name: 'main' })]: { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
  },
  {
    name: 'env (key name): a dropped variable goes; value -> valueFrom drops value',
    schema: podSchema,
    steps: [
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }] }) },
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx', env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }] }) },
    ],
    part: (o) => o.spec.containers[0].env,
    want: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
    managed: { a: { 'f:spec': { 'f:containers': { [K({ name: 'main' })]: { '.': {}, 'f:env': { [K({ name: 'A' })]: { '.': {}, 'f:name': {}, 'f:valueFrom': { 'f:fieldRef': {} } } }, 'f:image': {}, 'f:name': {} } } } } },
  },
  {
    name: 'env variable an Update manager added stays',
    schema: podSchema,
    steps: [
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx', env: [{ name: 'A', value: '1' }] }] }) },
      { manager: 'editor', update: (o) => { o.spec.containers[0].env.push({ name: 'B', value: '2' }); } },
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx' }] }) },
    ],
    part: (o) => o.spec.containers[0].env,
    want: [{ name: 'B', value: '2' }],
    managed: {
      a: { 'f:spec': { 'f:containers': { [K({ name: 'main' })]: { '.': {}, 'f:image': {}, 'f:name': {} } } } },
      editor: { 'f:spec': { 'f:containers': { [K({ name: 'main' })]: { 'f:env': { [K({ name: 'B' })]: { '.': {}, 'f:name': {}, 'f:value': {} } } } } } },
    },
  },
  {
    name: 'volumes (key name) and volumeMounts (key mountPath): dropped and moved ones go',
    schema: podSchema,
    steps: [
      {
        manager: 'a',
        apply: podOf({
          containers: [{ name: 'main', image: 'nginx', volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'cache', mountPath: '/cache' }] }],
          volumes: [{ name: 'data', emptyDir: {} }, { name: 'cache', emptyDir: {} }],
        }),
      },
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx', volumeMounts: [{ name: 'data', mountPath: '/var/data' }] }], volumes: [{ name: 'data', emptyDir: {} }] }) },
    ],
    part: (o) => [o.spec.volumes, o.spec.containers[0].volumeMounts],
    want: [[{ name: 'data', emptyDir: {} }], [{ name: 'data', mountPath: '/var/data' }]],
    managed: {
      a: {
        'f:spec': {
          'f:containers': { [K({ name: 'main' })]: { '.': {}, 'f:image': {}, 'f:name': {}, 'f:volumeMounts': { [K({ mountPath: '/var/data' })]: { '.': {}, 'f:mountPath': {}, 'f:name': {} } } } },
          'f:volumes': { [K({ name: 'data' })]: { '.': {}, 'f:emptyDir': {}, 'f:name': {} } },
        },
      },
    },
  },
  {
    name: 'tolerations are an atomic list: replaced whole, owned as one field',
    schema: podSchema,
    steps: [
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx' }], tolerations: [{ key: 'x', operator: 'Exists' }, { key: 'y', operator: 'Exists' }] }) },
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx' }], tolerations: [{ key: 'x', operator: 'Exists' }] }) },
      {
        manager: 'b', apply: podOf({ tolerations: [{ key: 'z', operator: 'Exists' }] }),
        conflict: 'Apply failed with 1 conflict: conflict with "a": .spec.tolerations',
      },
    ],
    part: (o) => o.spec.tolerations,
    want: [{ key: 'x', operator: 'Exists' }],
    managed: { a: { 'f:spec': { 'f:containers': { [K({ name: 'main' })]: { '.': {}, 'f:image': {}, 'f:name': {} } }, 'f:tolerations': {} } } },
  },
  {
    name: 'Service spec.selector is an atomic map: a key fewer replaces it whole; another applier\'s key conflicts',
    schema: svcSchema,
    steps: [
      { manager: 'a', apply: svcOf({ selector: { app: 'web', tier: 'front' } }) },
      { manager: 'a', apply: svcOf({ selector: { app: 'web' } }) },
      { manager: 'b', apply: svcOf({ selector: { app: 'web', extra: 'x' } }), conflict: 'Apply failed with 1 conflict: conflict with "a": .spec.selector' },
    ],
    part: (o) => o.spec.selector,
    want: { app: 'web' },
    managed: { a: { 'f:spec': { 'f:selector': {} } } },
  },
  {
    name: 'metadata.labels is granular: a dropped label goes, labels other managers set stay',
    schema: podSchema,
    steps: [
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx' }] }, { labels: { app: 'web', tier: 'front', team: 'x' } }) },
      { manager: 'b', apply: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { team: 'x' } } } },
      { manager: 'labeler', update: (o) => { o.metadata.labels.env = 'prod'; } },
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx' }] }, { labels: { app: 'web' } }) },
    ],
    part: (o) => o.metadata.labels,
    want: { app: 'web', team: 'x', env: 'prod' },
    managed: {
      a: { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:containers': { [K({ name: 'main' })]: { '.': {}, 'f:image': {}, 'f:name': {} } } } },
      b: { 'f:metadata': { 'f:labels': { 'f:team': {} } } },
      labeler: { 'f:metadata': { 'f:labels': { 'f:env': {} } } },
    },
  },
  {
    name: 'labels emptied by what the applier drops are gone, not {}',
    schema: podSchema,
    steps: [
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx' }] }, { labels: { app: 'web' } }) },
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx' }] }, { labels: {} }) },
    ],
    part: (o) => 'labels' in o.metadata,
    want: false,
    managed: { a: { 'f:metadata': { 'f:labels': {} }, 'f:spec': { 'f:containers': { [K({ name: 'main' })]: { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
  },
  {
    name: 'labels applied as null keep what other managers set and drop the applier\'s own',
    schema: podSchema,
    steps: [
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx' }] }, { labels: { app: 'web' } }) },
      { manager: 'labeler', update: (o) => { o.metadata.labels.env = 'prod'; } },
      { manager: 'a', apply: podOf({ containers: [{ name: 'main', image: 'nginx' }] }, { labels: null }) },
    ],
    part: (o) => o.metadata.labels,
    want: { env: 'prod' },
    managed: {
      a: { 'f:metadata': { 'f:labels': {} }, 'f:spec': { 'f:containers': { [K({ name: 'main' })]: { '.': {}, 'f:image': {}, 'f:name': {} } } } },
      labeler: { 'f:metadata': { 'f:labels': { 'f:env': {} } } },
    },
  },
];

describe('server-side apply: what the applier no longer applies', () => {
  for (const c of dropCases) {
    test(c.name, () => {
      let live: KObject | undefined;
      for (const step of c.steps) {
        if (step.update) {
          if (!live) throw new Error('an update step needs an object to update');
          const next = structuredClone(live);
          step.update(next);
          recordUpdate(live, next, c.schema, writer(step.manager, 'Update'), true);
          live = next;
        } else if (step.conflict) {
          const before = structuredClone(live);
          const config = step.apply;
          if (!config) throw new Error('a conflict step needs an apply');
          assert.throws(() => apply(live, config, c.schema, writer(step.manager), !!step.force, true), (e: Error) => {
            assert.ok(e instanceof ApplyConflictError);
            assert.equal(e.message, step.conflict);
            return true;
          });
          assert.deepEqual(live, before);
        } else {
          if (!step.apply) throw new Error('a step updates, conflicts or applies');
          live = apply(live, step.apply, c.schema, writer(step.manager), !!step.force, true);
          defaults(live);
        }
      }
      assert.deepEqual(c.part(live), c.want);
      const byManager = Object.fromEntries(((live?.metadata.managedFields ?? []) as any[]).map((m) => [m.manager, m.fieldsV1]));
      for (const [manager, want] of Object.entries(c.managed)) assert.deepEqual(byManager[manager], want, `managedFields of ${manager}`);
      assert.deepEqual(Object.keys(byManager).sort(), Object.keys(c.managed).filter((m) => c.managed[m]).sort(), 'the managers');
    });
  }
});

describe('a create\'s fields, walked directly', () => {
  const apps = new OpenAPILibrary().document('apps', 'v1');
  if (!apps) throw new Error('no OpenAPI document for apps/v1');
  const deploymentSchema = SchemaNode.root(apps.components.schemas, 'io.k8s.api.apps.v1.Deployment');
  const nodeSchema = SchemaNode.root(schemas, 'io.k8s.api.core.v1.Node');
  const meta = (extra: object = {}) => ({ name: 'x', namespace: 'default', uid: 'u', creationTimestamp: '2026-01-01T00:00:00Z', resourceVersion: '5', generation: 1, ...extra });
  // Objects of every shape the general path treats its own way: required fields null or empty,
  // empty maps and lists, items with one key twice, set lists, fields named like Object.prototype
  // members, values of the wrong type, status through the main resource.
  const cases: { name: string; schema: SchemaNode; obj: KObject }[] = [
    { name: 'a pod as a controller makes it', schema: podSchema, obj: { apiVersion: 'v1', kind: 'Pod', metadata: meta({ labels: { app: 'a' }, annotations: { n: 'v' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r', uid: 'o', controller: true }], finalizers: ['a/b', 'c/d'] }),
      spec: { containers: [{ name: 'web', image: 'i', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 80, protocol: 'UDP' }], env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }], resources: { requests: { cpu: '1' }, limits: {} } }], tolerations: [{ key: 'k', operator: 'Exists' }], securityContext: {}, volumes: [] },
      status: { phase: 'Pending' } } },
    { name: 'required fields null, empty or absent', schema: podSchema, obj: { apiVersion: 'v1', kind: 'Pod', metadata: meta(), spec: { containers: null } } },
    { name: 'an empty required list', schema: podSchema, obj: { apiVersion: 'v1', kind: 'Pod', metadata: meta(), spec: { containers: [] } } },
    { name: 'a required field of the wrong type', schema: podSchema, obj: { apiVersion: 'v1', kind: 'Pod', metadata: meta(), spec: { containers: 'web' } } },
    { name: 'no spec, metadata only server fields', schema: podSchema, obj: { apiVersion: 'v1', kind: 'Pod', metadata: meta() } },
    { name: 'fields named like Object.prototype members', schema: podSchema, obj: { apiVersion: 'v1', kind: 'Pod', metadata: meta({ labels: { constructor: 'c', toString: 't', hasOwnProperty: 'h' } }), spec: { containers: [{ name: 'constructor', image: 'i' }], constructor: { toString: 1 } } } },
    { name: 'nulls and wrong types below', schema: podSchema, obj: { apiVersion: 'v1', kind: 'Pod', metadata: meta({ labels: null, annotations: 'x' }), spec: { containers: [{ name: 'a', image: null, ports: null, env: {} }, 'stray', { image: 'no name' }], nodeSelector: {} } } },
    { name: 'a deployment (template, selector, strategy)', schema: deploymentSchema, obj: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(), spec: { replicas: 2, selector: { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'k', operator: 'In', values: ['x', 'y'] }] }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i' }] } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } } }, status: { replicas: 0 } } },
    { name: 'a node with status', schema: nodeSchema, obj: { apiVersion: 'v1', kind: 'Node', metadata: meta({ labels: { 'kubernetes.io/os': 'linux' } }), spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] }, status: { capacity: { cpu: '4' }, conditions: [{ type: 'Ready', status: 'True' }] } } },
  ];
  for (const c of cases) {
    for (const hasStatus of [true, false]) {
      test(`${c.name}${hasStatus ? '' : ' (no status subresource)'}: the held tree the comparison gives`, () => {
        const { changed } = writtenFields(undefined, c.obj, c.schema, undefined, hasStatus);
        const want = changed.empty ? undefined : changed.toFieldsV1(heldNode);
        // Held trees: one object for equal trees, so the same object means the same tree.
        assert.equal(createdFields(c.obj, c.schema, hasStatus), want);
      });
    }
  }

  // Every scalar outside lists changed (its kind kept), or every string inside lists: the one
  // shape shares a remembered tree, the other is walked anew; both are the comparison's tree.
  const changed = (v: unknown, inList: boolean, lists: boolean): unknown => {
    if (Array.isArray(v)) return v.map((x) => changed(x, true, lists));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, changed(x, inList, lists)]));
    if (inList !== lists) return v;
    if (typeof v === 'string') return `${v}-2`;
    if (typeof v === 'number') return v + 1;
    return typeof v === 'boolean' ? !v : v;
  };
  const comparisonTree = (obj: KObject, schema: SchemaNode, hasStatus: boolean) => {
    const { changed: set } = writtenFields(undefined, obj, schema, undefined, hasStatus);
    return set.empty ? undefined : set.toFieldsV1(heldNode);
  };
  for (const c of cases) {
    test(`${c.name}: objects of one shape share the tree, others are walked`, () => {
      for (const hasStatus of [true, false]) {
        createdFields(c.obj, c.schema, hasStatus);
        const alike = changed(c.obj, false, false) as KObject;
        assert.equal(createdFields(alike, c.schema, hasStatus), comparisonTree(alike, c.schema, hasStatus));
        const listsChanged = changed(c.obj, false, true) as KObject;
        assert.equal(createdFields(listsChanged, c.schema, hasStatus), comparisonTree(listsChanged, c.schema, hasStatus));
      }
    });
  }

  test('a create records its writer alone, stamped, with the tree', () => {
    const obj: KObject = { apiVersion: 'v1', kind: 'Pod', metadata: meta({ labels: { app: 'a' } }), spec: { containers: [{ name: 'web', image: 'i' }] } };
    recordUpdate(undefined, obj, podSchema, writer('kubectl-create', 'Update'), true);
    assert.deepEqual(obj.metadata.managedFields, [{
      manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } },
    }]);
    const bare: KObject = { apiVersion: 'v1', kind: 'Pod', metadata: meta({ managedFields: [{ manager: 'stale' }] }) };
    recordUpdate(undefined, bare, podSchema, writer('kubectl-create', 'Update'), true);
    assert.equal(bare.metadata.managedFields, undefined);
  });
});
