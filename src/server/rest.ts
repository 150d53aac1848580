// The REST handlers: one generic implementation of every verb for every kind, translating HTTP
// (query, body, Accept) to typed options and ResourceStore calls, and results to kube's answers.
// Subresources are served as their kind's Strategy declares them; nothing here names a kind.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import { decodeObject, decodeOptionsFor, type DecodeOptions } from '../api/decode.js';
import { errors, fieldErrors, StatusError } from '../api/errors.js';
import { copyJSON, dropNulls, isJsonObject, numberAt } from '../api/json.js';
import { apply as applyConfig, ApplyConflictError } from '../api/managed-fields.js';
import { schemaNameForKind, type GVK } from '../api/openapi.js';
import { jsonPatch, mergePatch, PatchError, strategicMergePatch } from '../api/patch.js';
import type { Registry, VirtualResource } from '../api/registry.js';
import { parseDeleteOptions, parseDryRun, parseFieldValidation, parseListOptions, parseMutationOptions, parseSelection, queryBool, type FieldValidation, type MutationOptions, type WriteVerb } from '../api/request-options.js';
import type { ResourceStore } from '../api/resource-store.js';
import type { SchemaSet } from '../api/schema.js';
import { SchemaNode } from '../api/schema-navigator.js';
import { matchesLabels } from '../api/selectors.js';
import { DEFAULT_TABLE, table, tableRow, type IncludeObject } from '../api/table.js';
import { encodeTable } from '../api/table-encoding.js';
import { rfc3339 } from '../api/time.js';
import type { RequestContext } from '../api/request-context.js';
import type { CreateRequest, DeleteOptions, KObject, StreamingEndpoint, StreamRequest, Subresource, TokenAuthenticator } from '../api/types.js';
import { parseBody, parseBodyWithDuplicates, warningHeaders } from './body.js';
import { readBody, sendError, sendJSON, sendObject } from './http.js';
import { chooseResponseFormat, patchType, type ResponseFormat } from './negotiation.js';
import type { ResourceRequest } from './request-info.js';
import type { FaultActions } from './admin/faults.js';
import type { RBACAuthorizer } from './auth/rbac.js';
import { userOf } from './auth/authn.js';
import { checkWatchRequest, httpTransport, startWatch, websocketTransport, type WatchRequest, type WatchSettings, type WatchTransport } from './watch.js';

const COMMA = Buffer.from(',');
const LIST_END = Buffer.from(']}');

type ScaleSubresource = Extract<Subresource, { type: 'scale' }>;

/** What answers an upgrade: a watch over websocket, or a subresource's streaming endpoint. */
export type PreparedUpgrade =
  | { kind: 'watch'; start(ws: WebSocket): void }
  | { kind: 'stream'; endpoint: StreamingEndpoint; request: StreamRequest };

export class RestHandler {
  /** The open watches, by the store they watch. */
  private readonly watches = new Map<ResourceStore, Set<() => void>>();

  constructor(private readonly registry: Registry, private readonly watchSettings: WatchSettings, private readonly authenticateToken?: TokenAuthenticator) {
    // A kind no longer served ends its watches, as kube's do when a CustomResourceDefinition goes.
    registry.onChange(() => {
      const served = new Set(registry.resources());
      for (const [rs, closes] of this.watches) if (!served.has(rs)) for (const close of [...closes]) close();
    });
  }

  /** Ends every open watch, as a server restart would; clients re-watch from their last resourceVersion. */
  closeWatches(): void {
    for (const closes of [...this.watches.values()]) for (const close of [...closes]) close();
  }

  async handle(info: ResourceRequest, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, authorizer?: RBACAuthorizer, faults?: FaultActions): Promise<void> {
    try {
      // Admission reads who asks from the request's context and adds warnings to it; they are
      // headers at once, so an error answer carries them too (as kube's warning recorder).
      const onWarning = (all: string[]) => { if (!res.headersSent) res.setHeader('Warning', warningHeaders(all)); };
      await this.dispatch(info, req, res, query, { user: userOf(req), authorizer, warnings: [], onWarning }, faults);
    } catch (e) {
      sendError(res, e);
    }
  }

