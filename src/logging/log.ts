// Logs as Kubernetes components write them, so people (and tools) used to reading kube logs can
// follow tinykube's. Two formats, as component-base offers:
//
//   text (klog's):  I1128 16:01:32.150186    1658 scheduler.ts:0] "Pod scheduled" pod="default/web-1" node="node-2"
//                   severity I/W/E, MMDD, local time with microseconds, the pid right-aligned in 7
//                   columns, file:line (tinykube does not look up lines: always 0), the quoted
//                   message, then key=value pairs: strings quoted as Go's strconv.Quote does,
//                   numbers and booleans bare, multi-line strings as klog's `key=<` block.
//   json:           {"ts":1732809692150.186,"caller":"controllers/scheduler.ts:0","msg":"Pod scheduled","v":2,"pod":{"name":"web-1","namespace":"default"},"node":"node-2"}
//                   ts in milliseconds since the epoch (component-base's encoder), `v` the info
//                   message's verbosity (absent on errors), keys in order, an error last as `err`.
//
// Verbosity as kube's -v: a V(n) message is written when n <= the verbosity. Plain info and
// warnings are level 0; errors are always written. A disabled V(n) costs one comparison: callers on
// hot paths check `enabled(n)` before building what they would log.

export type LogFormat = 'text' | 'json';

export interface LoggingOptions {
  /** kube's -v: messages at this level and below are written (default 0). */
  verbosity?: number;
  /** kube's --logging-format: 'text' (klog's, the default) or 'json'. */
  format?: LogFormat;
  /** Where lines go (default process.stderr). */
  stream?: NodeJS.WritableStream;
}

export type LogValues = Record<string, unknown>;

/** A value printed through its toString() in text and toJSON() in JSON, as klog's Stringers and Marshalers. */
export abstract class LogValue {
  abstract toString(): string;
  toJSON(): unknown { return this.toString(); }
}

/** A Go time.Duration: "1.234ms", "215.4µs", "1m30s" in both formats (zap's string duration encoder). */
export class Duration extends LogValue {
  constructor(readonly nanoseconds: number) { super(); }
  static fromMs(ms: number): Duration { return new Duration(Math.round(ms * 1e6)); }
  toString(): string { return formatDuration(this.nanoseconds); }
}

/** klog.KObj: "namespace/name" in text, {"name","namespace"} in JSON. */
export class ObjectRef extends LogValue {
  constructor(readonly name: string, readonly namespace?: string) { super(); }
  toString(): string { return this.namespace ? `${this.namespace}/${this.name}` : this.name; }
  override toJSON(): unknown { return this.namespace ? { name: this.name, namespace: this.namespace } : { name: this.name }; }
}

/** The reference to an object that log lines carry. */
export function kobj(obj: { metadata: { name?: string; namespace?: string } }): ObjectRef {
  return new ObjectRef(obj.metadata.name ?? '', obj.metadata.namespace);
}

export function kref(namespace: string | undefined, name: string): ObjectRef {
  return new ObjectRef(name, namespace);
}

/** Go's Duration.String(), from a whole number of nanoseconds. */
export function formatDuration(ns: number): string {
  ns = Math.round(ns);
  if (ns === 0) return '0s';
  if (ns < 0) return '-' + formatDuration(-ns);
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${fraction(ns, 1e3, 3)}µs`;
  if (ns < 1e9) return `${fraction(ns, 1e6, 6)}ms`;
  const totalSeconds = Math.floor(ns / 1e9);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor(totalSeconds / 60) % 60;
  const seconds = `${totalSeconds % 60}${decimals(ns % 1e9, 9)}s`;
  return hours ? `${hours}h${minutes}m${seconds}` : minutes ? `${minutes}m${seconds}` : seconds;
}

/** `value / unit` with up to `digits` decimals, trailing zeros dropped. */
function fraction(value: number, unit: number, digits: number): string {
  return `${Math.floor(value / unit)}${decimals(value % unit, digits)}`;
}

function decimals(remainder: number, digits: number): string {
  if (!remainder) return '';
  return '.' + String(remainder).padStart(digits, '0').replace(/0+$/, '');
}

const ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };

/** A string quoted as Go's strconv.Quote quotes it (printable Unicode is kept as it is). */
export function goQuote(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x1f"\\\x7f\u2028\u2029]/.test(s)) return `"${s}"`;
  // eslint-disable-next-line no-control-regex
  return `"${s.replace(/[\x00-\x1f"\\\x7f\u2028\u2029]/g, (c) => ESCAPES[c] ?? (c.charCodeAt(0) > 0xff ? `\\u${c.charCodeAt(0).toString(16)}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))}"`;
}

/** One key=value pair as klog's text format writes it, with its leading space. */
function textPair(key: string, value: unknown): string {
  if (typeof value === 'string') return ` ${key}${textString(value)}`;
  if (typeof value === 'number') return ` ${key}=${Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN'}`;
  if (typeof value === 'boolean' || typeof value === 'bigint') return ` ${key}=${value}`;
  if (value === null || value === undefined) return ` ${key}=<nil>`;
  if (value instanceof Error) return ` ${key}${textString(value.message)}`;
  if (value instanceof LogValue) return ` ${key}${textString(value.toString())}`;
  if (Array.isArray(value)) return ` ${key}=[${value.map((v) => (typeof v === 'object' && v !== null && !(v instanceof LogValue) ? JSON.stringify(v) : String(v))).join(' ')}]`;
  return ` ${key}=${JSON.stringify(value)}`;
}

