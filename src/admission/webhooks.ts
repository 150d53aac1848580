// kube's MutatingAdmissionWebhook and ValidatingAdmissionWebhook plugins over the configurations in
// this cluster: for each write, the webhooks whose selectors and rules match (matching.ts) are
// sent an admission.k8s.io AdmissionReview (client.ts). Mutating webhooks run one at a time, in
// the order of their configurations' names and then as listed, each JSONPatch applied to the
// object the next one sees; webhooks with reinvocationPolicy IfNeeded run once more when a later
// one changed the object. Validating webhooks run in parallel once the object passed validation.
// A denial is the webhook's Status; a webhook that cannot be called fails the request unless its
// failurePolicy is Ignore; warnings go back to the client; auditAnnotations are dropped.
import { evaluateMatchConditions } from './match-conditions.js';
import { errors, StatusError, type StatusDetails } from '../api/errors.js';
import { isJsonObject, jsonEqual } from '../api/json.js';
import { jsonPatch, PatchError } from '../api/patch.js';
import type { Registry } from '../api/registry.js';
import { addWarning } from '../api/request-context.js';
import type { DynamicAdmission, ResourceStore, WriteAttributes } from '../api/resource-store.js';
import type { KObject, Requester } from '../api/types.js';
import { resources } from '../client/resources.js';
import { TypedResource, type Stored } from '../client/typed-resource.js';
import { CallError, postReview, resolveTarget } from './client.js';
import { isExemptKind, shouldCall, type Equivalent, type Invocation, type RequestAttributes } from './matching.js';
import type { AdmissionRequest, AdmissionResponse, Webhook, WebhookConfiguration } from './types.js';

const GROUP = 'admissionregistration.k8s.io';

/** Who writes when no request is being served: the control plane's controllers in this process. */
const CONTROLLERS: Requester = { username: 'system:kube-controller-manager', groups: ['system:authenticated'] };

const NO_SIDE_EFFECTS_ON_DRY_RUN = ['None', 'NoneOnDryRun'];

export class WebhookAdmission implements DynamicAdmission {
  constructor(private readonly registry: Registry) {}

  configured(kind: 'mutating' | 'validating'): boolean {
    // Which webhooks match the write is decided when they are called: here only whether any exist.
    const store = this.registry.resource(`${kind}webhookconfigurations`, GROUP);
    return store !== undefined && store.cache.size > 0;
  }

  async mutate(w: WriteAttributes): Promise<KObject | undefined> {
    const hooks = this.webhooks('mutatingwebhookconfigurations');
    if (!hooks.length) return w.object;
    const attrs = this.attributes(w);
    if (isExemptKind(attrs.kind)) return w.object;
    let object = w.object;
    // kube's reinvocation context: webhooks that asked for it and ran before a change run again, once.
    const invokedBefore = new Set<Webhook>();
    const reinvoke = new Set<Webhook>();
    for (const round of [0, 1]) {
      if (round === 1 && !reinvoke.size) break;
      for (const hook of hooks) {
        if (round === 1 && !reinvoke.has(hook)) continue;
        const current: RequestAttributes = { ...attrs, object };
        const invocation = shouldCall(hook, current, this.equivalents(w.store), (ns) => this.namespaceLabels(ns));
        if (!invocation) continue;
        const response = await this.call(hook, invocation, current, w, true);
        const patched = response && this.applyPatch(hook, response, object, w.store, invocation);
        if (patched && !jsonEqual(patched, object)) {
          object = patched;
          for (const h of invokedBefore) reinvoke.add(h);
          invokedBefore.clear();
        }
        if (round === 0 && hook.reinvocationPolicy === 'IfNeeded') invokedBefore.add(hook);
      }
    }
    return object;
  }

  async validate(w: WriteAttributes): Promise<void> {
    const hooks = this.webhooks('validatingwebhookconfigurations');
    if (!hooks.length) return;
    const attrs = this.attributes(w);
    if (isExemptKind(attrs.kind)) return;
    const calls: Promise<unknown>[] = [];
    for (const hook of hooks) {
      const invocation = shouldCall(hook, attrs, this.equivalents(w.store), (ns) => this.namespaceLabels(ns));
      if (invocation) calls.push(this.call(hook, invocation, attrs, w, false));
    }
    // All run; the first failure in the webhooks' order is the answer.
    const results = await Promise.allSettled(calls);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }

  /** The typed clients of the two configuration kinds, made once per store (every write asks). */
  private readonly configurations = new Map<ResourceStore, TypedResource<WebhookConfiguration>>();

