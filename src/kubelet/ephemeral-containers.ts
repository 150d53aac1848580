// Ephemeral containers (kubectl debug) as a kubelet starts them in a running pod: the image is
// pulled (status waiting: ContainerCreating, event Pulling), the container created and started
// (running, with its ids; Pulled, Created, Started), its command run as the simulated
// containers run commands, its output written to its log, and, when the command ends,
// terminated with its exit code. An interactive shell (stdin open, no command for it) runs until
// the pod goes, reading commands from what is written to it (attach).
import type { ContainerStatus, EphemeralContainer, Pod, PodStatus } from '../api/objects.js';
import { rfc3339 } from '../api/time.js';
import { objectKey, type ObjectKey } from '../client/keys.js';
import { ignoreRaces } from '../client/races.js';
import type { Stored, TypedResource } from '../client/typed-resource.js';
import { runCommand, type ContainerLogs, type ContainerProcess, type ContainerProcesses, type ExecContext } from './containers.js';
import { imageEvents, type ImageStep, type NodeImages } from './images.js';
import { imageIDOf } from './stages.js';
import { Sleeps } from './sleeps.js';

/** How long pulling the image takes, and creating and starting the container. */
const CREATE_DELAY_MS = 100;
const START_DELAY_MS = 500;
/** A command that ends at once is still seen running this long, so an attach can catch it. */
const MIN_RUN_MS = 1000;

export interface EphemeralHost {
  pods: TypedResource<Pod>;
  logs: ContainerLogs;
  now(): Date;
  record(pod: Pod, reason: string, message: string, fieldPath: string): Promise<void>;
  fieldManager: string;
  /** Where running processes are kept, shared with attach. */
  processes: ContainerProcesses;
  /** What a command in the container sees (exec-context.ts): env, files, network, clock. */
  context(pod: Pod, container: EphemeralContainer): ExecContext;
  /** The node's images: whether the container's start pulls its image or finds it there. */
  images: NodeImages;
}

/** What the kubelet does next for one ephemeral container: nothing, pull its image, or start it. */
export function nextEphemeralStep(pod: Pod, name: string): 'create' | 'start' | undefined {
  if (pod.status?.phase !== 'Running' || pod.metadata.deletionTimestamp) return undefined;
  const status = pod.status.ephemeralContainerStatuses?.find((s) => s.name === name);
  if (!status) return 'create';
  return status.state?.waiting ? 'start' : undefined;
}

/** The argv a container runs: its command and args, or the image's default (a shell for the debug images). */
export function argvOf(c: EphemeralContainer): string[] {
  const argv = [...(c.command ?? []), ...(c.args ?? [])];
  return argv.length ? argv : ['sh'];
}

const SHELLS = new Set(['sh', 'bash', '/bin/sh', '/bin/bash', 'ash', '/bin/ash']);

/** A shell with no script: it reads commands from stdin, so it runs as long as stdin is open. */
export function isInteractiveShell(c: EphemeralContainer, argv: string[]): boolean {
  return SHELLS.has(argv[0]) && !argv.includes('-c') && !!c.stdin;
}

/** A container's status as the kubelet reports ephemeral ones: never ready, never restarted, no `started`. */
export function ephemeralContainerStatus(pod: Pod, c: EphemeralContainer, state: ContainerStatus['state']): ContainerStatus {
  const image = c.image ?? '';
  const created = !state?.waiting;
  return {
    name: c.name, state, lastState: {}, ready: false, restartCount: 0, image,
    imageID: created ? imageIDOf(image) : '',
    ...(created ? { containerID: containerID(pod, c) } : {}),
  };
}

function containerID(pod: Pod, c: EphemeralContainer): string {
  return `tinykube://${pod.metadata.uid}-${c.name}`;
}

