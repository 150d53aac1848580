// Where the server's unpredictable values come from: object uids, generated-name suffixes, and
// random choices (service IPs and node ports, scheduling ties, which endpoint a proxy picks).
// Normally the operating system's randomness; in deterministic mode counters and a seeded
// generator, so the same requests in the same order give the same objects (golden files).
import { randomBytes, randomInt, randomUUID } from 'node:crypto';

export interface Entropy {
  uid(): string;
  /** A generated-name suffix in kube's alphabet (utilrand: no vowels, no look-alikes). */
  suffix(length?: number): string;
  /** An integer in [0, max). */
  int(max: number): number;
}

export const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export const RANDOM: Entropy = {
  uid: () => randomUUID(),
  suffix(length = 5) {
    let s = '';
    for (const b of randomBytes(length)) s += ALPHANUMS[b % ALPHANUMS.length];
    return s;
  },
  int: (max) => randomInt(max),
};

/** Sequential uids (…-000000000001), suffixes counting through kube's alphabet, seeded draws. */
export function deterministicEntropy(seed = 1): Entropy {
  let uids = 0;
  let suffixes = 0;
  const draw = seededGenerator(seed);
  return {
    uid: () => `00000000-0000-4000-8000-${(++uids).toString(16).padStart(12, '0')}`,
    suffix(length = 5) {
      let n = suffixes++;
      let s = '';
      for (let i = 0; i < length; i++) { s = ALPHANUMS[n % ALPHANUMS.length] + s; n = Math.floor(n / ALPHANUMS.length); }
      return s;
    },
    int: (max) => Math.floor(draw() * max),
  };
}

/** mulberry32: a small, fast generator of numbers in [0, 1) whose sequence is fixed by its seed. */
export function seededGenerator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clock that stands still until moved (deterministic mode's optional fixed clock). */
export class ManualClock {
  private ms: number;
  /** Told after every move: controllers that wait for a time (CronJobs, TTLs) look again. */
  private readonly listeners = new Set<() => void>();
  constructor(start: Date) { this.ms = start.getTime(); }
  now(): Date { return new Date(this.ms); }
  advance(ms: number): Date { this.ms += ms; return this.moved(); }
  set(to: Date): Date { this.ms = to.getTime(); return this.moved(); }
  /** Calls `listener` after each move; returns the function that stops it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }
  private moved(): Date {
    for (const listener of this.listeners) listener();
    return this.now();
  }
}
