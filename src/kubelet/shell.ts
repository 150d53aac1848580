// The shell of the simulated containers, busybox ash's behaviour for what it runs: `sh -c SCRIPT`
// (or the script on stdin), lists, pipelines (each stage runs to its end before the next starts,
// its output the next one's stdin), redirections to and from the container's filesystem,
// parameter and command substitution, field splitting and globbing, and the builtins that change
// the shell itself (cd, export, unset, exit, exec). Error texts are ash's.
import { arithmetic, ArithmeticError } from './arithmetic.js';
import { byteOrder, FsError, normalize } from './filesystem.js';
import { Collected, EMPTY, failure, result, type Command, type ExecResult, type Process } from './process.js';
import { parseScript, ShellSyntaxError, type Pipeline, type SimpleCommand, type Word } from './shell-parse.js';

/** Finds the program a command name runs (a builtin applet), given the shell's state. */
export type ProgramLookup = (name: string, p: Process) => Command | undefined;

/** Where an fd of a command goes: the pipe or terminal it had, or a file. */
type Sink = { kind: 'out' } | { kind: 'err' } | { kind: 'file'; path: string };

class ExitSignal { constructor(readonly code: number) {} }

/** How deep shells may run shells (a script running itself would otherwise never end). */
const MAX_NESTING = 64;

/** The `sh`/`bash` command: `-c SCRIPT [NAME [ARGS]]`, or a script read from stdin. */
export function shellCommand(lookup: ProgramLookup): Command {
  return async (p) => {
    const args = p.argv.slice(1);
    let script: string;
    let positional: string[] = [p.argv[0]];
    const c = args.findIndex((a) => /^-[a-z]*c[a-z]*$/.test(a));
    if (c >= 0) {
      if (args[c + 1] === undefined) return failure('sh: -c requires an argument\n', 2);
      script = args[c + 1];
      if (args.length > c + 2) positional = args.slice(c + 2);
    } else if (args.length && !args[0].startsWith('-')) {
      try { script = p.fs.readFile(args[0], p.cwd).toString('utf8'); } catch (e) {
        return failure(`${p.argv[0].split('/').pop()}: can't open '${args[0]}': ${message(e)}\n`, 2);
      }
      positional = args;
    } else {
      script = (await p.stdin()).toString('utf8');
    }
    // Only the container's own shell (run by no other program) streams to its log.
    return new Shell(p, lookup, positional, p.depth === 0 ? p.ctx.stream : undefined).run(script, c >= 0);
  };
}

/** A shell reading commands from a terminal: each line runs in the same shell, so cd, variables and exports last. */
export interface LineShell {
  /** Runs one line, its output going to the shell's stream as it is written; `exited` when it ran `exit` or `exec`. */
  runLine(line: string): Promise<{ exitCode: number; exited: boolean }>;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
}

/** An interactive shell as `p` (`sh` with no script), writing what its commands print to `stream`. */
export function lineShell(p: Process, lookup: ProgramLookup, stream: (fd: 1 | 2, data: Buffer) => void): LineShell {
  return new Shell(p, lookup, [p.argv[0]], stream);
}

class Shell implements LineShell {
  cwd: string;
  private status = 0;
  private exited = false;
  private readonly exported: Record<string, string>;
  private readonly locals: Record<string, string> = {};
  private out: Collected;
  private err: Collected;
  private nextPid: number;

  constructor(private readonly p: Process, private readonly lookup: ProgramLookup, private readonly positional: string[], private readonly stream?: (fd: 1 | 2, data: Buffer) => void) {
    this.out = new Collected(stream && ((data) => stream(1, data)));
    this.err = new Collected(stream && ((data) => stream(2, data)));
    this.cwd = p.cwd;
    // ash exports PWD and SHLVL at start, so `env` run from a shell shows them.
    this.exported = { ...p.env, PWD: p.cwd, SHLVL: String(Number(p.env.SHLVL ?? 0) + 1) };
    this.nextPid = p.pid + 1;
  }

  get env(): Readonly<Record<string, string>> { return this.exported; }

