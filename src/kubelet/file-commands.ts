// busybox's file applets over a container's in-memory filesystem: cat, ls, mkdir, rm, touch, cp,
// mv, head, tail, wc, pwd and test/[, with their flags and error texts as busybox prints them.
import { basename, byteOrder, FsError, isWithin, normalize, statOf, type FileSystem, type Stat } from './filesystem.js';
import { EMPTY, failure, Output, parseFlags, result, type Command, type Process } from './process.js';

const why = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The contents of each operand (`-` or none: stdin), with `cmd: can't open` for those that fail. */
async function inputs(p: Process, operands: string[], out: Output): Promise<{ name: string; data: Buffer }[]> {
  const cmd = p.argv[0];
  const read: { name: string; data: Buffer }[] = [];
  for (const name of operands.length ? operands : ['-']) {
    if (name === '-') { read.push({ name, data: await p.stdin() }); continue; }
    try {
      read.push({ name, data: p.fs.readFile(name, p.cwd) });
    } catch (e) {
      out.error(e instanceof FsError && e.code === 'EISDIR' ? `${cmd}: read error: ${why(e)}` : `${cmd}: can't open '${name}': ${why(e)}`);
    }
  }
  return read;
}

export const cat: Command = async (p) => {
  const out = new Output();
  for (const { data } of await inputs(p, parseFlags(p.argv.slice(1)).operands, out)) out.write(data);
  return out.done();
};

export const pwd: Command = (p) => result(`${p.cwd}\n`);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `ls -l`'s time: hours and minutes within half a year of now, the year otherwise. */
function listingTime(mtime: Date, now: Date): string {
  const day = `${MONTHS[mtime.getUTCMonth()]} ${String(mtime.getUTCDate()).padStart(2, ' ')}`;
  const recent = Math.abs(now.getTime() - mtime.getTime()) < 182.5 * 24 * 3600 * 1000;
  return recent
    ? `${day} ${String(mtime.getUTCHours()).padStart(2, '0')}:${String(mtime.getUTCMinutes()).padStart(2, '0')}`
    : `${day}  ${mtime.getUTCFullYear()}`;
}

/** `drwxr-xr-x` and the like, with setuid, setgid and sticky bits. */
export function modeString(stat: Pick<Stat, 'kind' | 'mode'>): string {
  const type = { file: '-', dir: 'd', symlink: 'l', device: 'c' }[stat.kind];
  const rwx = (bits: number, special: boolean, on: string) => `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${bits & 1 ? (special ? on : 'x') : special ? on.toUpperCase() : '-'}`;
  const m = stat.mode;
  return type + rwx(m >> 6, (m & 0o4000) !== 0, 's') + rwx(m >> 3, (m & 0o2000) !== 0, 's') + rwx(m, (m & 0o1000) !== 0, 't');
}

export const ls: Command = (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1));
  const long = flags.has('l'), all = flags.has('a'), almostAll = flags.has('A'), dirsAsFiles = flags.has('d');
  const out = new Output();
  const now = p.ctx.now();
  const line = (name: string, stat: Stat) => {
    if (!long) return `${name}\n`;
    const link = stat.kind === 'symlink' ? ` -> ${stat.target}` : '';
    const size = stat.kind === 'device' ? '1,   3' : String(stat.size);
    return `${modeString(stat)} ${String(stat.nlink).padStart(4)} root     root     ${size.padStart(9)} ${listingTime(stat.mtime, now)} ${name}${link}\n`;
  };
  const files: string[] = [];
  const dirs: string[] = [];
  for (const name of operands.length ? operands : ['.']) {
    try {
      const stat = p.fs.stat(name, p.cwd, false);
      const isDir = stat.kind === 'dir' || (stat.kind === 'symlink' && !long && p.fs.stat(name, p.cwd).kind === 'dir');
      (isDir && !dirsAsFiles ? dirs : files).push(name);
    } catch (e) {
      out.error(`ls: ${name}: ${why(e)}`);
    }
  }
  const sections: string[] = [];
  if (files.length) sections.push(files.sort(byteOrder).map((f) => line(f, p.fs.stat(f, p.cwd, false))).join(''));
  for (const dir of dirs.sort(byteOrder)) {
    const names = p.fs.readdir(dir, p.cwd).filter((n) => all || almostAll || !n.startsWith('.'));
    const entries = names.map((n) => ({ name: n, stat: p.fs.stat(normalize(n, normalize(dir, p.cwd)), '/', false) }));
    if (all) entries.unshift({ name: '.', stat: p.fs.stat(dir, p.cwd) }, { name: '..', stat: p.fs.stat(normalize('..', normalize(dir, p.cwd))) });
    const header = files.length + dirs.length + (out.failed ? 1 : 0) > 1 ? `${dir}:\n` : '';
    // `total` counts 1 KiB blocks, each file taking whole 4 KiB blocks as on ext4.
    const total = entries.reduce((sum, e) => sum + (e.stat.kind === 'file' || e.stat.kind === 'dir' ? Math.ceil(e.stat.size / 4096) * 4 : 0), 0);
    sections.push(header + (long ? `total ${total}\n` : '') + entries.map((e) => line(e.name, e.stat)).join(''));
  }
  out.write(sections.join('\n'));
  return out.done();
};

