// What a simulated container answers over HTTP: an app chosen by the container's image from a
// table (default-apps.yaml, extended by a user's file), so a pod answers the same bytes however
// it is reached (the pod and service proxies, a LoadBalancer or NodePort, port-forward). Pure
// functions and data; the transports live with their handlers.
import { readFileSync } from 'node:fs';
import { isJsonObject } from '../api/json.js';
import { yaml } from '../lazy-modules.js';
import { DEFAULT_APPS_FILE } from '../paths.js';

export interface HttpReply {
  status?: number;
  headers?: Record<string, string>;
  body: string;
}

export interface App {
  name: string;
  /** Repositories it answers for, normalized (`nginx`, `luksa/kubia`). */
  images: string[];
  /** Ports it listens on even when the pod does not declare them. */
  ports: number[];
  http: 'echo' | (HttpReply & { paths?: string[]; notFound?: HttpReply });
  /** Files its image holds beyond the base every container gets: absolute path to contents. */
  files?: Record<string, string>;
  /** Its main process as `ps` shows it, when the pod's spec gives no command. */
  process?: string;
  /**
   * The image's ENTRYPOINT and CMD, for images whose programs the simulated userland has: a
   * container of it runs them (or its spec's command and args) and may end. Images without them
   * (servers, and images not in the table) keep running.
   */
  entrypoint?: string[];
  cmd?: string[];
  /** Programs the image has beyond the busybox-like userland every container gets (`perl`). */
  programs?: string[];
}

/** What an app needs to know of a request. */
export interface AppRequest {
  method: string;
  /** Path and query, as the request line has them. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: string;
}

/** The pod answering. */
export interface AppHost {
  pod: string;
  namespace: string;
  podIP?: string;
}

export interface AppAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The app of images no entry names: a small page naming the pod. */
export const DEFAULT_APP: App = {
  name: 'default',
  images: [],
  ports: [],
  http: { headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: '<!DOCTYPE html>\n<html><body><p>Pod {{pod}} in namespace {{namespace}}, simulated by tinykube.</p></body></html>\n' },
};

/** default-apps.yaml, parsed at build time into the bundle (scripts/build.js); not defined under tsx. */
declare const TINYKUBE_DEFAULT_APPS: unknown;

export class AppError extends Error {}

/** The table of apps: a user's file first (its entries replace built-in ones of the same name), then the built-in ones. */
export class AppCatalog {
  constructor(private readonly apps: App[]) {}

  static load(userFile?: string): AppCatalog {
    const builtin = parseApps(typeof TINYKUBE_DEFAULT_APPS !== 'undefined' ? TINYKUBE_DEFAULT_APPS : yaml().parse(readFileSync(DEFAULT_APPS_FILE, 'utf8')), DEFAULT_APPS_FILE);
    if (!userFile) return new AppCatalog(builtin);
    const own = parseApps(yaml().parse(readFileSync(userFile, 'utf8')), userFile);
    const names = new Set(own.map((a) => a.name));
    return new AppCatalog([...own, ...builtin.filter((a) => !names.has(a.name))]);
  }

  /** The app a container of `image` runs: one listing its tag first, then one listing its repository. */
  appFor(image: string | undefined): App {
    const tagged = imageReference(image ?? '');
    const repository = imageRepository(image ?? '');
    return this.apps.find((a) => a.images.includes(tagged)) ?? this.apps.find((a) => a.images.includes(repository)) ?? DEFAULT_APP;
  }
}

/** An image reference without registry defaults or digest, its tag kept: `docker.io/library/nginx:1.27` → `nginx:1.27`. */
export function imageReference(image: string): string {
  const ref = image.split('@')[0];
  const repository = imageRepository(ref);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? `${repository}${ref.slice(colon)}` : repository;
}

/** An image reference's repository without registry defaults, tag or digest: `docker.io/library/nginx:1.27` → `nginx`. */
export function imageRepository(image: string): string {
  let ref = image.split('@')[0];
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) ref = ref.slice(0, colon);
  return ref.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\//, '');
}

/** Whether a container running `app` with `declared` ports accepts connections on `port`. */
export function listensOn(app: App, declared: number[], port: number): boolean {
  return declared.includes(port) || app.ports.includes(port);
}

