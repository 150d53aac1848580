// Per-item exponential backoff, as client-go's ItemExponentialFailureRateLimiter in its default
// controller rate limiter: the n-th consecutive failure of an item waits base * 2^(n-1), capped.

/** client-go's DefaultControllerRateLimiter: 5 ms doubling up to 1000 s per item. */
export const DEFAULT_BASE_DELAY_MS = 5;
export const DEFAULT_MAX_DELAY_MS = 1000 * 1000;

export class ItemExponentialRateLimiter {
  private readonly failures = new Map<string, number>();

  constructor(private readonly baseMs = DEFAULT_BASE_DELAY_MS, private readonly maxMs = DEFAULT_MAX_DELAY_MS) {}

  /** Records one more failure of `id` and returns how long to wait before its retry. */
  when(id: string): number {
    const n = this.failures.get(id) ?? 0;
    this.failures.set(id, n + 1);
    // 2^n overflows to Infinity long before it matters; the cap holds either way.
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }

  /** How many failures of `id` in a row so far. */
  retries(id: string): number {
    return this.failures.get(id) ?? 0;
  }

  /** `id` succeeded: its next failure starts from the base delay again. */
  forget(id: string): void {
    this.failures.delete(id);
  }
}
