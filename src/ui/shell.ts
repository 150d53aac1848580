// The dashboard's frame: the views (Cluster, Workloads, …) as tabs, and the object panel that
// opens on one object with its tabs (YAML, Logs, Terminal, …). Each view and object tab is a
// module registered in registry.ts; it is mounted the first time it is shown and lives until the
// session ends (a new token starts a new session), so its watches keep its picture current while
// another tab is in front. Object tabs live only while shown: their signal aborts on switch or close.
import { isJsonObject } from '../api/json.js';
import type { KObject } from '../api/types.js';
import type { Api } from './api.js';
import { h, setText } from './dom.js';

/** One object the panel can show, named as the API names it. */
export interface ObjectRef {
  /** '' for the core group. */
  group: string;
  version: string;
  /** The plural resource, as in the URL: 'pods', 'deployments'. */
  resource: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** What a watch tells its view: the whole set after each (re)list, then each change. */
export interface WatchCallbacks<T> {
  replace(items: T[], rv: string): void;
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T, rv: string): void;
}

/** What a view or object tab is given: the API with the session's token, and the session's end. */
export interface UiContext {
  api: Api;
  /** Aborts when the session ends (or, for an object tab, when the tab is hidden). */
  signal: AbortSignal;
  /** Lists and watches a collection (e.g. /apis/apps/v1/deployments), reporting on the status line. */
  watch<T extends KObject>(path: string, isT: (v: unknown) => v is T, on: WatchCallbacks<T>): void;
  /** Opens the object panel on `ref`, at the tab `tab` when it applies. */
  openObject(ref: ObjectRef, tab?: string): void;
}

export interface View {
  id: string;
  title: string;
  /** Builds the view under `root` (an empty tabpanel) and starts its watches. */
  mount(root: HTMLElement, ctx: UiContext): void;
}

export interface ObjectTab {
  id: string;
  title: string;
  appliesTo(ref: ObjectRef): boolean;
  mount(root: HTMLElement, ref: ObjectRef, ctx: UiContext): void;
}

/** The object's URL path: /api/v1/namespaces/default/pods/web-0, /apis/apps/v1/…/deployments/web. */
export function objectPath(ref: ObjectRef, subresource?: string): string {
  const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  const ns = ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  return `${base}${ns}/${ref.resource}/${encodeURIComponent(ref.name)}${subresource ? `/${subresource}` : ''}`;
}

/** The object's collection narrowed to it by name, to list and watch just that object. */
export function objectCollectionPath(ref: ObjectRef): string {
  const path = objectPath(ref);
  return `${path.slice(0, path.lastIndexOf('/'))}?fieldSelector=${encodeURIComponent(`metadata.name=${ref.name}`)}`;
}

