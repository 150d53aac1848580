// The probe workers of the simulated kubelets, as kube's prober manager runs them: one timer per
// probe of each running container, started when a new container (a new containerID) runs and
// dropped when it stops, its pod goes or the kubelets stop. Results are counted in probes.ts;
// what follows from a verdict (a status write, a kill) is the kubelet's, through ProberHost.
// Timers are unref'd: probes never keep the process alive.
import type { Container, Pod } from '../api/objects.js';
import { objectKey, type ObjectKey } from '../client/keys.js';
import {
  countResult, firstProbeDelayMs, NO_RUN, PROBE_KINDS, probeEvent, probeOf, probeRuns, probeTiming,
  type KnownResults, type ProbeEvent, type ProbeKind, type ProbeOutcome, type ProbeTiming, type ResultRun,
} from './probes.js';

/** What the workers need of the kubelet. */
export interface ProberHost {
  /** The pod as now cached, if its kubelet is still running it. */
  pod(key: ObjectKey): Pod | undefined;
  run(kind: ProbeKind, pod: Pod, container: Container, timing: ProbeTiming): Promise<ProbeOutcome> | ProbeOutcome;
  event(pod: Pod, container: Container, event: ProbeEvent): Promise<void>;
  /** A verdict changed what is known of a container (ready, started): its pod's status is due. */
  changed(pod: Pod): void;
  /** A liveness or startup probe failed its threshold: the container is to be killed. */
  failed(pod: Pod, container: Container, kind: 'liveness' | 'startup'): void;
}

interface Worker { timer?: NodeJS.Timeout; run: ResultRun }

/** The probes of one run of one container. */
interface Instance {
  containerID: string;
  known: KnownResults;
  workers: Map<ProbeKind, Worker>;
  /** Killed (a failed liveness or startup probe): no more probing until a new container runs. */
  held: boolean;
}

export class Prober {
  /** By pod uid, then container name. */
  private readonly pods = new Map<string, Map<string, Instance>>();

  constructor(private readonly host: ProberHost) {}

  /** What the probes have found of a container's current run. */
  known(uid: string, container: string): KnownResults {
    return this.pods.get(uid)?.get(container)?.known ?? {};
  }

  /** Starts workers for containers newly running, stops those of containers no longer running. */
  sync(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    const phase = pod.status?.phase;
    // A pod being deleted is not probed further (its endpoints are gone); nor is a finished one.
    if (pod.metadata.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed') { this.forget(uid); return; }
    const statuses = new Map((pod.status?.containerStatuses ?? []).map((cs) => [cs.name, cs]));
    const instances = this.pods.get(uid) ?? new Map<string, Instance>();
    for (const container of pod.spec?.containers ?? []) {
      if (!PROBE_KINDS.some((k) => probeOf(container, k))) continue;
      const cs = statuses.get(container.name);
      const current = instances.get(container.name);
      const id = cs?.state?.running ? cs.containerID : undefined;
      if (current && current.containerID === id) continue;
      if (current) { stopWorkers(current); instances.delete(container.name); }
      if (!id) continue;
      const instance: Instance = { containerID: id, known: {}, workers: new Map(), held: false };
      instances.set(container.name, instance);
      for (const kind of PROBE_KINDS) {
        const probe = probeOf(container, kind);
        if (!probe) continue;
        const worker: Worker = { run: NO_RUN };
        instance.workers.set(kind, worker);
        this.schedule(objectKey(pod), uid, container.name, instance, kind, firstProbeDelayMs(kind, probeTiming(probe)));
      }
    }
    if (instances.size) this.pods.set(uid, instances); else this.pods.delete(uid);
  }

  forget(uid: string): void {
    for (const instance of this.pods.get(uid)?.values() ?? []) stopWorkers(instance);
    this.pods.delete(uid);
  }

  stop(): void {
    for (const uid of [...this.pods.keys()]) this.forget(uid);
  }

  private schedule(key: ObjectKey, uid: string, name: string, instance: Instance, kind: ProbeKind, delayMs: number): void {
    const worker = instance.workers.get(kind);
    if (!worker || instance.held) return;
    clearTimeout(worker.timer);
    worker.timer = setTimeout(() => void this.tick(key, uid, name, instance, kind), delayMs);
    worker.timer.unref();
  }

  private current(uid: string, name: string, instance: Instance): boolean {
    return this.pods.get(uid)?.get(name) === instance && !instance.held;
  }

  /** One probe, its result counted, and the next one scheduled a period later. */
  private async tick(key: ObjectKey, uid: string, name: string, instance: Instance, kind: ProbeKind): Promise<void> {
    const pod = this.host.pod(key);
    // The pod went, or its kubelet stopped: its workers go, and start afresh if it is synced again.
    if (!pod || pod.metadata.uid !== uid) { this.forget(uid); return; }
    const container = pod.spec?.containers.find((c) => c.name === name);
    const probe = container && probeOf(container, kind);
    const worker = instance.workers.get(kind);
    if (!container || !probe || !worker || !this.current(uid, name, instance)) return;
    const timing = probeTiming(probe);
    if (probeRuns(kind, instance.known.started === true || !container.startupProbe)) {
      const outcome = await this.host.run(kind, pod, container, timing);
      if (!this.current(uid, name, instance)) return;
      const event = probeEvent(kind, outcome);
      if (event) await this.host.event(pod, container, event);
      const { run, verdict } = countResult(worker.run, outcome, timing);
      worker.run = run;
      if (verdict) this.apply(key, uid, name, instance, kind, verdict, pod, container);
    }
    this.schedule(key, uid, name, instance, kind, timing.periodSeconds * 1000);
  }

  private apply(key: ObjectKey, uid: string, name: string, instance: Instance, kind: ProbeKind, verdict: 'success' | 'failure', pod: Pod, container: Container): void {
    if (kind === 'readiness') {
      const ready = verdict === 'success';
      if (instance.known.ready === ready) return;
      instance.known.ready = ready;
      this.host.changed(pod);
      return;
    }
    if (verdict === 'failure') {
      // As the kubelet's worker goes on hold: the container is killed, a new one gets new workers.
      instance.held = true;
      stopWorkers(instance);
      this.host.failed(pod, container, kind);
      return;
    }
    if (kind === 'startup' && !instance.known.started) {
      instance.known.started = true;
      this.host.changed(pod);
      // The kubelet probes readiness at once for a started container that is not ready yet.
      this.schedule(key, uid, name, instance, 'readiness', 0);
    }
  }
}

function stopWorkers(instance: Instance): void {
  for (const w of instance.workers.values()) clearTimeout(w.timer);
}
