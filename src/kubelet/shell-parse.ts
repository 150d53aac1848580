// The grammar of the small POSIX shell the simulated containers run (`sh -c SCRIPT`), as busybox
// ash reads it: lists with `;` and newlines, `&&` and `||`, pipelines with `!`, simple commands
// with assignments, words of quoted and unquoted parts, `$VAR`, `${VAR}`, `$(...)` and backquotes,
// and redirections `<`, `>`, `>>`, `N>&M`. Pure: text in, a syntax tree or a SyntaxError out.

/** One piece of a word: text (quoted text is never split or globbed), a parameter, or a command's output. */
export type Part =
  | { kind: 'text'; text: string; quoted: boolean }
  | { kind: 'param'; name: string; quoted: boolean; fallback?: Word }
  | { kind: 'command'; script: string; quoted: boolean };
export type Word = Part[];

export interface Redirect { fd: number; op: '<' | '>' | '>>' | '>&' | '<&'; target: Word }
export interface SimpleCommand { assignments: { name: string; value: Word }[]; words: Word[]; redirects: Redirect[] }
export interface Pipeline { negated: boolean; commands: SimpleCommand[] }
export interface AndOr { first: Pipeline; rest: { op: '&&' | '||'; pipeline: Pipeline }[] }
export type Script = AndOr[];

export class ShellSyntaxError extends Error {}

const OPERATORS = ['&&', '||', ';;', '>>', '>&', '<&', '|', ';', '&', '<', '>', '\n', '(', ')'];
type Token = { kind: 'word'; word: Word; raw: string } | { kind: 'op'; op: string; fd?: number };

export function parseScript(text: string): Script {
  const tokens = tokenize(text);
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const isOp = (t: Token | undefined, ...ops: string[]): boolean => t?.kind === 'op' && ops.includes(t.op);
  const unexpected = (t: Token | undefined): never => {
    throw new ShellSyntaxError(t ? `syntax error: unexpected "${t.kind === 'op' ? (t.op === '\n' ? 'newline' : t.op) : t.raw}"` : 'syntax error: unexpected end of file');
  };

  function simple(): SimpleCommand {
    const command: SimpleCommand = { assignments: [], words: [], redirects: [] };
    for (let t = peek(); t; t = peek()) {
      if (t.kind === 'op' && ['<', '>', '>>', '>&', '<&'].includes(t.op)) {
        at++;
        const target = peek();
        if (target?.kind !== 'word') return unexpected(target);
        at++;
        const op = t.op === '<' || t.op === '>' || t.op === '>>' || t.op === '>&' || t.op === '<&' ? t.op : '>';
        command.redirects.push({ fd: t.fd ?? (op.startsWith('<') ? 0 : 1), op, target: target.word });
        continue;
      }
      if (t.kind !== 'word') break;
      at++;
      const assignment = !command.words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.exec(t.raw);
      if (assignment && t.word[0]?.kind === 'text' && !t.word[0].quoted) {
        const name = assignment[0].slice(0, -1);
        const first = t.word[0];
        const value: Word = [{ ...first, text: first.text.slice(name.length + 1) }, ...t.word.slice(1)];
        command.assignments.push({ name, value });
      } else {
        command.words.push(t.word);
      }
    }
    if (!command.words.length && !command.assignments.length && !command.redirects.length) unexpected(peek());
    return command;
  }

  function pipeline(): Pipeline {
    let negated = false;
    const first = peek();
    if (first?.kind === 'word' && first.raw === '!') { negated = true; at++; }
    const commands = [simple()];
    while (isOp(peek(), '|')) {
      at++;
      while (isOp(peek(), '\n')) at++;
      commands.push(simple());
    }
    return { negated, commands };
  }

  const script: Script = [];
  while (at < tokens.length) {
    if (isOp(peek(), ';', '\n', '&')) {
      if (isOp(peek(), ';', '&') && !script.length) unexpected(peek());
      at++;
      continue;
    }
    const list: AndOr = { first: pipeline(), rest: [] };
    for (let t = peek(); isOp(t, '&&', '||'); t = peek()) {
      at++;
      while (isOp(peek(), '\n')) at++;
      list.rest.push({ op: t?.kind === 'op' && t.op === '||' ? '||' : '&&', pipeline: pipeline() });
    }
    script.push(list);
    const next = peek();
    if (next && !isOp(next, ';', '\n', '&')) unexpected(next);
  }
  return script;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t') { i++; continue; }
    if (c === '\\' && text[i + 1] === '\n') { i += 2; continue; }
    if (c === '#') { while (i < text.length && text[i] !== '\n') i++; continue; }
    // A redirection's fd is digits written right before it: `2>&1`.
    const fd = /^(\d+)(?=[<>])/.exec(text.slice(i));
    if (fd) {
      i += fd[1].length;
      const op = OPERATORS.find((o) => text.startsWith(o, i)) ?? '>';
      tokens.push({ kind: 'op', op, fd: Number(fd[1]) });
      i += op.length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      if (op === '(' || op === ')' || op === ';;') throw new ShellSyntaxError(`syntax error: unexpected "${op}"`);
      tokens.push({ kind: 'op', op });
      i += op.length;
      continue;
    }
    const start = i;
    const { word, end } = readWord(text, i);
    tokens.push({ kind: 'word', word, raw: text.slice(start, end) });
    i = end;
  }
  return tokens;
}

