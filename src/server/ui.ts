// The dashboard's static files at /ui/ (index.html, app.js, style.css, xterm.css) and the redirect
// of a browser opening / to it. The files hold no cluster data, so they are served without
// authentication; everything the page shows it reads through the public API with the caller's
// token. The files come from dist/ui/ (built by scripts/build.js); in a checkout whose src/ui/ is
// newer, they are bundled from the sources by esbuild (a dev dependency) on the first request, so
// an edit is never served stale and startup never pays for a bundle.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendBody, sendText } from './http.js';

export const UI_PREFIX = '/ui/';

/** The dashboard's files by name, as sent. */
type UiFiles = Map<string, { type: string; body: Buffer }>;

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  // The terminal's stylesheet, from the @xterm/xterm package (the Terminal tab).
  'xterm.css': 'text/css; charset=utf-8',
};

/**
 * Nothing but our own files and same-origin API calls; the page is never framed. Inline styles
 * only: xterm.js (the Terminal tab) sizes and colours its rows with <style> elements it writes.
 */
const HEADERS = {
  'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * A browser navigating to `/` (it asks for HTML and not for JSON); kubectl, client libraries and
 * curl (`*\/*`) still get the root paths list.
 */
export function wantsDashboard(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return /\btext\/html\b/.test(accept) && !/\bapplication\/json\b/.test(accept);
}

export class UiHandler {
  private files?: Promise<UiFiles>;

  /** Answers /ui, /ui/… and a browser's / (`path`: the target's path); false for every other request. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return false;
    if ((path === '/' && wantsDashboard(req)) || path === '/ui') {
      res.writeHead(302, { Location: UI_PREFIX, 'Content-Length': 0 }).end();
      return true;
    }
    if (!path.startsWith(UI_PREFIX)) return false;
    const name = path === UI_PREFIX ? 'index.html' : path.slice(UI_PREFIX.length);
    this.files ??= loadFiles();
    this.files.then((files) => {
      const file = files.get(name);
      if (!file) return sendText(res, 404, `404 page not found\n`);
      sendBody(res, 200, file.type, method === 'HEAD' ? Buffer.alloc(0) : file.body, HEADERS);
    }, (e: unknown) => {
      this.files = undefined;
      sendText(res, 500, `the dashboard could not be built: ${e instanceof Error ? e.message : String(e)}\n`);
    });
    return true;
  }
}

/** The package's root: the nearest directory above this module holding package.json (src/server/ or dist/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

async function loadFiles(): Promise<UiFiles> {
  const root = packageRoot();
  const built = join(root, 'dist', 'ui');
  const sources = join(root, 'src', 'ui');
  const fresh = existsSync(join(built, 'app.js')) && (!existsSync(sources) || statSync(join(built, 'app.js')).mtimeMs >= newest(sources));
  const files: UiFiles = new Map();
  if (fresh) {
    for (const name of Object.keys(TYPES)) files.set(name, { type: TYPES[name], body: readFileSync(join(built, name)) });
    return files;
  }
  for (const name of ['index.html', 'style.css']) files.set(name, { type: TYPES[name], body: readFileSync(join(sources, name)) });
  files.set('xterm.css', { type: TYPES['xterm.css'], body: readFileSync(createRequire(import.meta.url).resolve('@xterm/xterm/css/xterm.css')) });
  files.set('app.js', { type: TYPES['app.js'], body: await bundle(sources) });
  return files;
}

/** src/ui/main.ts bundled as scripts/build.js bundles it, in memory. */
async function bundle(sources: string): Promise<Buffer> {
  let esbuild: unknown;
  try {
    // Required by name at run time: a dev dependency, never part of dist/.
    esbuild = createRequire(import.meta.url)('esbuild');
  } catch { /* reported below */ }
  if (!isEsbuild(esbuild)) throw new Error('src/ui/ is newer than dist/ui/ and esbuild (a dev dependency) is not installed: run npm run build');
  const result = await esbuild.build({
    entryPoints: [join(sources, 'main.ts')], bundle: true, format: 'esm', target: 'es2022', platform: 'browser',
    write: false, minify: false, sourcemap: 'inline', logLevel: 'silent',
  });
  return Buffer.from(result.outputFiles[0].contents);
}

function isEsbuild(m: unknown): m is typeof import('esbuild') {
  return typeof m === 'object' && m !== null && 'build' in m && typeof m.build === 'function';
}
