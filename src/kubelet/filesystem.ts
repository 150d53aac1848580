// A simulated container's root filesystem, in memory: directories, regular files, symlinks and
// character devices (/dev/null), with POSIX path resolution. Errors carry the C library's texts
// (strerror) so commands can print them as busybox does. Sizes are bounded: a write that would
// take the tree past its limit fails with ENOSPC instead of growing the server's memory.

export type ErrorCode = 'ENOENT' | 'EEXIST' | 'ENOTDIR' | 'EISDIR' | 'ENOTEMPTY' | 'ENOSPC' | 'EINVAL' | 'ELOOP';

const STRERROR: Record<ErrorCode, string> = {
  ENOENT: 'No such file or directory',
  EEXIST: 'File exists',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  ENOTEMPTY: 'Directory not empty',
  ENOSPC: 'No space left on device',
  EINVAL: 'Invalid argument',
  ELOOP: 'Symbolic link loop',
};

export class FsError extends Error {
  constructor(readonly code: ErrorCode) { super(STRERROR[code]); }
}

interface NodeBase { mode: number; mtime: Date }
export interface FileNode extends NodeBase { kind: 'file'; data: Buffer }
export interface DirNode extends NodeBase { kind: 'dir'; entries: Map<string, FsNode> }
export interface SymlinkNode extends NodeBase { kind: 'symlink'; target: string }
/** A device that reads empty and swallows writes: /dev/null. */
export interface DeviceNode extends NodeBase { kind: 'device' }
export type FsNode = FileNode | DirNode | SymlinkNode | DeviceNode;

/** What `stat` tells of a node. */
export interface Stat { kind: FsNode['kind']; mode: number; mtime: Date; size: number; target?: string; nlink: number }

/** A directory's size as ext4 reports it, so `ls -l` looks as on a real image. */
const DIR_SIZE = 4096;
/** How many symlinks one resolution follows before giving up (Linux's MAXSYMLINKS). */
const MAX_LINKS = 40;
export const DEFAULT_LIMIT = 64 * 1024 * 1024;

