// The object panel's Terminal tab for a pod: `kubectl exec -it <pod> -- sh` in the page. xterm.js
// draws the terminal; the exec subresource's websocket (kube's channel protocol, exec-channels.ts)
// carries keystrokes to the shell, its output back, and the terminal's size whenever it is fitted.
// When the shell ends, the outcome from the error channel is shown with a Reconnect button.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal, type ITheme } from '@xterm/xterm';
import type { Pod } from '../api/objects.js';
import { h, setText } from './dom.js';
import { CHANNEL, EXEC_PROTOCOLS, execOutcome, frame, resizeFrame } from './exec-channels.js';
import { ContainerPicker, containerNames, containerStatus, defaultContainer, isPod } from './pod-containers.js';
import { objectPath, type ObjectRef, type ObjectTab, type UiContext } from './shell.js';

/** The terminal's colours from the page's theme variables, so it follows light and dark. */
function theme(): ITheme {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string) => css.getPropertyValue(name).trim() || undefined;
  return { background: v('--panel'), foreground: v('--text'), cursor: v('--accent'), cursorAccent: v('--panel') };
}

class TerminalPane {
  private readonly picker: ContainerPicker;
  private readonly reconnect: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly term: Terminal;
  private readonly fit = new FitAddon();
  private readonly decoder = new TextDecoder();
  private container = '';
  private ws?: WebSocket;

  constructor(root: HTMLElement, private readonly ref: ObjectRef, private readonly ctx: UiContext) {
    this.picker = new ContainerPicker('terminal-container', (name) => { this.container = name; this.connect(); });
    this.reconnect = h('button', { type: 'button', hidden: '' }, 'Reconnect');
    this.reconnect.addEventListener('click', () => this.connect());
    this.status = h('p', { class: 'terminal-status', role: 'status' });
    const host = h('div', { class: 'terminal-host' });
    root.append(h('div', { class: 'terminal-tab' }, h('div', { class: 'tab-toolbar' }, this.picker.el, this.reconnect), this.status, host));

    this.term = new Terminal({ cursorBlink: true, fontSize: 13, fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace', theme: theme() });
    this.term.loadAddon(this.fit);
    this.term.open(host);
    this.term.onData((data) => this.send(frame(CHANNEL.stdin, data)));
    this.term.onResize(({ cols, rows }) => this.send(resizeFrame(cols, rows)));
    // ResizeObserver reports at most once a frame: the panel resized, the window, the first layout.
    const resized = new ResizeObserver(() => { if (host.clientWidth > 0) this.fit.fit(); });
    resized.observe(host);
    const dark = matchMedia('(prefers-color-scheme: dark)');
    const retheme = () => { this.term.options.theme = theme(); };
    dark.addEventListener('change', retheme);
    ctx.signal.addEventListener('abort', () => {
      this.ws?.close(1000);
      resized.disconnect();
      dark.removeEventListener('change', retheme);
      this.term.dispose();
    }, { once: true });
    void this.start();
  }

  private say(text: string, error = false): void {
    setText(this.status, text);
    this.status.classList.toggle('error', error);
  }

  private send(message: Uint8Array): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(message);
  }

  private async pod(): Promise<Pod | undefined> {
    try {
      const pod = await this.ctx.api.get(objectPath(this.ref), this.ctx.signal);
      return isPod(pod) ? pod : undefined;
    } catch (e) {
      if (!this.ctx.signal.aborted) this.say(e instanceof Error ? e.message : String(e), true);
      return undefined;
    }
  }

  private async start(): Promise<void> {
    const pod = await this.pod();
    if (!pod) return;
    this.container = defaultContainer(pod);
    this.picker.update(containerNames(pod), this.container);
    this.connect();
  }

  private connect(): void {
    this.ws?.close(1000);
    this.term.reset();
    this.reconnect.hidden = true;
    this.say(`Connecting to ${this.container}…`);
    const query = new URLSearchParams({ container: this.container, command: 'sh', stdin: 'true', stdout: 'true', tty: 'true' });
    const ws = this.ctx.api.websocket(`${objectPath(this.ref, 'exec')}?${query}`, EXEC_PROTOCOLS);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    let opened = false;
    let ended = false;
    ws.addEventListener('open', () => {
      opened = true;
      this.say(`Connected: sh in container ${this.container}.`);
      this.fit.fit();
      // The shell waits for the size of a tty before it starts; send it even when fit changed nothing.
      this.send(resizeFrame(this.term.cols, this.term.rows));
      this.term.focus();
    });
    ws.addEventListener('message', (e) => {
      if (ws !== this.ws || !(e.data instanceof ArrayBuffer)) return;
      const bytes = new Uint8Array(e.data);
      const payload = bytes.subarray(1);
      if (bytes[0] === CHANNEL.stdout || bytes[0] === CHANNEL.stderr) this.term.write(payload);
      else if (bytes[0] === CHANNEL.error) {
        ended = true;
        this.ended(execOutcome(this.decoder.decode(payload)) ?? 'Session ended.', false);
      }
    });
    ws.addEventListener('close', (e) => {
      if (ws !== this.ws || ended || this.ctx.signal.aborted) return;
      if (opened) this.ended(`The connection closed (${e.code}${e.reason ? `: ${e.reason}` : ''}).`, true);
      else void this.refused();
    });
  }

  /** A websocket refused at the upgrade tells the page nothing; the pod says why when it is not started. */
  private async refused(): Promise<void> {
    const pod = await this.pod();
    const waiting = pod && containerStatus(pod, this.container)?.state?.waiting;
    // kube's words for exec into a container not started yet.
    this.ended(waiting ? `container "${this.container}" in pod "${this.ref.name}" is waiting to start: ${waiting.reason ?? 'ContainerCreating'}`
      : 'The exec session could not be opened: the server refused the connection.', true);
  }

  private ended(text: string, error: boolean): void {
    this.term.write(`\r\n${text}\r\n`);
    this.say(text, error);
    this.reconnect.hidden = false;
  }
}

export const TERMINAL_TAB: ObjectTab = {
  id: 'terminal',
  title: 'Terminal',
  appliesTo: (ref) => ref.group === '' && ref.resource === 'pods',
  mount(root, ref, ctx) { new TerminalPane(root, ref, ctx); },
};
