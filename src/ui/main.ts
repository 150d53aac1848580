// The dashboard's entry point: asks for a token when the cluster wants one, then starts a session
// (the views' list-watches through the public API with that token) and reports the watches on the
// status line. A 401 from any watch ends the session and asks again.
import type { KObject } from '../api/types.js';
import { Api, ApiError, listWatch } from './api.js';
import { byId, setText } from './dom.js';
import { OBJECT_TABS, VIEWS } from './registry.js';
import { Shell, type WatchCallbacks } from './shell.js';

const TOKEN_KEY = 'tinykube.token';

const status = byId('status', HTMLElement);
const login = byId('login', HTMLFormElement);
const loginError = byId('login-error', HTMLElement);
const tokenInput = byId('token', HTMLInputElement);
const forget = byId('forget', HTMLButtonElement);
const main = byId('cluster', HTMLElement);
const nav = byId('views', HTMLElement);

const shell = new Shell(VIEWS, OBJECT_TABS, {
  nav,
  viewsRoot: main,
  panel: byId('object-panel', HTMLElement),
  panelTitle: byId('object-title', HTMLElement),
  panelTabs: byId('object-tabs', HTMLElement),
  panelBody: byId('object-body', HTMLElement),
  panelClose: byId('object-close', HTMLButtonElement),
});
let running: AbortController | undefined;

/** What the watches report, for the status line: each collection's state. */
const watchState = new Map<string, string>();

/** A watch not yet open: listed in the order the watches started, which is the order they are named in. */
const CONNECTING = 'connecting';

function report(resource: string, state: string): void {
  watchState.set(resource, state);
  const states = [...watchState.values()];
  const failures = states.filter((s) => s !== 'watching' && s !== CONNECTING);
  const live = `Live: watching ${[...watchState.keys()].join(', ')}`;
  setText(status, failures.length ? failures[0] : states.includes(CONNECTING) ? 'Connecting…' : live);
  status.classList.toggle('error', failures.length > 0);
}

/** The collection a path names, for the status line: /apis/apps/v1/deployments -> deployments. */
function resourceOf(path: string): string {
  return path.split('?')[0].split('/').pop() ?? path;
}

function start(): void {
  running?.abort();
  const controller = new AbortController();
  running = controller;
  watchState.clear();
  const token = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  forget.hidden = !token;
  login.hidden = true;
  main.hidden = nav.hidden = false;
  const api = new Api(token);
  setText(status, 'Connecting…');
  shell.start({
    api,
    signal: controller.signal,
    watch<T extends KObject>(path: string, isT: (v: unknown) => v is T, on: WatchCallbacks<T>, signal: AbortSignal): void {
      const resource = resourceOf(path);
      if (!watchState.has(resource)) report(resource, CONNECTING);
      void listWatch(api, path, isT, {
        ...on,
        watching: () => report(resource, 'watching'),
        failed: (error, retrying) => {
          report(resource, retrying ? `${error.message} (retrying)` : error.message);
          if (!retrying && error instanceof ApiError && error.code === 401) askForToken(error.message);
        },
      }, signal);
    },
  });
}

/** 401: the cluster wants a bearer token; the form says why (the answer's Status message). */
function askForToken(message: string): void {
  running?.abort();
  login.hidden = false;
  main.hidden = nav.hidden = true;
  shell.closeObject();
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
