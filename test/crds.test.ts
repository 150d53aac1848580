// CustomResourceDefinitions driven as operator authors drive them, with real kubectl: a CRD is
// served within a second of its create, its printer columns, schema (explain), structural and CEL
// validation, server-side apply of a list-type map, the scale subresource and a second version
// work; deleting it removes its objects and its kind. A cluster-scoped CRD, and one installed
// with --fixtures before its objects.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, scratchFile, withCluster } from './helpers.js';

const VERSIONS = ['1.27', '1.30', '1.33'];

function widgetCRD(group: string, scope: 'Namespaced' | 'Cluster' = 'Namespaced'): Record<string, unknown> {
  const schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        description: 'What the widget should be.',
        required: ['color'],
        'x-kubernetes-validations': [{ rule: 'self.minReplicas <= self.maxReplicas', message: 'minReplicas must be <= maxReplicas' }],
        properties: {
          color: { type: 'string', enum: ['red', 'blue'], description: 'The colour of the widget.' },
          replicas: { type: 'integer', minimum: 0, default: 1 },
          minReplicas: { type: 'integer', default: 0 },
          maxReplicas: { type: 'integer', default: 10 },
          ports: {
            type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
            items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } },
          },
        },
      },
      status: { type: 'object', properties: { replicas: { type: 'integer' } } },
    },
  };
  const version = (name: string, storage: boolean) => ({
    name, served: true, storage, schema: { openAPIV3Schema: schema },
    subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
    additionalPrinterColumns: [
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Color', type: 'string', jsonPath: '.spec.color' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: { group, scope, names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'], categories: ['all'] }, versions: [version('v1beta1', false), version('v1', true)] },
  };
}

