// Cron schedules as the CronJob controller reads them (robfig/cron v3's ParseStandard): five
// fields (minute hour day-of-month month day-of-week) or a descriptor (@hourly...), an optional
// `CRON_TZ=`/`TZ=` prefix, and the next run time in a time zone (IANA names, through Intl).
// Errors carry the parser's texts, which kube's validation returns as they are.

export class CronError extends Error {}

interface Bounds { min: number; max: number; names?: Record<string, number> }

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELDS: Bounds[] = [
  { min: 0, max: 59 }, { min: 0, max: 23 }, { min: 1, max: 31 }, { min: 1, max: 12, names: MONTHS }, { min: 0, max: 6, names: DAYS },
];

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};

/** A parsed schedule: the allowed values of each field, and whether day fields were `*`. */
export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  dom: Set<number>;
  months: Set<number>;
  dow: Set<number>;
  domStar: boolean;
  dowStar: boolean;
  /** `@every <duration>`: a fixed interval in ms instead of fields. */
  everyMs?: number;
  /** The zone of a `CRON_TZ=`/`TZ=` prefix. */
  timeZone?: string;
}

/** Whether `zone` is a time zone Intl knows (Go's time.LoadLocation, near enough). */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** strconv.Atoi's error text, as robfig/cron wraps it. */
function parseIntField(s: string, expr: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new CronError(`failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseValue(s: string, b: Bounds, expr: string): number {
  const named = b.names?.[s.toLowerCase()];
  return named ?? parseIntField(s, expr);
}

/** One comma-separated part of a field: `*`, `?`, `a`, `a-b`, each optionally `/step`. */
function parseRange(expr: string, b: Bounds, into: Set<number>): boolean {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min; end = b.max; star = true;
  } else {
    start = parseValue(lowAndHigh[0], b, expr);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseValue(lowAndHigh[1], b, expr);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseIntField(rangeAndStep[1], expr);
    // `N/step` runs from N to the field's maximum.
    if (singleDigit && !star) end = b.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new CronError(`too many slashes: ${expr}`);
  }
  if (start < b.min) throw new CronError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.add(v);
  return star;
}

function parseField(field: string, b: Bounds): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of field.split(',')) star = parseRange(part, b, values) || star;
  return { values, star };
}

/** Go's time.ParseDuration for `@every`, the units cron schedules use. */
function parseDuration(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  // µs escaped: the bundle stays ASCII, which src/code-cache.ts reads as one-byte text.
  const re = /([0-9]*\.?[0-9]+)(ns|us|\u00b5s|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  if (!s) throw new CronError(`failed to parse duration ${s}: time: invalid duration ""`);
  while (at < s.length) {
    re.lastIndex = at;
    const m = re.exec(s);
    if (!m) throw new CronError(`failed to parse duration ${s}: time: invalid duration ${JSON.stringify(s)}`);
    total += Number(m[1]) * units[m[2]];
    at = re.lastIndex;
  }
  return total;
}

/** cron.ParseStandard: the schedule, or a CronError with the parser's text. */
export function parseSchedule(text: string): CronSchedule {
  let spec = text;
  let timeZone: string | undefined;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    const eq = spec.indexOf('=');
    const zone = space < 0 ? spec.slice(eq + 1) : spec.slice(eq + 1, space);
    if (!isKnownTimeZone(zone)) throw new CronError(`provided bad location ${zone}: unknown time zone ${zone}`);
    timeZone = zone;
    spec = space < 0 ? '' : spec.slice(space).trim();
  }
  if (spec.startsWith('@')) {
    if (spec.startsWith('@every ')) {
      const ms = parseDuration(spec.slice('@every '.length).trim());
      return { minutes: new Set(), hours: new Set(), dom: new Set(), months: new Set(), dow: new Set(), domStar: true, dowStar: true, everyMs: Math.max(1000, Math.floor(ms / 1000) * 1000), timeZone };
    }
    const expanded = DESCRIPTORS[spec];
    if (!expanded) throw new CronError(`unrecognized descriptor: ${spec}`);
    spec = expanded;
  }
  const fields = spec.split(/\s+/).filter(Boolean);
  if (!fields.length) throw new CronError('empty spec string');
  if (fields.length !== 5) throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const [minutes, hours, dom, months, dow] = fields.map((f, i) => parseField(f, FIELDS[i]));
  return { minutes: minutes.values, hours: hours.values, dom: dom.values, months: months.values, dow: dow.values, domStar: dom.star, dowStar: dow.star, timeZone };
}

// ---- wall clock in a zone --------------------------------------------------------------------

interface Wall { year: number; month: number; day: number; hour: number; minute: number; weekday: number }

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall-clock fields of instant `ms` in `zone`. */
export function wallClock(ms: number, zone: string): Wall {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const weekday = new Date(Date.UTC(parts.year, parts.month - 1, parts.day)).getUTCDay();
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, weekday };
}

/** The zone's offset from UTC at instant `ms`, in ms. */
function offsetAt(ms: number, zone: string): number {
  const w = wallClock(ms, zone);
  const asUTC = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  return asUTC - Math.floor(ms / 60_000) * 60_000;
}

/** The instant of a wall-clock time in `zone` (the earlier one when a DST change repeats it). */
function instantOf(year: number, month: number, day: number, hour: number, minute: number, zone: string): number {
  const local = Date.UTC(year, month - 1, day, hour, minute);
  let guess = local - offsetAt(local, zone);
  guess = local - offsetAt(guess, zone);
  return guess;
}

const MINUTE = 60_000;
/** robfig/cron gives up after five years without a match (`59 23 31 2 *`). */
const SEARCH_YEARS = 5;

function dayMatches(s: CronSchedule, w: Wall): boolean {
  const dom = s.dom.has(w.day);
  const dow = s.dow.has(w.weekday);
  return s.domStar || s.dowStar ? dom && dow : dom || dow;
}

/**
 * The first time the schedule fires strictly after `afterMs` (Schedule.Next), in `zone` (the
 * schedule's own `CRON_TZ=` first; default UTC); undefined when none within five years.
 */
export function nextRun(s: CronSchedule, afterMs: number, zone = 'UTC'): number | undefined {
  if (s.everyMs !== undefined) return Math.floor(afterMs / 1000) * 1000 + s.everyMs;
  const tz = s.timeZone ?? zone;
  let t = Math.floor(afterMs / MINUTE) * MINUTE + MINUTE;
  const limit = wallClock(t, tz).year + SEARCH_YEARS;
  for (;;) {
    const w = wallClock(t, tz);
    if (w.year > limit) return undefined;
    if (!s.months.has(w.month)) {
      const next = w.month === 12 ? [w.year + 1, 1] : [w.year, w.month + 1];
      t = Math.max(t + MINUTE, instantOf(next[0], next[1], 1, 0, 0, tz));
    } else if (!dayMatches(s, w)) {
      const d = new Date(Date.UTC(w.year, w.month - 1, w.day + 1));
      t = Math.max(t + MINUTE, instantOf(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 0, 0, tz));
    } else if (!s.hours.has(w.hour)) {
      t = Math.max(t + MINUTE, t + (60 - w.minute) * MINUTE);
    } else if (!s.minutes.has(w.minute)) {
      t += MINUTE;
    } else {
      return t;
    }
  }
}
