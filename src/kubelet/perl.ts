// The `perl` of images that have it (the perl image), enough for one-liners that print: the
// kubernetes.io Job example `perl -Mbignum=bpi -wle 'print bpi(2000)'`, `perl -e 'print "x\n"'`,
// and the image's default `perl -de0`, which ends at once with stdin at EOF. Anything else is
// refused on stderr rather than run wrongly.
import { piDigits } from './pi.js';
import { failure, result, type Command } from './process.js';

/** What perl's switches before the program set. */
interface Switches { code?: string; newline: boolean; modules: string[]; debugger: boolean }

function readSwitches(args: string[]): Switches | string {
  const s: Switches = { newline: false, modules: [], debugger: false };
  for (let i = 0; i < args.length && s.code === undefined; i++) {
    const a = args[i];
    if (!a.startsWith('-') || a === '-') return 'the simulated perl runs only -e programs';
    // Clustered switches: -wle CODE, -de0, -Mbignum=bpi.
    for (let j = 1; j < a.length; j++) {
      const f = a[j];
      if (f === 'w') continue;
      if (f === 'l') { s.newline = true; continue; }
      if (f === 'd') { s.debugger = true; continue; }
      if (f === 'M' || f === 'm') { s.modules.push(a.slice(j + 1) || (args[++i] ?? '')); break; }
      if (f === 'e' || f === 'E') { s.code = a.slice(j + 1) || (args[++i] ?? ''); break; }
      return `Unrecognized switch: -${a.slice(j)}  (-h will show valid options).`;
    }
  }
  return s;
}

const PERL_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', $: '$', '@': '@', e: '\x1b', a: '\x07', '0': '\0' };

/** The value of one print argument, or an error as perl words it. */
function value(expr: string, s: Switches): { ok: string } | { error: string } {
  const e = expr.trim();
  let m = /^"((?:[^"\\]|\\.)*)"$/s.exec(e);
  if (m) return { ok: m[1].replace(/\\(.)/gs, (_, c: string) => PERL_ESCAPES[c] ?? c) };
  m = /^'((?:[^'\\]|\\.)*)'$/s.exec(e);
  if (m) return { ok: m[1].replace(/\\(['\\])/g, '$1') };
  if (/^-?\d+(\.\d+)?$/.test(e)) return { ok: String(Number(e)) };
  m = /^bpi\s*\(\s*(\d+)\s*\)$/.exec(e);
  if (m) {
    if (!s.modules.some((mod) => /^(bignum|bigrat|bigint|Math::BigFloat)=.*\bbpi\b/.test(mod))) return { error: 'Undefined subroutine &main::bpi called at -e line 1.' };
    return { ok: piDigits(Math.max(1, Number(m[1]))) };
  }
  return { error: `the simulated perl cannot evaluate: ${e}` };
}

/** Splits on `sep` outside quotes. */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) { if (c === '\\') i++; else if (c === quote) quote = ''; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === sep) { parts.push(text.slice(start, i)); start = i + 1; }
  }
  parts.push(text.slice(start));
  return parts;
}

export const perl: Command = (p) => {
  const s = readSwitches(p.argv.slice(1));
  if (typeof s === 'string') return failure(`${s}\n`, 29);
  // The debugger reads its commands from stdin; at EOF it quits.
  if (s.debugger) return result();
  if (s.code === undefined) return failure('the simulated perl runs only -e programs\n', 2);
  let out = '';
  for (const statement of splitOutsideQuotes(s.code, ';').map((t) => t.trim()).filter(Boolean)) {
    const m = /^print\b(.*)$/s.exec(statement);
    if (!m) return failure(`the simulated perl runs only print statements, not: ${statement}\n`, 255);
    let text = '';
    for (const arg of splitOutsideQuotes(m[1].trim().replace(/^\((.*)\)$/s, '$1'), ',')) {
      if (!arg.trim()) continue;
      const v = value(arg, s);
      if ('error' in v) return failure(`${v.error}\n`, 255, out);
      text += v.ok;
    }
    out += s.newline ? `${text}\n` : text;
  }
  return result(out);
};