const widget = (group: string, name: string, spec: string) => `apiVersion: ${group}/v1\nkind: Widget\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

/** Creates the CRD over HTTP; resolves with how long after the create's answer discovery listed the kind. */
async function createServed(cluster: Cluster, crd: Record<string, unknown>, group: string): Promise<number> {
  const created = await http(cluster, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  assert.equal(created.status, 201, created.text);
  const answered = Date.now();
  await eventually(async () => {
    const r = await http(cluster, 'GET', `/apis/${group}/v1`);
    return r.status === 200 && r.json().resources.some((x: { name: string }) => x.name === 'widgets');
  });
  return Date.now() - answered;
}

describe('CustomResourceDefinitions', () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster({ controlPlane: true }); });
  after(async () => { await cluster.close(); });

  for (const v of VERSIONS) {
    test(`kubectl ${v}: a namespaced CRD with two versions is served, validated, applied, scaled and deleted`, async () => {
      const group = `v${v.replace('.', '')}.example.com`;
      const k = (...args: string[]) => kubectl(v, cluster, args);
      const tag = v.replace('.', '-');
      const servedAfter = await createServed(cluster, widgetCRD(group), group);
      assert.ok(servedAfter < 1000, `served ${servedAfter} ms after the create`);

      await eventually(async () => {
        const crd = (await http(cluster, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`)).json();
        return crd.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True');
      });
      const crd = (await http(cluster, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`)).json();
      assert.deepEqual(crd.status.conditions.map((c: Record<string, string>) => [c.type, c.status, c.reason, c.message]), [
        ['NamesAccepted', 'True', 'NoConflicts', 'no conflicts found'],
        ['Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted'],
      ]);
      assert.deepEqual(crd.status.storedVersions, ['v1']);
      assert.equal(crd.status.acceptedNames.kind, 'Widget');

      const crds = await k('get', 'crd', `widgets.${group}`);
      assert.match(crds.stdout, new RegExp(`^NAME +CREATED AT\\nwidgets\\.${group.replace(/\./g, '\\.')} +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\n$`), crds.stderr);

      const applied = await k('apply', '--server-side', '-f', scratchFile(`w-${tag}.yaml`, widget(group, 'w', '  color: red\n  replicas: 2\n  ports:\n  - name: a\n    port: 1\n  - name: b\n    port: 2\n')));
      assert.deepEqual([applied.code, applied.stdout], [0, `widget.${group}/w serverside-applied\n`], applied.stderr);
      const got = await k('get', 'widgets');
      assert.match(got.stdout, /^NAME +REPLICAS +COLOR +AGE\nw +2 +red +\d+s\n$/, got.stderr);

      const explain = await k('explain', `widgets.spec`);
      assert.equal(explain.code, 0, explain.stderr);
      assert.match(explain.stdout, /What the widget should be\./);
      assert.match(explain.stdout, /^ {2}replicas\t<integer>$/m);

      const bad = await k('create', '-f', scratchFile(`bad-${tag}.yaml`, widget(group, 'bad', '  color: pink\n')));
      assert.equal(bad.code, 1);
      assert.equal(bad.stderr, `The Widget "bad" is invalid: spec.color: Unsupported value: "pink": supported values: "red", "blue"\n`);
      const typed = await http(cluster, 'POST', `/apis/${group}/v1/namespaces/default/widgets`, { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'typed' }, spec: { color: 'red', replicas: 'two' } });
      assert.equal(typed.status, 422, typed.text);
      assert.equal(typed.json().message, `Widget.${group} "typed" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`);

      const cel = await k('create', '-f', scratchFile(`cel-${tag}.yaml`, widget(group, 'cel', '  color: blue\n  minReplicas: 5\n  maxReplicas: 2\n')));
      assert.equal(cel.code, 1);
      assert.equal(cel.stderr, 'The Widget "cel" is invalid: spec: Invalid value: "object": minReplicas must be <= maxReplicas\n');

      // Applied again without port b: the list-type map drops the item this manager no longer applies.
      const again = await k('apply', '--server-side', '-f', scratchFile(`w2-${tag}.yaml`, widget(group, 'w', '  color: red\n  replicas: 2\n  ports:\n  - name: a\n    port: 1\n')));
      assert.equal(again.code, 0, again.stderr);
      const ports = await k('get', 'widget', 'w', '-o', 'jsonpath={.spec.ports[*].name} {.spec.minReplicas} {.spec.maxReplicas}');
      assert.deepEqual([ports.code, ports.stdout], [0, 'a 0 10'], ports.stderr);

      const scaled = await k('scale', 'widget', 'w', '--replicas=4');
      assert.deepEqual([scaled.code, scaled.stdout], [0, `widget.${group}/w scaled\n`], scaled.stderr);
      const replicas = await k('get', 'wd', 'w', '-o', 'jsonpath={.spec.replicas}');
      assert.equal(replicas.stdout, '4');

      // The other version reads the same object, its apiVersion rewritten (conversion None).
      const old = await http(cluster, 'GET', `/apis/${group}/v1beta1/namespaces/default/widgets/w`);
      assert.deepEqual([old.status, old.json().apiVersion, old.json().spec.replicas], [200, `${group}/v1beta1`, 4]);

      const deleted = await k('delete', 'crd', `widgets.${group}`);
      assert.deepEqual([deleted.code, deleted.stdout], [0, `customresourcedefinition.apiextensions.k8s.io "widgets.${group}" deleted\n`], deleted.stderr);
      await eventually(async () => (await http(cluster, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`)).status === 404);
      assert.equal((await http(cluster, 'GET', `/apis/${group}/v1/namespaces/default/widgets`)).status, 404);
      assert.deepEqual(await cluster.registry.store.list(`/registry/${group}/widgets/`).then((r) => r.items.length), 0);
    });
  }

  test('a cluster-scoped CRD: objects without a namespace', async () => {
    const group = 'cluster.example.com';
    await createServed(cluster, widgetCRD(group, 'Cluster'), group);
    const created = await http(cluster, 'POST', `/apis/${group}/v1/widgets`, { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'c' }, spec: { color: 'blue' } });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual([created.json().metadata.namespace, created.json().spec.replicas], [undefined, 1]);
    const got = await kubectl('1.33', cluster, ['get', 'widgets.cluster.example.com']);
    assert.match(got.stdout, /^NAME +REPLICAS +COLOR +AGE\nc +1 +blue +\d+s\n$/, got.stderr);
  });

  test('nulls are kept where the schema says nullable, and an embedded resource keeps its apiVersion, kind and metadata', async () => {
    const group = 'nulls.example.com';
    const crd = widgetCRD(group);
    const spec = {
      type: 'object',
      properties: {
        kept: { type: 'string', nullable: true },
        dropped: { type: 'string' },
        defaulted: { type: 'string', default: 'd' },
        nullableDefaulted: { type: 'string', nullable: true, default: 'd' },
        names: { type: 'array', items: { type: 'string' } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
      },
    };
    const versions = (crd.spec as { versions: { schema: unknown }[] }).versions;
    for (const version of versions) version.schema = { openAPIV3Schema: { type: 'object', properties: { spec } } };
    await createServed(cluster, crd, group);
    const path = `/apis/${group}/v1/namespaces/default/widgets`;
    const template = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'inner', labels: { app: 'a' } }, spec: { containers: [] } };
    const created = await http(cluster, 'POST', path, {
      apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'n', labels: null },
      spec: { kept: null, dropped: null, defaulted: null, nullableDefaulted: null, free: { a: null, b: 1 }, template },
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.json().spec, { kept: null, defaulted: 'd', nullableDefaulted: null, free: { a: null, b: 1 }, template });
    const listNull = await http(cluster, 'POST', path, { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'l' }, spec: { names: ['a', null] } });
    assert.equal(listNull.status, 422, listNull.text);
    assert.equal(listNull.json().message, `Widget.${group} "l" is invalid: spec.names[1]: Invalid value: "null": spec.names[1] in body must be of type string: "null"`);
    // Strict decoding knows the embedded object's metadata as ObjectMeta.
    const unknown = await http(cluster, 'POST', `${path}?fieldValidation=Strict`, { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'u' }, spec: { template: { ...template, metadata: { name: 'inner', bogus: 1 } } } });
    assert.equal(unknown.status, 400, unknown.text);
    assert.equal(unknown.json().message, `Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.template.metadata.bogus"`);
    const applied = await kubectl('1.33', cluster, ['apply', '-f', scratchFile('embedded.yaml', widget(group, 'e', `  template:\n    apiVersion: v1\n    kind: Pod\n    metadata:\n      name: inner\n      labels:\n        app: a\n    spec:\n      containers: []\n`))]);
    assert.deepEqual([applied.code, applied.stdout], [0, `widget.${group}/e created\n`], applied.stderr);
  });

  test('CRD validation answers with kube\'s texts', async () => {
    const crd = widgetCRD('bad.example.com');
    crd.metadata = { name: 'gadgets.bad.example.com' };
    const r = await http(cluster, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    assert.equal(r.status, 422);
    assert.equal(r.json().message, 'CustomResourceDefinition.apiextensions.k8s.io "gadgets.bad.example.com" is invalid: metadata.name: Invalid value: "gadgets.bad.example.com": must be spec.names.plural+"."+spec.group');
    const untyped = widgetCRD('untyped.example.com');
    const spec = untyped.spec as { versions: { schema: { openAPIV3Schema: Record<string, unknown> } }[] };
    spec.versions = [{ ...spec.versions[1], schema: { openAPIV3Schema: { type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } } } }];
    const u = await http(cluster, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', untyped);
    assert.equal(u.status, 422);
    assert.match(u.json().message, /spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.type: Required value: must not be empty for specified object fields/);
  });
});

