// busybox's `tar` over a container's filesystem: create (c), extract (x) and list (t), with
// f FILE (`-` is stdin or stdout), -C DIR, m (extraction time instead of the archive's), v, O, z,
// and GNU's --no-same-permissions and --no-same-owner that `kubectl cp --no-preserve` passes.
// kubectl cp runs `tar cf - PATH` to copy from a pod and `tar -xmf - -C DIR` to copy to one.
import { gunzipSync, gzipSync } from 'node:zlib';
import { FsError, normalize, type FileSystem } from './filesystem.js';
import { modeString } from './file-commands.js';
import { EMPTY, failure, MAX_OUTPUT, Output, parseFlags, type Command, type Process } from './process.js';
import { readTar, TarError, writeTar, type TarEntry } from './tar.js';

const why = (e: unknown): string => (e instanceof Error ? e.message : String(e));
/** A gzip stream may unpack to no more than this (a small archive must not become gigabytes in memory). */
const MAX_UNPACKED = 256 * 1024 * 1024;

interface TarOptions {
  mode: 'c' | 'x' | 't';
  file: string;
  directory?: string;
  touch: boolean;
  verbose: boolean;
  toStdout: boolean;
  gzip: boolean;
  /** Extracted files get the umask applied to their modes (--no-same-permissions). */
  umask: boolean;
  operands: string[];
}

/** The options of `tar cf - x`, `tar -xmf - -C dir` and `tar --no-same-owner -xmf -` alike. */
function parseOptions(args: string[]): TarOptions | string {
  const long = args.filter((a) => a.startsWith('--'));
  const short = args.filter((a) => !a.startsWith('--'));
  // The first word's flags may come without a dash, as in `tar cf - x`.
  if (short[0] && !short[0].startsWith('-')) short[0] = `-${short[0]}`;
  const { flags, operands } = parseFlags(short, 'fC');
  const modes = (['c', 'x', 't'] as const).filter((m) => flags.has(m));
  if (modes.length !== 1) return 'tar: need exactly one of -c, -x or -t';
  let directory = flags.get('C');
  let file = flags.get('f') ?? '-';
  for (const a of long) {
    if (a.startsWith('--directory=')) directory = a.slice('--directory='.length);
    else if (a.startsWith('--file=')) file = a.slice('--file='.length);
  }
  return {
    mode: modes[0], file, directory, touch: flags.has('m') || long.includes('--touch'), verbose: flags.has('v'), toStdout: flags.has('O'),
    gzip: flags.has('z') || long.includes('--gzip'), umask: long.includes('--no-same-permissions'), operands,
  };
}

export const tar: Command = async (p) => {
  const options = parseOptions(p.argv.slice(1));
  if (typeof options === 'string') return failure(`${options}\n`);
  let base = p.cwd;
  if (options.directory !== undefined) {
    try {
      base = p.fs.realpath(options.directory, p.cwd);
      if (p.fs.lookup(base).kind !== 'dir') throw new FsError('ENOTDIR');
    } catch (e) {
      return failure(`tar: can't change directory to '${options.directory}': ${why(e)}\n`);
    }
  }
  const out = new Output();
  if (options.mode === 'c') create(p, options, base, out);
  else await extractOrList(p, options, base, out);
  return out.done();
};

function create(p: Process, options: TarOptions, base: string, out: Output): void {
  if (!options.operands.length) { out.error('tar: empty archive'); return; }
  const entries: TarEntry[] = [];
  const archiveToStdout = options.file === '-';
  let warned = false;
  for (const operand of options.operands) {
    const name = operand.replace(/^\/+/, '');
    if (name !== operand && !warned) { out.warn("tar: removing leading '/' from member names"); warned = true; }
    try {
      p.fs.lookup(operand, base, false);
    } catch (e) {
      out.error(`tar: ${operand}: ${why(e)}`);
      continue;
    }
    collect(p.fs, normalize(operand, base), name || '.', entries);
  }
  // Names go to stderr when the archive itself is on stdout.
  for (const e of options.verbose ? entries : []) {
    const line = `${e.name}${e.kind === 'dir' ? '/' : ''}`;
    if (archiveToStdout) out.warn(line); else out.write(`${line}\n`);
  }
  // The archive is built whole in memory: one that could not be held is refused before it is made.
  if (entries.reduce((sum, e) => sum + (e.data?.length ?? 0) + 1024, 0) > MAX_OUTPUT) { out.error('tar: write error: File too large'); return; }
  const archive = options.gzip ? gzipSync(writeTar(entries)) : writeTar(entries);
  if (archiveToStdout) out.write(archive);
  else {
    try { p.fs.writeFile(options.file, archive, p.cwd); } catch (e) { out.error(`tar: can't open '${options.file}': ${why(e)}`); }
  }
  if (out.failed) out.warn('tar: error exit delayed from previous errors');
}

