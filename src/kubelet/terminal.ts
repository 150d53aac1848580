// An interactive shell on a terminal, as `kubectl exec -it POD -- sh` gets one: a prompt, what is
// typed echoed by the line discipline (line-discipline.ts), each line run when Enter ends it in
// one shell that keeps its working directory and variables, and its output, stdout and stderr
// merged as a tty merges them, written as it is printed with LF sent as CR LF. `exit` or Ctrl-D
// ends the session with the shell's exit code; Ctrl-C interrupts a running command's sleeps.
import { StringDecoder } from 'node:string_decoder';
import { seededFileSystem } from './container-files.js';
import { LineDiscipline, onlcr } from './line-discipline.js';
import { EMPTY, type ExecContext, type Process } from './process.js';
import { findProgram } from './programs.js';
import { lineShell, type LineShell } from './shell.js';
import { prompt, type ShellFlavor } from './shell-prompt.js';
import { Sleeps } from './sleeps.js';

/** The pid an exec's first process gets, as runCommand gives it (the container's own processes hold the ones below). */
const SHELL_PID = 7;

/** What typed input is held while a command runs (a tty's input queue is smaller still): more is dropped. */
const MAX_TYPEAHEAD = 64 * 1024;

/** What a shell prints as it leaves on `exit` or Ctrl-D: bash says so, ash ends the line, dash says nothing. */
const GOODBYE: Record<ShellFlavor, { exit: string; eof: string }> = {
  ash: { exit: '', eof: '\r\n' },
  dash: { exit: '', eof: '' },
  bash: { exit: 'exit\r\n', eof: 'exit\r\n' },
};

export interface TerminalOptions {
  /** The exec's command (`sh`, `/bin/bash`...), as `ps` shows the shell. */
  argv: string[];
  ctx: ExecContext;
  flavor: ShellFlavor;
  /** Bytes for the client's terminal (the stdout stream: a tty has no other). */
  write: (data: Buffer) => void;
  /** The shell ended, with its exit code. */
  exit: (code: number) => void;
}

export class TerminalSession {
  private readonly discipline = new LineDiscipline();
  private readonly decoder = new StringDecoder('utf8');
  private readonly shell: LineShell;
  /** Input not read yet: typed while a command ran, or before the first prompt. */
  private queue = '';
  /** A line is running, or the first prompt is not shown yet: input waits in the queue. */
  private busy = true;
  private inputEnded = false;
  private ended = false;
  /** Counts lines run and interrupted, so a line's end after Ctrl-C abandoned it is ignored. */
  private generation = 0;
  /** The sleeps of the line running; Ctrl-C cancels them, and the line with them. */
  private sleeps = new Sleeps();
  private output = '';

  constructor(private readonly o: TerminalOptions) {
    const ctx: ExecContext = { ...o.ctx, sleep: (ms) => this.sleeps.sleep(ms) };
    const fs = ctx.files ?? seededFileSystem({ name: ctx.podName, namespace: 'default' }, {}, ctx.now);
    // What a command reads from the terminal is not simulated: it reads an empty stdin.
    const process: Process = { argv: o.argv, env: ctx.env, cwd: '/', fs, ctx, stdin: async () => EMPTY, pid: SHELL_PID, running: [], depth: 0 };
    // Output comes only while a line runs: a line Ctrl-C abandoned says nothing more at the prompt.
    this.shell = lineShell(process, findProgram, (_fd, data) => {
      if (!this.ended && this.busy) this.write(onlcr(data.toString('utf8')));
    });
  }

  /** Shows the first prompt and reads what was typed before it. */
  start(): void {
    if (this.ended) return;
    this.busy = false;
    this.write(this.prompt());
    this.pump();
  }

  /** What the client typed (bytes on the stdin stream). */
  input(chunk: Buffer): void {
    if (this.ended) return;
    let text = this.decoder.write(chunk);
    const intr = this.busy && this.generation > 0 ? text.indexOf('\x03') : -1;
    if (intr >= 0) {
      this.interrupt();
      text = text.slice(intr + 1);
    }
    this.queue += text.slice(0, Math.max(0, MAX_TYPEAHEAD - this.queue.length));
    this.pump();
  }

  /** The client's stdin ended: the shell reads end-of-file once it has read what came before. */
  endInput(): void {
    this.inputEnded = true;
    this.pump();
  }

  /** The client went away: nothing more runs. */
  close(): void {
    this.ended = true;
    this.sleeps.cancel();
  }

  /** Output waits for the end of this turn, so a paste's echo goes out in one message, not one per key. */
  private write(text: string): void {
    if (!text) return;
    if (!this.output) queueMicrotask(() => this.flush());
    this.output += text;
  }

  private flush(): void {
    const text = this.output;
    this.output = '';
    if (text && !this.ended) this.o.write(Buffer.from(text, 'utf8'));
  }

  private prompt(): string {
    return prompt(this.o.flavor, { cwd: this.shell.cwd, home: this.shell.env.HOME, hostname: this.o.ctx.podName });
  }

  /** Reads queued input a character at a time until a line starts running or the queue is empty. */
  private pump(): void {
    let pos = 0;
    while (!this.busy && !this.ended && pos < this.queue.length) {
      const c = String.fromCodePoint(this.queue.codePointAt(pos) ?? 0);
      pos += c.length;
      const { echo, done } = this.discipline.key(c);
      this.write(echo);
      if (done === 'interrupt') this.write(this.prompt());
      else if (done === 'eof') this.leave('eof');
      else if (done) this.run(done.line);
    }
    this.queue = this.queue.slice(pos);
    if (!this.busy && !this.ended && !this.queue && this.inputEnded) this.leave('eof');
  }

  private run(line: string): void {
    if (!line.trim()) { this.write(this.prompt()); return; }
    this.busy = true;
    const generation = ++this.generation;
    const ran = this.shell.runLine(line).catch((e: unknown) => {
      // A command's bug ends that command, as a crashed process would, not the session.
      this.write(onlcr(`sh: ${e instanceof Error ? e.message : String(e)}\n`));
      return { exitCode: 139, exited: false };
    });
    void ran.then(({ exitCode, exited }) => {
      if (this.ended || generation !== this.generation) return;
      this.busy = false;
      if (exited) { this.finish(exitCode, GOODBYE[this.o.flavor].exit); return; }
      this.write(this.prompt());
      this.pump();
    });
  }

  /** Ctrl-C while a line runs: the tty echoes ^C and drops typeahead, the command dies, the shell prompts again. */
  private interrupt(): void {
    this.generation++;
    this.sleeps.cancel();
    this.sleeps = new Sleeps();
    this.queue = '';
    this.busy = false;
    this.write(`^C\r\n${this.prompt()}`);
  }

  /** End of input: the shell leaves as `exit` would, with the last command's status. */
  private leave(how: 'eof'): void {
    this.busy = true;
    const generation = ++this.generation;
    void this.shell.runLine('exit').then(({ exitCode }) => {
      if (!this.ended && generation === this.generation) this.finish(exitCode, GOODBYE[this.o.flavor][how]);
    });
  }

  private finish(code: number, goodbye: string): void {
    this.write(goodbye);
    this.flush();
    this.close();
    this.o.exit(code);
  }
}
