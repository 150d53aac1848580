// The ttl-after-finished controller, as kube's: a finished Job with ttlSecondsAfterFinished is
// deleted that long after its Complete or Failed condition, in the foreground (its pods first),
// with the uid as precondition so that a new Job of the same name is left alone.
import type { ManualClock } from '../api/entropy.js';
import type { Job } from '../api/batch-objects.js';
import type { Registry } from '../api/registry.js';
import { keyController, type Controller, type Result } from '../client/controller.js';
import { objectKey, type ObjectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import { typedResource, type TypedResource } from '../client/typed-resource.js';
import { kobj, QUIET, type Logger } from '../logging/log.js';
import { finishedAt } from './job-policy.js';

/** When a Job's TTL runs out, if it has one and has finished. */
export function expiresAt(job: Job): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  const finished = finishedAt(job);
  if (ttl === undefined || !finished || job.metadata.deletionTimestamp) return undefined;
  return Date.parse(finished) + ttl * 1000;
}

export class TTLAfterFinishedController {
  private readonly jobs: TypedResource<Job>;
  private readonly controller: Controller<ObjectKey>;
  private stopClock?: () => void;

  constructor(private readonly registry: Registry, private readonly log: Logger = QUIET, private readonly clock?: ManualClock) {
    this.jobs = typedResource<Job>(registry, 'jobs', 'batch');
    this.controller = keyController('ttl-after-finished-controller', (key) => this.reconcile(key), log)
      .watch(this.jobs, ({ type, object }, queue) => { if (type !== 'DELETED' && expiresAt(object) !== undefined) queue.add(objectKey(object)); });
  }

  start(): void {
    this.controller.start();
    this.stopClock = this.clock?.onChange(() => { for (const j of this.jobs.lister.list()) if (expiresAt(j) !== undefined) this.controller.add(objectKey(j)); });
  }

  stop(): void {
    this.stopClock?.();
    this.controller.stop();
  }

  private async reconcile(key: ObjectKey): Promise<Result | void> {
    const job = this.jobs.lister.getKey(key);
    if (!job) return;
    const at = expiresAt(job);
    if (at === undefined) return;
    const left = at - this.registry.now().getTime();
    if (left > 0) return { requeueAfterMs: left };
    this.log.V(4).info('Cleaning up Job', { job: kobj(job) });
    await ignoreRaces(this.jobs.delete(key, { propagationPolicy: 'Foreground', preconditions: { uid: job.metadata.uid } }, { dryRun: false }));
  }
}
