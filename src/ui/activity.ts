// Lights a component's box when it acts, from tinykube's activity feed (GET /tinykube/v1/activity,
// server-sent events, one JSON object each: {component, node?, action, object?, time}). A server
// without the feed (404), or one that refuses it (EventSource sends no bearer token), leaves the
// boxes unlit: EventSource gives up on a non-200 answer, and nothing else depends on it.
import { isJsonObject } from '../api/json.js';

export const ACTIVITY_PATH = '/tinykube/v1/activity';

/** How long a box stays lit after its component's last action. */
const LIT_MS = 600;

const COMPONENTS = new Set(['apiserver', 'scheduler', 'controller-manager', 'kubelet', 'kube-proxy', 'store']);

export function followActivity(root: HTMLElement): () => void {
  const source = new EventSource(ACTIVITY_PATH);
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
  source.onmessage = (e: MessageEvent<string>) => {
    let event: unknown;
    try { event = JSON.parse(e.data); } catch { return; }
    if (!isJsonObject(event) || typeof event.component !== 'string' || !COMPONENTS.has(event.component)) return;
    const node = typeof event.node === 'string' ? event.node : undefined;
    queued.add(node ? `[data-node="${CSS.escape(node)}"] [data-component="${event.component}"]` : `.control-plane [data-component="${event.component}"]`);
    frame ||= requestAnimationFrame(flush);
  };
  return () => source.close();
}
