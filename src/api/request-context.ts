// What the request being served carries through the store and its admission: who made it, the
// RBAC authorizer that let it in, and the warnings to send back (kube's request context and
// warning recorder). Passed explicitly, as kube passes its ctx: on the write's options, the
// strategy's WriteContext and the admission attributes. Writes made outside a request
// (controllers in this process) have none. Not an AsyncLocalStorage: once one is entered,
// Node 20 runs its hooks on every promise of the process (4% of the API thread's time while
// binding pods, and the garbage they leave).
import type { RBACAuthorizer } from '../server/auth/rbac.js';
import type { Requester } from './types.js';

export interface RequestContext {
  user: Requester;
  /** The authorizer, when authorization is on (RBAC's escalation and signer checks ask it). */
  authorizer?: RBACAuthorizer;
  /** Warnings added while serving the request, in order, without duplicates. */
  warnings: string[];
  /** Told of every new warning (the HTTP edge sets them as headers at once, so error answers carry them too). */
  onWarning?: (warnings: string[]) => void;
}

/** Adds a warning to the request's answer (kube's warning.AddWarning); outside a request it goes nowhere. */
export function addWarning(context: RequestContext | undefined, text: string): void {
  if (!context || !text || context.warnings.includes(text)) return;
  context.warnings.push(text);
  context.onWarning?.(context.warnings);
}
