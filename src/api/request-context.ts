// What the request being served carries through the store and its admission: who made it and
// the warnings to send back (kube's request context and warning recorder). Held in an
// AsyncLocalStorage so that the store's callers need not thread it through every write; writes
// made outside a request (controllers in this process) have none.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Requester } from './types.js';

export interface RequestContext {
  user: Requester;
  /** Warnings added while serving the request, in order, without duplicates. */
  warnings: string[];
  /** Told of every new warning (the HTTP edge sets them as headers at once, so error answers carry them too). */
  onWarning?: (warnings: string[]) => void;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runInRequest<T>(context: RequestContext, f: () => T): T {
  return storage.run(context, f);
}

export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

/** Adds a warning to the current request's answer (kube's warning.AddWarning); outside a request it goes nowhere. */
export function addWarning(text: string): void {
  const context = storage.getStore();
  if (!context || !text || context.warnings.includes(text)) return;
  context.warnings.push(text);
  context.onWarning?.(context.warnings);
}