/** Reads one word from `start` up to an unquoted blank or operator. */
function readWord(text: string, start: number): { word: Word; end: number } {
  const word: Word = [];
  const addText = (t: string, quoted: boolean) => {
    const last = word[word.length - 1];
    if (last?.kind === 'text' && last.quoted === quoted) last.text += t;
    else word.push({ kind: 'text', text: t, quoted });
  };
  let i = start;
  while (i < text.length && !/[ \t\n;&|<>()]/.test(text[i])) {
    const c = text[i];
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw new ShellSyntaxError('syntax error: unterminated quoted string');
      addText(text.slice(i + 1, close), true);
      i = close + 1;
    } else if (c === '"') {
      i = readDoubleQuoted(text, i + 1, word, addText);
    } else if (c === '\\') {
      addText(text[i + 1] ?? '', true);
      i += 2;
    } else if (c === '$' || c === '`') {
      const expansion = readExpansion(text, i, false);
      if (expansion) { word.push(expansion.part); i = expansion.end; } else { addText('$', false); i++; }
    } else {
      addText(c, false);
      i++;
    }
  }
  return { word, end: i };
}

function readDoubleQuoted(text: string, from: number, word: Word, addText: (t: string, quoted: boolean) => void): number {
  let i = from;
  addText('', true);
  while (i < text.length && text[i] !== '"') {
    const c = text[i];
    if (c === '\\' && '$`"\\\n'.includes(text[i + 1] ?? '')) {
      if (text[i + 1] !== '\n') addText(text[i + 1], true);
      i += 2;
    } else if (c === '$' || c === '`') {
      const expansion = readExpansion(text, i, true);
      if (expansion) { word.push(expansion.part); i = expansion.end; } else { addText('$', true); i++; }
    } else {
      addText(c, true);
      i++;
    }
  }
  if (i >= text.length) throw new ShellSyntaxError('syntax error: unterminated quoted string');
  return i + 1;
}

/** `$NAME`, `${NAME}`, `${NAME:-word}`, `$?` and the like, `$(script)` or `` `script` `` at `i`; none for a lone `$`. */
function readExpansion(text: string, i: number, quoted: boolean): { part: Part; end: number } | undefined {
  if (text[i] === '`') {
    const close = text.indexOf('`', i + 1);
    if (close < 0) throw new ShellSyntaxError('syntax error: unterminated quoted string');
    return { part: { kind: 'command', script: text.slice(i + 1, close), quoted }, end: close + 1 };
  }
  const next = text[i + 1] ?? '';
  if (next === '(') {
    const close = matchingParen(text, i + 2);
    return { part: { kind: 'command', script: text.slice(i + 2, close), quoted }, end: close + 1 };
  }
  if (next === '{') {
    const close = text.indexOf('}', i + 2);
    if (close < 0) throw new ShellSyntaxError('syntax error: missing }');
    const inner = text.slice(i + 2, close);
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9?$#!@*-])(?::?-(.*))?$/s.exec(inner);
    if (!m) throw new ShellSyntaxError(`\${${inner}}: bad substitution`);
    const fallback = m[2] !== undefined ? readWord(m[2].replace(/[ \t]/g, '\\$&'), 0).word : undefined;
    return { part: { kind: 'param', name: m[1], quoted, ...(fallback ? { fallback } : {}) }, end: close + 1 };
  }
  const m = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9?$#!@*-])/.exec(text.slice(i + 1));
  return m ? { part: { kind: 'param', name: m[0], quoted }, end: i + 1 + m[0].length } : undefined;
}

/** The index of the `)` closing a `$(` whose contents start at `from`, skipping quotes and nested parentheses. */
function matchingParen(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === "'") { i = text.indexOf("'", i + 1); if (i < 0) break; continue; }
    if (c === '\\') { i++; continue; }
    if (c === '(') depth++;
    if (c === ')' && --depth === 0) return i;
  }
  throw new ShellSyntaxError('syntax error: unterminated $(');
}