export const mkdir: Command = (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1), 'm');
  const out = new Output();
  if (!operands.length) return failure('BusyBox v1.36.1 multi-call binary.\n\nUsage: mkdir [-m MODE] [-p] DIRECTORY...\n');
  const mode = flags.has('m') ? parseInt(flags.get('m') ?? '', 8) : undefined;
  for (const dir of operands) {
    try {
      p.fs.mkdir(dir, p.cwd, { parents: flags.has('p'), ...(mode !== undefined && !Number.isNaN(mode) ? { mode } : {}) });
    } catch (e) {
      out.error(`mkdir: can't create directory '${dir}': ${why(e)}`);
    }
  }
  return out.done();
};

export const rm: Command = (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1));
  const recursive = flags.has('r') || flags.has('R'), force = flags.has('f');
  const out = new Output();
  if (!operands.length && !force) return failure('BusyBox v1.36.1 multi-call binary.\n\nUsage: rm [-irf] FILE...\n');
  for (const path of operands) {
    try {
      const stat = p.fs.stat(path, p.cwd, false);
      if (stat.kind === 'dir' && !recursive) throw new FsError('EISDIR');
      p.fs.remove(path, p.cwd, { recursive });
    } catch (e) {
      if (force && e instanceof FsError && e.code === 'ENOENT') continue;
      out.error(`rm: can't remove '${path}': ${why(e)}`);
    }
  }
  return out.done();
};

export const touch: Command = (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1));
  const out = new Output();
  for (const path of operands) {
    try {
      if (p.fs.exists(path, p.cwd)) p.fs.setTimes(path, p.cwd, p.ctx.now());
      else if (!flags.has('c')) p.fs.writeFile(path, EMPTY, p.cwd, { mtime: p.ctx.now() });
    } catch (e) {
      out.error(`touch: ${path}: ${why(e)}`);
    }
  }
  return out.done();
};

/** Copies the node at `from` to `to` (both absolute), directories whole; symlinks inside are copied as links (cp -R's -P). */
function copyTree(fs: FileSystem, from: string, to: string, now: Date, follow = true): void {
  const node = fs.lookup(from, '/', follow);
  if (node.kind === 'symlink') {
    if (fs.exists(to, '/', false)) fs.remove(to);
    fs.symlink(node.target, to);
  } else if (node.kind === 'dir') {
    if (!fs.exists(to)) fs.mkdir(to, '/', { mode: node.mode });
    for (const name of fs.readdir(from)) copyTree(fs, normalize(name, from), normalize(name, to), now, false);
  } else {
    fs.writeFile(to, node.kind === 'file' ? node.data : EMPTY, '/', { mode: statOf(node).mode, mtime: now });
  }
}

/** cp and mv's operands: each source with the path it goes to (into DEST when DEST is a directory). */
function destinations(p: Process, operands: string[], out: Output): { from: string; to: string; name: string }[] | undefined {
  const cmd = p.argv[0];
  const dest = operands[operands.length - 1];
  const sources = operands.slice(0, -1);
  const intoDir = p.fs.exists(dest, p.cwd) && p.fs.stat(dest, p.cwd).kind === 'dir';
  if (sources.length > 1 && !intoDir) { out.error(`${cmd}: '${dest}' is not a directory`); return undefined; }
  return sources.map((s) => ({ name: s, from: normalize(s, p.cwd), to: normalize(intoDir ? `${dest}/${basename(s)}` : dest, p.cwd) }));
}

