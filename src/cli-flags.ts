// The command line's flags as data: each command declares its flags once (type, default, one-line
// meaning), and the same table parses the arguments, prints --help and suggests the nearest flag
// for a mistyped one. Parsing is node:util's parseArgs; nothing here knows a particular command.
import { parseArgs } from 'node:util';

export interface FlagSpec {
  type: 'string' | 'boolean';
  /** What the flag is when not given; shown in --help. */
  default?: string | boolean;
  /** What a string flag's value is, as --help names it: `--port number`. */
  value?: string;
  help: string;
  /** Other names for the same flag, as kube-apiserver, k3s or etcd call it (`bind-address`). */
  aliases?: string[];
  /** A one-letter form (`-v 4`). */
  short?: string;
}

export type FlagTable = Record<string, FlagSpec>;

/** What a person typed wrong: printed with the command's usage line, exit code 1. */
export class UsageError extends Error {}

export interface CommandSpec<F extends FlagTable> {
  /** `tinykube serve` */
  name: string;
  /** One line: what the command does. */
  purpose: string;
  /** After the name: `[flags]`, `save|restore FILE [flags]`. */
  usage: string;
  flags: F;
}

/** Parsed values: booleans, strings where a default is declared, else strings that may be absent. */
type Values<F extends FlagTable> = { [K in keyof F]: F[K]['type'] extends 'boolean' ? boolean : F[K] extends { default: string } ? string : string | undefined };

/** The environment variable that sets a flag: TINYKUBE_NODE_CPU for --node-cpu. */
export function envName(flag: string): string {
  return `TINYKUBE_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * Parses `args` by the command's table. A flag's value is the one given (under its name or an
 * alias), else its TINYKUBE_* environment variable, else its default. `--help` (or `-h`) is
 * always accepted and reported.
 */
export function parseFlags<F extends FlagTable>(command: CommandSpec<F>, args: string[], env: NodeJS.ProcessEnv = process.env): { values: Values<F>; positionals: string[]; help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, f] of Object.entries(command.flags)) {
    options[name] = { type: f.type, ...(f.short ? { short: f.short } : {}) };
    for (const alias of f.aliases ?? []) options[alias] = { type: f.type };
  }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw usageError(e, command);
  }
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, f] of Object.entries(command.flags)) {
    const given = [name, ...(f.aliases ?? [])].filter((n) => parsed.values[n] !== undefined);
    if (given.length > 1 && new Set(given.map((n) => parsed.values[n])).size > 1) {
      throw new UsageError(`${given.map((n) => `--${n}`).join(' and ')} are one setting; give it once (see ${command.name} --help)`);
    }
    values[name] = given.length ? parsed.values[given[0]] : fromEnv(name, f, env) ?? f.default;
  }
  return { values: values as Values<F>, positionals: parsed.positionals, help: parsed.values.help === true };
}

function fromEnv(name: string, f: FlagSpec, env: NodeJS.ProcessEnv): string | boolean | undefined {
  const v = env[envName(name)];
  if (v === undefined) return undefined;
  if (f.type === 'string') return v;
  if (/^(1|true)$/i.test(v)) return true;
  if (/^(0|false|)$/i.test(v)) return false;
  throw new UsageError(`${envName(name)} must be true or false, not "${v}"`);
}

const GO_DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A Go duration (time.ParseDuration: `40s`, `1m30s`, `500ms`, `1.5h`, `0`), in milliseconds;
 * undefined when it is not one.
 */
export function parseGoDuration(text: string): number | undefined {
  const sign = text.startsWith('-') || text.startsWith('+') ? text[0] : '';
  const body = text.slice(sign.length);
  if (body === '0') return 0;
  if (body === '') return undefined;
  let total = 0;
  let rest = body;
  while (rest) {
    // µs and μs escaped: the bundle stays ASCII, which src/code-cache.ts reads as one-byte text.
    const part = /^(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/.exec(rest);
    if (!part) return undefined;
    total += Number(part[1]) * GO_DURATION_UNITS[part[2]];
    rest = rest.slice(part[0].length);
  }
  return sign === '-' ? -total : total;
}

/** A duration flag: a Go duration, or (as tinykube's flags once took) a plain number of seconds. */
export function durationFlag(flag: string, text: string): number {
  const ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : parseGoDuration(text);
  if (ms === undefined || ms < 0) throw new UsageError(`--${flag} must be a duration such as 40s, 1m30s or 500ms, not "${text}"`);
  return ms;
}

/** node:util's parse errors in the words of this command, naming the nearest flag for a mistyped one. */
function usageError(e: unknown, command: CommandSpec<FlagTable>): unknown {
  if (!(e instanceof Error && 'code' in e && typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS'))) return e;
  const message = e.message;
  const unknown = /Unknown option '(-{1,2})([^'=]+)/.exec(message);
  if (unknown) {
    const near = nearestFlag(unknown[2], Object.keys(command.flags));
    return new UsageError(`unknown flag ${unknown[1]}${unknown[2]} for "${command.name}"${near ? `; did you mean --${near}?` : ''} (see ${command.name} --help)`);
  }
  const missing = /Option '(--[^ ]+)[^']*' argument missing/.exec(message);
  if (missing) return new UsageError(`flag ${missing[1]} needs a value (see ${command.name} --help)`);
  const positional = /Unexpected argument '([^']+)'/.exec(message);
  if (positional) return new UsageError(`unexpected argument "${positional[1]}" for "${command.name}" (see ${command.name} --help)`);
  return new UsageError(`${message} (see ${command.name} --help)`);
}

/** The known flag closest to `typed` by edit distance, if it is close enough to be a typo. */
export function nearestFlag(typed: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = k.startsWith(typed) || typed.startsWith(k) ? Math.min(1, editDistance(typed, k)) : editDistance(typed, k);
    if (d < bestDistance) { best = k; bestDistance = d; }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(typed.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** --help: the purpose, the usage line, and every flag with its value, meaning and default. */
export function helpText(command: CommandSpec<FlagTable>): string {
  const rows: [string, string][] = [];
  const value = (f: FlagSpec) => (f.type === 'string' ? ` ${f.value ?? 'string'}` : '');
  for (const [name, f] of Object.entries(command.flags)) {
    const shown = f.default === undefined || f.default === false ? '' : f.type === 'boolean' ? ` (default ${f.default})` : ` (default ${JSON.stringify(f.default)})`;
    rows.push([`${f.short ? `  -${f.short}, ` : '      '}--${name}${value(f)}`, `${f.help}${shown}`]);
    for (const alias of f.aliases ?? []) rows.push([`      --${alias}${value(f)}`, `the same as --${name}`]);
  }
  rows.sort(([a], [b]) => a.replace(/^ *(-\w, )?--/, '').localeCompare(b.replace(/^ *(-\w, )?--/, '')));
  rows.push(['  -h, --help', `help for ${command.name.split(' ').pop()}`]);
  const width = Math.max(...rows.map(([l]) => l.length)) + 3;
  return [
    `${command.purpose}`,
    '',
    'Usage:',
    `  ${command.name} ${command.usage}`,
    '',
    'Flags:',
    ...rows.map(([l, r]) => `${l.padEnd(width)}${r}`),
    '',
    ...(Object.keys(command.flags).length > 1 ? [`Each flag can also be set in the environment: ${envName(Object.keys(command.flags).find((n) => n.includes('-')) ?? Object.keys(command.flags)[0])} for --${Object.keys(command.flags).find((n) => n.includes('-')) ?? Object.keys(command.flags)[0]}; a flag given wins.`, ''] : []),
  ].join('\n');
}
