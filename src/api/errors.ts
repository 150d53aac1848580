// Errors as kube-apiserver reports them: a metav1.Status with reason, code, details and the exact
// message texts clients print (`Error from server (NotFound): pods "x" not found`).

export interface StatusCause { reason?: string; message?: string; field?: string }
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class StatusError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly details?: StatusDetails) {
    super(message);
  }

  /** The Status, its fields in the Go struct's order (clients compare bodies byte for byte). */
  toStatus(): Status {
    return {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason,
      ...(this.details ? { details: orderedDetails(this.details) } : {}),
      code: this.code,
    };
  }
}

/** StatusDetails with its fields in the Go struct's order, empty ones left out (all are omitempty). */
function orderedDetails(d: StatusDetails): StatusDetails {
  const out: StatusDetails = {};
  if (d.name) out.name = d.name;
  if (d.group) out.group = d.group;
  if (d.kind) out.kind = d.kind;
  if (d.uid) out.uid = d.uid;
  if (d.causes?.length) out.causes = d.causes.map((c) => ({ ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}), ...(c.field ? { field: c.field } : {}) }));
  if (d.retryAfterSeconds) out.retryAfterSeconds = d.retryAfterSeconds;
  return out;
}

/** A group-qualified resource, as error messages name it: `pods`, `leases.coordination.k8s.io`. */
export interface GroupResource { group: string; resource: string }

function qualified(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

function resourceDetails(gr: GroupResource, name: string): StatusDetails {
  const d: StatusDetails = { name, kind: gr.resource };
  if (gr.group) d.group = gr.group;
  return d;
}

export const errors = {
  notFound(gr: GroupResource, name: string): StatusError {
    return new StatusError(404, 'NotFound', `${qualified(gr)} "${name}" not found`, resourceDetails(gr, name));
  },
  alreadyExists(gr: GroupResource, name: string): StatusError {
    return new StatusError(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`, resourceDetails(gr, name));
  },
  conflict(gr: GroupResource, name: string, why: string): StatusError {
    return new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`, resourceDetails(gr, name));
  },
  staleUpdate(gr: GroupResource, name: string): StatusError {
    return errors.conflict(gr, name, 'the object has been modified; please apply your changes to the latest version and try again');
  },
  invalid(kind: string, group: string, name: string, causes: FieldError[]): StatusError {
    const list = causes.map((c) => c.toString());
    const body = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
    const details: StatusDetails = { name, kind, causes: causes.map((c) => c.toCause()) };
    if (group) details.group = group;
    const qualifiedKind = group ? `${kind}.${group}` : kind;
    return new StatusError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${body}`, details);
  },
  badRequest(message: string): StatusError {
    return new StatusError(400, 'BadRequest', message);
  },
  /** A path that exists, asked with a verb it has no route for. */
  methodNotAllowed(): StatusError {
    return new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
  },
  methodNotSupported(gr: GroupResource, verb: string): StatusError {
    return new StatusError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualified(gr)}"`, { kind: gr.resource, ...(gr.group ? { group: gr.group } : {}) });
  },
  notAcceptable(accepted: string[]): StatusError {
    return new StatusError(406, 'NotAcceptable', `only the following media types are accepted: ${accepted.join(', ')}`);
  },
  unsupportedMediaType(contentType: string, accepted: string[]): StatusError {
    void contentType;
    return new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`, {});
  },
  gone(message: string): StatusError {
    return new StatusError(410, 'Expired', message);
  },
  tooLarge(): StatusError {
    return new StatusError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
  },
  pathNotFound(): StatusError {
    return new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
  },
  timeout(message: string, retryAfterSeconds = 1): StatusError {
    return new StatusError(504, 'Timeout', message, { retryAfterSeconds });
  },
  forbidden(gr: GroupResource, name: string, why: string): StatusError {
    return new StatusError(403, 'Forbidden', `${qualified(gr)} "${name}" is forbidden: ${why}`, resourceDetails(gr, name));
  },
  /** NamespaceLifecycle's refusal, with the cause controllers look for to record nothing. */
  namespaceTerminating(gr: GroupResource, name: string, namespace: string): StatusError {
    const e = errors.forbidden(gr, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
    return new StatusError(e.code, e.reason, e.message, {
      ...e.details,
      causes: [{ reason: NAMESPACE_TERMINATING_CAUSE, message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
    });
  },
  internal(message: string): StatusError {
    return new StatusError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
  },
};

/** The StatusCause type NamespaceLifecycle adds (core/v1 NamespaceTerminatingCause). */
export const NAMESPACE_TERMINATING_CAUSE = 'NamespaceTerminating';

/** Whether a Status names this cause, as apierrors.HasStatusCause asks. */
export function hasStatusCause(e: StatusError, cause: string): boolean {
  return e.details?.causes?.some((c) => c.reason === cause) ?? false;
}

export type FieldErrorType = 'FieldValueRequired' | 'FieldValueNotFound' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueDuplicate' | 'FieldValueForbidden' | 'FieldValueTooLong' | 'FieldValueTypeInvalid';

/** One validation failure, formatted as apimachinery's field.Error. */
export class FieldError {
  constructor(readonly type: FieldErrorType, readonly field: string, readonly value: unknown, readonly detail = '', readonly supported?: string[]) {}

  private typeText(): string {
    switch (this.type) {
      case 'FieldValueRequired': return 'Required value';
      case 'FieldValueNotFound': return 'Not found';
      case 'FieldValueInvalid': return 'Invalid value';
      case 'FieldValueNotSupported': return 'Unsupported value';
      case 'FieldValueDuplicate': return 'Duplicate value';
      case 'FieldValueForbidden': return 'Forbidden';
      case 'FieldValueTooLong': return 'Too long';
      case 'FieldValueTypeInvalid': return 'Invalid value';
    }
  }

  /** The text after the field path: `Required value`, `Invalid value: "x": detail`. */
  message(): string {
    const t = this.typeText();
    if (this.type === 'FieldValueRequired' || this.type === 'FieldValueForbidden' || this.type === 'FieldValueTooLong') {
      return this.detail ? `${t}: ${this.detail}` : t;
    }
    let s = `${t}: ${formatValue(this.value)}`;
    if (this.type === 'FieldValueNotSupported' && this.supported) {
      s += `: supported values: ${this.supported.map((v) => `"${v}"`).join(', ')}`;
    } else if (this.detail) {
      s += `: ${this.detail}`;
    }
    return s;
  }

  toString(): string { return `${this.field}: ${this.message()}`; }
  toCause(): StatusCause { return { reason: this.type, message: this.message(), field: this.field }; }
}

/** A value as field.Error prints it: strings quoted, simple types plain, others as Go's %#v would. */
function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return `[]string{${v.map((x) => JSON.stringify(x)).join(', ')}}`;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export const fieldErrors = {
  required: (field: string, detail = '') => new FieldError('FieldValueRequired', field, undefined, detail),
  notFound: (field: string, value: unknown) => new FieldError('FieldValueNotFound', field, value),
  invalid: (field: string, value: unknown, detail: string) => new FieldError('FieldValueInvalid', field, value, detail),
  notSupported: (field: string, value: unknown, supported: string[]) => new FieldError('FieldValueNotSupported', field, value, '', supported),
  duplicate: (field: string, value: unknown) => new FieldError('FieldValueDuplicate', field, value),
  forbidden: (field: string, detail: string) => new FieldError('FieldValueForbidden', field, undefined, detail),
  tooLong: (field: string, value: unknown, max: number) => new FieldError('FieldValueTooLong', field, value, `must have at most ${max} bytes`),
};
