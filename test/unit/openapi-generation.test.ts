// The generated openapi/ and proto/ are exactly what scripts/gen-openapi.ts and scripts/gen-proto.ts
// produce from the upstream reference (so nobody edits them by hand), hold every group-version of
// the reference with our own descriptions, and decode protobuf bodies of the new groups.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type protobuf from 'protobufjs';
import { indexResources, META, metaParts, OpenAPILibrary, schemasFile, type OpenAPIDocument } from '../../src/api/openapi.js';
import { decodeProtobufBody, packageOf } from '../../src/server/protobuf-decode.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const reference = join(repo, '..', 'shared', 'reference');
const openapiRef = join(reference, 'kubernetes-openapi-v3-1.33');
const protoRef = join(reference, 'protobuf');
const haveReference = existsSync(openapiRef) && existsSync(protoRef);
const protobufjs = createRequire(import.meta.url)('protobufjs') as typeof protobuf;

const GROUP_VERSIONS = [
  'api/v1', 'apis/apps/v1', 'apis/batch/v1', 'apis/rbac.authorization.k8s.io/v1', 'apis/apiextensions.k8s.io/v1',
  'apis/networking.k8s.io/v1', 'apis/scheduling.k8s.io/v1', 'apis/autoscaling/v1', 'apis/autoscaling/v2',
  'apis/authentication.k8s.io/v1', 'apis/authorization.k8s.io/v1', 'apis/admissionregistration.k8s.io/v1',
  'apis/storage.k8s.io/v1', 'apis/certificates.k8s.io/v1', 'apis/node.k8s.io/v1', 'apis/policy/v1',
  'apis/coordination.k8s.io/v1', 'apis/discovery.k8s.io/v1', 'apis/events.k8s.io/v1',
];

function sameTree(committed: string, generated: string): void {
  const files = readdirSync(committed).sort();
  assert.deepEqual(files, readdirSync(generated).sort(), `${committed}: the same files as the generator writes`);
  for (const f of files) {
    // Compared as text, without assert's diff of two megabyte strings on failure.
    const same = readFileSync(join(committed, f), 'utf8') === readFileSync(join(generated, f), 'utf8');
    assert.ok(same, `${committed}/${f} differs from what the generator writes: run npm run openapi && npm run proto`);
  }
}

function walkDescriptions(node: unknown, at: string, visit: (description: string, at: string) => void): void {
  if (Array.isArray(node)) { node.forEach((n, i) => walkDescriptions(n, `${at}/${i}`, visit)); return; }
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node)) {
    if (k === 'description' && typeof v === 'string') visit(v, at);
    else walkDescriptions(v, `${at}/${k}`, visit);
  }
}

