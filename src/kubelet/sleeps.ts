// The sleeps of one container's processes, cancelled together when it is killed: a `sleep N`
// really waits N seconds, `sleep infinity` never ends, and nothing outlives the container.

/** setTimeout's longest delay (about 24.8 days); anything longer is waited for ever. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Sleeps {
  private readonly timers = new Set<NodeJS.Timeout>();
  private cancelled = false;

  /** Resolves after `ms`; never when `ms` is beyond a timer's reach or the sleeps are cancelled. */
  readonly sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => {
    if (this.cancelled || !(ms < MAX_TIMER_MS)) return;
    const timer = setTimeout(() => { this.timers.delete(timer); resolve(); }, Math.max(0, ms));
    timer.unref();
    this.timers.add(timer);
  });

  /** Every sleep stops for good: what waits on one never goes on. */
  cancel(): void {
    this.cancelled = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
