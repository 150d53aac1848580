// Requests through a service, as a person would send them to see kube-proxy at work: a GET
// through the API server's service proxy to one port, its replies listed newest first (the time,
// the pod that answered, the status) and a tally of answers per pod. A refusal shows the Status
// message the proxy answered with (e.g. 503 "no endpoints available for service ...").
import { ApiError } from './api.js';
import { h, setText } from './dom.js';
import { replier } from './services-model.js';
import { podRef, type UiContext } from './shell.js';

/** Replies kept on screen per port. */
const KEEP = 20;

export class ServiceProbe {
  readonly el: HTMLElement;
  private readonly replies: HTMLOListElement;
  private readonly tally: HTMLUListElement;
  private readonly summary: HTMLElement;
  private readonly buttons: HTMLButtonElement[];
  private readonly counts = new Map<string, { n: number; el: HTMLElement }>();
  private sent = 0;

  /** `path`: the proxy path (…/services/<name>:<port>/proxy/); `label`: how the port reads, e.g. "default/kubia port 80/TCP". */
  constructor(private path: string, label: string, private readonly namespace: string, private readonly ctx: UiContext) {
    const one = h('button', { type: 'button' }, 'Send request');
    const ten = h('button', { type: 'button' }, 'Send 10');
    one.addEventListener('click', () => void this.send(1));
    ten.addEventListener('click', () => void this.send(10));
    this.buttons = [one, ten];
    this.summary = h('p', { class: 'probe-summary', role: 'status' });
    this.tally = h('ul', { class: 'probe-tally', 'aria-label': `Answers per pod, ${label}` });
    this.replies = h('ol', { class: 'probe-replies', 'aria-label': `Replies, ${label}` });
    this.el = h('div', { class: 'probe', role: 'group', 'aria-label': `Requests to ${label}` },
      h('div', { class: 'probe-actions' }, one, ten, this.summary), this.tally, this.replies);
    // A pod named in a reply or the tally opens in the object panel.
    this.el.addEventListener('click', (e) => {
      const target = e.target instanceof Element ? e.target.closest<HTMLElement>('[data-reply-pod]') : null;
      const pod = target?.dataset.replyPod;
      if (pod) ctx.openObject(podRef(this.namespace, pod));
    });
  }

  /** The service's port changed name or number: later requests go to the new path. */
  retarget(path: string): void {
    this.path = path;
  }

  /** Sends `n` requests one after another, so each reply shows as it comes. */
  private async send(n: number): Promise<void> {
    for (const b of this.buttons) b.disabled = true;
    this.el.setAttribute('aria-busy', 'true');
    try {
      for (let i = 0; i < n && !this.ctx.signal.aborted; i++) await this.sendOne();
    } finally {
      for (const b of this.buttons) b.disabled = false;
      this.el.removeAttribute('aria-busy');
    }
  }

  private async sendOne(): Promise<void> {
    const at = new Date();
    try {
      const res = await this.ctx.api.request(this.path, this.ctx.signal, '*/*');
      const { pod, text } = replier(await res.text());
      this.add(at, pod, text, `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, false);
    } catch (e) {
      if (this.ctx.signal.aborted) return;
      // ApiError's message is "503 Service Unavailable: <the Status message>".
      const status = e instanceof ApiError ? String(e.code) : 'failed';
      this.add(at, undefined, e instanceof Error ? e.message : String(e), status, true);
    }
  }

  private add(at: Date, pod: string | undefined, text: string, status: string, failed: boolean): void {
    this.sent++;
    const who = pod
      ? h('button', { type: 'button', class: 'link', 'data-reply-pod': pod, 'aria-label': `${pod} (open the pod)` }, pod)
      : h('span', { class: 'no-pod' }, failed ? 'no answer' : 'unknown');
    const li = h('li', { class: failed ? 'reply failed' : 'reply' },
      h('time', { datetime: at.toISOString() }, at.toLocaleTimeString([], { hour12: false })),
      who,
      h('span', { class: 'reply-status' }, status),
      h('span', { class: 'reply-text' }, text));
    this.replies.prepend(li);
    while (this.replies.children.length > KEEP) this.replies.lastElementChild?.remove();
    const key = pod ?? (failed ? 'no answer' : 'unknown');
    let count = this.counts.get(key);
    if (!count) {
      const n = h('span', { class: 'tally-n' });
      const name = pod ? h('button', { type: 'button', class: 'link', 'data-reply-pod': pod }, pod) : h('span', {}, key);
      count = { n: 0, el: n };
      this.counts.set(key, count);
      this.tally.append(h('li', { 'data-tally': key }, name, n));
    }
    count.n++;
    setText(count.el, String(count.n));
    const pods = [...this.counts.keys()].filter((k) => k !== 'no answer' && k !== 'unknown').length;
    setText(this.summary, `${this.sent} sent, answered by ${pods} ${pods === 1 ? 'pod' : 'pods'}`);
  }
}