  async runLine(line: string): Promise<{ exitCode: number; exited: boolean }> {
    // Each line's output is new: nothing of earlier lines is kept.
    const stream = this.stream;
    this.out = new Collected(stream && ((data) => stream(1, data)));
    this.err = new Collected(stream && ((data) => stream(2, data)));
    const r = await this.run(line, true);
    return { exitCode: r.exitCode, exited: this.exited };
  }

  async run(script: string, fromArgument: boolean): Promise<ExecResult> {
    let parsed;
    try {
      parsed = parseScript(script);
    } catch (e) {
      if (!(e instanceof ShellSyntaxError)) throw e;
      this.err.add(Buffer.from(`sh: ${fromArgument ? '' : 'line 1: '}${e.message}\n`));
      this.status = 2;
      return result(this.out.bytes(), this.err.bytes(), 2);
    }
    // ash runs a script's only simple command in the shell's own process (ps shows it as that pid).
    const single = parsed.length === 1 && !parsed[0].rest.length && parsed[0].first.commands.length === 1 && !parsed[0].first.negated;
    try {
      for (const list of parsed) {
        let status = await this.pipeline(list.first, single);
        for (const { op, pipeline } of list.rest) {
          if ((op === '&&') === (status === 0)) status = await this.pipeline(pipeline, false);
        }
        this.status = status;
      }
    } catch (e) {
      if (!(e instanceof ExitSignal)) throw e;
      this.status = e.code;
      this.exited = true;
    }
    return result(this.out.bytes(), this.err.bytes(), this.status);
  }

  private async pipeline(pipeline: Pipeline, inPlace: boolean): Promise<number> {
    let input: (() => Promise<Buffer>) | undefined;
    let status = 0;
    for (const [i, command] of pipeline.commands.entries()) {
      const last = i === pipeline.commands.length - 1;
      const out = new Collected();
      status = await this.simple(command, input ?? this.p.stdin, last ? this.out : out, inPlace);
      const piped = out.bytes();
      input = async () => piped;
    }
    this.status = pipeline.negated ? Number(status === 0) : status;
    return this.status;
  }

  private async simple(command: SimpleCommand, stdin: () => Promise<Buffer>, out: Collected, inPlace: boolean): Promise<number> {
    const argv: string[] = [];
    for (const word of command.words) argv.push(...(await this.expand(word)));
    const assigned: Record<string, string> = {};
    for (const { name, value } of command.assignments) assigned[name] = (await this.expand(value, false)).join('');
    const sinks: Sink[] = [{ kind: 'out' }, { kind: 'out' }, { kind: 'err' }];
    let input = stdin;
    for (const redirect of command.redirects) {
      const target = (await this.expand(redirect.target, false)).join('');
      const opened = this.open(redirect.op, target, redirect.fd, sinks);
      if (typeof opened === 'string') { this.err.add(Buffer.from(`sh: ${opened}\n`)); return 1; }
      if (opened) input = async () => opened;
    }
    if (!argv.length) {
      Object.assign(this.variableScope(Object.keys(assigned)), assigned);
      return 0;
    }
    const r = await this.execute(argv, assigned, input, inPlace);
    for (const [fd, data] of [[1, r.stdout], [2, r.stderr]] as const) {
      if (!data.length) continue;
      const sink = sinks[fd];
      try {
        if (sink.kind === 'file') this.p.fs.writeFile(sink.path, data, this.cwd, { append: true });
        else if (!(sink.kind === 'out' ? out : this.err).add(data)) throw new Error('File too large');
      } catch (e) {
        this.err.add(Buffer.from(`${argv[0]}: write error: ${message(e)}\n`));
        return 1;
      }
    }
    return r.exitCode;
  }

