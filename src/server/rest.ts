// The REST handlers: one generic implementation of every verb for every resource, translating
// HTTP (query, body, Accept) to ResourceStore calls and results to kube's answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import { errors, fieldErrors, StatusError } from '../api/errors.js';
import { dropNulls } from '../api/json.js';
import { bindPod } from '../api/binding.js';
import { apply as applyConfig, ApplyConflictError } from '../api/managed-fields.js';
import { jsonPatch, mergePatch, PatchError, strategicMergePatch } from '../api/patch.js';
import type { Registry } from '../api/registry.js';
import { rfc3339, type ListOptions, type ResourceStore, type WriteOptions } from '../api/resource-store.js';
import { SchemaNode } from '../api/schema-navigator.js';
import { DEFAULT_TABLE, table, tableRow, type IncludeObject } from '../api/table.js';
import type { DeleteOptions, KObject } from '../api/types.js';
import { rcToScale } from '../resources/replicationcontrollers.js';
import { bodyDuplicates, decodeObject, decodeOptionsFor, parseBody, parseFieldValidation, warningHeaders, type DecodeOptions, type FieldValidation } from './decode.js';
import { readBody, sendError, sendJSON, sendObject } from './http.js';
import { chooseResponseFormat, patchType, type ResponseFormat } from './negotiation.js';
import { CONNECT_SUBRESOURCES, queryBool, type ResourceRequest } from './request-info.js';
import type { FaultActions } from './admin/faults.js';
import { userOf } from './auth/authn.js';
import type { ConnectHandler } from './connect.js';
import { checkWatchRequest, httpTransport, startWatch, websocketTransport, type WatchRequest, type WatchSettings, type WatchTransport } from './watch.js';

const COMMA = Buffer.from(',');
const LIST_END = Buffer.from(']}');

export class RestHandler {
  private readonly watches = new Set<() => void>();

  constructor(private readonly registry: Registry, private readonly watchSettings: WatchSettings, private readonly connect: ConnectHandler) {}

  /** Ends every open watch, as a server restart would; clients re-watch from their last resourceVersion. */
  closeWatches(): void {
    for (const close of [...this.watches]) close();
  }

  async handle(info: ResourceRequest, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, faults?: FaultActions): Promise<void> {
    try {
      await this.dispatch(info, req, res, query, faults);
    } catch (e) {
      sendError(res, e);
    }
  }

  /**
   * Checks a websocket watch before the upgrade, so a bad request gets a plain 4xx answer as from
   * kube-apiserver; returns what starts the stream once the socket is accepted.
   */
  prepareWatchUpgrade(info: ResourceRequest, query: URLSearchParams, faults?: FaultActions): (ws: WebSocket) => void {
    if (VIRTUAL_RESOURCES[`${info.group}/${info.resource}`]) throw errors.methodNotAllowed();
    const rs = this.resolve(info);
    if (!rs.shape.verbs.includes('watch')) throw errors.methodNotSupported(rs.gr, 'watch');
    const start = this.prepareWatch(rs, info, query, { kind: 'json' }, faults);
    return (ws) => start(websocketTransport(ws));
  }

  private resolve(info: ResourceRequest): ResourceStore {
    const rs = this.registry.lookup(info.group, info.version, info.resource);
    if (!rs) throw errors.pathNotFound();
    if (rs.namespaced && info.namespace === undefined && info.name !== undefined) throw errors.pathNotFound();
    if (!rs.namespaced && info.namespace !== undefined) throw errors.pathNotFound();
    if (info.subresource && !rs.shape.subresources.some((s) => s.name === info.subresource)) throw errors.pathNotFound();
    return rs;
  }

