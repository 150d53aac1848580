// A kind registered while the server runs is served at once and fully: kubectl lists it in
// api-resources, explains it from OpenAPI, creates, gets, applies (server-side) and deletes its
// objects; unregistered, kubectl says the server does not have that resource type. No restart.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { definedKind, type KindDefinition } from '../src/api/defined-kinds.js';
import type { Cluster } from '../src/index.js';
import { http, kubectl, readWatch, scratchFile, withCluster } from './helpers.js';

const VERSIONS = ['1.27', '1.33'];

const WIDGET: KindDefinition = {
  group: 'example.tinykube.io', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true,
  shortNames: ['wd'], categories: ['all'],
  schema: {
    type: 'object',
    description: 'A widget of the test.',
    properties: {
      spec: {
        type: 'object',
        description: 'What the widget should be.',
        properties: {
          color: { type: 'string', description: 'The colour of the widget.' },
          size: { type: 'integer', format: 'int32', description: 'How many parts the widget has.' },
        },
      },
      status: { type: 'object', properties: { ready: { type: 'boolean' } } },
    },
  },
  subresources: { status: true },
};

const manifest = (name: string, spec: Record<string, unknown>) =>
  `apiVersion: example.tinykube.io/v1\nkind: Widget\nmetadata:\n  name: ${name}\nspec:\n${Object.entries(spec).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join('\n')}\n`;

describe('a kind registered and unregistered at run time', () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster(); });
  after(async () => { await cluster.close(); });

  test('served within the same process: discovery, OpenAPI and routes change with it', async () => {
    const before = await http(cluster, 'GET', '/apis', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
    const index = (await http(cluster, 'GET', '/openapi/v3')).json().paths;
    assert.equal(index['apis/example.tinykube.io/v1'], undefined);
    assert.equal((await http(cluster, 'GET', '/apis/example.tinykube.io/v1/namespaces/default/widgets')).status, 404);

    await cluster.registry.register(definedKind(WIDGET, cluster.registry.library.meta()));
    const after = await http(cluster, 'GET', '/apis', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
    assert.notEqual(after.headers.get('etag'), before.headers.get('etag'));
    const group = after.json().items.find((g: { metadata: { name: string } }) => g.metadata.name === 'example.tinykube.io');
    assert.deepEqual(group.versions[0].resources.map((r: { resource: string; scope: string; shortNames: string[]; subresources: { subresource: string }[] }) => [r.resource, r.scope, r.shortNames, r.subresources.map((s) => s.subresource)]), [['widgets', 'Namespaced', ['wd'], ['status']]]);
    const url = (await http(cluster, 'GET', '/openapi/v3')).json().paths['apis/example.tinykube.io/v1'].serverRelativeURL;
    assert.match(url, /^\/openapi\/v3\/apis\/example\.tinykube\.io\/v1\?hash=[0-9A-F]{128}$/);
    const doc = (await http(cluster, 'GET', url)).json();
    assert.deepEqual(doc.components.schemas['io.tinykube.example.v1.Widget']['x-kubernetes-group-version-kind'], [{ group: 'example.tinykube.io', version: 'v1', kind: 'Widget' }]);
    assert.equal((await http(cluster, 'GET', '/apis/example.tinykube.io/v1/namespaces/default/widgets')).json().kind, 'WidgetList');

    // A watch open when the kind goes ends, as kube ends them when a CRD is deleted.
    const started = Date.now();
    const events = await readWatch(cluster, '/apis/example.tinykube.io/v1/namespaces/default/widgets?watch=1', 2, 10_000, {}, async () => {
      const created = await http(cluster, 'POST', '/apis/example.tinykube.io/v1/namespaces/default/widgets', { apiVersion: 'example.tinykube.io/v1', kind: 'Widget', metadata: { name: 'watched' }, spec: { size: 1 } });
      assert.equal(created.status, 201, created.text);
      assert.ok(cluster.registry.unregister('example.tinykube.io', 'v1', 'widgets'));
    });
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED watched']);
    assert.ok(Date.now() - started < 5000, 'the watch ended with its kind, not at its timeout');
    assert.equal((await http(cluster, 'GET', '/apis/example.tinykube.io/v1/namespaces/default/widgets')).status, 404);
  });

  for (const v of VERSIONS) {
    test(`kubectl ${v}: api-resources, explain, create, get, apply --server-side and delete; then the kind is gone`, async () => {
      const k = (...args: string[]) => kubectl(v, cluster, args);
      const tag = v.replace('.', '-');
      await cluster.registry.register(definedKind(WIDGET, cluster.registry.library.meta()));
      try {
        const resources = await k('api-resources', '--api-group=example.tinykube.io');
        assert.deepEqual([resources.code, resources.stdout], [0, 'NAME      SHORTNAMES   APIVERSION               NAMESPACED   KIND\nwidgets   wd           example.tinykube.io/v1   true         Widget\n'], resources.stderr);

        const explain = await k('explain', 'widgets.spec');
        assert.equal(explain.code, 0, explain.stderr);
        assert.match(explain.stdout, /^KIND: +Widget$/m);
        assert.match(explain.stdout, /What the widget should be\./);
        assert.match(explain.stdout, /^ {2}color\t<string>$/m);
        assert.match(explain.stdout, /The colour of the widget\./);

        const name = `w-${tag}`;
        const created = await k('create', '-f', scratchFile(`widget-${tag}.yaml`, manifest(name, { color: 'blue', size: 3 })));
        assert.deepEqual([created.code, created.stdout], [0, `widget.example.tinykube.io/${name} created\n`], created.stderr);
        const got = await k('get', 'wd', name);
        assert.equal(got.code, 0, got.stderr);
        assert.match(got.stdout, new RegExp(`^NAME +AGE\\n${name} +\\d+s\\n$`));

        const applied = await k('apply', '--server-side', '--force-conflicts', '-f', scratchFile(`widget-apply-${tag}.yaml`, manifest(name, { color: 'red', size: 3 })));
        assert.deepEqual([applied.code, applied.stdout], [0, `widget.example.tinykube.io/${name} serverside-applied\n`], applied.stderr);
        const yaml = await k('get', 'widget', name, '-o', 'jsonpath={.spec.color} {.metadata.managedFields[*].manager}');
        assert.deepEqual([yaml.code, yaml.stdout], [0, `red kubectl kubectl-create`]);

        // The schema is enforced: a wrong type is a 400 in Go's words, an unknown field is refused strictly.
        const wrong = await k('create', '-f', scratchFile(`widget-bad-${tag}.yaml`, manifest(`bad-${tag}`, { size: 'three' })));
        assert.equal(wrong.code, 1);
        assert.match(wrong.stderr, /cannot unmarshal string into Go struct field .*spec\.size of type int32/);

        const deleted = await k('delete', 'widget', name);
        assert.deepEqual([deleted.code, deleted.stdout], [0, `widget.example.tinykube.io "${name}" deleted\n`], deleted.stderr);
      } finally {
        cluster.registry.unregister('example.tinykube.io', 'v1', 'widgets');
      }
      const freshCache = mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
      const gone = await kubectl(v, cluster, ['--cache-dir', freshCache, 'get', 'widgets']);
      assert.deepEqual([gone.code, gone.stderr], [1, 'error: the server doesn\'t have a resource type "widgets"\n']);
      const listed = await kubectl(v, cluster, ['--cache-dir', freshCache, 'api-resources', '--api-group=example.tinykube.io']);
      assert.deepEqual([listed.code, listed.stdout], [0, 'NAME   SHORTNAMES   APIVERSION   NAMESPACED   KIND\n']);
    });
  }
});