  /** Applies one redirection to `sinks`; a file read for stdin is returned, an error as its message. */
  private open(op: '<' | '>' | '>>' | '>&' | '<&', target: string, fd: number, sinks: Sink[]): Buffer | string | undefined {
    if (op === '>&' || op === '<&') {
      if (target === '-') return undefined;
      const from = Number(target);
      if (!/^\d+$/.test(target) || !sinks[from]) return `${target}: bad file descriptor`;
      if (fd > 0) sinks[fd] = sinks[from];
      return undefined;
    }
    if (op === '<') {
      try {
        const data = this.p.fs.readFile(target, this.cwd);
        return fd === 0 ? data : undefined;
      } catch (e) {
        return `can't open '${target}': ${message(e)}`;
      }
    }
    try {
      if (op === '>') this.p.fs.writeFile(target, EMPTY, this.cwd);
      else if (!this.p.fs.exists(target, this.cwd)) this.p.fs.writeFile(target, EMPTY, this.cwd);
    } catch (e) {
      return `can't create ${target}: ${e instanceof FsError && e.code === 'ENOENT' ? 'nonexistent directory' : message(e)}`;
    }
    if (fd <= 2) sinks[fd] = { kind: 'file', path: normalize(target, this.cwd) };
    return undefined;
  }

  /** Runs a builtin of the shell itself, or a program as a child process. */
  private async execute(argv: string[], assigned: Record<string, string>, stdin: () => Promise<Buffer>, inPlace: boolean): Promise<ExecResult> {
    const [name, ...args] = argv;
    switch (name) {
      case 'cd': {
        const dir = args[0] ?? this.exported.HOME ?? this.locals.HOME ?? '/';
        const target = dir === '-' ? this.exported.OLDPWD ?? this.cwd : dir;
        try {
          const resolved = this.p.fs.realpath(target, this.cwd);
          if (this.p.fs.lookup(resolved).kind !== 'dir') throw new FsError('ENOTDIR');
          this.exported.OLDPWD = this.cwd;
          this.cwd = resolved;
          this.exported.PWD = resolved;
        } catch (e) {
          return failure(`sh: cd: can't cd to ${target}: ${message(e)}\n`, 2);
        }
        return result(dir === '-' ? `${this.cwd}\n` : EMPTY);
      }
      case 'export':
        for (const a of args) {
          const eq = a.indexOf('=');
          const key = eq < 0 ? a : a.slice(0, eq);
          this.exported[key] = eq < 0 ? this.locals[key] ?? this.exported[key] ?? '' : a.slice(eq + 1);
          delete this.locals[key];
        }
        return result();
      case 'unset':
        for (const a of args) { delete this.exported[a]; delete this.locals[a]; }
        return result();
      case 'exit': {
        const code = args[0] === undefined ? this.status : Number(args[0]);
        if (!Number.isInteger(code)) {
          this.err.add(Buffer.from(`sh: exit: Illegal number: ${args[0]}\n`));
          throw new ExitSignal(2);
        }
        throw new ExitSignal(code & 0xff);
      }
      case ':': case 'set': return result();
      case 'exec': {
        if (!args.length) return result();
        const r = await this.execute(args, assigned, stdin, true);
        this.out.add(r.stdout);
        this.err.add(r.stderr);
        throw new ExitSignal(r.exitCode);
      }
    }
    const child: Process = {
      ...this.p, argv, stdin, cwd: this.cwd,
      env: { ...this.exported, ...assigned },
      pid: inPlace ? this.p.pid : this.nextPid++, depth: this.p.depth + 1,
      running: inPlace ? this.p.running : [...this.p.running, { pid: this.p.pid, command: this.p.argv.join(' ') }],
    };
    if (child.depth > MAX_NESTING) return failure("sh: can't fork: Resource temporarily unavailable\n", 2);
    const program = this.lookup(name, child);
    if (!program) return failure(`sh: ${name}: not found\n`, 127);
    return program(child);
  }

  private variableScope(names: string[]): Record<string, string> {
    return names.every((n) => n in this.exported) ? this.exported : this.locals;
  }

  private parameter(name: string): string | undefined {
    switch (name) {
      case '?': return String(this.status);
      case '$': return String(this.p.pid);
      case '#': return String(Math.max(0, this.positional.length - 1));
      case '@': case '*': return this.positional.slice(1).join(' ');
      case '!': case '-': return '';
    }
    if (/^\d$/.test(name)) return this.positional[Number(name)];
    return this.locals[name] ?? this.exported[name];
  }