  private async dispatch(info: ResourceRequest, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, faults?: FaultActions): Promise<void> {
    const virtual = VIRTUAL_RESOURCES[`${info.group}/${info.resource}`];
    if (virtual) {
      if (info.verb !== 'create' || info.name) throw errors.methodNotAllowed();
      if (virtual === 'bindings') return this.bind(info.namespace!, undefined, req, res, query, parseDryRun(query, 'create'));
      if (virtual === 'selfsubjectreviews') return this.selfSubjectReview(info, req, res);
      return this.selfSubjectAccessReview(req, res);
    }
    const rs = this.resolve(info);
    const format = chooseResponseFormat(req.headers.accept, { allowTable: true });
    if (!format) throw errors.notAcceptable(['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']);
    const allowed = info.subresource ? rs.shape.subresources.find((s) => s.name === info.subresource)!.verbs : rs.shape.verbs;
    const verbForCheck = info.verb === 'watch' ? 'watch' : info.verb;
    if (!allowed.includes(verbForCheck)) throw errors.methodNotSupported(rs.gr, verbForCheck);
    // POST names no object; PUT, PATCH and DELETE of one always do.
    if ((info.verb === 'create' && info.name && !info.subresource) || (['update', 'patch'].includes(info.verb) && !info.name)) {
      throw errors.methodNotAllowed();
    }
    const ns = info.namespace;
    // Connections (logs, proxies, exec) take no options: a dryRun in their query is the target's.
    const dryRun = CONNECT_SUBRESOURCES.has(info.subresource ?? '') ? false : parseDryRun(query, info.verb);
    if (info.subresource) return this.subresource(rs, info, req, res, query, format, dryRun);
    switch (info.verb) {
      case 'get': return this.respond(res, 200, rs, await rs.get(ns, info.name!, query.get('resourceVersion') ?? undefined), format, query);
      case 'list': return this.list(rs, ns, res, query, format);
      case 'watch': {
        this.prepareWatch(rs, info, query, format, faults)(httpTransport(res));
        return;
      }
      case 'create': {
        const { object, warnings } = await this.decodeBody(rs, req, query);
        const created = await rs.create(ns, object, { dryRun, fieldManager: fieldManager(req, query) });
        return this.respond(res, 201, rs, created, format, query, warnings);
      }
      case 'update': {
        const { object, warnings } = await this.decodeBody(rs, req, query);
        const { object: updated } = await rs.update(ns, info.name!, () => object, { dryRun, fieldManager: fieldManager(req, query) });
        return this.respond(res, 200, rs, updated, format, query, warnings);
      }
      case 'patch': {
        const updated = await this.patch(rs, info, req, query, dryRun);
        return this.respond(res, updated.created ? 201 : 200, rs, updated.object, format, query, updated.warnings);
      }
      case 'delete': return this.delete(rs, ns, info.name!, req, res, query, format, dryRun);
      case 'deletecollection': return this.deleteCollection(rs, ns, req, res, query, format, dryRun);
    }
    throw errors.methodNotSupported(rs.gr, info.verb);
  }

  // ---- reads -------------------------------------------------------------------------------

