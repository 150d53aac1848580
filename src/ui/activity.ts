// Lights a component's box when it acts, from tinykube's activity feed (GET /tinykube/v1/activity,
// server-sent events, one JSON object each: {component, node?, action, object?, time}). Read with
// fetch rather than EventSource, so that the bearer token goes with it. A server without the feed
// (404), or one that refuses it (401, 403), leaves the boxes unlit; nothing else depends on it.
// Every second the feed also sends `event: counters` (each component's actions in that second),
// passed on with the scheduler's bindings of the same second, counted from the messages.
import { isJsonObject } from '../api/json.js';
import { ApiError, pieces, type Api } from './api.js';

export const ACTIVITY_PATH = '/tinykube/v1/activity';

/** How long a box stays lit after its component's last action. */
const LIT_MS = 600;
/** The wait before reading the feed again after it ended, as its `retry:` asks. */
const RETRY_MS = 2000;

const COMPONENTS = new Set(['apiserver', 'scheduler', 'controller-manager', 'kubelet', 'kube-proxy', 'store']);
/** The components drawn in each node's box; the others are the control plane's. */
const NODE_COMPONENTS = new Set(['kubelet', 'kube-proxy']);

/** The data of a server-sent event block, when it is a plain message (not `event: counters`). */
export function messageData(block: string): string | undefined {
  const lines = block.split('\n');
  if (lines.some((l) => l.startsWith('event:') && l.slice(6).trim() !== 'message')) return undefined;
  const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, ''));
  return data.length ? data.join('\n') : undefined;
}

/** The data of an `event: counters` block: actions per component in the last second. */
export function countersData(block: string): Record<string, number> | undefined {
  const lines = block.split('\n');
  if (!lines.some((l) => l.startsWith('event:') && l.slice(6).trim() === 'counters')) return undefined;
  let counts: unknown;
  try { counts = JSON.parse(lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5)).join('\n')); } catch { return undefined; }
  if (!isJsonObject(counts)) return undefined;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(counts)) if (typeof v === 'number') out[k] = v;
  return out;
}

/** A second's counts: the feed's per component, and `binds`, the scheduler's bindings among them. */
export type ActivityCounters = Record<string, number> & { binds: number };

/** Follows the feed through `api` until `signal` aborts, lighting the boxes under `root`. */
export async function followActivity(root: HTMLElement, api: Api, signal: AbortSignal, onCounters?: (c: ActivityCounters) => void): Promise<void> {
  let binds = 0;
  const timers = new WeakMap<Element, number>();
  let queued = new Set<string>();
  let frame = 0;
  // Many actions a frame light each box once.
  const flush = () => {
    frame = 0;
    for (const selector of queued) {
      const el = root.querySelector(selector);
      if (!el) continue;
      el.classList.add('active');
      clearTimeout(timers.get(el));
      timers.set(el, window.setTimeout(() => el.classList.remove('active'), LIT_MS));
    }
    queued = new Set();
  };
  const light = (data: string) => {
    let event: unknown;
    try { event = JSON.parse(data); } catch { return; }
    if (!isJsonObject(event) || typeof event.component !== 'string' || !COMPONENTS.has(event.component)) return;
    if (event.component === 'scheduler' && event.action === 'bind') binds++;
    // The scheduler names the node it bound to, but it lives in the control plane.
    const node = NODE_COMPONENTS.has(event.component) && typeof event.node === 'string' ? event.node : undefined;
    queued.add(node ? `[data-node="${CSS.escape(node)}"] [data-component="${event.component}"]` : `.control-plane [data-component="${event.component}"]`);
    frame ||= requestAnimationFrame(flush);
  };
  while (!signal.aborted) {
    try {
      const res = await api.request(ACTIVITY_PATH, signal, 'text/event-stream');
      for await (const block of pieces(res, '\n\n')) {
        const data = messageData(block);
        if (data !== undefined) { light(data); continue; }
        const counters = countersData(block);
        if (counters && onCounters) onCounters({ ...counters, binds });
        if (counters) binds = 0;
      }
    } catch (e) {
      if (signal.aborted || e instanceof ApiError) return;
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}