  /** A word's fields: parameters and command output substituted, unquoted results split on blanks, unquoted patterns globbed. */
  private async expand(word: Word, split = true): Promise<string[]> {
    const fields: { text: string; pattern: string; glob: boolean }[] = [];
    let current: { text: string; pattern: string; glob: boolean } | undefined;
    const add = (text: string, quoted: boolean) => {
      current ??= { text: '', pattern: '', glob: false };
      current.text += text;
      current.pattern += quoted ? text.replace(/[*?[\\]/g, '\\$&') : text;
      if (!quoted && /[*?[]/.test(text)) current.glob = true;
    };
    const addExpansion = (value: string, quoted: boolean) => {
      if (quoted || !split) { add(value, true); return; }
      const pieces = value.split(/[ \t\n]+/);
      pieces.forEach((piece, i) => {
        if (i > 0 && current) { fields.push(current); current = undefined; }
        if (piece) add(piece, false);
      });
    };
    for (const part of word) {
      if (part.kind === 'text') add(part.text, part.quoted);
      else if (part.kind === 'param') {
        const value = this.parameter(part.name);
        if ((value === undefined || value === '') && part.fallback) addExpansion((await this.expand(part.fallback, false)).join(''), part.quoted);
        else addExpansion(value ?? '', part.quoted);
        if (part.quoted) current ??= { text: '', pattern: '', glob: false };
      } else if (/^\(.*\)$/s.test(part.script)) {
        // `$((EXPR))` reaches here as `$(` around `(EXPR)`: arithmetic, as the shell has no `( )` subshells.
        addExpansion(this.arithmetic(part.script.slice(1, -1)), part.quoted);
      } else {
        const sub = await new Shell({ ...this.p, cwd: this.cwd, env: this.exported, pid: this.nextPid++ }, this.lookup, this.positional).run(part.script, true);
        this.err.add(sub.stderr);
        this.status = sub.exitCode;
        addExpansion(sub.stdout.toString('utf8').replace(/\n+$/, ''), part.quoted);
        if (part.quoted) current ??= { text: '', pattern: '', glob: false };
      }
    }
    if (current) fields.push(current);
    if (!split) return [fields.map((f) => f.text).join(' ')];
    return fields.flatMap((f) => (f.glob ? this.glob(f.pattern, f.text) : [f.text]));
  }

  /** `$((EXPR))`'s value, parameters in EXPR expanded first; an error is reported and expands to nothing. */
  private arithmetic(expr: string): string {
    const expanded = expr.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*|[0-9?$#])\}?/g, (_m, name: string) => this.parameter(name) ?? '');
    try {
      return String(arithmetic(expanded, (name) => this.parameter(name)));
    } catch (e) {
      if (!(e instanceof ArithmeticError)) throw e;
      this.err.add(Buffer.from(`sh: ${e.message}\n`));
      this.status = 2;
      return '';
    }
  }

  /** Pathname expansion: the sorted paths matching `pattern`, or the word itself when none do. */
  private glob(pattern: string, text: string): string[] {
    const absolute = pattern.startsWith('/');
    let matches = [absolute ? '/' : ''];
    for (const segment of pattern.split('/').filter(Boolean)) {
      const literal = !/(^|[^\\])[*?[]/.test(segment);
      const next: string[] = [];
      for (const base of matches) {
        const join = (name: string) => (base === '' ? name : base === '/' ? `/${name}` : `${base}/${name}`);
        if (literal) {
          const name = segment.replace(/\\(.)/g, '$1');
          if (this.p.fs.exists(join(name), this.cwd)) next.push(join(name));
          continue;
        }
        let names: string[];
        try { names = this.p.fs.readdir(base || '.', this.cwd); } catch { continue; }
        const re = globRegExp(segment);
        for (const name of names) if (re.test(name) && (!name.startsWith('.') || segment.startsWith('.'))) next.push(join(name));
      }
      matches = next;
    }
    return matches.length && matches[0] !== '' ? matches.sort(byteOrder) : [text];
  }
}

function globRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '\\') re += (segment[++i] ?? '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) { re += '\\['; continue; }
      re += `[${segment.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
      i = close;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
