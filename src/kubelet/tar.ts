// The tar archive format, as bytes: POSIX ustar headers written (PAX records for names too long
// for ustar's name and prefix fields), and ustar, PAX and GNU long-name archives read, so that
// what kubectl's Go archive/tar, GNU tar and busybox tar write and read is understood both ways.
// Pure functions over Buffers; the `tar` command (tar-command.ts) maps entries to a filesystem.

export interface TarEntry {
  /** The member's path as stored: relative, without a trailing slash. */
  name: string;
  kind: 'file' | 'dir' | 'symlink';
  /** Permission bits (0o7777). */
  mode: number;
  mtime: Date;
  /** A file's contents. */
  data?: Buffer;
  /** A symlink's target. */
  linkname?: string;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
}

export class TarError extends Error {}

const BLOCK = 512;
const TYPE = { file: '0', dir: '5', symlink: '2' } as const;

/** An archive of `entries`, ended by two zero blocks. */
export function writeTar(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const name = entry.kind === 'dir' ? `${entry.name}/` : entry.name;
    const split = splitName(name);
    const linkname = entry.linkname ?? '';
    const pax: Record<string, string> = {};
    if (!split) pax.path = name;
    if (Buffer.byteLength(linkname) > 100) pax.linkpath = linkname;
    if (Object.keys(pax).length) {
      const records = paxRecords(pax);
      const base = name.replace(/\/$/, '').split('/').pop() ?? '';
      blocks.push(header({ name: `PaxHeaders/${base}`.slice(0, 100), prefix: '', type: 'x', size: records.length, entry }), padded(records));
    }
    const data = entry.kind === 'file' ? entry.data ?? Buffer.alloc(0) : Buffer.alloc(0);
    blocks.push(header({ name: split?.name ?? name.slice(0, 100), prefix: split?.prefix ?? '', type: TYPE[entry.kind], size: data.length, entry, linkname: linkname.slice(0, 100) }));
    if (data.length) blocks.push(padded(data));
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(blocks);
}

/** The entries of an archive; a truncated or corrupt one is a TarError. */
export function readTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let pending: Record<string, string> = {};
  const links = new Map<string, TarEntry>();
  while (offset + BLOCK <= archive.length) {
    const block = archive.subarray(offset, offset + BLOCK);
    if (block.every((b) => b === 0)) return entries;
    if (!checksumMatches(block)) throw new TarError('invalid tar header checksum');
    const size = numeric(block, 124, 12);
    const type = String.fromCharCode(block[156] || 0x30);
    const dataStart = offset + BLOCK;
    const meta = 'xgLK'.includes(type);
    const dataEnd = dataStart + (!meta && pending.size !== undefined ? Number(pending.size) : size);
    if (dataEnd > archive.length) throw new TarError('short read');
    const data = archive.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil((dataEnd - dataStart) / BLOCK) * BLOCK;
    if (type === 'x') { pending = { ...pending, ...parsePax(data) }; continue; }
    if (type === 'g') continue;
    if (type === 'L') { pending.path = cString(data, 0, data.length); continue; }
    if (type === 'K') { pending.linkpath = cString(data, 0, data.length); continue; }
    const magic = block.subarray(257, 263).toString('latin1');
    const prefix = magic === 'ustar\0' ? cString(block, 345, 155) : '';
    const rawName = pending.path ?? (prefix ? `${prefix}/${cString(block, 0, 100)}` : cString(block, 0, 100));
    const linkname = pending.linkpath ?? cString(block, 157, 100);
    pending = {};
    const common = {
      name: rawName.replace(/\/+$/, ''), mode: numeric(block, 100, 8) & 0o7777, mtime: new Date(numeric(block, 136, 12) * 1000),
      uid: numeric(block, 108, 8), gid: numeric(block, 116, 8), uname: cString(block, 265, 32), gname: cString(block, 297, 32),
    };
    let entry: TarEntry | undefined;
    if (type === '0' || type === '7') entry = { ...common, kind: rawName.endsWith('/') ? 'dir' : 'file', data: Buffer.from(data) };
    else if (type === '5') entry = { ...common, kind: 'dir' };
    else if (type === '2') entry = { ...common, kind: 'symlink', linkname };
    // A hard link is extracted as a copy of the member it names.
    else if (type === '1') entry = { ...common, kind: 'file', data: links.get(linkname.replace(/\/+$/, ''))?.data ?? Buffer.alloc(0) };
    if (entry) {
      entries.push(entry);
      links.set(entry.name, entry);
    }
  }
  // Archives that stop without their end blocks are read as far as they go (as GNU tar does).
  return entries;
}