  /**
   * Resolves an upgrade request (a watch, or a subresource that streams) before the upgrade, so
   * a bad request gets a plain 4xx answer as from kube-apiserver; returns what serves it once the
   * connection is upgraded.
   */
  prepareUpgrade(info: ResourceRequest, query: URLSearchParams, faults?: FaultActions): PreparedUpgrade {
    if (this.registry.virtual(info.group, info.version, info.resource)) throw errors.methodNotAllowed();
    const rs = this.resolve(info);
    if (info.subresource) {
      const declared = rs.strategy.subresources?.[info.subresource];
      const endpoint = declared?.type === 'connect' ? declared.stream : undefined;
      if (!endpoint || !info.name) throw errors.badRequest('upgrades are served on watch, exec, attach and portforward requests');
      return { kind: 'stream', endpoint, request: { target: rs, namespace: info.namespace, name: info.name, query, registry: this.registry } };
    }
    if (info.verb !== 'watch') throw errors.badRequest('upgrades are served on watch, exec, attach and portforward requests');
    if (!rs.shape.verbs.includes('watch')) throw errors.methodNotSupported(rs.gr, 'watch');
    const start = this.prepareWatch(rs, info, query, { kind: 'json' }, faults);
    return { kind: 'watch', start: (ws) => start(websocketTransport(ws)) };
  }

  private resolve(info: ResourceRequest): ResourceStore {
    const rs = this.registry.lookup(info.group, info.version, info.resource);
    if (!rs) throw errors.pathNotFound();
    if (rs.namespaced && info.namespace === undefined && info.name !== undefined) throw errors.pathNotFound();
    if (!rs.namespaced && info.namespace !== undefined) throw errors.pathNotFound();
    if (info.subresource && !rs.shape.subresources.some((s) => s.name === info.subresource)) throw errors.pathNotFound();
    return rs;
  }

  private async dispatch(info: ResourceRequest, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, ctx: RequestContext, faults?: FaultActions): Promise<void> {
    const virtual = this.registry.virtual(info.group, info.version, info.resource);
    if (virtual) return this.serveVirtual(virtual, info, req, res, query, ctx);
    const rs = this.resolve(info);
    const format = chooseResponseFormat(req.headers.accept, { allowTable: true });
    if (!format) throw errors.notAcceptable(['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']);
    const allowed = info.subresource ? rs.shape.subresources.find((s) => s.name === info.subresource)?.verbs ?? [] : rs.shape.verbs;
    if (!allowed.includes(info.verb)) throw errors.methodNotSupported(rs.gr, info.verb);
    // POST names no object; PUT, PATCH and DELETE of one always do.
    if ((info.verb === 'create' && info.name && !info.subresource) || (['update', 'patch'].includes(info.verb) && !info.name)) {
      throw errors.methodNotAllowed();
    }
    const ns = info.namespace;
    const declared = info.subresource ? rs.strategy.subresources?.[info.subresource] : undefined;
    // Connections (logs, proxies, exec) take no options: a dryRun in their query is the target's.
    const dryRun = declared?.type !== 'connect' && isWriteVerb(info.verb) && parseDryRun(query, info.verb).length > 0;
    if (info.subresource) return this.subresource(rs, declared, info, req, res, query, format, dryRun, ctx);
    switch (info.verb) {
      case 'get': return this.respond(res, 200, rs, await rs.get(ns, this.nameOf(info), query.get('resourceVersion') ?? undefined), format, query, ctx);
      case 'list': return this.list(rs, ns, res, query, format);
      case 'watch': {
        this.prepareWatch(rs, info, query, format, faults)(httpTransport(res));
        return;
      }
      case 'create': {
        const options = parseMutationOptions(query, 'create', req.headers['user-agent']);
        const { object, warnings } = await this.decodeBody(rs, req, options.fieldValidation);
        const created = await rs.createOwned(ns, object, { dryRun: options.dryRun, fieldManager: options.fieldManager, request: ctx });
        return this.respond(res, 201, rs, created, format, query, ctx, warnings);
      }
      case 'update': {
        const options = parseMutationOptions(query, 'update', req.headers['user-agent']);
        const { object, warnings } = await this.decodeBody(rs, req, options.fieldValidation);
        const { object: updated } = await rs.updateOwned(ns, this.nameOf(info), () => copyJSON(object), { dryRun: options.dryRun, fieldManager: options.fieldManager, request: ctx });
        return this.respond(res, 200, rs, updated, format, query, ctx, warnings);
      }
      case 'patch': {
        const updated = await this.patch(rs, info, req, query, ctx);
        return this.respond(res, updated.created ? 201 : 200, rs, updated.object, format, query, ctx, updated.warnings);
      }
      case 'delete': return this.delete(rs, ns, this.nameOf(info), req, res, query, format, ctx);
      case 'deletecollection': return this.deleteCollection(rs, ns, req, res, query, format, ctx);
    }
    throw errors.methodNotSupported(rs.gr, info.verb);
  }

