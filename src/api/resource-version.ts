// resourceVersions as clients send them: decimal revisions of the store, "0" meaning any.
import { errors } from './errors.js';

/** A resourceVersion that parses to 0, as unsigned decimal: an update carrying it is unconditional. */
const ZERO_RESOURCE_VERSION = /^0+$/;

export function parseResourceVersion(rv: string): number {
  if (!/^\d+$/.test(rv)) throw errors.badRequest(`invalid resource version: ${rv}`);
  return Number(rv);
}

/** Whether an update carrying `rv` is unconditional: none, or one that parses to 0 (kube's AllowUnconditionalUpdate). */
export function isUnconditional(rv: string | undefined): boolean {
  return !rv || ZERO_RESOURCE_VERSION.test(rv);
}