const usage = (cmd: string, text: string) => failure(`BusyBox v1.36.1 multi-call binary.\n\nUsage: ${cmd} ${text}\n`);

export const cp: Command = (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1));
  const recursive = flags.has('r') || flags.has('R') || flags.has('a');
  const out = new Output();
  if (operands.length < 2) return usage('cp', '[-arPLHpfinlsTu] SOURCE DEST');
  for (const { name, from, to } of destinations(p, operands, out) ?? []) {
    let kind;
    try { kind = p.fs.stat(from).kind; } catch (e) { out.error(`cp: can't stat '${name}': ${why(e)}`); continue; }
    if (kind === 'dir' && !recursive) { out.error(`cp: omitting directory '${name}'`); continue; }
    if (kind === 'dir' && isWithin(to, from)) { out.error("cp: can't copy a directory into itself"); continue; }
    try { copyTree(p.fs, from, to, p.ctx.now()); } catch (e) { out.error(`cp: can't create '${to}': ${why(e)}`); }
  }
  return out.done();
};

export const mv: Command = (p) => {
  const { operands } = parseFlags(p.argv.slice(1));
  const out = new Output();
  if (operands.length < 2) return usage('mv', '[-fin] SOURCE DEST');
  for (const { name, from, to } of destinations(p, operands, out) ?? []) {
    try { p.fs.rename(from, to); } catch (e) { out.error(`mv: can't rename '${name}': ${why(e)}`); }
  }
  return out.done();
};

/** head and tail's count: `-n N`, `-c N` (`+N` counting from the start, for tail), or the old `-N`. */
function counts(args: string[]): { bytes: boolean; count: number; fromStart: boolean; follow: boolean; operands: string[] } | string {
  const rest: string[] = [];
  let spec = '10', bytes = false, follow = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const m = /^-([nc])(.*)$/.exec(a);
    if (m) { bytes = m[1] === 'c'; spec = m[2] || (args[++i] ?? ''); } else if (/^-\d+$/.test(a)) spec = a.slice(1);
    else if (a === '-f' || a === '-F') follow = true;
    else if (a === '-q' || a === '-v') continue;
    else rest.push(a);
  }
  const m = /^([+-]?)(\d+)([kKmMbB]?)$/.exec(spec);
  if (!m) return `invalid number '${spec}'`;
  const scale = { '': 1, b: 512, k: 1024, K: 1024, m: 1048576, M: 1048576, B: 512 }[m[3]] ?? 1;
  return { bytes, count: Number(m[2]) * scale, fromStart: m[1] === '+', follow, operands: rest };
}

function headOrTail(which: 'head' | 'tail'): Command {
  return async (p) => {
    const parsed = counts(p.argv.slice(1));
    if (typeof parsed === 'string') return failure(`${which}: ${parsed}\n`);
    const { bytes, count, fromStart, follow, operands } = parsed;
    const out = new Output();
    const files = await inputs(p, operands, out);
    files.forEach(({ name, data }, i) => {
      if (files.length > 1) out.write(`${i ? '\n' : ''}==> ${name === '-' ? 'standard input' : name} <==\n`);
      out.write(which === 'head' ? headOf(data, count, bytes) : tailOf(data, count, bytes, fromStart));
    });
    // `tail -f` waits for more that never comes (nothing appends to a file while it waits):
    // a container's `tail -f /dev/null` keeps running until it is killed.
    if (which === 'tail' && follow && files.length) await p.ctx.sleep(Infinity);
    return out.done();
  };
}

function lineEnds(data: Buffer): number[] {
  const ends: number[] = [];
  for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1)) ends.push(i + 1);
  return ends;
}

function headOf(data: Buffer, count: number, bytes: boolean): Buffer {
  if (bytes) return data.subarray(0, count);
  const ends = lineEnds(data);
  return data.subarray(0, count < ends.length ? ends[count - 1] ?? 0 : data.length);
}

