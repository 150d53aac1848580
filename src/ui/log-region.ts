// A log as it streams: lines appended once per animation frame (a busy container prints faster
// than a page should lay out), the oldest dropped past a bound, and kept scrolled to the end
// unless the person has scrolled up to read.
import { h } from './dom.js';

/** The lines kept: enough to read back, few enough that the page stays quick. */
export const MAX_LINES = 5000;

/** How near the end (in pixels) still counts as "at the end" for autoscrolling. */
const END_SLACK_PX = 8;

export class LogRegion {
  readonly el: HTMLPreElement;
  private pending: string[] = [];
  private frame = 0;
  private lines = 0;

  constructor(label: string) {
    // role=log is a live region read politely; tabindex lets a keyboard scroll it.
    this.el = h('pre', { class: 'log-region', role: 'log', 'aria-live': 'polite', 'aria-label': label, tabindex: '0' });
  }

  setLabel(label: string): void { this.el.setAttribute('aria-label', label); }

  append(line: string): void {
    this.pending.push(line);
    if (this.pending.length > MAX_LINES) this.pending.splice(0, this.pending.length - MAX_LINES);
    this.frame ||= requestAnimationFrame(() => this.flush());
  }

  clear(): void {
    this.pending = [];
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.lines = 0;
    this.el.replaceChildren();
  }

  private flush(): void {
    this.frame = 0;
    const el = this.el;
    const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight <= END_SLACK_PX;
    // One text node a line, so the oldest can be dropped without touching the rest.
    const fragment = document.createDocumentFragment();
    for (const line of this.pending) fragment.append(`${line}\n`);
    this.lines += this.pending.length;
    this.pending = [];
    el.append(fragment);
    const excess = this.lines - MAX_LINES;
    if (excess > 0) {
      const range = document.createRange();
      range.setStartBefore(el.childNodes[0]);
      range.setEndAfter(el.childNodes[excess - 1]);
      range.deleteContents();
      this.lines = MAX_LINES;
    }
    if (atEnd) el.scrollTop = el.scrollHeight;
  }
}