describe('generated OpenAPI documents and .proto files', { skip: !haveReference && 'no ../shared/reference next to the repository' }, () => {
  const temp = mkdtempSync(join(tmpdir(), 'tinykube-gen-'));
  const openapiOut = join(temp, 'openapi');
  const protoOut = join(temp, 'proto');
  after(() => rmSync(temp, { recursive: true, force: true }));

  before(() => {
    const tsx = ['--import', 'tsx'];
    for (const args of [
      [join(repo, 'scripts', 'gen-openapi.ts'), openapiRef, openapiOut],
      [join(repo, 'scripts', 'gen-proto.ts'), protoRef, protoOut, openapiOut],
    ]) {
      const r = spawnSync(process.execPath, [...tsx, ...args], { cwd: repo, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
  });

  test('the committed openapi/ and proto/ are exactly what the generators produce', () => {
    sameTree(join(repo, 'openapi'), openapiOut);
    sameTree(join(repo, 'proto'), protoOut);
  });

  test('every group-version of the reference, with all its resources and subresources', () => {
    const index = JSON.parse(readFileSync(join(repo, 'openapi', 'index.json'), 'utf8')) as Record<string, string>;
    assert.deepEqual(Object.keys(index).sort(), [...GROUP_VERSIONS].sort());
    assert.equal(index['apis/apps/v1'], 'apis__apps__v1.json');
    const docs = new OpenAPILibrary(join(repo, 'openapi')).all();
    const resource = (gv: string, name: string) => docs.find((d) => d.path === gv)?.resources.find((r) => r.resource === name);
    const deployments = resource('apis/apps/v1', 'deployments');
    assert.ok(deployments?.namespaced);
    assert.deepEqual(deployments.verbs, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    assert.deepEqual(deployments.subresources.map((s) => `${s.name}:${s.kind.group}/${s.kind.kind}`), ['scale:autoscaling/Scale', 'status:apps/Deployment']);
    for (const name of ['configmaps', 'secrets', 'pods', 'services', 'namespaces', 'bindings']) assert.ok(resource('api/v1', name), name);
    const crds = resource('apis/apiextensions.k8s.io/v1', 'customresourcedefinitions');
    assert.equal(crds?.namespaced, false);
    assert.deepEqual(crds.subresources.map((s) => s.name), ['status']);
    assert.deepEqual(resource('apis/authentication.k8s.io/v1', 'selfsubjectreviews')?.verbs, ['create']);
    for (const d of docs) {
      assert.ok(d.resources.length > 0, `${d.path} has resources`);
      const paths = Object.keys(d.document.paths);
      assert.deepEqual(paths, [...paths].sort(), `${d.path}: paths sorted`);
      const schemas = Object.keys(d.document.components.schemas);
      assert.deepEqual(schemas, [...schemas].sort(), `${d.path}: schemas sorted`);
      // Every $ref resolves within the document.
      const refs = JSON.stringify(d.document).match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
      for (const r of new Set(refs)) assert.ok(d.document.components.schemas[r.slice(22, -1)], `${d.path}: ${r}`);
    }
  });

  test('openapi/resources.json gives each resource the route and schema its document defines', () => {
    const library = new OpenAPILibrary(join(repo, 'openapi'));
    let count = 0;
    for (const d of library.all()) {
      const indexed = Object.fromEntries(d.resources.map((r) => [r.resource, library.resource(d.group, d.version, r.resource)]));
      assert.deepEqual(indexed, indexResources(d.document, d.group, d.version), d.path);
      for (const r of d.resources) assert.deepEqual(library.resource(d.group, d.version, r.resource)?.shape, r, `${d.path} ${r.resource}`);
      count += d.resources.length;
    }
    assert.ok(count > 50, `${count} resources indexed`);
    assert.equal(library.resource('', 'v1', 'pods')?.schemaName, 'io.k8s.api.core.v1.Pod');
    assert.equal(library.resource('apis', 'v1', 'nothing'), undefined);
  });

  test('no description is upstream prose', () => {
    const upstream = new Set<string>();
    const refFiles = ['api__v1.json', ...readdirSync(join(openapiRef, 'apis')).map((f) => `apis/${f}`)];
    const refDocs = new Map<string, OpenAPIDocument>();
    for (const f of refFiles) {
      const doc = JSON.parse(readFileSync(join(openapiRef, f), 'utf8')) as OpenAPIDocument;
      refDocs.set(f, doc);
      walkDescriptions(doc, f, (d) => upstream.add(d));
    }
    const index = JSON.parse(readFileSync(join(repo, 'openapi', 'index.json'), 'utf8')) as Record<string, string>;
    let count = 0;
    for (const file of Object.values(index)) {
      walkDescriptions(JSON.parse(readFileSync(join(repo, 'openapi', file), 'utf8')), file, (d, at) => {
        count++;
        assert.ok(!upstream.has(d), `${at}: upstream's description ${JSON.stringify(d.slice(0, 80))}`);
      });
    }
    assert.ok(count > 5000, `${count} descriptions`);
    // Spot checks, schema by schema and field by field, against the reference's text at the same place.
    const spots: [string, string, string][] = [
      ['apis/apps_v1.json', 'apis__apps__v1.json', 'io.k8s.api.apps.v1.Deployment'],
      ['apis/apps_v1.json', 'apis__apps__v1.json', 'io.k8s.api.apps.v1.DeploymentSpec'],
      ['api__v1.json', 'api__v1.json', 'io.k8s.api.core.v1.ConfigMap'],
      ['api__v1.json', 'api__v1.json', 'io.k8s.api.core.v1.Secret'],
      ['apis/apiextensions.k8s.io_v1.json', 'apis__apiextensions.k8s.io__v1.json', 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionSpec'],
      ['apis/rbac.authorization.k8s.io_v1.json', 'apis__rbac.authorization.k8s.io__v1.json', 'io.k8s.api.rbac.v1.PolicyRule'],
    ];
    for (const [refFile, ourFile, name] of spots) {
      const theirs = refDocs.get(refFile)!.components.schemas[name] as { description?: string; properties: Record<string, { description?: string }> };
      const ours = JSON.parse(readFileSync(join(repo, 'openapi', schemasFile(ourFile)), 'utf8'))[name];
      assert.ok(theirs.description && ours.description, name);
      assert.notEqual(ours.description, theirs.description, name);
      assert.deepEqual(Object.keys(ours.properties).sort(), Object.keys(theirs.properties).sort(), `${name}: the same fields`);
      for (const [field, s] of Object.entries(theirs.properties)) {
        assert.ok(ours.properties[field].description, `${name}.${field} described`);
        assert.notEqual(ours.properties[field].description, s.description, `${name}.${field}`);
      }
    }
  });
});

// The committed files alone, without the upstream reference: these run everywhere.
describe('openapi/ as the server reads it', () => {
  test('openapi/meta.json holds what defined kinds take from the core document, and a directory without it finds the same', () => {
    const library = new OpenAPILibrary(join(repo, 'openapi'));
    const core = library.document('', 'v1')!;
    const meta = library.meta();
    assert.deepEqual(meta, metaParts(core));
    for (const name of ['dryRun', 'fieldManager', 'fieldValidation', 'labelSelector', 'watch', 'namespace', 'name', 'pretty', 'force']) assert.ok(meta.parameters[name], name);
    assert.deepEqual(meta.schemas[`${META}.ObjectMeta`], core.components.schemas[`${META}.ObjectMeta`]);
    assert.ok(!(`io.k8s.api.core.v1.Pod` in meta.schemas), 'only the meta schemas and what they reach');
    const bare = mkdtempSync(join(tmpdir(), 'openapi-'));
    try {
      for (const f of ['index.json', 'resources.json', 'api__v1.json', 'api__v1.schemas.json']) writeFileSync(join(bare, f), readFileSync(join(repo, 'openapi', f)));
      assert.deepEqual(new OpenAPILibrary(bare).meta(), meta);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});

describe('protobuf bodies of every group-version', () => {
  const root = new protobufjs.Root();
  before(() => {
    const files = JSON.parse(readFileSync(join(repo, 'proto', 'index.json'), 'utf8')) as string[];
    for (const f of files) protobufjs.parse(readFileSync(join(repo, 'proto', f), 'utf8'), root, { keepCase: true });
    root.resolveAll();
  });

  function envelope(apiVersion: string, kind: string, object: Record<string, unknown>): Buffer {
    const type = root.lookupType(`${packageOf(apiVersion, kind)}.${kind}`);
    const raw = type.encode(type.fromObject(object)).finish();
    const unknown = root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
    const body = unknown.encode(unknown.fromObject({ typeMeta: { apiVersion, kind }, raw })).finish();
    return Buffer.concat([Buffer.from('k8s\0', 'latin1'), body]);
  }

  test('a message for every kind of the documents', () => {
    const missing: string[] = [];
    for (const d of new OpenAPILibrary(join(repo, 'openapi')).all()) {
      for (const [name, schema] of Object.entries(d.document.components.schemas)) {
        if (name.startsWith('io.k8s.apimachinery.')) continue;
        for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
          const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
          if (!root.lookup(`${packageOf(apiVersion, gvk.kind)}.${gvk.kind}`)) missing.push(`${apiVersion} ${gvk.kind}`);
        }
      }
    }
    assert.deepEqual([...new Set(missing)].sort(), []);
  });

  test('an apps/v1 Deployment', () => {
    const body = envelope('apps/v1', 'Deployment', {
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      spec: {
        replicas: 3,
        revisionHistoryLimit: 0,
        selector: { matchLabels: { app: 'web' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: { type: 1, strVal: '25%' }, maxUnavailable: { type: 0, intVal: 1 } } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: { limits: { cpu: { string: '500m' } } } }] },
        },
      },
    });
    assert.deepEqual(decodeProtobufBody(body), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      spec: {
        replicas: 3,
        revisionHistoryLimit: 0,
        selector: { matchLabels: { app: 'web' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: { limits: { cpu: '500m' } } }] },
        },
      },
    });
  });

  test('a core v1 Namespace and a ConfigMap still decode', () => {
    assert.deepEqual(decodeProtobufBody(envelope('v1', 'Namespace', { metadata: { name: 'ns', labels: { k: 'v' } } })), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns', labels: { k: 'v' } } });
    assert.deepEqual(decodeProtobufBody(envelope('v1', 'ConfigMap', { metadata: { name: 'c' }, data: { a: 'b' } })), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } });
  });

  test("a CustomResourceDefinition's schema takes its JSON names", () => {
    const raw = (v: unknown) => ({ raw: Buffer.from(JSON.stringify(v)) });
    const body = envelope('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        names: { plural: 'widgets', kind: 'Widget' },
        scope: 'Namespaced',
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', xKubernetesPreserveUnknownFields: true, additionalProperties: { allows: false } },
              size: { type: 'integer', minimum: 0, default: raw(0), enum: [raw(0), raw(1)] },
              tags: { type: 'array', items: { schema: { type: 'string' } } },
            },
          } },
        }],
      },
    });
    const crd = decodeProtobufBody(body) as { spec: { versions: { schema: { openAPIV3Schema: unknown } }[] } };
    assert.deepEqual(crd.spec.versions[0].schema.openAPIV3Schema, {
      type: 'object',
      properties: {
        spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, additionalProperties: false },
        size: { type: 'integer', minimum: 0, default: 0, enum: [0, 1] },
        tags: { type: 'array', items: { type: 'string' } },
      },
    });
  });
});
