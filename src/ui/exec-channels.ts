// kube's remotecommand protocol over a websocket, as the browser speaks it: every message's first
// byte names its channel (0 stdin, 1 stdout, 2 stderr, 3 the error channel carrying the outcome
// as a Status, 4 terminal resize; v5 adds 255, a stream's close). The outcome is worded as
// client-go's v4 error decoder words it, which is what kubectl exec prints.
import { isJsonObject } from '../api/json.js';

/** Offered newest first; v4 and v5 both end with a Status carrying the exit code. */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

const encoder = new TextEncoder();

/** A message on `channel`: its number, then the bytes. */
export function frame(channel: number, data: string | Uint8Array): Uint8Array {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  const out = new Uint8Array(bytes.length + 1);
  out[0] = channel;
  out.set(bytes, 1);
  return out;
}

/** The terminal's size, as kube's TerminalSize is sent on the resize channel. */
export function resizeFrame(cols: number, rows: number): Uint8Array {
  return frame(CHANNEL.resize, JSON.stringify({ Width: cols, Height: rows }));
}

/** How an exec ended, from the error channel's Status: undefined for Success, else kubectl's words. */
export function execOutcome(text: string): string | undefined {
  let status: unknown;
  try { status = JSON.parse(text); } catch { return text.trim() || undefined; }
  if (!isJsonObject(status)) return 'error stream protocol error: unknown error';
  if (status.status === 'Success') return undefined;
  if (status.reason === 'NonZeroExitCode') {
    const causes: unknown[] = isJsonObject(status.details) && Array.isArray(status.details.causes) ? status.details.causes : [];
    // A StatusCause's type is serialized as "reason".
    const code = causes.find((c) => isJsonObject(c) && c.reason === 'ExitCode');
    if (isJsonObject(code)) return `command terminated with exit code ${String(code.message)}`;
  }
  return typeof status.message === 'string' ? status.message : 'error stream protocol error: unknown error';
}
