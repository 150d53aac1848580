// The object panel's Logs tab for a pod: its container's log followed as `kubectl logs -f
// --tail=500` reads it (GET pods/<name>/log?follow=true&tailLines=500), read as it arrives. The
// pod is watched too: a container that was not started yet (kube refuses its log with 400, "is
// waiting to start") is read once it starts, and a restarted one again from its new start; a
// container that restarted offers its previous run's log (previous=true).
import type { Pod } from '../api/objects.js';
import { followOne, pieces } from './api.js';
import { h, setText } from './dom.js';
import { LogRegion } from './log-region.js';
import { ContainerPicker, containerNames, containerStatus, defaultContainer, isPod } from './pod-containers.js';
import { objectCollectionPath, objectPath, type ObjectRef, type ObjectTab, type UiContext } from './shell.js';

/** As kubectl logs --tail: the last lines first, then the rest as they come. */
const TAIL_LINES = 500;

/** What kubectl's client asks a log for: it is text, and a refusal still comes as a JSON Status. */
const LOG_ACCEPT = 'application/json, */*';

type StreamState = 'idle' | 'streaming' | 'ended' | 'refused' | 'previous';

class LogsPane {
  private readonly picker: ContainerPicker;
  private readonly previousButton: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly region: LogRegion;
  private pod?: Pod;
  private container = '';
  private previous = false;
  private state: StreamState = 'idle';
  /** The container run the last stream read (its containerID): a new one is read anew. */
  private streamedId?: string;
  private stream?: AbortController;

  constructor(root: HTMLElement, private readonly ref: ObjectRef, private readonly ctx: UiContext) {
    this.picker = new ContainerPicker('logs-container', (name) => { this.container = name; this.previous = false; this.open(); });
    this.previousButton = h('button', { type: 'button', 'aria-pressed': 'false', hidden: '' }, 'Previous');
    this.previousButton.addEventListener('click', () => { this.previous = !this.previous; this.open(); });
    this.status = h('p', { class: 'logs-status', role: 'status' });
    this.region = new LogRegion(`Log of ${ref.name}`);
    root.append(h('div', { class: 'logs-tab' }, h('div', { class: 'tab-toolbar' }, this.picker.el, this.previousButton), this.status, this.region.el));
    ctx.signal.addEventListener('abort', () => this.stream?.abort(), { once: true });
    void followOne(ctx.api, objectCollectionPath(ref), isPod, (pod) => this.onPod(pod), (error) => this.say(error.message, true), ctx.signal);
  }

  private say(text: string, error = false): void {
    setText(this.status, text);
    this.status.classList.toggle('error', error);
  }

  private onPod(pod: Pod | undefined): void {
    if (!pod) {
      // kube's NotFound words, as kubectl logs prints them.
      if (this.state !== 'streaming') this.say(`pods "${this.ref.name}" not found`, true);
      return;
    }
    this.pod = pod;
    const names = containerNames(pod);
    if (!names.includes(this.container)) this.container = defaultContainer(pod);
    this.picker.update(names, this.container);
    const status = containerStatus(pod, this.container);
    const restarted = (status?.restartCount ?? 0) > 0;
    this.previousButton.hidden = !restarted && !this.previous;
    const started = status?.containerID && !status.state?.waiting;
    if (this.state === 'idle' || ((this.state === 'ended' || this.state === 'refused') && started && status.containerID !== this.streamedId)) this.open();
  }

  private open(): void {
    this.stream?.abort();
    const controller = new AbortController();
    this.stream = controller;
    const signal = controller.signal;
    this.state = this.previous ? 'previous' : 'streaming';
    this.streamedId = this.pod && containerStatus(this.pod, this.container)?.containerID;
    this.previousButton.setAttribute('aria-pressed', String(this.previous));
    this.region.clear();
    this.region.setLabel(`Log of ${this.ref.name}, container ${this.container}${this.previous ? ', previous run' : ''}`);
    this.say(this.previous ? 'The previous run of the container.' : '');
    const query = new URLSearchParams({ container: this.container, follow: 'true', tailLines: String(TAIL_LINES) });
    if (this.previous) query.set('previous', 'true');
    void (async () => {
      try {
        const res = await this.ctx.api.request(`${objectPath(this.ref, 'log')}?${query}`, signal, LOG_ACCEPT);
        for await (const line of pieces(res, '\n')) this.region.append(line);
        if (signal.aborted || this.previous) return;
        this.state = 'ended';
        this.say('The container stopped: its log ends here.');
      } catch (e) {
        if (signal.aborted) return;
        if (!this.previous) this.state = 'refused';
        // kube's Status message: e.g. 400, container "c" in pod "p" is waiting to start: ContainerCreating.
        this.say(e instanceof Error ? e.message : String(e), true);
      }
    })();
  }
}

export const LOGS_TAB: ObjectTab = {
  id: 'logs',
  title: 'Logs',
  appliesTo: (ref) => ref.group === '' && ref.resource === 'pods',
  mount(root, ref, ctx) { new LogsPane(root, ref, ctx); },
};
