// Leader election on a Lease, as kube-controller-manager and kube-scheduler do it: the holder
// renews the Lease every retry period; when it stops renewing for longer than the lease duration,
// another candidate takes it over (an update with the Lease's resourceVersion, so only one wins).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Registry } from '../api/registry.js';
import type { KObject } from '../api/types.js';
import { kref, QUIET, type Logger } from '../logging/log.js';
import { ignoreRaces } from './runtime.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  leaseDurationMs: number;
  retryPeriodMs: number;
}

export const DEFAULT_LEADER_ELECTION: LeaderElectionOptions = { namespace: 'kube-system', name: 'tinykube-control-plane', leaseDurationMs: 15_000, retryPeriodMs: 2_000 };

const microTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class LeaderElector {
  readonly identity = `${hostname()}_${randomBytes(6).toString('hex')}`;
  private timer?: NodeJS.Timeout;
  private leading = false;
  private lastRenew = 0;
  private stopped = false;

  constructor(private readonly registry: Registry, private readonly options: LeaderElectionOptions, private readonly callbacks: { onStartedLeading(): Promise<void> | void; onStoppedLeading(): void }, private readonly log: Logger = QUIET) {}

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      let next = this.options.retryPeriodMs;
      try {
        const expiresInMs = await this.tryAcquireOrRenew();
        // A candidate looks again the moment another holder's lease runs out, not a period later.
        if (expiresInMs !== undefined) next = Math.max(5, Math.min(next, expiresInMs + 5));
      } catch { /* the store may be unreachable for a moment */ }
      if (this.leading && Date.now() - this.lastRenew > this.options.leaseDurationMs) this.lose();
      if (!this.stopped) { this.timer = setTimeout(() => void tick(), next); this.timer.unref(); }
    };
    void tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.leading) this.lose(false);
  }

  get isLeader(): boolean { return this.leading; }

  private lose(lostLease = true): void {
    const values = { lease: kref(this.options.namespace, this.options.name), identity: this.identity };
    if (lostLease) this.log.warning('Lost the leader lease: the control plane stops here', values);
    else this.log.info('Leaving leadership: shutting down', values);
    this.leading = false;
    this.callbacks.onStoppedLeading();
  }

  /** One attempt; returns how long until another holder's lease expires, when someone else holds it. */
  private async tryAcquireOrRenew(): Promise<number | undefined> {
    const leases = this.registry.resource('leases', 'coordination.k8s.io')!;
    const { namespace, name, leaseDurationMs } = this.options;
    const now = this.registry.now();
    const spec = (extra: Record<string, unknown> = {}) => ({ holderIdentity: this.identity, leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000), renewTime: microTime(now), ...extra });
    const current = await ignoreRaces(leases.get(namespace, name));
    let won: KObject | undefined;
    if (!current) {
      won = await ignoreRaces(leases.create(namespace, { metadata: { name }, spec: spec({ acquireTime: microTime(now), leaseTransitions: 0 }) }, { dryRun: false, fieldManager: 'tinykube-leader-election' }));
    } else {
      const s = (current.spec ?? {}) as { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number; leaseTransitions?: number };
      const expiresAt = Date.parse(s.renewTime ?? '') + (s.leaseDurationSeconds ?? 15) * 1000;
      if (s.holderIdentity !== this.identity && expiresAt >= now.getTime()) return expiresAt - now.getTime();
      const takeover = s.holderIdentity !== this.identity;
      const result = await ignoreRaces(leases.update(namespace, name, () => ({
        ...current,
        spec: takeover ? spec({ acquireTime: microTime(now), leaseTransitions: (s.leaseTransitions ?? 0) + 1 }) : { ...(current.spec as object), renewTime: microTime(now) },
      }), { dryRun: false, fieldManager: 'tinykube-leader-election' }));
      won = result?.object;
    }
    if (!won) return undefined;
    this.lastRenew = Date.now();
    if (!this.leading) {
      this.log.info('Acquired the leader lease: the control plane runs here', { lease: kref(namespace, name), identity: this.identity });
      this.leading = true;
      await this.callbacks.onStartedLeading();
    }
    return undefined;
  }
}
