// admissionregistration.k8s.io/v1 webhook configurations and admission.k8s.io/v1 AdmissionReview,
// as the API defines them: what the strategies validate and the dispatcher reads and sends.
import type { MetaLabelSelector } from '../api/objects.js';
import type { KObject, Requester } from '../api/types.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface ServiceReference { namespace?: string; name?: string; path?: string; port?: number }

export interface WebhookClientConfig {
  url?: string;
  service?: ServiceReference;
  /** PEM certificates, base64 in JSON (Go's []byte). */
  caBundle?: string;
}

export interface RuleWithOperations {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

export interface MatchCondition { name?: string; expression?: string }

/** A MutatingWebhook or ValidatingWebhook (the validating one has no reinvocationPolicy). */
export interface Webhook {
  name?: string;
  clientConfig?: WebhookClientConfig;
  rules?: RuleWithOperations[];
  failurePolicy?: string;
  matchPolicy?: string;
  namespaceSelector?: MetaLabelSelector;
  objectSelector?: MetaLabelSelector;
  sideEffects?: string;
  timeoutSeconds?: number;
  admissionReviewVersions?: string[];
  matchConditions?: MatchCondition[];
  reinvocationPolicy?: string;
}

export interface WebhookConfiguration extends KObject {
  webhooks?: Webhook[];
}

export interface GroupVersionKind { group: string; version: string; kind: string }
export interface GroupVersionResource { group: string; version: string; resource: string }

/** admission.k8s.io/v1 AdmissionRequest, its fields in the Go struct's order. */
export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  requestKind: GroupVersionKind;
  requestResource: GroupVersionResource;
  requestSubResource?: string;
  name?: string;
  namespace?: string;
  operation: Operation;
  userInfo: Requester;
  object: KObject | null;
  oldObject: KObject | null;
  dryRun: boolean;
  options: Record<string, unknown> | null;
}

/** What a webhook answers in response. */
export interface AdmissionResponse {
  uid?: string;
  allowed?: boolean;
  status?: { code?: number; reason?: string; message?: string; status?: string; details?: Record<string, unknown> };
  patch?: string;
  patchType?: string;
  auditAnnotations?: Record<string, string>;
  warnings?: string[];
}