/** The entries for the node at `path` under the member name `name`, a directory's contents after it. */
function collect(fs: FileSystem, path: string, name: string, entries: TarEntry[]): void {
  const node = fs.lookup(path, '/', false);
  const common = { name, mode: node.mode, mtime: node.mtime };
  if (node.kind === 'dir') {
    entries.push({ ...common, kind: 'dir' });
    for (const child of fs.readdir(path)) collect(fs, normalize(child, path), `${name.replace(/\/$/, '')}/${child}`, entries);
  } else if (node.kind === 'symlink') {
    entries.push({ ...common, kind: 'symlink', linkname: node.target });
  } else if (node.kind === 'file') {
    entries.push({ ...common, kind: 'file', data: node.data });
  }
}

async function extractOrList(p: Process, options: TarOptions, base: string, out: Output): Promise<void> {
  let archive: Buffer;
  try {
    archive = options.file === '-' ? await p.stdin() : p.fs.readFile(options.file, p.cwd);
  } catch (e) {
    out.error(`tar: can't open '${options.file}': ${why(e)}`);
    return;
  }
  if (!archive.length) return;
  let entries: TarEntry[];
  try {
    // gzip is recognised by its magic bytes as well as by -z.
    if (options.gzip || (archive[0] === 0x1f && archive[1] === 0x8b)) archive = gunzipSync(archive, { maxOutputLength: MAX_UNPACKED });
    entries = readTar(archive);
  } catch (e) {
    out.error(e instanceof TarError ? `tar: ${e.message}` : 'tar: corrupted data');
    return;
  }
  const selected = options.operands.length ? entries.filter((e) => options.operands.some((o) => e.name === o.replace(/\/+$/, '') || e.name.startsWith(`${o.replace(/\/+$/, '')}/`))) : entries;
  for (const entry of selected) {
    if (options.mode === 't') { out.write(options.verbose ? listing(entry) : `${entry.name}${entry.kind === 'dir' ? '/' : ''}\n`); continue; }
    if (options.verbose) out.write(`${entry.name}${entry.kind === 'dir' ? '/' : ''}\n`);
    if (options.toStdout) { if (entry.kind === 'file') out.write(entry.data ?? EMPTY); continue; }
    if (!extract(p, options, base, entry, out)) return;
  }
}

/** Writes one member under `base`; false when extraction must stop (the filesystem is full). */
function extract(p: Process, options: TarOptions, base: string, entry: TarEntry, out: Output): boolean {
  const parts = entry.name.split('/').filter((s) => s && s !== '.');
  if (parts.includes('..')) { out.warn(`tar: skipping unsafe path: ${entry.name}`); return true; }
  if (!parts.length) return true;
  const target = normalize(parts.join('/'), base);
  const mode = options.umask ? entry.mode & ~0o022 : entry.mode;
  const mtime = options.touch ? p.ctx.now() : entry.mtime;
  try {
    p.fs.mkdir(normalize('..', target), '/', { parents: true });
    const existing = p.fs.exists(target, '/', false) ? p.fs.lookup(target, '/', false) : undefined;
    if (entry.kind === 'dir') {
      if (existing?.kind !== 'dir') {
        if (existing) p.fs.remove(target);
        p.fs.mkdir(target, '/', { mode, mtime });
      } else {
        p.fs.setMode(target, '/', mode);
      }
      return true;
    }
    if (existing?.kind === 'dir') throw new FsError('EISDIR');
    if (existing) p.fs.remove(target);
    if (entry.kind === 'symlink') p.fs.symlink(entry.linkname ?? '', target);
    else p.fs.writeFile(target, entry.data ?? EMPTY, '/', { mode, mtime });
  } catch (e) {
    out.error(`tar: can't create '${entry.name}': ${why(e)}`);
    return !(e instanceof FsError && e.code === 'ENOSPC');
  }
  return true;
}

/** `tar tv`'s line as busybox prints it: mode, owner, size, date and time, name. */
function listing(entry: TarEntry): string {
  const t = entry.mtime;
  const two = (n: number) => String(n).padStart(2, '0');
  const date = `${t.getUTCFullYear()}-${two(t.getUTCMonth() + 1)}-${two(t.getUTCDate())} ${two(t.getUTCHours())}:${two(t.getUTCMinutes())}:${two(t.getUTCSeconds())}`;
  const size = entry.kind === 'file' ? entry.data?.length ?? 0 : 0;
  const link = entry.kind === 'symlink' ? ` -> ${entry.linkname}` : '';
  return `${modeString({ kind: entry.kind, mode: entry.mode })} ${entry.uname || entry.uid || 0}/${entry.gname || entry.gid || 0} ${String(size).padStart(9)} ${date} ${entry.name}${entry.kind === 'dir' ? '/' : ''}${link}\n`;
}