/** How the panel titles an object: `Pod default/web-0`, `Node node-1`. */
export function objectTitle(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/**
 * The reference an object's URL path names (the reverse of objectPath), its kind not yet known:
 * /api/v1/namespaces/default/pods/web-0, /apis/apps/v1/namespaces/default/deployments/web, /api/v1/nodes/node-1.
 */
export function refFromPath(path: string): Omit<ObjectRef, 'kind'> | undefined {
  const parts = path.split('/').map((p) => decodeURIComponent(p));
  const core = parts[1] === 'api';
  if (!core && parts[1] !== 'apis') return undefined;
  const group = core ? '' : parts[2];
  const version = core ? parts[2] : parts[3];
  const rest = parts.slice(core ? 3 : 4);
  if (!version || rest.some((p) => !p)) return undefined;
  if (rest.length === 2) return { group, version, resource: rest[0], name: rest[1] };
  if (rest.length === 4 && rest[0] === 'namespaces') return { group, version, namespace: rest[1], resource: rest[2], name: rest[3] };
  return undefined;
}

/** The object path a link names: #object=/api/v1/namespaces/default/pods/web-0. */
const OBJECT_LINK = 'object=';

/** A pod's reference, from its namespace and name. */
export function podRef(namespace: string, name: string): ObjectRef {
  return { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespace, name };
}

/** What main.ts starts a session with: its watch stops on the signal it is given (a view's or a tab's). */
interface Session {
  api: Api;
  signal: AbortSignal;
  watch<T extends KObject>(path: string, isT: (v: unknown) => v is T, on: WatchCallbacks<T>, signal: AbortSignal): void;
}


export class Shell {
  private session?: Session;
  private readonly mounted = new Set<string>();
  private readonly panels = new Map<string, HTMLElement>();
  private readonly tabs = new Map<string, HTMLButtonElement>();
  private objectTab?: AbortController;

  constructor(private readonly views: readonly View[], private readonly objectTabs: readonly ObjectTab[], private readonly el: {
    nav: HTMLElement; viewsRoot: HTMLElement;
    panel: HTMLElement; panelTitle: HTMLElement; panelTabs: HTMLElement; panelBody: HTMLElement; panelClose: HTMLButtonElement;
  }) {
    for (const view of views) {
      let panel = document.getElementById(`view-${view.id}`);
      if (!panel) {
        panel = h('div', { id: `view-${view.id}`, class: 'view', hidden: '' });
        el.viewsRoot.append(panel);
      }
      panel.setAttribute('role', 'tabpanel');
      panel.setAttribute('aria-labelledby', `tab-${view.id}`);
      const tab = h('button', { type: 'button', role: 'tab', id: `tab-${view.id}`, 'aria-controls': `view-${view.id}`, 'aria-selected': 'false', tabindex: '-1' }, view.title);
      tab.addEventListener('click', () => { location.hash = view.id; });
      el.nav.append(tab);
      this.panels.set(view.id, panel);
      this.tabs.set(view.id, tab);
    }
    el.nav.addEventListener('keydown', (e) => arrowKeys(e, el.nav));
    el.panelTabs.addEventListener('keydown', (e) => arrowKeys(e, el.panelTabs));
    el.panelClose.addEventListener('click', () => this.closeObject());
    window.addEventListener('hashchange', () => {
      this.show(this.current());
      this.followObjectLink();
    });
  }

  /** A new session (first load, or a new token): views are mounted again as they are shown. */
  start(session: Session): void {
    this.session = session;
    this.mounted.clear();
    for (const panel of this.panels.values()) panel.replaceChildren();
    this.closeObject();
    this.show(this.current());
    this.followObjectLink();
  }

  /** A link to an object (#object=<its path>) opens the panel on it; its kind comes from the object. */
  private followObjectLink(): void {
    const session = this.session;
    const hash = location.hash.slice(1);
    if (!session || !hash.startsWith(OBJECT_LINK)) return;
    let path: string;
    let ref: Omit<ObjectRef, 'kind'> | undefined;
    try {
      path = decodeURIComponent(hash.slice(OBJECT_LINK.length));
      ref = refFromPath(path);
    } catch { return; /* a malformed %-escape names nothing */ }
    if (!ref) return;
    const named = ref;
    session.api.get(path, session.signal).then(
      (obj) => { if (this.session === session) this.openObject({ ...named, kind: isJsonObject(obj) && typeof obj.kind === 'string' ? obj.kind : named.resource }); },
      // Not there (or not allowed): the panel opens anyway, and its tabs say why.
      () => { if (this.session === session && !session.signal.aborted) this.openObject({ ...named, kind: named.resource }); });
  }

  private current(): string {
    const id = location.hash.slice(1);
    return this.panels.has(id) ? id : this.views[0].id;
  }

  private show(id: string): void {
    for (const [viewId, panel] of this.panels) {
      const selected = viewId === id;
      panel.hidden = !selected;
      const tab = this.tabs.get(viewId);
      tab?.setAttribute('aria-selected', String(selected));
      tab?.setAttribute('tabindex', selected ? '0' : '-1');
    }
    const session = this.session;
    const view = this.views.find((v) => v.id === id);
    if (!session || !view || this.mounted.has(id)) return;
    this.mounted.add(id);
    view.mount(this.panels.get(id) ?? this.el.viewsRoot, this.context(session));
  }

  private context(session: Session, signal = session.signal): UiContext {
    return {
      api: session.api,
      signal,
      watch: (path, isT, on) => session.watch(path, isT, on, signal),
      openObject: (ref, tab) => this.openObject(ref, tab),
    };
  }

  openObject(ref: ObjectRef, tabId?: string): void {
    const session = this.session;
    if (!session) return;
    const tabs = this.objectTabs.filter((t) => t.appliesTo(ref));
    const { panel, panelTitle, panelTabs } = this.el;
    setText(panelTitle, objectTitle(ref));
    panel.dataset.object = objectPath(ref);
    panelTabs.replaceChildren();
    for (const tab of tabs) {
      const button = h('button', { type: 'button', role: 'tab', 'data-tab': tab.id, 'aria-selected': 'false', tabindex: '-1' }, tab.title);
      button.addEventListener('click', () => this.showObjectTab(ref, tab, button, session));
      panelTabs.append(button);
    }
    panel.hidden = false;
    const first = tabs.find((t) => t.id === tabId) ?? tabs[0];
    const button = first && panelTabs.querySelector<HTMLButtonElement>(`[data-tab="${CSS.escape(first.id)}"]`);
    if (first && button) this.showObjectTab(ref, first, button, session);
    else this.el.panelBody.replaceChildren();
    (button ?? this.el.panelClose).focus();
  }

  private showObjectTab(ref: ObjectRef, tab: ObjectTab, button: HTMLButtonElement, session: Session): void {
    this.objectTab?.abort();
    const controller = new AbortController();
    this.objectTab = controller;
    session.signal.addEventListener('abort', () => controller.abort(), { once: true });
    for (const b of this.el.panelTabs.querySelectorAll('[role=tab]')) {
      b.setAttribute('aria-selected', String(b === button));
      b.setAttribute('tabindex', b === button ? '0' : '-1');
    }
    const body = this.el.panelBody;
    body.replaceChildren();
    body.dataset.tab = tab.id;
    tab.mount(body, ref, this.context(session, controller.signal));
  }

  closeObject(): void {
    this.objectTab?.abort();
    this.objectTab = undefined;
    this.el.panel.hidden = true;
    this.el.panelBody.replaceChildren();
    delete this.el.panel.dataset.object;
  }
}

/** Left and right arrows move between a tablist's tabs, as the ARIA tabs pattern has it. */
function arrowKeys(e: KeyboardEvent, list: HTMLElement): void {
  if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
  const tabs = [...list.querySelectorAll<HTMLButtonElement>('[role=tab]')];
  const at = tabs.indexOf(document.activeElement instanceof HTMLButtonElement ? document.activeElement : tabs[0]);
  const next = tabs[(at + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
  next?.focus();
  next?.click();
}
