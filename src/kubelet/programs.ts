// The programs a simulated container has: every applet by name, as busybox provides them under
// /bin, and how a command name (`ls`, `/bin/ls`, `./x`) finds one.
import { date, echo, fail, hostname, id, printenv, ps, sleep, succeed, uname, whoami } from './commands.js';
import { cat, cp, head, ls, mkdir, mv, pwd, rm, tail, test, touch, wc } from './file-commands.js';
import { curl, nslookup, wget } from './net-commands.js';
import type { Command, Process } from './process.js';
import { perl } from './perl.js';
import { shellCommand } from './shell.js';
import { tar } from './tar-command.js';

/** The directories a bare command name is looked up in (busybox's applets live in /bin). */
const PATH_DIRS = ['/bin', '/usr/bin', '/sbin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'];

const APPLETS = new Map<string, Command>(Object.entries({
  cat, cp, curl, date, echo, false: fail, head, hostname, id, ls, mkdir, mv, nslookup, printenv, ps, pwd, rm, sleep,
  tail, tar, test, '[': test, touch, true: succeed, uname, wc, wget, whoami,
}));

/** env [-i] [NAME=VALUE]... [COMMAND [ARG]...]: the environment, or a command run with it changed. */
const env: Command = (p) => {
  let args = p.argv.slice(1);
  let vars: Record<string, string> = { ...p.env };
  if (args[0] === '-i' || args[0] === '-') { vars = {}; args = args.slice(1); }
  while (args.length && /^[^=]+=/.test(args[0])) {
    const eq = args[0].indexOf('=');
    vars[args[0].slice(0, eq)] = args[0].slice(eq + 1);
    args = args.slice(1);
  }
  if (!args.length) return printenv({ ...p, argv: ['printenv'], env: vars });
  const child = { ...p, argv: args, env: vars };
  const program = findProgram(args[0], child);
  return program ? program(child) : { stdout: Buffer.alloc(0), stderr: Buffer.from(`env: can't execute '${args[0]}': No such file or directory\n`), exitCode: 127 };
};

APPLETS.set('env', env);
const shell = shellCommand((name, p) => findProgram(name, p));
for (const name of ['sh', 'ash', 'bash']) APPLETS.set(name, shell);

/** Programs only some images have (App.programs names them). */
const IMAGE_PROGRAMS = new Map<string, Command>(Object.entries({ perl }));

/**
 * The program a command name runs: a bare name through PATH, a path when that file exists and
 * names an applet or a program of the image; else the image's foreign program, if it has one.
 */
export function findProgram(name: string, p: Process): Command | undefined {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const found = () => APPLETS.get(base) ?? (p.ctx.programs?.includes(base) ? IMAGE_PROGRAMS.get(base) : undefined);
  if (!name.includes('/')) return found() ?? p.ctx.foreign;
  const inPath = PATH_DIRS.some((d) => name === `${d}/${base}`);
  return ((inPath || p.fs.exists(name, p.cwd)) ? found() : undefined) ?? p.ctx.foreign;
}

/** The names of every applet, for /bin. */
export const APPLET_NAMES = [...APPLETS.keys()].sort();