  /** The object a request names; routing made sure there is one. */
  private nameOf(info: ResourceRequest): string {
    if (info.name === undefined) throw errors.methodNotAllowed();
    return info.name;
  }

  // ---- reads -------------------------------------------------------------------------------

  private async list(rs: ResourceStore, ns: string | undefined, res: ServerResponse, query: URLSearchParams, format: ResponseFormat): Promise<void> {
    const result = await rs.list(ns, parseListOptions(query, rs.fieldLabels));
    const listMeta: Record<string, unknown> = { resourceVersion: result.resourceVersion };
    if (result.continue) listMeta.continue = result.continue;
    if (result.remainingItemCount !== undefined) listMeta.remainingItemCount = result.remainingItemCount;
    if (format.kind === 'table') {
      const convertor = rs.strategy.table ?? DEFAULT_TABLE;
      const apiVersion = `meta.k8s.io/${format.version}`;
      const now = this.registry.now().getTime();
      const include = includeObject(query);
      return sendJSON(res, 200, encodeTable(convertor, result.items, { apiVersion, include, listMeta, withColumns: true, now }));
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
    const filter = { namespace: info.namespace, name: info.name, ...parseSelection(query, rs.fieldLabels) };
    return (transport) => {
      const close = startWatch(rs, filter, w, transport, this.watchSettings);
      const open = this.watches.get(rs) ?? new Set<() => void>();
      this.watches.set(rs, open);
      open.add(close);
      transport.onClose(() => {
        open.delete(close);
        if (!open.size) this.watches.delete(rs);
      });
    };
  }

  private respond(res: ServerResponse, code: number, rs: ResourceStore, obj: KObject, format: ResponseFormat, query: URLSearchParams, ctx: RequestContext, decodeWarnings: string[] = []): void {
    const warnings = [...decodeWarnings, ...ctx.warnings];
    const headers: Record<string, string | string[]> = warnings.length ? { Warning: warningHeaders(warnings) } : {};
    if (format.kind === 'table' && obj.kind === rs.kind) {
      const convertor = rs.strategy.table ?? DEFAULT_TABLE;
      const apiVersion = `meta.k8s.io/${format.version}`;
      const encoding = { apiVersion, include: includeObject(query), listMeta: { resourceVersion: obj.metadata.resourceVersion }, withColumns: true, now: this.registry.now().getTime() };
      return sendJSON(res, code, encodeTable(convertor, [rs.cached(obj) ?? obj], encoding), headers);
    }
    if (format.kind === 'partialObjectMetadata' && obj.kind === rs.kind) {
      return sendObject(res, code, { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${format.version}`, metadata: obj.metadata }, format, headers);
    }
    if (format.kind === 'yaml') return sendObject(res, code, obj, format, headers);
    // The object as cached is encoded once, for this answer and every watcher it goes to.
    const cached = rs.cached(obj);
    sendJSON(res, code, cached ? cached.jsonBytes() : JSON.stringify(obj), headers);
  }

  // ---- writes ------------------------------------------------------------------------------

  private async decodeBody(rs: ResourceStore, req: IncomingMessage, validation: FieldValidation) {
    const { value, duplicates } = parseBodyWithDuplicates(await readBody(req), req.headers['content-type'], rs.kind);
    return decodeObject(value, { ...this.decodeOptions(rs, validation), duplicates });
  }

  private decodeOptions(rs: ResourceStore, validation: FieldValidation): DecodeOptions {
    return decodeOptionsFor(this.registry.validator, rs, validation);
  }

  private async patch(rs: ResourceStore, info: ResourceRequest, req: IncomingMessage, query: URLSearchParams, ctx: RequestContext, subresource?: string): Promise<{ object: KObject; warnings: string[]; created: boolean }> {
    const type = patchType(req.headers['content-type']);
    if (!type) {
      throw errors.unsupportedMediaType(req.headers['content-type'] ?? '', ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml']);
    }
    const options = parseMutationOptions(query, 'patch', req.headers['user-agent']);
    if (type === 'apply') return this.apply(rs, info, req, options, ctx, subresource);
    if (query.has('force')) throw errors.invalid('PatchOptions', 'meta.k8s.io', '', [fieldErrors.forbidden('force', 'may not be specified for non-apply patch')]);
    const patch = parsePatch(await readBody(req));
    let warnings: string[] = [];
    // The patch engines return new objects and leave the cached one as it is.
    const { object } = await rs.updateOwned(info.namespace, this.nameOf(info), (current) => {
      let patched: unknown;
      try {
        if (type === 'json') patched = jsonPatch(current, patch);
        else if (type === 'merge') patched = mergePatch(current, patch);
        else patched = strategicMergePatch(current, patch, rs.schema);
      } catch (e) {
        throw patchFailure(e, type);
      }
      const decoded = decodeObject(patched, this.decodeOptions(rs, options.fieldValidation));
      warnings = decoded.warnings;
      return decoded.object;
    }, { dryRun: options.dryRun, subresource, fieldManager: options.fieldManager, request: ctx });
    return { object, warnings, created: false };
  }

  /** Server-side apply: merge the configuration, move field ownership, 409 on conflicts unless forced. */
  private async apply(rs: ResourceStore, info: ResourceRequest, req: IncomingMessage, options: MutationOptions, ctx: RequestContext, subresource?: string): Promise<{ object: KObject; warnings: string[]; created: boolean }> {
    const manager = options.fieldManagerParameter;
    if (!manager) throw errors.invalid('PatchOptions', 'meta.k8s.io', '', [fieldErrors.required('fieldManager', 'is required for apply patch')]);
    const name = this.nameOf(info);
    const raw = parseBody(await readBody(req), 'application/yaml', rs.kind);
    const { object: config, warnings } = decodeObject(raw, this.decodeOptions(rs, options.fieldValidation));
    if (config.metadata.name !== undefined && config.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${config.metadata.name}) does not match the name on the URL (${name})`);
    }
    const writer = { manager, operation: 'Apply' as const, subresource, apiVersion: rs.apiVersion, time: rfc3339(this.registry.now()) };
    const run = <T>(f: () => T): T => {
      try {
        return f();
      } catch (e) {
        if (e instanceof ApplyConflictError) throw new StatusError(409, 'Conflict', e.message, { causes: e.causes() });
        throw e;
      }
    };
    if (!rs.cache.get(rs.key(info.namespace, name))) {
      if (subresource) throw errors.notFound(rs.gr, name);
      const created = run(() => applyConfig(undefined, { ...config, metadata: { ...config.metadata, name } }, rs.schema, writer, options.force, rs.hasStatus));
      const object = await rs.create(info.namespace, created, { dryRun: options.dryRun, managedFieldsSet: true, request: ctx });
      return { object, warnings, created: true };
    }
    const { object } = await rs.update(info.namespace, name, (current) => {
      const merged = run(() => applyConfig(current, config, rs.schema, writer, options.force, rs.hasStatus));
      if (config.metadata.resourceVersion === undefined) delete merged.metadata.resourceVersion;
      return merged;
    }, { dryRun: options.dryRun, subresource, managedFieldsSet: true, request: ctx });
    return { object, warnings, created: false };
  }

  /** DeleteOptions from the body (decoded as Go decodes them: wrong JSON types are a 400) and the query. */
  private async deleteOptions(rs: ResourceStore, req: IncomingMessage, query: URLSearchParams, verb: 'delete' | 'deletecollection'): Promise<{ options: DeleteOptions; dryRun: boolean }> {
    const body = await readBody(req);
    let given: DeleteOptions | undefined;
    if (body.length && body.toString('utf8').trim()) {
      const raw = parseBody(body, req.headers['content-type'], 'DeleteOptions');
      if (!isJsonObject(raw)) throw errors.badRequest(`json: cannot unmarshal ${Array.isArray(raw) ? 'array' : typeof raw} into Go value of type v1.DeleteOptions`);
      const decoded = dropNulls(raw);
      const { typeErrors } = this.registry.validator.check(rs.schemas, DELETE_OPTIONS_SCHEMA, decoded);
      if (typeErrors.length) throw errors.badRequest(typeErrors[0]);
      given = decoded;
    }
    return parseDeleteOptions(given, query, verb);
  }

  private async delete(rs: ResourceStore, ns: string | undefined, name: string, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, format: ResponseFormat, ctx: RequestContext): Promise<void> {
    const { options, dryRun } = await this.deleteOptions(rs, req, query, 'delete');
    const { object, deleted } = await rs.delete(ns, name, options, { dryRun, request: ctx });
    // 200 even while finalizers or a grace period hold the object: kube answers 202 only when the
    // client asked for cascading with orphanDependents=false (older clients depend on that).
    const code = !deleted && options.orphanDependents === false ? 202 : 200;
    if (rs.strategy.returnsDeletedObject) return this.respond(res, code, rs, object, format, query, ctx);
    sendObject(res, code, deleted ? successStatus(rs, object) : object);
  }

  private async deleteCollection(rs: ResourceStore, ns: string | undefined, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, format: ResponseFormat, ctx: RequestContext): Promise<void> {
    const { options, dryRun } = await this.deleteOptions(rs, req, query, 'deletecollection');
    const listed = await rs.list(ns, parseSelection(query, rs.fieldLabels));
    const items: KObject[] = [];
    for (const o of listed.items) {
      try {
        items.push((await rs.delete(o.object.metadata.namespace, o.object.metadata.name ?? '', options, { dryRun, request: ctx })).object);
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
      }
    }
    sendObject(res, 200, { kind: `${rs.kind}List`, apiVersion: rs.apiVersion, metadata: { resourceVersion: String(await this.registry.store.currentRevision()) }, items }, format.kind === 'yaml' ? format : { kind: 'json' });
  }

  // ---- subresources ------------------------------------------------------------------------

  private async subresource(rs: ResourceStore, declared: Subresource | undefined, info: ResourceRequest, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, format: ResponseFormat, dryRun: boolean, ctx: RequestContext): Promise<void> {
    const sub = info.subresource ?? '';
    const name = this.nameOf(info);
    const ns = info.namespace;
    switch (declared?.type) {
      case 'view': {
        // The object itself, written with the subresource's reset fields kept as stored.
        if (info.verb === 'get') return this.respond(res, 200, rs, await rs.get(ns, name), format, query, ctx);
        if (info.verb === 'update') {
          const options = parseMutationOptions(query, 'update', req.headers['user-agent']);
          const { object, warnings } = await this.decodeBody(rs, req, options.fieldValidation);
          const { object: updated } = await rs.update(ns, name, () => object, { dryRun, subresource: sub, fieldManager: options.fieldManager, request: ctx });
          return this.respond(res, 200, rs, updated, format, query, ctx, warnings);
        }
        if (info.verb === 'patch') {
          const { object, warnings } = await this.patch(rs, info, req, query, ctx, sub);
          return this.respond(res, 200, rs, object, format, query, ctx, warnings);
        }
        break;
      }
      case 'scale': return this.scale(rs, declared, info, req, res, query, dryRun, ctx);
      case 'create': {
        if (info.verb !== 'create') break;
        const kind = rs.shape.subresources.find((s) => s.name === sub)?.kind ?? { group: rs.shape.group, version: rs.shape.version, kind: sub };
        const request = await this.createRequest(info, req, query, { gvk: kind, schemas: rs.schemas }, dryRun, ctx);
        const { code, body } = await declared.create(request, rs);
        return sendObject(res, code, body);
      }
      case 'connect': {
        if (!declared.connect) throw errors.badRequest('Upgrade request required');
        return declared.connect({ target: rs, namespace: ns, name, rest: info.rest, query, req, res, registry: this.registry });
      }
    }
    throw errors.methodNotSupported(rs.gr, `${info.verb} ${sub}`);
  }

  /**
   * A kind with no storage: a create goes to its Strategy's handler (bindings, reviews), a get or
   * list reads what it computes (metrics).
   */
  private async serveVirtual(virtual: VirtualResource, info: ResourceRequest, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, ctx: RequestContext): Promise<void> {
    const { create, list } = virtual.strategy.virtual ?? {};
    const { shape } = virtual;
    if (!shape.namespaced && info.namespace !== undefined) throw errors.pathNotFound();
    if (info.verb === 'create' && create && !info.name && !info.subresource) {
      if (shape.namespaced && info.namespace === undefined) throw errors.pathNotFound();
      const dryRun = parseDryRun(query, 'create').length > 0;
      const { code, body } = await create(await this.createRequest(info, req, query, { gvk: { group: shape.group, version: shape.version, kind: shape.kind }, schemas: virtual.schemas }, dryRun, ctx));
      return sendObject(res, code, body);
    }
    if ((info.verb === 'get' || info.verb === 'list') && list && !info.subresource) {
      const apiVersion = shape.group ? `${shape.group}/${shape.version}` : shape.version;
      const { labels } = parseSelection(query, { supported: new Set(['metadata.name', ...(shape.namespaced ? ['metadata.namespace'] : [])]) });
      const items = (await list(this.registry, info.namespace, ctx)).filter((o) => matchesLabels(labels, o.metadata.labels));
      const convertor = virtual.strategy.table;
      const format = chooseResponseFormat(req.headers.accept, { allowTable: convertor !== undefined });
      const body = info.verb === 'list' ? { kind: `${shape.kind}List`, apiVersion, metadata: {}, items } : items.find((o) => o.metadata.name === info.name);
      if (!body) throw errors.notFound({ group: shape.group, resource: shape.resource }, info.name ?? '');
      const { warnings } = ctx;
      const headers: Record<string, string | string[]> = warnings.length ? { Warning: warningHeaders(warnings) } : {};
      // A kind with a printer answers `kubectl get` with its Table, as kube's REST storages do.
      if (format?.kind === 'table' && convertor) {
        const tableVersion = `meta.k8s.io/${format.version}`;
        const rows = (info.verb === 'list' ? items : [body]).map((o) => tableRow(convertor, o, includeObject(query), tableVersion, this.registry.now().getTime()));
        return sendObject(res, 200, table(convertor, rows, tableVersion, {}), format, headers);
      }
      return sendObject(res, 200, body, format?.kind === 'yaml' ? { kind: 'yaml' } : { kind: 'json' }, headers);
    }
    throw errors.methodNotAllowed();
  }

  /**
   * The body of a create-only kind (a binding, an eviction, a review), its JSON types checked
   * against the kind's schema as Go's decoder checks them: a wrong one is a 400 naming the first.
   */
  private async createRequest(info: ResourceRequest, req: IncomingMessage, query: URLSearchParams, of: { gvk: GVK; schemas: SchemaSet }, dryRun: boolean, ctx: RequestContext): Promise<CreateRequest> {
    const { kind, version } = of.gvk;
    const body = parseBody(await readBody(req), req.headers['content-type'], kind);
    const schemaName = schemaNameForKind({ openapi: '', info: {}, paths: {}, components: { schemas: of.schemas.schemas } }, of.gvk);
    if (schemaName && isJsonObject(body)) {
      const { typeErrors } = this.registry.validator.check(of.schemas, schemaName, dropNulls(body));
      if (typeErrors.length) throw errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${typeErrors.join(', ')}`);
    }
    const options = parseMutationOptions(query, 'create', req.headers['user-agent']);
    return {
      version: info.version, namespace: info.namespace, name: info.name, body,
      dryRun: dryRun ? query.getAll('dryRun') : [], fieldManager: options.fieldManager, context: ctx, registry: this.registry,
      authenticateToken: this.authenticateToken,
    };
  }

  /** The autoscaling/v1 Scale of an object, read from and written to the paths its Strategy declares. */
  private async scale(rs: ResourceStore, declared: ScaleSubresource, info: ResourceRequest, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, dryRun: boolean, ctx: RequestContext): Promise<void> {
    const ns = info.namespace;
    const name = this.nameOf(info);
    const toScale = (obj: KObject): KObject => scaleOf(obj, declared);
    if (info.verb === 'get') return sendObject(res, 200, toScale(await rs.get(ns, name)));
    const shape = rs.shape.subresources.find((s) => s.name === 'scale');
    const scaleSchema = shape && schemaNameForKind({ openapi: '', info: {}, paths: {}, components: { schemas: rs.schemas.schemas } }, shape.kind);
    if (!scaleSchema) throw errors.internal(`no schema for the Scale of ${rs.gr.resource}`);
    const validation = parseFieldValidation(query.get('fieldValidation'));
    const fieldManager = parseMutationOptions(query, info.verb === 'patch' ? 'patch' : 'update', req.headers['user-agent']).fieldManager;
    const body = await readBody(req);
    const { object } = await rs.update(ns, name, (current) => {
      const scale = toScale(current);
      let next: unknown;
      if (info.verb === 'update') {
        next = parseBody(body, req.headers['content-type'], 'Scale');
      } else {
        const patch = parsePatch(body);
        const type = patchType(req.headers['content-type']);
        try {
          next = type === 'json' ? jsonPatch(scale, patch) : type === 'merge' ? mergePatch(scale, patch) : type === 'strategic' ? strategicMergePatch(scale, patch, SchemaNode.root(rs.schemas.schemas, scaleSchema)) : undefined;
        } catch (e) {
          throw patchFailure(e, type);
        }
        if (next === undefined) throw errors.unsupportedMediaType(req.headers['content-type'] ?? '', ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']);
      }
      const decoded = decodeObject(next, { validator: this.registry.validator, schemas: rs.schemas, schemaName: scaleSchema, kind: 'Scale', apiVersion: 'autoscaling/v1', validation }).object;
      const replicas = isJsonObject(decoded.spec) ? decoded.spec.replicas : undefined;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        throw errors.invalid('Scale', 'autoscaling', name, [fieldErrors.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]);
      }
      setPath(current, declared.specReplicasPath, replicas);
      const pinnedRv = info.verb === 'update' ? decoded.metadata.resourceVersion : undefined;
      if (pinnedRv) current.metadata.resourceVersion = pinnedRv;
      return current;
    }, { dryRun, subresource: 'scale', fieldManager, request: ctx });
    sendObject(res, 200, toScale(object));
  }
}

/** A websocket as subresources see it: binary messages in and out. */
const isWriteVerb = (verb: string): verb is WriteVerb => ['create', 'update', 'patch', 'delete', 'deletecollection'].includes(verb);

/** The autoscaling/v1 Scale view of an object. */
function scaleOf(obj: KObject, declared: ScaleSubresource): KObject {
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: numberAt(obj, ...declared.specReplicasPath.split('.')) ?? 0 },
    status: { replicas: numberAt(obj, ...declared.statusReplicasPath.split('.')) ?? 0, selector: declared.selector(obj) },
  };
}

/** Sets a dotted path of `obj`, making the objects on the way. */
function setPath(obj: KObject, path: string, value: unknown): void {
  const parts = path.split('.');
  const leaf = parts.pop() ?? '';
  let cur: Record<string, unknown> = obj;
  for (const p of parts) {
    const next = cur[p];
    if (isJsonObject(next)) { cur = next; continue; }
    const made: Record<string, unknown> = {};
    cur[p] = made;
    cur = made;
  }
  cur[leaf] = value;
}

function parsePatch(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw errors.badRequest(`error decoding patch: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A patch that cannot be applied: JSON patch failures are a bare 422, as kube answers them; others a 400. */
function patchFailure(e: unknown, type: string | undefined): unknown {
  if (!(e instanceof PatchError)) return e;
  if (type === 'json') return new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
  return errors.badRequest(e.message);
}

/** TableOptions' includeObject: Metadata when absent or empty, a 400 as kube words it when unknown. */
function includeObject(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject') ?? '';
  if (v === 'None' || v === 'Object' || v === 'Metadata') return v;
  if (v === '') return 'Metadata';
  throw errors.badRequest(`Unable to convert to Table as requested: includeObject: Invalid value: ${JSON.stringify(v)}: must be 'Metadata', 'Object', 'None', or empty`);
}

const DELETE_OPTIONS_SCHEMA = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';

function successStatus(rs: ResourceStore, obj: KObject): unknown {
  return {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success',
    details: { name: obj.metadata.name, ...(rs.shape.group ? { group: rs.shape.group } : {}), kind: rs.shape.resource, uid: obj.metadata.uid },
  };
}

