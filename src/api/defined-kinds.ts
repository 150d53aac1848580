// Kinds defined while the server runs (custom resources): a definition (names, scope, the
// objects' schema, status and scale subresources) becomes a Strategy that stores objects as
// given, checks them against the schema, applies server-side apply from it, and carries its own
// OpenAPI: the paths and operations kube-apiserver publishes for such a kind, with the query
// parameters and the meta schemas (ObjectMeta, ListMeta, Status, DeleteOptions, Scale...) taken
// from the core group-version's document, through its meta parts (openapi/meta.json).
import { META, SCALE, type GVK, type MetaParts, type OpenAPIFragment, type PathItem, type Schema } from './openapi.js';
import { STATUS_SUBRESOURCE } from './reset-fields.js';
import { age, column, NAME_COLUMN } from './table.js';
import type { KObject, Strategy, Subresource } from './types.js';
import { isJsonObject, stringAt } from './json.js';

export interface ScaleDefinition {
  /** Dotted paths (a leading `.` is allowed, as CRDs write them). */
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface KindDefinition {
  group: string;
  version: string;
  kind: string;
  /** The resource name: lower-case plural. */
  plural: string;
  singular?: string;
  listKind?: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** The objects' schema; apiVersion, kind and metadata are added to its properties. */
  schema: Schema;
  subresources?: { status?: boolean; scale?: ScaleDefinition };
  /** The verbs served (default: all of them); a read-only kind has get and list. */
  verbs?: string[];
}

/** The verb each operation's x-kubernetes-action stands for. */
const ACTION_VERBS: Record<string, string> = {
  get: 'get', list: 'list', post: 'create', put: 'update', patch: 'patch', delete: 'delete', deletecollection: 'deletecollection', watch: 'watch', watchlist: 'watch',
};

export const OBJECT_META_REF = `#/components/schemas/${META}.ObjectMeta`;

/** The Strategy of a kind defined at run time; `meta` is what its OpenAPI takes from the core group-version's. */
export function definedKind(def: KindDefinition, meta: MetaParts): Strategy {
  const subresources: Record<string, Subresource> = {};
  if (def.subresources?.status) subresources.status = STATUS_SUBRESOURCE;
  const scale = def.subresources?.scale;
  if (scale) {
    subresources.scale = {
      type: 'scale',
      specReplicasPath: dotted(scale.specReplicasPath),
      statusReplicasPath: dotted(scale.statusReplicasPath),
      selector: (obj) => stringAtPath(obj, scale.labelSelectorPath ? dotted(scale.labelSelectorPath) : undefined) ?? '',
    };
  }
  return {
    group: def.group,
    version: def.version,
    resource: def.plural,
    singularName: def.singular ?? def.kind.toLowerCase(),
    ...(def.shortNames?.length ? { shortNames: def.shortNames } : {}),
    ...(def.categories?.length ? { categories: def.categories } : {}),
    subresources,
    tracksGeneration: true,
    openapi: kindFragment(def, meta),
    table: { columns: [NAME_COLUMN, column('Age', 'How long ago the object was created.', 0, 'date')], cells: (obj, now) => [obj.metadata.name, age(obj.metadata.creationTimestamp, now)] },
  };
}

function dotted(path: string): string {
  return path.replace(/^\./, '');
}

function stringAtPath(obj: KObject, path: string | undefined): string | undefined {
  return path ? stringAt(obj, ...path.split('.')) : undefined;
}

/** `example.com` + v1 + Widget → `com.example.v1.Widget`, as kube names custom resources' schemas. */
function schemaName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const content = (schema: Schema) => Object.fromEntries(['application/json', 'application/yaml'].map((t) => [t, { schema }]));

/** The paths and schemas of a defined kind, as kube-apiserver publishes them for a custom resource. */
export function kindFragment(def: KindDefinition, meta: MetaParts): OpenAPIFragment {
  const gvk: GVK = { group: def.group, version: def.version, kind: def.kind };
  const name = schemaName(def.group, def.version, def.kind);
  const listKind = def.listKind ?? `${def.kind}List`;
  const listName = schemaName(def.group, def.version, listKind);
  const param = (...names: string[]) => names.flatMap((n) => meta.parameters[n] ?? []);
  const op = (action: string, operationId: string, parameters: unknown[], response: Schema, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    description: `${action} ${def.kind}`, operationId, parameters, ...extra,
    responses: { 200: { description: 'OK', content: content(response) } },
    'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk,
  });
  const id = (verb: string, suffix = '') => `${verb}${def.kind}${suffix}`;
  const body = (schema: Schema) => ({ requestBody: { required: true, content: { '*/*': { schema } } } });
  const patchBody = { requestBody: { required: true, content: Object.fromEntries(['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'].map((t) => [t, { schema: ref(`${META}.Patch`) }])) } };
  const writeParams = param('dryRun', 'fieldManager', 'fieldValidation');
  const listParams = param('allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch');
  const root = `/apis/${def.group}/${def.version}`;
  const scope = def.namespaced ? '/namespaces/{namespace}' : '';
  const collection = `${root}${scope}/${def.plural}`;
  const item = `${collection}/{name}`;
  const scopeParams = [...(def.namespaced ? param('namespace') : []), ...param('pretty')];
  const itemParams = [...param('name'), ...scopeParams];
  const paths: Record<string, PathItem> = {
    [collection]: {
      parameters: scopeParams,
      get: op('list', id('list', 'List'), listParams, ref(listName)),
      post: op('post', id('create'), writeParams, ref(name), body(ref(name))),
      delete: op('deletecollection', id('deleteCollection'), [...param('gracePeriodSeconds', 'propagationPolicy', 'dryRun'), ...listParams], ref(`${META}.Status`), body(ref(`${META}.DeleteOptions`))),
    },
    [item]: {
      parameters: itemParams,
      get: op('get', id('read'), param('resourceVersion'), ref(name)),
      put: op('put', id('replace'), writeParams, ref(name), body(ref(name))),
      patch: op('patch', id('patch'), [...writeParams, ...param('force')], ref(name), patchBody),
      delete: op('delete', id('delete'), param('gracePeriodSeconds', 'propagationPolicy', 'dryRun'), ref(`${META}.Status`), body(ref(`${META}.DeleteOptions`))),
    },
    [`${root}/watch${scope}/${def.plural}`]: { parameters: [...scopeParams, ...listParams], get: op('watchlist', id('watch', 'List'), [], ref(`${META}.WatchEvent`)) },
    [`${root}/watch${scope}/${def.plural}/{name}`]: { parameters: [...itemParams, ...listParams], get: op('watch', id('watch'), [], ref(`${META}.WatchEvent`)) },
  };
  if (def.namespaced) paths[`${root}/${def.plural}`] = { parameters: param('pretty'), get: op('list', id('list', 'ForAllNamespaces'), listParams, ref(listName)) };
  if (def.subresources?.status) {
    paths[`${item}/status`] = {
      parameters: itemParams,
      get: op('get', id('read', 'Status'), param('resourceVersion'), ref(name)),
      put: op('put', id('replace', 'Status'), writeParams, ref(name), body(ref(name))),
      patch: op('patch', id('patch', 'Status'), [...writeParams, ...param('force')], ref(name), patchBody),
    };
  }
  if (def.subresources?.scale) {
    const scaleGVK = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
    paths[`${item}/scale`] = {
      parameters: itemParams,
      get: { ...op('get', id('read', 'Scale'), param('resourceVersion'), ref(SCALE)), 'x-kubernetes-group-version-kind': scaleGVK },
      put: { ...op('put', id('replace', 'Scale'), writeParams, ref(SCALE), body(ref(SCALE))), 'x-kubernetes-group-version-kind': scaleGVK },
      patch: { ...op('patch', id('patch', 'Scale'), [...writeParams, ...param('force')], ref(SCALE), patchBody), 'x-kubernetes-group-version-kind': scaleGVK },
    };
  }
  const objectSchema: Schema = {
    ...def.schema,
    type: 'object',
    properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: ref(`${META}.ObjectMeta`), ...(def.schema.properties ?? {}) },
    'x-kubernetes-group-version-kind': [gvk],
  };
  const listSchema: Schema = {
    type: 'object',
    required: ['items'],
    properties: { apiVersion: { type: 'string' }, items: { type: 'array', items: ref(name) }, kind: { type: 'string' }, metadata: ref(`${META}.ListMeta`) },
    'x-kubernetes-group-version-kind': [{ ...gvk, kind: listKind }],
  };
  if (def.verbs) {
    const verbs = new Set(def.verbs);
    for (const [path, item] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const action = isJsonObject(operation) ? operation['x-kubernetes-action'] : undefined;
        if (typeof action === 'string' && !verbs.has(ACTION_VERBS[action] ?? action)) delete item[method];
      }
      if (Object.keys(item).every((k) => k === 'parameters')) delete paths[path];
    }
  }
  const schemas: Record<string, Schema> = { [name]: objectSchema, [listName]: listSchema, ...meta.schemas };
  return { paths, schemas };
}
