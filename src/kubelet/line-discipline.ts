// A terminal's line discipline as an interactive shell on a container's tty shows it: canonical
// mode with echo, one character at a time. Printable input is echoed and collected; Enter (CR,
// what xterm and kubectl send, or LF) ends the line; erase, kill, interrupt and end-of-file act
// as stty's defaults make them. Escape sequences (arrow keys) are swallowed: no history. Pure.

/** What one character of input did: what the terminal echoes, and the line's end if it ended. */
export interface KeyResult {
  echo: string;
  /** A line typed (without its CR), Ctrl-C dropping the line, or Ctrl-D on an empty line. */
  done?: { line: string } | 'interrupt' | 'eof';
}

const ERASE = '\b \b';

/** The longest line a tty takes in canonical mode (Linux's N_TTY_BUF_SIZE less the newline): more is dropped. */
export const MAX_CANON = 4095;

/** VINTR, VEOF, VKILL and VERASE as stty's defaults have them (^C, ^D, ^U, DEL or ^H). */
const INTR = '\x03', EOF = '\x04', KILL = '\x15', DEL = '\x7f', BS = '\b', ESC = '\x1b';

export class LineDiscipline {
  private line: string[] = [];
  /** Where an escape sequence is: after ESC, inside CSI (`ESC [`) or SS3 (`ESC O`) until the final byte. */
  private escape: 'none' | 'esc' | 'csi' | 'ss3' = 'none';

  /** What is typed so far. */
  get pending(): string { return this.line.join(''); }

  /** One character (a code point) of input. */
  key(c: string): KeyResult {
    if (this.escape !== 'none') return this.inEscape(c);
    switch (c) {
      case '\r': case '\n': return this.finish({ line: this.pending }, '\r\n');
      case INTR: return this.finish('interrupt', '^C\r\n');
      case EOF: return this.line.length ? { echo: '' } : this.finish('eof', '');
      case DEL: case BS:
        if (!this.line.length) return { echo: '' };
        this.line.pop();
        return { echo: ERASE };
      case KILL: {
        const erased = ERASE.repeat(this.line.length);
        this.line = [];
        return { echo: erased };
      }
      case ESC:
        this.escape = 'esc';
        return { echo: '' };
    }
    // Other control characters are not part of a command line a shell would run.
    if ((c < ' ' && c !== '\t') || this.line.length >= MAX_CANON) return { echo: '' };
    this.line.push(c);
    return { echo: c };
  }

  /** Feeds every character of `text`, for tests and pasted input that needs no interleaving. */
  feed(text: string): KeyResult[] {
    return [...text].map((c) => this.key(c));
  }

  private finish(done: NonNullable<KeyResult['done']>, echo: string): KeyResult {
    this.line = [];
    this.escape = 'none';
    return { echo, done };
  }

  private inEscape(c: string): KeyResult {
    if (this.escape === 'esc') this.escape = c === '[' ? 'csi' : c === 'O' ? 'ss3' : 'none';
    // A CSI sequence ends at its final byte (@ to ~); parameters and intermediates come before it.
    else if (this.escape === 'ss3' || (c >= '@' && c <= '~')) this.escape = 'none';
    return { echo: '' };
  }
}

/** Output post-processing (onlcr): every LF goes out as CR LF, as a tty's output does. */
export function onlcr(text: string): string {
  return text.replace(/\n/g, '\r\n');
}
