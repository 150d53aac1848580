// The served surface is whole: every group-version tinykube advertises has resources, and each
// resource of its legacy discovery is in aggregated discovery, has its paths in /openapi/v3 and
// /openapi/v2 and a protobuf message in proto/. Against kube 1.33 (the upstream OpenAPI in
// ../shared/reference), the resources tinykube does not serve are listed below as data, so that
// adding or removing a kind changes this test knowingly; a group-version with none served answers
// 404 and is absent from /apis.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type protobuf from 'protobufjs';
import type { Cluster } from '../src/index.js';
import { packageOf } from '../src/server/protobuf-decode.js';
import { http, withCluster } from './helpers.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const reference = join(repo, '..', 'shared', 'reference', 'kubernetes-openapi-v3-1.33');
const protobufjs = createRequire(import.meta.url)('protobufjs') as typeof protobuf;
const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/**
 * The kube 1.33 resources (of the group-versions in the reference) that tinykube does not serve,
 * by group-version. Each would be a kind with kube's behaviour, never a stub.
 */
const NOT_SERVED: Record<string, string[]> = {
  'admissionregistration.k8s.io/v1': ['validatingadmissionpolicies', 'validatingadmissionpolicybindings'],
  'networking.k8s.io/v1': ['ipaddresses', 'servicecidrs'],
  'storage.k8s.io/v1': ['csidrivers', 'csinodes', 'csistoragecapacities', 'volumeattachments'],
};

/**
 * Group-versions kube-apiserver 1.33 serves by default that the reference has no document for,
 * so tinykube has no schemas to serve them from: none is advertised.
 */
const NOT_IN_REFERENCE = ['apiregistration.k8s.io/v1', 'flowcontrol.apiserver.k8s.io/v1'];

/** Served group-versions whose kinds have no protobuf message: metrics-server's (no .proto upstream either). */
const NO_PROTOBUF = ['metrics.k8s.io/v1beta1'];

/** Served group-versions that are not kube-apiserver's own (metrics-server's, simulated). */
const NOT_KUBE_APISERVER = ['metrics.k8s.io/v1beta1'];

/** The resources (no subresources) of a reference document, from its paths. */
function referenceResources(doc: { paths: Record<string, unknown> }): Set<string> {
  const out = new Set<string>();
  for (const p of Object.keys(doc.paths)) {
    const m = /^\/apis?\/(?:[^/]+\/)?v[^/]+\/(?:namespaces\/\{namespace\}\/)?([a-z0-9]+)(?:\/\{name\})?$/.exec(p);
    if (m && !p.includes('/watch/')) out.add(m[1]);
  }
  return out;
}

/** Kube 1.33's group-versions in the reference, with their resources. */
function kubeResources(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  out.set('v1', referenceResources(JSON.parse(readFileSync(join(reference, 'api__v1.json'), 'utf8'))));
  for (const f of readdirSync(join(reference, 'apis')).sort()) {
    const gv = f.replace(/\.json$/, '').replace(/_(?=v\d)/, '/');
    out.set(gv, referenceResources(JSON.parse(readFileSync(join(reference, 'apis', f), 'utf8'))));
  }
  return out;
}

interface APIResource { name: string; kind: string; namespaced: boolean; verbs: string[] }

