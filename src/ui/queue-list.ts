// The scheduling queue as drawn: every waiting pod is known, in the order it started waiting, but
// only the first few are in the document, followed by "+N more waiting": 20,000 unscheduled pods
// must not be 20,000 list items. Changes are recorded as they come and drawn by render(), once a frame.
import { h, setText } from './dom.js';

interface Shown { el: HTMLLIElement; chip: HTMLElement; reason: HTMLElement }

export class QueueList {
  /** Pod key to why it waits, in insertion order (a Map keeps it, and a new reason keeps the place). */
  private readonly waiting = new Map<string, string>();
  private readonly shown = new Map<string, Shown>();
  private readonly more = h('li', { class: 'more' });
  private dirty = false;

  constructor(private readonly el: HTMLElement, private readonly cap: number) {}

  get size(): number {
    return this.waiting.size;
  }

  set(key: string, reason: string): void {
    if (this.waiting.get(key) === reason) return;
    this.waiting.set(key, reason);
    this.dirty = true;
  }

  delete(key: string): void {
    if (this.waiting.delete(key)) this.dirty = true;
  }

  /** The chip drawn for a waiting pod, if it is among those shown. */
  chipOf(key: string): HTMLElement | undefined {
    return this.shown.get(key)?.chip;
  }

  render(): void {
    if (!this.dirty) return;
    this.dirty = false;
    let i = 0;
    const keep = new Set<string>();
    for (const [key, reason] of this.waiting) {
      if (i >= this.cap) break;
      keep.add(key);
      let item = this.shown.get(key);
      if (!item) {
        const chip = h('span', { class: 'chip pending', 'aria-hidden': 'true' });
        const text = h('p', { class: 'reason' });
        item = { el: h('li', { class: 'queued', 'data-pod': key }, chip, h('span', { class: 'pod-name' }, key), text), chip, reason: text };
        this.shown.set(key, item);
      }
      setText(item.reason, reason);
      const at = this.el.children[i];
      if (at !== item.el) this.el.insertBefore(item.el, at ?? null);
      i++;
    }
    for (const [key, item] of this.shown) {
      if (!keep.has(key)) { item.el.remove(); this.shown.delete(key); }
    }
    const hidden = this.waiting.size - i;
    if (hidden > 0) {
      setText(this.more, `+${hidden} more waiting`);
      if (this.el.lastElementChild !== this.more) this.el.append(this.more);
    } else {
      this.more.remove();
    }
  }
}