/** `=` and the quoted string, or klog's block for multi-line values. */
function textString(s: string): string {
  if (!s.includes('\n')) return `=${goQuote(s)}`;
  const lines = s.split('\n');
  const endsWithBreak = lines[lines.length - 1] === '';
  if (endsWithBreak) lines.pop();
  return `=<\n${lines.map((l) => `\t${l}\n`).join('')} >`;
}

function jsonValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (value === undefined) return 'null';
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return JSON.stringify(String(value === Infinity ? '+Inf' : value === -Infinity ? '-Inf' : 'NaN'));
  return JSON.stringify(value) ?? 'null';
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** Where a logger's lines go, and which of them. Shared by every logger of one cluster. */
class Output {
  private readonly pid = String(process.pid % 10_000_000).padStart(7, ' ');

  constructor(readonly verbosity: number, readonly format: LogFormat, private readonly stream: NodeJS.WritableStream) {}

  write(severity: 'I' | 'W' | 'E', caller: string, file: string, level: number | undefined, msg: string, values: LogValues | undefined, err: unknown): void {
    const now = performance.timeOrigin + performance.now();
    let line: string;
    if (this.format === 'json') {
      line = `{"ts":${Math.round(now * 1000) / 1000},"caller":${JSON.stringify(`${caller}:0`)},"msg":${JSON.stringify(msg)}`;
      if (level !== undefined) line += `,"v":${level}`;
      if (values) for (const key in values) line += `,${JSON.stringify(key)}:${jsonValue(values[key])}`;
      if (err !== undefined) line += `,"err":${jsonValue(err)}`;
      line += '}\n';
    } else {
      const d = new Date(Math.floor(now));
      const micros = String(Math.floor(now * 1000) % 1_000_000).padStart(6, '0');
      line = `${severity}${pad2(d.getMonth() + 1)}${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${micros} ${this.pid} ${file}:0] ${goQuote(msg)}`;
      // klog's ErrorS puts the error first.
      if (err !== undefined) line += textPair('err', err);
      if (values) for (const key in values) line += textPair(key, values[key]);
      line += '\n';
    }
    this.stream.write(line);
  }
}

/** What V(n) gives: a logger for messages at level n, or one that drops them. */
export interface LevelLogger {
  readonly enabled: boolean;
  info(msg: string, values?: LogValues): void;
}

const DISABLED: LevelLogger = { enabled: false, info() {} };

/**
 * One component's logger (its caller name, e.g. `controllers/scheduler.ts`, shows in each line).
 * `named()` makes another component's logger writing to the same place.
 */
export class Logger {
  private readonly levels: LevelLogger[] = [];
  private readonly file: string;

  /** `output` undefined: nothing but errors is written (and those to stderr): a library's default. */
  constructor(private readonly output: Output | undefined, readonly caller: string) {
    this.file = caller.slice(caller.lastIndexOf('/') + 1);
  }

  get verbosity(): number { return this.output?.verbosity ?? -1; }

  named(caller: string): Logger {
    return new Logger(this.output, caller);
  }

  /** Whether V(level) messages are written: check it before building an expensive message. */
  enabled(level: number): boolean {
    return this.output !== undefined && level <= this.output.verbosity;
  }

  /** kube's klog.V(level): info messages written only at that verbosity or above. */
  V(level: number): LevelLogger {
    const output = this.output;
    if (output === undefined || !this.enabled(level)) return DISABLED;
    let l = this.levels[level];
    if (!l) {
      l = { enabled: true, info: (msg, values) => output.write('I', this.caller, this.file, level, msg, values, undefined) };
      this.levels[level] = l;
    }
    return l;
  }

  /** A level 0 message: the start, progress of long work, what every operator wants to see. */
  info(msg: string, values?: LogValues): void {
    if (this.output) this.output.write('I', this.caller, this.file, 0, msg, values, undefined);
  }

  warning(msg: string, values?: LogValues): void {
    if (this.output) this.output.write('W', this.caller, this.file, 0, msg, values, undefined);
  }

  /** Always written (to stderr in klog's text format when the cluster was given no logging). */
  error(err: unknown, msg: string, values?: LogValues): void {
    (this.output ?? fallbackErrors()).write('E', this.caller, this.file, undefined, msg, values, err === null ? undefined : err);
  }
}

let fallback: Output | undefined;
function fallbackErrors(): Output {
  return (fallback ??= new Output(-1, 'text', process.stderr));
}

/**
 * A root logger (caller `tinykube`): `options` undefined gives the quiet default of a library
 * (errors only); given, info at `verbosity` and below, warnings and errors, in `format`.
 */
export function createLogger(options?: LoggingOptions, caller = 'cluster.ts'): Logger {
  if (!options) return new Logger(undefined, caller);
  const verbosity = options.verbosity ?? 0;
  if (!Number.isInteger(verbosity) || verbosity < 0) throw new RangeError(`the log verbosity must be a whole number 0 or above, not ${verbosity}`);
  const format = options.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new RangeError(`the logging format must be text or json, not ${String(format)}`);
  return new Logger(new Output(verbosity, format, options.stream ?? process.stderr), caller);
}

/** The quiet logger: for code paths given no logger. */
export const QUIET: Logger = createLogger();