describe('the served surface is whole', { skip: !existsSync(reference) && 'no ../shared/reference next to the repository' }, () => {
  let cluster: Cluster;
  /** Legacy discovery: each advertised group-version's resources (subresources included). */
  const legacy = new Map<string, APIResource[]>();
  before(async () => {
    cluster = await withCluster();
    legacy.set('v1', (await http(cluster, 'GET', '/api/v1')).json().resources);
    for (const group of (await http(cluster, 'GET', '/apis')).json().groups) {
      for (const { groupVersion } of group.versions) legacy.set(groupVersion, (await http(cluster, 'GET', `/apis/${groupVersion}`)).json().resources);
    }
  });
  after(async () => { await cluster?.close(); });

  const path = (gv: string) => (gv === 'v1' ? '/api/v1' : `/apis/${gv}`);
  const topLevel = (resources: APIResource[]) => resources.filter((r) => !r.name.includes('/'));

  test('no group-version is advertised without resources', () => {
    for (const [gv, resources] of legacy) assert.ok(topLevel(resources).length > 0, `${gv} has no resources`);
  });

  test('aggregated discovery lists exactly what legacy discovery does, subresources and all', async () => {
    const aggregated = new Map<string, string[]>();
    for (const root of ['/api', '/apis']) {
      const r = await http(cluster, 'GET', root, undefined, { Accept: AGGREGATED });
      for (const item of r.json().items) {
        for (const version of item.versions) {
          const gv = item.metadata.name ? `${item.metadata.name}/${version.version}` : version.version;
          aggregated.set(gv, version.resources.flatMap((res: any) => [res.resource, ...(res.subresources ?? []).map((s: any) => `${res.resource}/${s.subresource}`)]).sort());
        }
      }
    }
    assert.deepEqual([...aggregated.keys()].sort(), [...legacy.keys()].sort());
    for (const [gv, resources] of legacy) assert.deepEqual(aggregated.get(gv), resources.map((r) => r.name).sort(), gv);
  });

  test('every served resource has its paths in /openapi/v3 and /openapi/v2', async () => {
    const index = (await http(cluster, 'GET', '/openapi/v3')).json().paths;
    const v2 = (await http(cluster, 'GET', '/openapi/v2', undefined, { Accept: 'application/json' })).json().paths;
    for (const [gv, resources] of legacy) {
      const key = gv === 'v1' ? 'api/v1' : `apis/${gv}`;
      assert.ok(index[key], `/openapi/v3 has no ${key}`);
      const v3 = (await http(cluster, 'GET', index[key].serverRelativeURL)).json().paths;
      for (const r of topLevel(resources)) {
        const collection = r.namespaced ? `${path(gv)}/namespaces/{namespace}/${r.name}` : `${path(gv)}/${r.name}`;
        // The collection's path serves create, list and deletecollection; the object's the rest
        // (a create-only kind, bindings or a review, has no object path).
        const expected = [
          ...(r.verbs.some((v) => ['create', 'list', 'deletecollection'].includes(v)) ? [collection] : []),
          ...(r.verbs.some((v) => ['get', 'update', 'patch', 'delete'].includes(v)) ? [`${collection}/{name}`] : []),
        ];
        for (const p of expected) {
          assert.ok(v3[p], `/openapi/v3/${key} has no ${p}`);
          assert.ok(v2[p], `/openapi/v2 has no ${p}`);
        }
      }
      for (const r of resources.filter((x) => x.name.includes('/'))) {
        const [name, sub] = r.name.split('/');
        const owner = topLevel(resources).find((x) => x.name === name);
        const p = `${path(gv)}/${owner?.namespaced ? 'namespaces/{namespace}/' : ''}${name}/{name}/${sub}`;
        assert.ok(v3[p], `/openapi/v3/${key} has no ${p}`);
        assert.ok(v2[p], `/openapi/v2 has no ${p}`);
      }
    }
  });

  test('every served kind has a protobuf message, but where the reference has no .proto', () => {
    const root = new protobufjs.Root();
    for (const f of JSON.parse(readFileSync(join(repo, 'proto', 'index.json'), 'utf8')) as string[]) {
      protobufjs.parse(readFileSync(join(repo, 'proto', f), 'utf8'), root, { keepCase: true });
    }
    const missing = new Set<string>();
    for (const [gv, resources] of legacy) {
      for (const r of topLevel(resources)) {
        if (!root.lookup(`${packageOf(gv, r.kind)}.${r.kind}`)) missing.add(gv);
      }
    }
    assert.deepEqual([...missing].sort(), NO_PROTOBUF.filter((gv) => legacy.has(gv)));
  });

  test("kube 1.33's resources are served but for the ones listed", () => {
    const notServed: Record<string, string[]> = {};
    for (const [gv, kube] of kubeResources()) {
      const served = new Set(topLevel(legacy.get(gv) ?? []).map((r) => r.name));
      const absent = [...kube].filter((r) => !served.has(r)).sort();
      if (absent.length) notServed[gv] = absent;
      for (const r of served) assert.ok(kube.has(r), `${gv} ${r} is served but not in kube 1.33`);
    }
    assert.deepEqual(notServed, NOT_SERVED);
    const extra = [...legacy.keys()].filter((gv) => !kubeResources().has(gv));
    assert.deepEqual(extra, NOT_KUBE_APISERVER);
  });

  test('a group-version not served answers 404 and is absent from /apis', async () => {
    const groups = (await http(cluster, 'GET', '/apis')).json().groups.map((g: any) => g.name);
    const unserved = [
      ...Object.entries(NOT_SERVED).filter(([gv, names]) => names.length === kubeResources().get(gv)?.size).map(([gv]) => gv),
      ...NOT_IN_REFERENCE,
    ];
    assert.ok(unserved.length > 0);
    for (const gv of unserved) {
      assert.equal((await http(cluster, 'GET', `/apis/${gv}`)).status, 404, gv);
      assert.ok(!groups.includes(gv.split('/')[0]), `/apis lists ${gv}`);
      assert.ok(!legacy.has(gv), gv);
    }
  });
});