/** The last `count` lines or bytes, or with `fromStart` everything from line or byte `count` (1-based; 0 is 1, as tail reads it). */
function tailOf(data: Buffer, count: number, bytes: boolean, fromStart: boolean): Buffer {
  if (bytes) return fromStart ? data.subarray(Math.max(0, count - 1)) : data.subarray(Math.max(0, data.length - count));
  const starts = [0, ...lineEnds(data).filter((e) => e < data.length)];
  if (fromStart) return data.subarray(starts[Math.max(0, count - 1)] ?? data.length);
  return count === 0 ? EMPTY : data.subarray(starts[Math.max(0, starts.length - count)]);
}

export const head = headOrTail('head');
export const tail = headOrTail('tail');

export const wc: Command = async (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1));
  const wanted = (['l', 'w', 'c'] as const).filter((f) => flags.has(f) || (f === 'c' && flags.has('m')));
  const shown = wanted.length ? wanted : ['l', 'w', 'c'];
  const out = new Output();
  const files = await inputs(p, operands, out);
  const totals = { l: 0, w: 0, c: 0 };
  const row = (n: Record<string, number>, name: string) => {
    // busybox pads each count to 7 columns unless it prints only one number.
    const numbers = shown.map((f) => (shown.length === 1 && files.length === 1 ? String(n[f]) : String(n[f]).padStart(7)));
    return `${numbers.join(' ')}${name === '-' ? '' : ` ${name}`}\n`;
  };
  for (const { name, data } of files) {
    const text = data.toString('utf8');
    const n = { l: lineEnds(data).length, w: text.split(/\s+/).filter(Boolean).length, c: data.length };
    totals.l += n.l; totals.w += n.w; totals.c += n.c;
    out.write(row(n, name));
  }
  if (files.length > 1) out.write(row(totals, 'total'));
  return out.done();
};

/** test EXPRESSION and [ EXPRESSION ]: files, strings and integers; exit 0 true, 1 false, 2 on a bad expression. */
export const test: Command = (p) => {
  let args = p.argv.slice(1);
  if (p.argv[0] === '[') {
    if (args[args.length - 1] !== ']') return failure('[: missing ]\n', 2);
    args = args.slice(0, -1);
  }
  try {
    return result(EMPTY, EMPTY, evaluate(args, p) ? 0 : 1);
  } catch (e) {
    return failure(`${p.argv[0]}: ${why(e)}\n`, 2);
  }
};

function evaluate(args: string[], p: Process): boolean {
  const or = args.indexOf('-o');
  if (or > 0) return evaluate(args.slice(0, or), p) || evaluate(args.slice(or + 1), p);
  const and = args.indexOf('-a');
  if (and > 0 && args.length > 3) return evaluate(args.slice(0, and), p) && evaluate(args.slice(and + 1), p);
  if (args[0] === '!' && args.length > 1) return !evaluate(args.slice(1), p);
  if (args.length === 0) return false;
  if (args.length === 1) return args[0] !== '';
  if (args.length === 2) return unary(args[0], args[1], p);
  if (args.length === 3) return binary(args[0], args[1], args[2]);
  throw new Error('syntax error');
}

function unary(op: string, operand: string, p: Process): boolean {
  if (op === '-z') return operand === '';
  if (op === '-n') return operand !== '';
  let stat: Stat;
  try { stat = p.fs.stat(operand, p.cwd, op !== '-h' && op !== '-L'); } catch { return false; }
  switch (op) {
    case '-e': case '-r': case '-w': return true;
    case '-f': return stat.kind === 'file';
    case '-d': return stat.kind === 'dir';
    case '-h': case '-L': return stat.kind === 'symlink';
    case '-c': return stat.kind === 'device';
    case '-s': return stat.size > 0 && stat.kind !== 'device';
    case '-x': return (stat.mode & 0o111) !== 0;
  }
  throw new Error(`${op}: unknown operand`);
}

function binary(left: string, op: string, right: string): boolean {
  if (op === '=' || op === '==') return left === right;
  if (op === '!=') return left !== right;
  const compare = { '-eq': (a: number, b: number) => a === b, '-ne': (a: number, b: number) => a !== b, '-lt': (a: number, b: number) => a < b, '-le': (a: number, b: number) => a <= b, '-gt': (a: number, b: number) => a > b, '-ge': (a: number, b: number) => a >= b }[op];
  if (!compare) throw new Error(`${op}: unknown operand`);
  for (const n of [left, right]) if (!/^\s*-?\d+\s*$/.test(n)) throw new Error(`invalid number '${n}'`);
  return compare(Number(left), Number(right));
}
