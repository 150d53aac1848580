// Leader election on a Lease, as kube-controller-manager and kube-scheduler do it: the holder
// renews the Lease every retry period; when it stops renewing for longer than the lease duration,
// another candidate takes it over (an update with the Lease's resourceVersion, so only one wins).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Registry } from '../api/registry.js';
import type { Lease, LeaseSpec } from '../api/objects.js';
import { microTime } from '../api/time.js';
import { ignoreRaces } from '../client/races.js';
import { resources } from '../client/resources.js';
import { kref, QUIET, type Logger } from '../logging/log.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  leaseDurationMs: number;
  retryPeriodMs: number;
}

export const DEFAULT_LEADER_ELECTION: LeaderElectionOptions = { namespace: 'kube-system', name: 'tinykube-control-plane', leaseDurationMs: 15_000, retryPeriodMs: 2_000 };


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
    const leases = resources(this.registry).leases;
    const { namespace, name, leaseDurationMs } = this.options;
    const now = this.registry.now();
    const spec = (extra: LeaseSpec = {}): LeaseSpec => ({ holderIdentity: this.identity, leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000), renewTime: microTime(now), ...extra });
    const current = await ignoreRaces(leases.read({ namespace, name }));
    let won: Lease | undefined;
    if (!current) {
      const lease: Lease = { metadata: { name }, spec: spec({ acquireTime: microTime(now), leaseTransitions: 0 }) };
      won = await ignoreRaces(leases.create(namespace, lease, { dryRun: false, fieldManager: 'tinykube-leader-election' }));
    } else {
      const s = current.spec ?? {};
      const expiresAt = Date.parse(s.renewTime ?? '') + (s.leaseDurationSeconds ?? 15) * 1000;
      if (s.holderIdentity !== this.identity && expiresAt >= now.getTime()) return expiresAt - now.getTime();
      const takeover = s.holderIdentity !== this.identity;
      won = await ignoreRaces(leases.update({ namespace, name }, () => ({
        ...current,
        spec: takeover ? spec({ acquireTime: microTime(now), leaseTransitions: (s.leaseTransitions ?? 0) + 1 }) : { ...current.spec, renewTime: microTime(now) },
      }), { dryRun: false, fieldManager: 'tinykube-leader-election' }));
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