describe('a CRD installed with --fixtures', () => {
  test('the CRD is created before its objects, which are served at start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crd-fixtures-'));
    writeFileSync(join(dir, 'a-widget.yaml'), widget('fixtures.example.com', 'fixed', '  color: red\n'));
    writeFileSync(join(dir, 'b-crd.json'), JSON.stringify(widgetCRD('fixtures.example.com')));
    const cluster = await withCluster({ controlPlane: true, fixtures: dir });
    try {
      const r = await http(cluster, 'GET', '/apis/fixtures.example.com/v1/namespaces/default/widgets/fixed');
      assert.deepEqual([r.status, r.json().spec], [200, { color: 'red', replicas: 1, minReplicas: 0, maxReplicas: 10 }]);
    } finally {
      await cluster.close();
    }
  });
});

describe('CRDs on an API server without controllers (--api-only)', () => {
  test('the API server itself serves them: established, served within a second, and their objects go with them', async () => {
    const cluster = await withCluster({ controlPlane: false });
    try {
      const ms = await createServed(cluster, widgetCRD('apionly.example.com'), 'apionly.example.com');
      assert.ok(ms < 1000, `served ${ms} ms after the create's answer`);
      const crd = (await http(cluster, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.apionly.example.com')).json();
      assert.deepEqual(crd.status.conditions.filter((c: { type: string }) => c.type === 'Established').map((c: { status: string }) => c.status), ['True']);
      const made = await kubectl('1.33', cluster, ['apply', '-f', '-'], { stdin: widget('apionly.example.com', 'w', '  color: blue\n') });
      assert.equal(made.code, 0, made.stderr);
      assert.equal((await http(cluster, 'DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.apionly.example.com')).status, 200);
      await eventually(async () => (await http(cluster, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.apionly.example.com')).status === 404);
      assert.equal((await http(cluster, 'GET', '/apis/apionly.example.com/v1/namespaces/default/widgets/w')).status, 404);
    } finally {
      await cluster.close();
    }
  });
});

describe('categories', () => {
  // Its own cluster: kubectl expands `all` from its cached discovery, which must not predate the CRD.
  for (const v of ['1.27', '1.33']) {
    test(`kubectl ${v}: get all lists the custom resources of the category all beside the built-in kinds`, async () => {
      await using cluster = await withCluster({ controlPlane: false });
      const group = 'all.example.com';
      await createServed(cluster, widgetCRD(group), group);
      const created = await http(cluster, 'POST', `/apis/${group}/v1/namespaces/default/widgets`, { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'shown' }, spec: { color: 'red' } });
      assert.equal(created.status, 201, created.text);
      const all = await kubectl(v, cluster, ['get', 'all']);
      assert.equal(all.code, 0, all.stderr);
      assert.match(all.stdout, /^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE\nservice\/kubernetes +ClusterIP .*\n\nNAME +REPLICAS +COLOR +AGE\nwidget\.all\.example\.com\/shown +1 +red +\d+s\n$/, all.stdout);
    });
  }
});