  private async list(rs: ResourceStore, ns: string | undefined, res: ServerResponse, query: URLSearchParams, format: ResponseFormat): Promise<void> {
    const opts: ListOptions = {
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: query.get('fieldSelector') ?? undefined,
      limit: query.has('limit') ? Number(query.get('limit')) : undefined,
      continue: query.get('continue') ?? undefined,
      resourceVersion: query.get('resourceVersion') ?? undefined,
      resourceVersionMatch: query.get('resourceVersionMatch') ?? undefined,
    };
    if (query.has('sendInitialEvents')) throw errors.invalid('ListOptions', 'meta.k8s.io', '', [fieldErrors.forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list')]);
    const result = await rs.list(ns, opts);
    const listMeta: Record<string, unknown> = { resourceVersion: result.resourceVersion };
    if (result.continue) listMeta.continue = result.continue;
    if (result.remainingItemCount !== undefined) listMeta.remainingItemCount = result.remainingItemCount;
    if (format.kind === 'table') {
      const convertor = rs.strategy.table ?? DEFAULT_TABLE;
      const apiVersion = `meta.k8s.io/${format.version}`;
      const now = this.registry.now().getTime();
      const include = includeObject(query);
      const rows = result.items.map((o) => tableRow(convertor, o.object, include, apiVersion, now));
      return sendObject(res, 200, table(convertor, rows, apiVersion, listMeta), format);
    }
    if (format.kind === 'partialObjectMetadata') {
      const items = result.items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${format.version}`, metadata: o.object.metadata }));
      return sendObject(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${format.version}`, metadata: listMeta, items }, format);
    }
    const listKind = `${rs.kind}List`;
    if (format.kind === 'yaml') {
      return sendObject(res, 200, { kind: listKind, apiVersion: rs.apiVersion, metadata: listMeta, items: result.items.map((o) => o.object) }, format);
    }
    // JSON lists are assembled from each object's cached bytes: one copy, no re-encoding.
    const parts: Buffer[] = [Buffer.from(`{"kind":"${listKind}","apiVersion":"${rs.apiVersion}","metadata":${JSON.stringify(listMeta)},"items":[`)];
    result.items.forEach((o, i) => {
      if (i) parts.push(COMMA);
      parts.push(o.jsonBytes());
    });
    parts.push(LIST_END);
    sendJSON(res, 200, parts);
  }

  /** Validates a watch request (throwing a Status) and returns what streams it to a transport. */
  private prepareWatch(rs: ResourceStore, info: ResourceRequest, query: URLSearchParams, format: ResponseFormat, faults?: FaultActions): (transport: WatchTransport) => void {
    const w: WatchRequest = {
      resourceVersion: query.get('resourceVersion') ?? undefined,
      resourceVersionMatch: query.get('resourceVersionMatch') ?? undefined,
      allowWatchBookmarks: queryBool(query.get('allowWatchBookmarks')),
      sendInitialEvents: query.has('sendInitialEvents') ? queryBool(query.get('sendInitialEvents')) : undefined,
      timeoutSeconds: query.has('timeoutSeconds') ? Number(query.get('timeoutSeconds')) : undefined,
      format,
      includeObject: includeObject(query),
      faults,
    };
    checkWatchRequest(w);
    const filter = rs.filter(info.namespace, { labelSelector: query.get('labelSelector') ?? undefined, fieldSelector: query.get('fieldSelector') ?? undefined }, info.name);
    return (transport) => {
      const close = startWatch(rs, filter, w, transport, this.watchSettings);
      this.watches.add(close);
      transport.onClose(() => this.watches.delete(close));
    };
  }

