// Errors a controller expects from racing other writers: another writer got there first.
import { StatusError } from '../api/errors.js';
import { StoreClosedError } from '../storage/store.js';

/** NotFound or Conflict: the object moved on or went away; the next reconcile sees the result. */
export function isRace(e: unknown): boolean {
  return e instanceof StatusError && (e.code === 404 || e.code === 409);
}

/** Runs `f` and treats NotFound and Conflict as done: another writer got there first. */
export async function ignoreRaces<T>(f: Promise<T>): Promise<T | undefined> {
  try {
    return await f;
  } catch (e) {
    if (isRace(e)) return undefined;
    // Shutting down: work still in flight when the store closed has nowhere to go.
    if (e instanceof StoreClosedError) return undefined;
    throw e;
  }
}