/** `status` with `next` put in its place among the ephemeral container statuses, which the kubelet keeps sorted by name. */
export function withEphemeralStatus(status: PodStatus, next: ContainerStatus): PodStatus {
  const others = (status.ephemeralContainerStatuses ?? []).filter((s) => s.name !== next.name);
  return { ...status, ephemeralContainerStatuses: [...others, next].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}

/** The one call into runCommand: a command's output as text, and its exit code. */
async function run(argv: string[], ctx: ExecContext): Promise<{ output: string; exitCode: number }> {
  const r = await runCommand(argv, ctx);
  return { output: String(r.stdout) + String(r.stderr), exitCode: r.exitCode };
}

const fieldPathOf = (c: EphemeralContainer) => `spec.ephemeralContainers{${c.name}}`;

export class EphemeralContainers {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly host: EphemeralHost) {}

  private get processes(): ContainerProcesses { return this.host.processes; }

  /** The process of a running ephemeral container, for attach. */
  process(podUID: string, container: string): ContainerProcess | undefined {
    return this.processes.get(`${podUID}/${container}`);
  }

  /** Called with every change of a pod on a live node: starts what its ephemeral containers need next. */
  sync(pod: Stored<Pod>): void {
    for (const c of pod.spec?.ephemeralContainers ?? []) {
      const id = `${pod.metadata.uid}/${c.name}`;
      const step = nextEphemeralStep(pod, c.name);
      if (!step || this.timers.has(id) || this.processes.has(id)) continue;
      const key = objectKey(pod);
      const timer = setTimeout(() => {
        this.timers.delete(id);
        void (step === 'create' ? this.create(key, c) : this.start(key, c));
      }, step === 'create' ? CREATE_DELAY_MS : START_DELAY_MS);
      this.timers.set(id, timer);
    }
  }

  /** The pod is gone: its ephemeral containers with it. */
  forget(podUID: string): void {
    for (const [id, timer] of this.timers) if (id.startsWith(`${podUID}/`)) { clearTimeout(timer); this.timers.delete(id); }
    for (const [id, p] of this.processes) if (id.startsWith(`${podUID}/`)) { p.kill(); this.processes.delete(id); }
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const p of this.processes.values()) p.kill();
    this.processes.clear();
  }

  private writeStatus(key: ObjectKey, c: EphemeralContainer, state: (pod: Pod) => ContainerStatus['state']): Promise<Stored<Pod> | undefined> {
    return ignoreRaces(this.host.pods.update(key, (p) => {
      p.status = withEphemeralStatus(p.status ?? {}, ephemeralContainerStatus(p, c, state(p)));
      return p;
    }, { dryRun: false, subresource: 'status', fieldManager: this.host.fieldManager }));
  }

  private imageStep(pod: Pod, c: EphemeralContainer): ImageStep {
    return this.host.images.step(pod.spec?.nodeName ?? '', pod.metadata.uid ?? '', c);
  }

  private current(key: ObjectKey, c: EphemeralContainer, step: 'create' | 'start'): Stored<Pod> | undefined {
    const pod = this.host.pods.lister.getKey(key);
    return pod && nextEphemeralStep(pod, c.name) === step ? pod : undefined;
  }

  private async create(key: ObjectKey, c: EphemeralContainer): Promise<void> {
    const pod = this.current(key, c, 'create');
    if (!pod) return;
    // The image's events before Pulled (Pulling, for a pull) come as the container is created.
    for (const e of imageEvents(c.image ?? '', this.imageStep(pod, c)).filter((e) => e.reason !== 'Pulled')) await this.host.record(pod, e.reason, e.message, fieldPathOf(c));
    await this.writeStatus(key, c, () => ({ waiting: { reason: 'ContainerCreating' } }));
  }

  private async start(key: ObjectKey, c: EphemeralContainer): Promise<void> {
    const pod = this.current(key, c, 'start');
    if (!pod) return;
    const uid = pod.metadata.uid;
    const fieldPath = fieldPathOf(c);
    const step = this.imageStep(pod, c);
    this.host.images.started(uid, c.name);
    for (const e of imageEvents(c.image ?? '', step).filter((e) => e.reason === 'Pulled')) await this.host.record(pod, e.reason, e.message, fieldPath);
    await this.host.record(pod, 'Created', `Created container: ${c.name}`, fieldPath);
    await this.host.record(pod, 'Started', `Started container ${c.name}`, fieldPath);
    const startedAt = rfc3339(this.host.now());
    // The process starts before the status says so: its first output is in the log by then.
    const process = this.spawn(pod, c);
    this.processes.set(`${uid}/${c.name}`, process);
    await this.writeStatus(key, c, () => ({ running: { startedAt } }));
    const exitCode = await process.exited;
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(startedAt) + MIN_RUN_MS - this.host.now().getTime())).unref());
    if (this.processes.get(`${uid}/${c.name}`) !== process) return;
    this.processes.delete(`${uid}/${c.name}`);
    await this.writeStatus(key, c, (p) => ({
      terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt, finishedAt: rfc3339(this.host.now()), containerID: containerID(p, c) },
    }));
  }

  /** Runs the container's command (or its shell), writing what it prints to the container's log. */
  private spawn(pod: Pod, c: EphemeralContainer): ContainerProcess {
    const uid = pod.metadata.uid ?? '';
    const sleeps = new Sleeps();
    const print = (text: string) => {
      if (!text) return;
      for (const line of text.replace(/\n$/, '').split('\n')) this.host.logs.append(uid, c.name, line);
    };
    // The container's own sleeps, so killing it stops them.
    const ctx: ExecContext = { ...this.host.context(pod, c), sleep: sleeps.sleep };
    const exec = (argv: string[]) => run(argv, ctx);
    let finish: (code: number) => void = () => {};
    const exited = new Promise<number>((resolve) => { finish = resolve; });
    let running = true;
    const end = (code: number) => { if (running) { running = false; finish(code); } };
    const argv = argvOf(c);
    let pending = '';
    let queue = Promise.resolve();
    const interactive = isInteractiveShell(c, argv);
    if (!interactive) {
      void exec(argv).then(({ output, exitCode }) => { print(output); end(exitCode); });
    }
    return {
      get running() { return running; },
      exited,
      write: (text: string) => {
        if (!interactive || !running) return;
        pending += text.replaceAll('\r', '\n');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (!line) continue;
          // Each line runs as `sh -c LINE` would; `exit [N]` ends the shell.
          queue = queue.then(async () => {
            if (!running) return;
            const exit = /^exit(?:\s+(\d+))?$/.exec(line);
            if (exit) { end(Number(exit[1] ?? 0)); return; }
            const { output } = await exec(['sh', '-c', line]);
            print(output);
          });
        }
      },
      kill: () => { sleeps.cancel(); end(137); },
    };
  }
}