  /** Every webhook of one kind of configuration, configurations in name order. */
  private webhooks(resource: string): Webhook[] {
    const configs = this.configurationsOf(resource);
    if (!configs.length) return [];
    return configs
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0))
      .flatMap((c) => c.webhooks ?? []);
  }

  private configurationsOf(resource: string): Stored<WebhookConfiguration>[] {
    const store = this.registry.resource(resource, GROUP);
    if (!store) return [];
    let typed = this.configurations.get(store);
    if (!typed) this.configurations.set(store, typed = new TypedResource<WebhookConfiguration>(store));
    return typed.lister.list();
  }

  private attributes(w: WriteAttributes): RequestAttributes {
    const shape = w.store.shape;
    const subresource = w.subresource ?? '';
    const kind = subresource ? shape.subresources.find((s) => s.name === subresource)?.kind ?? shape : shape;
    // A request on a Namespace carries its name as its namespace, as kube's request info has it.
    const onNamespace = shape.group === '' && shape.resource === 'namespaces';
    const namespace = onNamespace && w.operation !== 'CREATE' ? w.name : w.namespace ?? '';
    return {
      operation: w.operation,
      resource: { group: shape.group, version: shape.version, resource: shape.resource },
      subresource,
      kind: { group: kind.group, version: kind.version, kind: kind.kind },
      namespace,
      object: w.object,
      oldObject: w.oldObject,
    };
  }

  /** The same objects at other group-versions: the resource in another version, or one sharing its storage. */
  private equivalents(store: ResourceStore): Equivalent[] {
    return this.registry.resources()
      .filter((rs) => rs !== store && (rs.prefix === store.prefix || (rs.gr.group === store.gr.group && rs.gr.resource === store.gr.resource)))
      .map((rs) => ({ resource: { group: rs.shape.group, version: rs.shape.version, resource: rs.shape.resource }, kind: { group: rs.shape.group, version: rs.shape.version, kind: rs.shape.kind } }));
  }

  private namespaceLabels(name: string): Record<string, string> | undefined {
    const ns = resources(this.registry).namespaces.lister.get(undefined, name);
    return ns ? ns.metadata.labels ?? {} : undefined;
  }

  /** Sends one webhook its review; the answer when it allowed the request, undefined when its failure is ignored. */
  private async call(hook: Webhook, invocation: Invocation, attrs: RequestAttributes, w: WriteAttributes, mutating: boolean): Promise<AdmissionResponse | undefined> {
    const name = hook.name ?? '';
    const request = this.request(invocation, attrs, w);
    if (hook.matchConditions?.length) {
      const outcome = evaluateMatchConditions(hook.matchConditions, { object: request.object, oldObject: request.oldObject, request });
      if ('error' in outcome) return this.failed(hook, `failed to evaluate match conditions: ${outcome.error}`);
      if (!outcome.matches) return undefined;
    }
    if (w.dryRun && !NO_SIDE_EFFECTS_ON_DRY_RUN.includes(hook.sideEffects ?? '')) throw errors.badRequest(`admission webhook "${name}" does not support dry run`);
    const version = (hook.admissionReviewVersions ?? []).includes('v1') ? 'v1' : 'v1beta1';
    let answer: unknown;
    try {
      const target = resolveTarget(this.registry, hook.clientConfig ?? {});
      answer = await postReview(target, hook.clientConfig?.caBundle, hook.timeoutSeconds ?? 10, { kind: 'AdmissionReview', apiVersion: `admission.k8s.io/${version}`, request });
    } catch (e) {
      if (e instanceof CallError) return this.failed(hook, `failed to call webhook: ${e.message}`);
      throw e;
    }
    let response: AdmissionResponse;
    try {
      response = verifyResponse(answer, request.uid, version, mutating);
    } catch (e) {
      if (e instanceof CallError) return this.failed(hook, `received invalid webhook response: ${e.message}`);
      throw e;
    }
    for (const warning of response.warnings ?? []) addWarning(w.request, warning);
    if (!response.allowed) throw denial(name, response.status);
    return response;
  }

  /** A webhook that could not be called: ignored under failurePolicy Ignore, else kube's internal error. */
  private failed(hook: Webhook, reason: string): undefined {
    if (hook.failurePolicy === 'Ignore') return undefined;
    throw errors.internal(`failed calling webhook "${hook.name ?? ''}": ${reason}`);
  }

  private request(invocation: Invocation, attrs: RequestAttributes, w: WriteAttributes): AdmissionRequest {
    const convert = (o: KObject | undefined) => (o ? this.converted(o, w.store, invocation) : null);
    return {
      uid: this.registry.entropy.uid(),
      kind: invocation.kind,
      resource: invocation.resource,
      ...(attrs.subresource ? { subResource: attrs.subresource } : {}),
      requestKind: attrs.kind,
      requestResource: attrs.resource,
      ...(attrs.subresource ? { requestSubResource: attrs.subresource } : {}),
      ...(w.name ? { name: w.name } : {}),
      ...(w.namespace ? { namespace: w.namespace } : {}),
      operation: attrs.operation,
      userInfo: w.request?.user ?? CONTROLLERS,
      object: convert(attrs.object),
      oldObject: convert(attrs.oldObject),
      dryRun: w.dryRun,
      options: w.options,
    };
  }

  /** An object as the resource the webhook matched serves it (an equivalent resource's version). */
  private converted(obj: KObject, store: ResourceStore, invocation: Invocation): KObject {
    const target = this.registry.lookup(invocation.resource.group, invocation.resource.version, invocation.resource.resource);
    if (!target || target === store) return obj;
    const stored = store.strategy.storage ? store.strategy.storage.toStorage(obj) : obj;
    const out = target.strategy.storage ? target.strategy.storage.fromStorage(structuredClone(stored)) : structuredClone(stored);
    return { ...out, apiVersion: target.apiVersion, kind: target.kind };
  }

  /** The object after a webhook's JSONPatch, back in the request's version; undefined when it sent none. */
  private applyPatch(hook: Webhook, response: AdmissionResponse, object: KObject | undefined, store: ResourceStore, invocation: Invocation): KObject | undefined {
    if (!response.patch) return undefined;
    const name = hook.name ?? '';
    let ops: unknown;
    try {
      ops = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
    } catch (e) {
      return this.failed(hook, `received undecodable patch in webhook response: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!Array.isArray(ops) || !ops.length) return undefined;
    if (!object) throw errors.internal(`admission webhook "${name}" attempted to modify the object, which is not supported for this operation`);
    const seen = this.converted(object, store, invocation);
    let patched: unknown;
    try {
      patched = jsonPatch(seen, ops);
    } catch (e) {
      if (e instanceof PatchError) throw errors.internal(e.message);
      throw e;
    }
    if (!isKObject(patched)) throw errors.internal(`admission webhook "${name}" returned a patch that does not leave an object`);
    if (seen === object) return patched;
    // Back to the version the request came in.
    const target = this.registry.lookup(invocation.resource.group, invocation.resource.version, invocation.resource.resource);
    const stored = target?.strategy.storage ? target.strategy.storage.toStorage(patched) : patched;
    const back = store.strategy.storage ? store.strategy.storage.fromStorage(stored) : stored;
    return { ...back, apiVersion: store.apiVersion, kind: store.kind };
  }
}

function isKObject(v: unknown): v is KObject {
  return isJsonObject(v) && isJsonObject(v.metadata);
}

function isResponse(v: unknown): v is AdmissionResponse {
  return isJsonObject(v);
}

/** kube's VerifyAdmissionResponse: the review's type, the uid, and a patch only with its type and only from a mutating webhook. */
function verifyResponse(answer: unknown, uid: string, version: string, mutating: boolean): AdmissionResponse {
  const review = isJsonObject(answer) ? answer : {};
  const apiVersion = typeof review.apiVersion === 'string' ? review.apiVersion : '';
  const kind = typeof review.kind === 'string' ? review.kind : '';
  if (apiVersion !== `admission.k8s.io/${version}` || kind !== 'AdmissionReview') {
    const [group, v] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    throw new CallError(`expected webhook response of admission.k8s.io/${version}, Kind=AdmissionReview, got ${group}/${v}, Kind=${kind}`);
  }
  const response = review.response;
  if (!isResponse(response)) throw new CallError('webhook response was absent');
  if (version === 'v1' && response.uid !== uid) throw new CallError(`expected response.uid="${uid}", got "${response.uid ?? ''}"`);
  if (response.patch || response.patchType) {
    if (!mutating) throw new CallError('validating webhook may not return response.patch');
    if (version === 'v1' && !response.patchType) throw new CallError('webhook returned response.patch but not response.patchType');
    if (response.patchType && response.patchType !== 'JSONPatch') throw new CallError(`webhook returned invalid response.patchType of "${response.patchType}"`);
  }
  return response;
}

/** A webhook's denial: its Status, the message saying who denied (kube's webhookerrors.ToStatusErr). */
function denial(name: string, status: AdmissionResponse['status']): StatusError {
  const deniedBy = `admission webhook "${name}" denied the request`;
  const message = status?.message ? `${deniedBy}: ${status.message}` : status?.reason ? `${deniedBy}: ${status.reason}` : `${deniedBy} without explanation`;
  // A Status without a code is a failure: kube answers it with 500.
  const details: StatusDetails | undefined = isJsonObject(status?.details) ? status.details : undefined;
  return new StatusError(status?.code || 500, status?.reason ?? '', message, details);
}
