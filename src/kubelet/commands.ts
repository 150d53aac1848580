// busybox's small applets that read the process rather than files: echo, printenv, hostname,
// true/false, sleep, date, ps, uname, id and whoami.
import { failure, parseFlags, result, type Command } from './process.js';

export const echo: Command = (p) => {
  let args = p.argv.slice(1);
  let newline = true, escapes = false;
  // Only leading words made of n, e and E are flags, as busybox's echo reads them.
  while (args.length && /^-[neE]+$/.test(args[0])) {
    for (const f of args[0].slice(1)) { if (f === 'n') newline = false; else escapes = f === 'e'; }
    args = args.slice(1);
  }
  let text = args.join(' ');
  if (escapes) {
    const stop = text.indexOf('\\c');
    if (stop >= 0) { text = text.slice(0, stop); newline = false; }
    text = unescape(text);
  }
  return result(newline ? `${text}\n` : text);
};

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', v: '\v', f: '\f', '\\': '\\', e: '\x1b' };

function unescape(text: string): string {
  return text.replace(/\\(0[0-7]{0,3}|.)/g, (whole, c: string) => (c.startsWith('0') ? String.fromCharCode(parseInt(c, 8) || 0) : ESCAPES[c] ?? whole));
}

export const printenv: Command = (p) => {
  const names = p.argv.slice(1);
  if (!names.length) return result(Object.entries(p.env).map(([k, v]) => `${k}=${v}\n`).join(''));
  const values = names.filter((n) => n in p.env).map((n) => `${p.env[n]}\n`);
  return result(values.join(''), '', values.length === names.length ? 0 : 1);
};

export const hostname: Command = (p) => result(`${p.ctx.podName}\n`);
export const succeed: Command = () => result();
export const fail: Command = () => result('', '', 1);

export const sleep: Command = async (p) => {
  const spec = p.argv[1] ?? '';
  // busybox reads the number with strtod, so `sleep infinity` (a container that idles) never ends.
  if (/^inf(inity)?$/i.test(spec)) { await p.ctx.sleep(Infinity); return result(); }
  const m = /^(\d+(?:\.\d+)?|\.\d+)([smhd]?)$/.exec(spec);
  if (!m) return failure(spec ? `sleep: invalid number '${spec}'\n` : 'BusyBox v1.36.1 multi-call binary.\n\nUsage: sleep [N]...\n');
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2]] ?? 1;
  await p.ctx.sleep(Number(m[1]) * unit * 1000);
  return result();
};

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** strftime for the conversions scripts use; the container's zone is UTC. */
export function strftime(format: string, t: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const fields: Record<string, () => string> = {
    Y: () => String(t.getUTCFullYear()), m: () => two(t.getUTCMonth() + 1), d: () => two(t.getUTCDate()),
    e: () => String(t.getUTCDate()).padStart(2, ' '), H: () => two(t.getUTCHours()), M: () => two(t.getUTCMinutes()),
    S: () => two(t.getUTCSeconds()), s: () => String(Math.floor(t.getTime() / 1000)), Z: () => 'UTC', z: () => '+0000',
    a: () => DAYS[t.getUTCDay()], b: () => MONTHS[t.getUTCMonth()], y: () => two(t.getUTCFullYear() % 100),
    T: () => strftime('%H:%M:%S', t), F: () => strftime('%Y-%m-%d', t), D: () => strftime('%m/%d/%y', t),
    n: () => '\n', t: () => '\t', '%': () => '%',
  };
  return format.replace(/%(.)/g, (whole, c: string) => fields[c]?.() ?? whole);
}

/** busybox date: `Thu Jan  1 00:00:00 UTC 1970`, or `+FORMAT`. */
export const date: Command = (p) => {
  const format = p.argv.slice(1).find((a) => a.startsWith('+'));
  return result(`${strftime(format ? format.slice(1) : '%a %b %e %H:%M:%S %Z %Y', p.ctx.now())}\n`);
};

/** busybox ps: PID 1 (the container's main process), the shells the command runs under, and ps itself. */
export const ps: Command = (p) => {
  const row = (pid: number, command: string) => `${String(pid).padStart(5)} root      0:00 ${command}\n`;
  const processes = [{ pid: 1, command: p.ctx.mainProcess ?? 'sh' }, ...p.running.filter((r) => r.pid !== 1), { pid: p.pid, command: p.argv.join(' ') }];
  return result(`PID   USER     TIME  COMMAND\n${processes.map((r) => row(r.pid, r.command)).join('')}`);
};

export const KERNEL = { release: '6.1.0-tinykube', version: '#1 SMP PREEMPT_DYNAMIC', machine: 'x86_64' };

export const uname: Command = (p) => {
  const { flags } = parseFlags(p.argv.slice(1));
  const all = flags.has('a');
  const fields: [string, string][] = [
    ['s', 'Linux'], ['n', p.ctx.podName], ['r', KERNEL.release], ['v', KERNEL.version], ['m', KERNEL.machine], ['o', 'GNU/Linux'],
  ];
  const shown = fields.filter(([f]) => all || flags.has(f));
  return result(`${(shown.length ? shown : fields.slice(0, 1)).map(([, v]) => v).join(' ')}\n`);
};

export const id: Command = (p) => {
  const { flags } = parseFlags(p.argv.slice(1));
  if (flags.has('u') || flags.has('g')) return result(flags.has('n') ? 'root\n' : '0\n');
  return result('uid=0(root) gid=0(root) groups=0(root)\n');
};

export const whoami: Command = () => result('root\n');