/** The app's answer to one request. */
export function answer(app: App, request: AppRequest, host: AppHost): AppAnswer {
  if (app.http === 'echo') return echo(request, host);
  const path = request.url.split('?')[0];
  const reply = app.http.paths && !app.http.paths.includes(path) ? app.http.notFound ?? { status: 404, body: '404 page not found\n' } : app.http;
  const fill = (text: string) => text
    .replaceAll('{{pod}}', host.pod).replaceAll('{{namespace}}', host.namespace).replaceAll('{{podIP}}', host.podIP ?? '')
    .replaceAll('{{method}}', request.method).replaceAll('{{path}}', path);
  return { status: reply.status ?? 200, headers: { ...(reply.headers ?? {}) }, body: fill(reply.body) };
}

/** The request back as JSON, as echo servers answer: method, path, query, headers, body, and who answered. */
function echo(request: AppRequest, host: AppHost): AppAnswer {
  const [path, query = ''] = request.url.split('?');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const body = {
    host: { hostname: host.pod, ip: host.podIP ?? '' },
    http: { method: request.method, path, query: Object.fromEntries(new URLSearchParams(query)) },
    headers,
    body: request.body ?? '',
  };
  return { status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: `${JSON.stringify(body)}\n` };
}

/** Checks a table read from YAML: every entry an app with a name, images and an http answer. */
function parseApps(raw: unknown, source: string): App[] {
  if (!Array.isArray(raw)) throw new AppError(`${source}: not a list of apps`);
  return raw.map((entry: unknown, i) => {
    const where = `${source}: app ${i + 1}`;
    if (!isJsonObject(entry) || typeof entry.name !== 'string' || !entry.name) throw new AppError(`${where}: has no name`);
    const images = stringList(entry.images, `${where} (${entry.name}): images`).map(imageReference);
    const ports = Array.isArray(entry.ports) ? entry.ports.filter((p): p is number => typeof p === 'number') : [];
    const listed = (field: 'entrypoint' | 'cmd' | 'programs') => (entry[field] !== undefined ? { [field]: stringList(entry[field], `${where} (${entry.name}): ${field}`) } : {});
    return {
      // An image that serves nothing of its own answers as images not in the table do.
      name: entry.name, images, ports, http: entry.http === undefined ? DEFAULT_APP.http : httpOf(entry.http, `${where} (${entry.name}): http`),
      ...(entry.files !== undefined ? { files: filesOf(entry.files, `${where} (${entry.name}): files`) } : {}),
      ...(typeof entry.process === 'string' ? { process: entry.process } : {}),
      ...listed('entrypoint'), ...listed('cmd'), ...listed('programs'),
    };
  });
}

function filesOf(v: unknown, where: string): Record<string, string> {
  if (!isJsonObject(v)) throw new AppError(`${where}: not a map of paths to contents`);
  const files: Record<string, string> = {};
  for (const [path, contents] of Object.entries(v)) {
    if (!path.startsWith('/') || typeof contents !== 'string') throw new AppError(`${where}: ${path}: needs an absolute path and text contents`);
    files[path] = contents;
  }
  return files;
}

/** What `ps` shows as a container's PID 1: its spec's command and args, else its image's own. */
export function mainProcess(app: App, container: { command?: string[]; args?: string[] }): string {
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  return argv.length ? argv.join(' ') : app.process ?? 'sh';
}

function stringList(v: unknown, where: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new AppError(`${where}: not a list of strings`);
  return v.filter((x): x is string => typeof x === 'string');
}

function httpOf(v: unknown, where: string): App['http'] {
  if (v === 'echo') return 'echo';
  const reply = replyOf(v, where);
  if (!isJsonObject(v)) return reply;
  return {
    ...reply,
    ...(v.paths !== undefined ? { paths: stringList(v.paths, `${where}.paths`) } : {}),
    ...(v.notFound !== undefined ? { notFound: replyOf(v.notFound, `${where}.notFound`) } : {}),
  };
}

function replyOf(v: unknown, where: string): HttpReply {
  if (!isJsonObject(v) || typeof v.body !== 'string') throw new AppError(`${where}: is neither echo nor a reply with a body`);
  const headers: Record<string, string> = {};
  if (isJsonObject(v.headers)) for (const [k, h] of Object.entries(v.headers)) headers[k] = String(h);
  return { body: v.body, ...(typeof v.status === 'number' ? { status: v.status } : {}), ...(Object.keys(headers).length ? { headers } : {}) };
}