/** `path` made absolute against `cwd`, with `.`, `..` and repeated slashes folded (no symlinks followed). */
export function normalize(path: string, cwd = '/'): string {
  const parts: string[] = [];
  for (const part of (path.startsWith('/') ? path : `${cwd}/${path}`).split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** Whether `path` is `dir` or inside it (both normalized). */
export function isWithin(path: string, dir: string): boolean {
  return dir === '/' || path === dir || path.startsWith(`${dir}/`);
}

export function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

export function dirname(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  return slash < 0 ? '.' : slash === 0 ? '/' : trimmed.slice(0, slash);
}

export class FileSystem {
  private readonly root: DirNode;
  /** Bytes of file contents held, counted against `limit`. */
  private used = 0;

  constructor(private readonly clock: () => Date = () => new Date(), readonly limit = DEFAULT_LIMIT) {
    this.root = { kind: 'dir', entries: new Map(), mode: 0o755, mtime: clock() };
  }

  get bytesUsed(): number { return this.used; }

  /** The node at `path` (absolute or against `cwd`); the last component's symlink is followed unless `follow` is false. */
  lookup(path: string, cwd = '/', follow = true): FsNode {
    if (follow) return this.nodeAt(this.realpath(path, cwd));
    const { parent, name } = this.locate(path, cwd);
    if (name === undefined) return parent;
    const node = parent.entries.get(name);
    if (!node) throw new FsError('ENOENT');
    return node;
  }

  /** Whether `path` names a node; with `follow` false a dangling symlink counts too. */
  exists(path: string, cwd = '/', follow = true): boolean {
    try { this.lookup(path, cwd, follow); return true; } catch { return false; }
  }

  stat(path: string, cwd = '/', follow = true): Stat {
    const node = this.lookup(path, cwd, follow);
    return statOf(node);
  }

  readFile(path: string, cwd = '/'): Buffer {
    const node = this.lookup(path, cwd);
    if (node.kind === 'dir') throw new FsError('EISDIR');
    return node.kind === 'file' ? node.data : Buffer.alloc(0);
  }

  /** Writes (or with `append` adds to) a regular file, creating it with `mode` if it is missing; its directory must exist. */
  writeFile(path: string, data: Buffer, cwd = '/', options: { append?: boolean; mode?: number; mtime?: Date } = {}): void {
    let at = normalize(path, cwd);
    let { parent, name } = this.locate(at, '/');
    if (name === undefined) throw new FsError('EISDIR');
    let node = parent.entries.get(name);
    // A symlink is written through, even to a target that does not exist yet (as open(O_CREAT) does).
    for (let links = 0; node?.kind === 'symlink'; links++) {
      if (links >= MAX_LINKS) throw new FsError('ELOOP');
      at = normalize(node.target, this.realpath(dirname(at)));
      ({ parent, name } = this.locate(at, '/'));
      if (name === undefined) throw new FsError('EISDIR');
      node = parent.entries.get(name);
    }
    if (node?.kind === 'dir') throw new FsError('EISDIR');
    if (node?.kind === 'device') return;
    const before = node?.data.length ?? 0;
    const contents = options.append && node ? Buffer.concat([node.data, data]) : Buffer.from(data);
    this.reserve(contents.length - before);
    if (!node) {
      node = { kind: 'file', data: contents, mode: options.mode ?? 0o644, mtime: options.mtime ?? this.clock() };
      parent.entries.set(name, node);
    } else {
      node.data = contents;
      node.mtime = options.mtime ?? this.clock();
      if (options.mode !== undefined) node.mode = options.mode;
    }
    parent.mtime = this.clock();
  }

  /** Creates a directory; with `parents`, its missing ancestors too and no error when it exists. */
  mkdir(path: string, cwd = '/', options: { parents?: boolean; mode?: number; mtime?: Date } = {}): void {
    if (options.parents) {
      let at = '/';
      for (const part of normalize(path, cwd).split('/').filter(Boolean)) {
        at = normalize(part, at);
        const existing = this.tryLookup(at);
        if (existing?.kind === 'dir') continue;
        if (existing) throw new FsError('EEXIST');
        this.mkdir(at, '/', { mode: options.mode });
      }
      if (options.mtime) this.setTimes(path, cwd, options.mtime);
      return;
    }
    const { parent, name } = this.locate(path, cwd);
    if (name === undefined || parent.entries.has(name)) throw new FsError('EEXIST');
    parent.entries.set(name, { kind: 'dir', entries: new Map(), mode: options.mode ?? 0o755, mtime: options.mtime ?? this.clock() });
    parent.mtime = this.clock();
  }

  symlink(target: string, path: string, cwd = '/'): void {
    const { parent, name } = this.locate(path, cwd);
    if (name === undefined || parent.entries.has(name)) throw new FsError('EEXIST');
    parent.entries.set(name, { kind: 'symlink', target, mode: 0o777, mtime: this.clock() });
  }

  /** Places a device node (what `mknod` does): only /dev/null is simulated. */
  device(path: string): void {
    const { parent, name } = this.locate(path, '/');
    if (name === undefined) throw new FsError('EEXIST');
    parent.entries.set(name, { kind: 'device', mode: 0o666, mtime: this.clock() });
  }

  /** Names in a directory, sorted as the C locale sorts them. */
  readdir(path: string, cwd = '/'): string[] {
    const node = this.lookup(path, cwd);
    if (node.kind !== 'dir') throw new FsError('ENOTDIR');
    return [...node.entries.keys()].sort(byteOrder);
  }

  /** Removes a file, symlink or empty directory; with `recursive`, a directory and all in it. */
  remove(path: string, cwd = '/', options: { recursive?: boolean } = {}): void {
    const { parent, name } = this.locate(path, cwd);
    if (name === undefined) throw new FsError('EINVAL');
    const node = parent.entries.get(name);
    if (!node) throw new FsError('ENOENT');
    if (node.kind === 'dir' && node.entries.size && !options.recursive) throw new FsError('ENOTEMPTY');
    this.used -= sizeOfTree(node);
    parent.entries.delete(name);
    parent.mtime = this.clock();
  }

  /** Moves a node to `to`; an existing file there is replaced, a directory there must be empty. */
  rename(from: string, to: string, cwd = '/'): void {
    const source = this.locate(from, cwd);
    if (source.name === undefined) throw new FsError('EINVAL');
    const node = source.parent.entries.get(source.name);
    if (!node) throw new FsError('ENOENT');
    const target = this.locate(to, cwd);
    if (target.name === undefined) throw new FsError('EISDIR');
    const fromPath = normalize(from, cwd);
    if (node.kind === 'dir' && isWithin(normalize(to, cwd), fromPath)) throw new FsError('EINVAL');
    const existing = target.parent.entries.get(target.name);
    if (existing === node) return;
    if (existing?.kind === 'dir' && (node.kind !== 'dir' || existing.entries.size)) throw new FsError(node.kind === 'dir' ? 'ENOTEMPTY' : 'EISDIR');
    if (existing && existing.kind !== 'dir' && node.kind === 'dir') throw new FsError('ENOTDIR');
    if (existing) this.used -= sizeOfTree(existing);
    source.parent.entries.delete(source.name);
    target.parent.entries.set(target.name, node);
    source.parent.mtime = target.parent.mtime = this.clock();
  }

  setTimes(path: string, cwd: string, mtime: Date): void {
    this.lookup(path, cwd).mtime = mtime;
  }

  setMode(path: string, cwd: string, mode: number): void {
    this.lookup(path, cwd).mode = mode & 0o7777;
  }

  /** The canonical path of `path`, every symlink on it resolved (what `realpath` prints); every component must exist. */
  realpath(path: string, cwd = '/'): string {
    let resolved = '/';
    let links = 0;
    const pending = normalize(path, cwd).split('/').filter(Boolean);
    for (let part = pending.shift(); part !== undefined; part = pending.shift()) {
      const dir = this.nodeAt(resolved);
      if (dir.kind !== 'dir') throw new FsError('ENOTDIR');
      const node = dir.entries.get(part);
      if (!node) throw new FsError('ENOENT');
      if (node.kind === 'symlink') {
        if (++links > MAX_LINKS) throw new FsError('ELOOP');
        pending.unshift(...normalize(node.target, resolved).split('/').filter(Boolean));
        resolved = '/';
      } else {
        resolved = normalize(part, resolved);
      }
    }
    return resolved;
  }

  private tryLookup(path: string): FsNode | undefined {
    try { return this.lookup(path); } catch { return undefined; }
  }

  /** The directory holding `path`'s last component (symlinks on the way followed) and that component; none for `/`. */
  private locate(path: string, cwd: string): { parent: DirNode; name?: string } {
    if (path === '') throw new FsError('ENOENT');
    const absolute = normalize(path, cwd);
    if (absolute === '/') return { parent: this.root };
    const parentPath = this.realpath(dirname(absolute));
    const parent = this.nodeAt(parentPath);
    if (parent.kind !== 'dir') throw new FsError('ENOTDIR');
    return { parent, name: basename(absolute) };
  }

  /** The node at a canonical path (no symlinks on it). */
  private nodeAt(canonical: string): FsNode {
    let node: FsNode = this.root;
    for (const part of canonical.split('/').filter(Boolean)) {
      if (node.kind !== 'dir') throw new FsError('ENOTDIR');
      const next = node.entries.get(part);
      if (!next) throw new FsError('ENOENT');
      node = next;
    }
    return node;
  }

  private reserve(bytes: number): void {
    if (bytes > 0 && this.used + bytes > this.limit) throw new FsError('ENOSPC');
    this.used += bytes;
  }
}

export function statOf(node: FsNode): Stat {
  const size = node.kind === 'file' ? node.data.length : node.kind === 'dir' ? DIR_SIZE : node.kind === 'symlink' ? Buffer.byteLength(node.target) : 0;
  const nlink = node.kind === 'dir' ? 2 + [...node.entries.values()].filter((n) => n.kind === 'dir').length : 1;
  return { kind: node.kind, mode: node.mode, mtime: node.mtime, size, nlink, ...(node.kind === 'symlink' ? { target: node.target } : {}) };
}

function sizeOfTree(node: FsNode): number {
  if (node.kind === 'file') return node.data.length;
  if (node.kind !== 'dir') return 0;
  let total = 0;
  for (const child of node.entries.values()) total += sizeOfTree(child);
  return total;
}

/** strcmp order, as busybox sorts names in the C locale. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