  private respond(res: ServerResponse, code: number, rs: ResourceStore, obj: KObject, format: ResponseFormat, query: URLSearchParams, warnings: string[] = []): void {
    const headers: Record<string, string | string[]> = warnings.length ? { Warning: warningHeaders(warnings) } : {};
    if (format.kind === 'table' && obj.kind === rs.kind) {
      const convertor = rs.strategy.table ?? DEFAULT_TABLE;
      const apiVersion = `meta.k8s.io/${format.version}`;
      const row = tableRow(convertor, obj, includeObject(query), apiVersion, this.registry.now().getTime());
      return sendObject(res, code, table(convertor, [row], apiVersion, { resourceVersion: obj.metadata.resourceVersion }), format, headers as Record<string, string>);
    }
    if (format.kind === 'partialObjectMetadata' && obj.kind === rs.kind) {
      return sendObject(res, code, { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${format.version}`, metadata: obj.metadata }, format, headers as Record<string, string>);
    }
    if (format.kind === 'yaml') return sendObject(res, code, obj, format, headers as Record<string, string>);
    // The object as cached is encoded once, for this answer and every watcher it goes to.
    const cached = rs.cached(obj);
    sendJSON(res, code, cached ? cached.jsonBytes() : JSON.stringify(obj), headers as Record<string, string>);
  }

  // ---- writes ------------------------------------------------------------------------------

  private async decodeBody(rs: ResourceStore, req: IncomingMessage, query: URLSearchParams) {
    const validation = parseFieldValidation(query.get('fieldValidation'));
    const body = await readBody(req);
    const raw = parseBody(body, req.headers['content-type'], rs.kind);
    return decodeObject(raw, { ...this.decodeOptions(rs, validation), duplicates: bodyDuplicates(body, req.headers['content-type']) });
  }

  private decodeOptions(rs: ResourceStore, validation: FieldValidation): DecodeOptions {
    return decodeOptionsFor(this.registry, rs, validation);
  }

  private async patch(rs: ResourceStore, info: ResourceRequest, req: IncomingMessage, query: URLSearchParams, dryRun: boolean, subresource?: string): Promise<{ object: KObject; warnings: string[]; created: boolean }> {
    const type = patchType(req.headers['content-type']);
    if (!type) {
      throw errors.unsupportedMediaType(req.headers['content-type'] ?? '', ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml']);
    }
    if (type === 'apply') return this.apply(rs, info, req, query, dryRun, subresource);
    if (query.has('force')) throw errors.invalid('PatchOptions', 'meta.k8s.io', '', [fieldErrors.forbidden('force', 'may not be specified for non-apply patch')]);
    const validation = parseFieldValidation(query.get('fieldValidation'));
    const body = await readBody(req);
    let patch: unknown;
    try {
      patch = JSON.parse(body.toString('utf8'));
    } catch (e) {
      throw errors.badRequest(`error decoding patch: ${e instanceof Error ? e.message : String(e)}`);
    }
    const schema = SchemaNode.root(this.registry.documentFor(rs.shape.group, rs.shape.version)!.document.components.schemas, rs.schemaName);
    let warnings: string[] = [];
    const { object } = await rs.update(info.namespace, info.name!, (current) => {
      let patched: unknown;
      try {
        if (type === 'json') patched = jsonPatch(current, patch);
        else if (type === 'merge') patched = mergePatch(current, patch);
        else patched = strategicMergePatch(current, patch, schema);
      } catch (e) {
        throw patchFailure(e, type);
      }
      const decoded = decodeObject(patched, this.decodeOptions(rs, validation));
      warnings = decoded.warnings;
      return decoded.object;
    }, { dryRun, subresource, fieldManager: fieldManager(req, query) });
    return { object, warnings, created: false };
  }

  /** Server-side apply: merge the configuration, move field ownership, 409 on conflicts unless forced. */
  private async apply(rs: ResourceStore, info: ResourceRequest, req: IncomingMessage, query: URLSearchParams, dryRun: boolean, subresource?: string): Promise<{ object: KObject; warnings: string[]; created: boolean }> {
    const manager = query.get('fieldManager');
    if (!manager) throw errors.invalid('PatchOptions', 'meta.k8s.io', '', [fieldErrors.required('fieldManager', 'is required for apply patch')]);
    const force = queryBool(query.get('force'));
    const validation = parseFieldValidation(query.get('fieldValidation'));
    const raw = parseBody(await readBody(req), 'application/yaml', rs.kind);
    const { object: config, warnings } = decodeObject(raw, this.decodeOptions(rs, validation));
    if (config.metadata.name !== undefined && config.metadata.name !== info.name) {
      throw errors.badRequest(`the name of the object (${config.metadata.name}) does not match the name on the URL (${info.name})`);
    }
    const writer = { manager, operation: 'Apply' as const, subresource, apiVersion: rs.apiVersion, time: rfc3339(this.registry.now()) };
    const hasStatus = !!rs.strategy.hasStatus;
    const run = <T>(f: () => T): T => {
      try {
        return f();
      } catch (e) {
        if (e instanceof ApplyConflictError) throw new StatusError(409, 'Conflict', e.message, { causes: e.causes() });
        throw e;
      }
    };
    if (!rs.cache.get(rs.key(info.namespace, info.name!))) {
      if (subresource) throw errors.notFound(rs.gr, info.name!);
      const created = run(() => applyConfig(undefined, { ...config, metadata: { ...config.metadata, name: info.name } }, rs.schema, writer, force, hasStatus));
      const object = await rs.create(info.namespace, created, { dryRun, managedFieldsSet: true });
      return { object, warnings, created: true };
    }
    const { object } = await rs.update(info.namespace, info.name!, (current) => {
      const merged = run(() => applyConfig(current, config, rs.schema, writer, force, hasStatus));
      if (config.metadata.resourceVersion === undefined) delete merged.metadata.resourceVersion;
      return merged;
    }, { dryRun, subresource, managedFieldsSet: true });
    return { object, warnings, created: false };
  }

  private async delete(rs: ResourceStore, ns: string | undefined, name: string, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, format: ResponseFormat, dryRun: boolean): Promise<void> {
    const options = await deleteOptions(req, query, this.registry);
    // dryRun may come in the DeleteOptions body as well as in the query.
    const { object, deleted } = await rs.delete(ns, name, options, { dryRun: deleteDryRun(options) || dryRun });
    if (rs.strategy.returnsDeletedObject) return this.respond(res, deleted ? 200 : 202, rs, object, format, query);
    sendObject(res, deleted ? 200 : 202, deleted ? successStatus(rs, object) : object);
  }

  private async deleteCollection(rs: ResourceStore, ns: string | undefined, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, format: ResponseFormat, dryRun: boolean): Promise<void> {
    const options = await deleteOptions(req, query, this.registry);
    const dry = deleteDryRun(options) || dryRun;
    const listed = await rs.list(ns, { labelSelector: query.get('labelSelector') ?? undefined, fieldSelector: query.get('fieldSelector') ?? undefined });
    const items: KObject[] = [];
    for (const o of listed.items) {
      try {
        items.push((await rs.delete(o.object.metadata.namespace, o.object.metadata.name!, options, { dryRun: dry })).object);
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
      }
    }
    sendObject(res, 200, { kind: `${rs.kind}List`, apiVersion: rs.apiVersion, metadata: { resourceVersion: String(await this.registry.store.currentRevision()) }, items }, format.kind === 'yaml' ? format : { kind: 'json' });
  }

  // ---- subresources ------------------------------------------------------------------------

  private async subresource(rs: ResourceStore, info: ResourceRequest, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, format: ResponseFormat, dryRun: boolean): Promise<void> {
    const ns = info.namespace;
    const name = info.name!;
    const sub = info.subresource!;
    const opts: WriteOptions = { dryRun, subresource: sub, fieldManager: fieldManager(req, query) };
    if (sub === 'status') {
      if (info.verb === 'get') return this.respond(res, 200, rs, await rs.get(ns, name), format, query);
      if (info.verb === 'update') {
        const { object, warnings } = await this.decodeBody(rs, req, query);
        return this.respond(res, 200, rs, (await rs.update(ns, name, () => object, opts)).object, format, query, warnings);
      }
      if (info.verb === 'patch') {
        const { object, warnings } = await this.patch(rs, info, req, query, dryRun, 'status');
        return this.respond(res, 200, rs, object, format, query, warnings);
      }
    }
    if (sub === 'scale' && rs.shape.resource === 'replicationcontrollers') return this.scale(rs, info, req, res, query, dryRun);
    if (sub === 'log' && rs.shape.resource === 'pods') return this.connect.log(ns!, name, query, req, res);
    if (sub === 'proxy' && rs.shape.resource === 'pods') return this.connect.podProxy(ns!, name, info.rest, req, res);
    if (sub === 'proxy' && rs.shape.resource === 'services') return this.connect.serviceProxy(ns!, name, info.rest, req, res);
    if ((sub === 'exec' || sub === 'attach' || sub === 'portforward') && rs.shape.resource === 'pods') {
      throw errors.badRequest('Upgrade request required');
    }
    if (sub === 'binding' && rs.shape.resource === 'pods') return this.bind(ns!, name, req, res, query, dryRun);
    if (sub === 'eviction' && rs.shape.resource === 'pods') {
      const raw = parseBody(await readBody(req), req.headers['content-type'], 'Eviction') as { deleteOptions?: DeleteOptions | null; metadata?: { name?: string } };
      if (raw?.metadata?.name && raw.metadata.name !== name) throw errors.badRequest(`name in URL does not match name in Eviction object`);
      // The dry run is the query's or the deleteOptions'; given in both, they must be the same.
      // kube's propagateDryRun returns a plain error here (a 500); bad input is a 400 here.
      const options: DeleteOptions = { ...(raw?.deleteOptions ?? {}) };
      const fromQuery = query.getAll('dryRun');
      const fromBody = dryRunValues(options.dryRun);
      if (fromQuery.length && fromBody.length && fromQuery.join('\u0000') !== fromBody.join('\u0000')) {
        const message = `Non-matching dry-run options in request and content: [${fromQuery.join(' ')}] and [${fromBody.join(' ')}]`;
        throw errors.badRequest(message);
      }
      if (!fromBody.length) options.dryRun = fromQuery;
      // The pod is read before its DeleteOptions are validated: a missing pod is a 404 first.
      await rs.get(ns, name);
      await rs.delete(ns, name, options, { dryRun: deleteDryRun(options) });
      // Evicted or, in a dry run, not: the answer is the same.
      return sendObject(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    }
    if (sub === 'finalize' && rs.shape.resource === 'namespaces') {
      const { object } = await this.decodeBody(rs, req, query);
      const { object: updated } = await rs.update(undefined, name, (current) => {
        const finalizers = (object.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
        const spec = { ...(current.spec as { finalizers?: string[] }) };
        // An empty list is left out, as Go's omitempty leaves it.
        if (finalizers.length) spec.finalizers = finalizers; else delete spec.finalizers;
        current.spec = spec;
        return current;
      }, { dryRun, subresource: 'finalize', fieldManager: fieldManager(req, query) });
      return this.respond(res, 200, rs, updated, format, query);
    }
    throw errors.methodNotSupported(rs.gr, `${info.verb} ${sub}`);
  }

  private async scale(rs: ResourceStore, info: ResourceRequest, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, dryRun: boolean): Promise<void> {
    const ns = info.namespace;
    const name = info.name!;
    if (info.verb === 'get') return sendObject(res, 200, rcToScale(await rs.get(ns, name)));
    const doc = this.registry.documentFor('', 'v1')!;
    const scaleSchema = 'io.k8s.api.autoscaling.v1.Scale';
    let replicas: number | undefined;
    let pinnedRv: string | undefined;
    const body = await readBody(req);
    const { object } = await rs.update(ns, name, (current) => {
      const scale = rcToScale(current);
      let next: unknown;
      if (info.verb === 'update') {
        next = parseBody(body, req.headers['content-type'], 'Scale');
      } else {
        let patch: unknown;
        try { patch = JSON.parse(body.toString('utf8')); } catch (e) { throw errors.badRequest(`error decoding patch: ${String(e)}`); }
        const type = patchType(req.headers['content-type']);
        try {
          next = type === 'json' ? jsonPatch(scale, patch) : type === 'merge' ? mergePatch(scale, patch) : type === 'strategic' ? strategicMergePatch(scale, patch, SchemaNode.root(doc.document.components.schemas, scaleSchema)) : undefined;
        } catch (e) {
          throw patchFailure(e, type);
        }
        if (next === undefined) throw errors.unsupportedMediaType(req.headers['content-type'] ?? '', ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']);
      }
      const decoded = decodeObject(next, { validator: this.registry.validator, gvPath: doc.path, schemaName: scaleSchema, kind: 'Scale', apiVersion: 'autoscaling/v1', validation: parseFieldValidation(query.get('fieldValidation')) }).object;
      replicas = (decoded.spec as { replicas?: number } | undefined)?.replicas;
      pinnedRv = info.verb === 'update' ? decoded.metadata.resourceVersion : undefined;
      if (replicas === undefined || !Number.isInteger(replicas) || replicas < 0) {
        throw errors.invalid('Scale', 'autoscaling', name, [fieldErrors.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]);
      }
      current.spec = { ...(current.spec as object), replicas };
      if (pinnedRv) current.metadata.resourceVersion = pinnedRv;
      return current;
    }, { dryRun, subresource: 'scale', fieldManager: fieldManager(req, query) });
    sendObject(res, 200, rcToScale(object));
  }

  /** Everyone may do everything here until authorization exists, so every review is allowed. */
  private async selfSubjectAccessReview(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = parseBody(await readBody(req), req.headers['content-type'], 'SelfSubjectAccessReview') as Record<string, unknown>;
    const spec = raw?.spec as { resourceAttributes?: unknown; nonResourceAttributes?: unknown } | undefined;
    if (!spec?.resourceAttributes && !spec?.nonResourceAttributes) {
      throw errors.invalid('SelfSubjectAccessReview', 'authorization.k8s.io', '', [fieldErrors.invalid('spec.resourceAttributes', null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified')]);
    }
    sendObject(res, 201, {
      kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null },
      spec, status: { allowed: true, reason: 'tinykube allows every request' },
    });
  }

  /** Who the caller is, as authentication saw them (`kubectl auth whoami`). */
  private async selfSubjectReview(info: ResourceRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!['v1', 'v1beta1', 'v1alpha1'].includes(info.version)) throw errors.pathNotFound();
    await readBody(req);
    const { username, uid, groups } = userOf(req);
    sendObject(res, 201, {
      kind: 'SelfSubjectReview', apiVersion: `authentication.k8s.io/${info.version}`, metadata: { creationTimestamp: null },
      status: { userInfo: { username, ...(uid ? { uid } : {}), groups } },
    });
  }

  /** pods/binding and the bindings collection: assign a pod to a node, once. */
  private async bind(ns: string, podName: string | undefined, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, dryRun: boolean): Promise<void> {
    const raw = parseBody(await readBody(req), req.headers['content-type'], 'Binding') as { metadata?: { name?: string }; target?: { kind?: string; name?: string } };
    const name = podName ?? raw?.metadata?.name;
    if (!name) throw errors.badRequest('name is required for a binding');
    const target = raw?.target;
    if (!target?.name) throw errors.invalid('Binding', '', name, [fieldErrors.required('target.name')]);
    await bindPod(this.registry, ns, name, target.name, fieldManager(req, query), dryRun);
    // Bound or, in a dry run, not: the answer is the same.
    sendObject(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }
}

/** Create-only resources with no storage of their own. */
const VIRTUAL_RESOURCES: Record<string, 'bindings' | 'selfsubjectaccessreviews' | 'selfsubjectreviews'> = {
  '/bindings': 'bindings',
  'authorization.k8s.io/selfsubjectaccessreviews': 'selfsubjectaccessreviews',
  'authentication.k8s.io/selfsubjectreviews': 'selfsubjectreviews',
};

/** A patch that cannot be applied: JSON patch failures are a bare 422, as kube answers them; others a 400. */
function patchFailure(e: unknown, type: string | undefined): unknown {
  if (!(e instanceof PatchError)) return e;
  if (type === 'json') return new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
  return errors.badRequest(e.message);
}

/** The field manager of a write: the fieldManager parameter, else the User-Agent's first token (as kube). */
function fieldManager(req: IncomingMessage, query: URLSearchParams): string {
  const given = query.get('fieldManager');
  if (given) return given;
  return (req.headers['user-agent'] ?? '').split('/')[0] || 'unknown';
}

function includeObject(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

/** The options a write's query parameters decode into, by verb; kube names them in its 422s. Reads take no dryRun. */
const OPTIONS_KIND: Record<string, string> = {
  create: 'CreateOptions', update: 'UpdateOptions', patch: 'PatchOptions', delete: 'DeleteOptions', deletecollection: 'DeleteOptions',
};

/** Whether a write's query asks for a dry run; a value other than "All" is a 422 naming the verb's options. */
function parseDryRun(query: URLSearchParams, verb: string): boolean {
  const kind = OPTIONS_KIND[verb];
  if (!kind) return false;
  const values = query.getAll('dryRun');
  checkDryRun(values, kind);
  return values.length > 0;
}

/** Whether DeleteOptions (from a body, or an Eviction's) ask for a dry run, validated as kube validates them. */
function deleteDryRun(options: DeleteOptions): boolean {
  const values = dryRunValues(options.dryRun);
  checkDryRun(values, 'DeleteOptions');
  return values.length > 0;
}

/** dryRun as decoded from a body: a list of strings, or nothing. */
function dryRunValues(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    const what = Array.isArray(v) ? typeof v.find((x) => typeof x !== 'string') : typeof v;
    throw errors.badRequest(`json: cannot unmarshal ${what} into Go struct field DeleteOptions.dryRun of type ${Array.isArray(v) ? 'string' : '[]string'}`);
  }
  return v;
}

function checkDryRun(values: string[], optionsKind: string): void {
  if (values.every((v) => v === 'All')) return;
  throw errors.invalid(optionsKind, 'meta.k8s.io', '', [fieldErrors.notSupported('dryRun', values, ['All'])]);
}

const DELETE_OPTIONS_SCHEMA = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';

/** DeleteOptions from the body (decoded as Go decodes them: wrong JSON types are a 400) and the query. */
async function deleteOptions(req: IncomingMessage, query: URLSearchParams, registry: Registry): Promise<DeleteOptions> {
  const body = await readBody(req);
  let opts: DeleteOptions = {};
  if (body.length && body.toString('utf8').trim()) {
    const raw = parseBody(body, req.headers['content-type'], 'DeleteOptions');
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw errors.badRequest(`json: cannot unmarshal ${Array.isArray(raw) ? 'array' : typeof raw} into Go value of type v1.DeleteOptions`);
    const { typeErrors } = registry.validator.check(registry.documentFor('', 'v1')!.path, DELETE_OPTIONS_SCHEMA, dropNulls(raw));
    if (typeErrors.length) throw errors.badRequest(typeErrors[0]);
    opts = dropNulls(raw) as DeleteOptions;
  }
  if (query.has('gracePeriodSeconds')) opts.gracePeriodSeconds = queryInt64(query.get('gracePeriodSeconds')!);
  if (query.has('propagationPolicy')) opts.propagationPolicy = query.get('propagationPolicy') as DeleteOptions['propagationPolicy'];
  if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw errors.invalid('DeleteOptions', 'meta.k8s.io', '', [fieldErrors.notSupported('propagationPolicy', opts.propagationPolicy, ['Foreground', 'Background', 'Orphan'])]);
  }
  if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 0;
  return opts;
}

/** A query parameter of Go type int64, with strconv's error text for what does not parse. */
function queryInt64(v: string): number {
  if (!/^[+-]?\d+$/.test(v)) throw errors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

function successStatus(rs: ResourceStore, obj: KObject): unknown {
  return {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success',
    details: { name: obj.metadata.name, ...(rs.shape.group ? { group: rs.shape.group } : {}), kind: rs.shape.resource, uid: obj.metadata.uid },
  };
}