interface HeaderFields { name: string; prefix: string; type: string; size: number; entry: TarEntry; linkname?: string }

function header({ name, prefix, type, size, entry, linkname = '' }: HeaderFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  octal(block, 100, 8, entry.mode & 0o7777);
  octal(block, 108, 8, entry.uid ?? 0);
  octal(block, 116, 8, entry.gid ?? 0);
  octal(block, 124, 12, size);
  octal(block, 136, 12, Math.max(0, Math.floor(entry.mtime.getTime() / 1000)));
  block.write(type, 156, 1, 'latin1');
  block.write(linkname, 157, 100, 'utf8');
  block.write('ustar\u000000', 257, 8, 'latin1');
  block.write(entry.uname ?? 'root', 265, 32, 'utf8');
  block.write(entry.gname ?? 'root', 297, 32, 'utf8');
  octal(block, 329, 8, 0);
  octal(block, 337, 8, 0);
  block.write(prefix, 345, 155, 'utf8');
  // The checksum is summed with its own field read as spaces, and written as six digits, NUL, space.
  block.fill(0x20, 148, 156);
  const sum = block.reduce((s, b) => s + b, 0);
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
  return block;
}

/** ustar's split of a long name between its prefix (155 bytes) and name (100 bytes) fields, at a slash; none if it does not fit. */
function splitName(name: string): { prefix: string; name: string } | undefined {
  if (!/^[\x20-\x7e]*$/.test(name)) return undefined;
  if (name.length <= 100) return { prefix: '', name };
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
    if (i <= 155 && name.length - i - 1 <= 100 && i + 1 < name.length) return { prefix: name.slice(0, i), name: name.slice(i + 1) };
  }
  return undefined;
}

/** PAX extended header records: "LEN key=value\n", LEN counting itself. */
function paxRecords(fields: Record<string, string>): Buffer {
  return Buffer.concat(Object.entries(fields).map(([key, value]) => {
    const body = ` ${key}=${value}\n`;
    const bodyLength = Buffer.byteLength(body);
    let length = bodyLength + 1;
    while (length !== bodyLength + String(length).length) length = bodyLength + String(length).length;
    return Buffer.from(`${length}${body}`);
  }));
}

function parsePax(data: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = Number(data.subarray(at, space).toString('latin1'));
    if (space < 0 || !Number.isInteger(length) || length <= 0) break;
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) fields[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return fields;
}

function padded(data: Buffer): Buffer {
  const rest = data.length % BLOCK;
  return rest ? Buffer.concat([data, Buffer.alloc(BLOCK - rest)]) : data;
}

function octal(block: Buffer, at: number, width: number, value: number): void {
  block.write(`${value.toString(8).padStart(width - 1, '0')}\u0000`, at, width, 'latin1');
}

/** A numeric field: octal text, or GNU's base-256 when its high bit is set. */
function numeric(block: Buffer, at: number, width: number): number {
  if (block[at] & 0x80) {
    let value = block[at] & 0x7f;
    for (let i = 1; i < width; i++) value = value * 256 + block[at + i];
    return value;
  }
  const text = cString(block, at, width).trim();
  return text ? parseInt(text, 8) || 0 : 0;
}

function cString(block: Buffer, at: number, width: number): string {
  const field = block.subarray(at, at + width);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? field.length : nul).toString('utf8');
}

function checksumMatches(block: Buffer): boolean {
  const stored = numeric(block, 148, 8);
  let unsigned = 0, signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}
