// The dashboard's entry point: asks for a token when the cluster wants one, then lists and watches
// nodes and pods through the public API and hands their events to the cluster view.
import type { Node, Pod } from '../api/objects.js';
import { followActivity } from './activity.js';
import { Api, ApiError, isObject, listWatch, type WatchHandler } from './api.js';
import { ClusterView, podKey, type ClusterCounts } from './cluster-view.js';
import { byId, setText } from './dom.js';

const TOKEN_KEY = 'tinykube.token';

const status = byId('status', HTMLElement);
const login = byId('login', HTMLFormElement);
const loginError = byId('login-error', HTMLElement);
const tokenInput = byId('token', HTMLInputElement);
const forget = byId('forget', HTMLButtonElement);
const main = byId('cluster', HTMLElement);

const view = new ClusterView(byId('nodes', HTMLElement), byId('queue', HTMLUListElement), showCounts);
let running: AbortController | undefined;

function showCounts(c: ClusterCounts): void {
  setText(byId('cp-apiserver', HTMLElement), `watching ${c.nodes} ${c.nodes === 1 ? 'node' : 'nodes'} and ${c.pods} ${c.pods === 1 ? 'pod' : 'pods'}`);
  setText(byId('cp-scheduler', HTMLElement), c.queued ? `${c.queued} ${c.queued === 1 ? 'pod' : 'pods'} waiting` : 'queue empty');
  setText(byId('cp-store', HTMLElement), `revision ${c.revision || '–'}`);
}

function isNode(v: unknown): v is Node { return isObject(v); }
function isPod(v: unknown): v is Pod { return isObject(v); }

/** What the watches report, for the status line: each resource's state. */
const watchState = new Map<string, string>();

function report(resource: string, state: string): void {
  watchState.set(resource, state);
  const failures = [...watchState.values()].filter((s) => s !== 'watching');
  setText(status, failures.length ? failures[0] : `Live: watching ${[...watchState.keys()].join(' and ')}`);
  status.classList.toggle('error', failures.length > 0);
}

function handler<T>(resource: string, replace: (items: T[], rv: string) => void, set: (obj: T | null, key: string, rv: string) => void, key: (obj: T) => string): WatchHandler<T> {
  return {
    replace,
    event: (type, obj, rv) => set(type === 'DELETED' ? null : obj, key(obj), rv),
    watching: () => report(resource, 'watching'),
    failed: (error, retrying) => {
      report(resource, retrying ? `${error.message} (retrying)` : error.message);
      if (!retrying && error instanceof ApiError && error.code === 401) askForToken(error.message);
    },
  };
}

function start(): void {
  running?.abort();
  const controller = new AbortController();
  running = controller;
  const token = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  forget.hidden = !token;
  login.hidden = true;
  main.hidden = false;
  const api = new Api(token);
  setText(status, 'Connecting…');
  void listWatch(api, '/api/v1/nodes', isNode,
    handler<Node>('nodes', (items, rv) => view.replaceNodes(items, rv), (n, k, rv) => view.setNode(n, k, rv), (n) => n.metadata.name ?? ''), controller.signal);
  void listWatch(api, '/api/v1/pods', isPod,
    handler<Pod>('pods', (items, rv) => view.replacePods(items, rv), (p, k, rv) => view.setPod(p, k, rv), podKey), controller.signal);
  void followActivity(main, api, controller.signal);
}

/** 401: the cluster wants a bearer token; the form says why (the answer's Status message). */
function askForToken(message: string): void {
  running?.abort();
  login.hidden = false;
  main.hidden = true;
  setText(loginError, message);
  tokenInput.focus();
}

login.addEventListener('submit', (e) => {
  e.preventDefault();
  const token = tokenInput.value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  tokenInput.value = '';
  start();
});

forget.addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  start();
});

start();
