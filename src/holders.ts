// Which process holds a port or a file, so that a start that cannot listen or open its store can
// say who is in the way. Linux only (it reads /proc); elsewhere, and for processes of other users
// that /proc does not show, nothing is found and the caller says less.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';

/** `pid 1234 (node bin/tinykube.js serve)`, or undefined when /proc does not tell. */
export function describeProcess(pid: number): string {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return cmdline ? `pid ${pid} (${cmdline.length > 120 ? `${cmdline.slice(0, 117)}...` : cmdline})` : `pid ${pid}`;
  } catch {
    return `pid ${pid}`;
  }
}

/** The process listening on TCP `port` (any address), if /proc shows one. */
export function processListeningOn(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try { text = readFileSync(table, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; the inode is the tenth field.
      if (f.length > 9 && f[3] === '0A' && parseInt(f[1].split(':')[1], 16) === port) inodes.add(f[9]);
    }
  }
  if (!inodes.size) return undefined;
  return findProcess((link) => link.startsWith('socket:[') && inodes.has(link.slice(8, -1)));
}

/** A process that has `path` open, if /proc shows one. */
export function processWithFileOpen(path: string): number | undefined {
  const target = resolve(path);
  return findProcess((link) => link === target);
}

function findProcess(matches: (fdLink: string) => boolean): number | undefined {
  let pids: string[];
  try { pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p)); } catch { return undefined; }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    let fds: string[];
    try { fds = readdirSync(`/proc/${pid}/fd`); } catch { continue; }
    for (const fd of fds) {
      try {
        if (matches(readlinkSync(`/proc/${pid}/fd/${fd}`))) return Number(pid);
      } catch { /* closed meanwhile */ }
    }
  }
  return undefined;
}
