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

/** Parses `args` by the command's table; `--help` (or `-h`) is always accepted and reported. */
export function parseFlags<F extends FlagTable>(command: CommandSpec<F>, args: string[]): { values: Values<F>; positionals: string[]; help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; default?: string | boolean; short?: string }> = { help: { type: 'boolean', short: 'h', default: false } };
  for (const [name, f] of Object.entries(command.flags)) options[name] = { type: f.type, ...(f.default !== undefined ? { default: f.default } : {}) };
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    const { help, ...rest } = values as Record<string, string | boolean | undefined>;
    return { values: rest as Values<F>, positionals, help: help === true };
  } catch (e) {
    throw usageError(e, command);
  }
}

/** node:util's parse errors in the words of this command, naming the nearest flag for a mistyped one. */
function usageError(e: unknown, command: CommandSpec<FlagTable>): unknown {
  const code = (e as { code?: string }).code;
  if (!code?.startsWith('ERR_PARSE_ARGS')) return e;
  const message = (e as Error).message;
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
  const rows = Object.entries(command.flags).sort(([a], [b]) => a.localeCompare(b)).map(([name, f]) => {
    const left = `      --${name}${f.type === 'string' ? ` ${f.value ?? 'string'}` : ''}`;
    const shown = f.default === undefined || f.default === false ? '' : f.type === 'boolean' ? ` (default ${f.default})` : ` (default ${JSON.stringify(f.default)})`;
    return [left, `${f.help}${shown}`] as const;
  });
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
  ].join('\n');
}
