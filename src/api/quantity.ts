// resource.Quantity as kube-apiserver reads and writes it: "500m", "1.5Gi", "1e3", "128Mi".
//
// A quantity is parsed to an exact decimal (a bigint times a power of ten) and a format, and is
// written back in canonical form, following apimachinery's rules:
//
// - The text splits into a signed number and a suffix: binary (Ki ... Ei, 2^10 ... 2^60), decimal
//   (n u m "" k M G T P E) or a decimal exponent (e3, E-3). A text of another shape fails with
//   "quantities must match the regular expression ...", a suffix that is none of these with
//   "unable to parse quantity's suffix", a number without digits with "unable to parse numeric
//   part of quantity".
// - Values finer than a nano are rounded up (away from zero) to the next nano; binary values are
//   capped at 2^63-1; a binary value strictly between 0 and 1 becomes decimal.
// - Canonical form has no fraction and the largest suffix of the quantity's format that keeps the
//   value exact: decimal suffixes step by 10^3 ("1000m" is "1", "0.5" is "500m", "1000" is "1k"),
//   exponents likewise ("1.2e3" is "1200", "1e4" is "10e3"), binary suffixes by 2^10 ("1024Mi" is
//   "1Gi", "1.5Gi" is "1536Mi"). A binary value below 1024 in magnitude, or not a whole number, is
//   written in decimal form ("0.5Ki" is "512", "1.5Ki" is "1536", "0.001Ki" is "1024m").
// - A text the parser already finds canonical is kept as given (a short integer mantissa with a
//   decimal suffix, not ending in 000 and not starting with 0, or a binary mantissa not divisible
//   by 8), so "100m", "1Gi", "1e3" and "1025Mi" come back as they went in.
// - A decimal value past the E suffix has no DecimalSI suffix; kube then writes the mantissa
//   alone (10^21 reads back as "1"), and so does this module, to be read the same way.
//
// Also: schema-driven canonicalization of every Quantity in a decoded object, and the numeric
// views the scheduler needs (milli-units for cpu, whole units for memory and counts).
import type { SchemaNode } from './schema-navigator.js';
import { isJsonObject } from './json.js';

export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

export const QUANTITY_REGEX = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
export const QUANTITY_FORMAT_ERROR = `quantities must match the regular expression '${QUANTITY_REGEX}'`;
export const QUANTITY_NUMERIC_ERROR = 'unable to parse numeric part of quantity';
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";

/** A text that is not a quantity; the message is one of the three QUANTITY_*_ERROR texts. */
export class QuantityError extends Error {}

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_POWER = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const SUFFIX_CHARS = 'eEinumkKMGTP';
const MAX_BINARY = 2n ** 63n - 1n;
const NANO = -9;
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
/** Go's int32 arithmetic wraps; exponents are int32 there. */
const wrap32 = (n: number) => ((((n + 2 ** 31) % 2 ** 32) + 2 ** 32) % 2 ** 32) - 2 ** 31;
const pow10 = (n: number) => 10n ** BigInt(n);
const abs = (n: bigint) => (n < 0n ? -n : n);
const digitCount = (n: bigint) => (n === 0n ? 0 : abs(n).toString().length);

interface Scanned { positive: boolean; value: string; num: string; denom: string; suffix: string }

/** Splits a quantity text into sign, numerator and fraction digits, and suffix, as kube's scanner does. */
function scan(str: string): Scanned {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (str[0] === '-') { positive = false; pos++; } else if (str[0] === '+') pos++;
  while (pos < end && str[pos] === '0') pos++;
  // Nothing but a sign and zeros: zero.
  if (pos >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };
  const numStart = pos;
  while (pos < end && isDigit(str[pos])) pos++;
  const num = str.slice(numStart, pos) || '0';
  if (pos >= end) return { positive, value: str, num, denom: '', suffix: '' };
  let denom = '';
  if (str[pos] === '.') {
    const denomStart = ++pos;
    while (pos < end && isDigit(str[pos])) pos++;
    denom = str.slice(denomStart, pos);
    if (pos >= end) return { positive, value: str, num, denom, suffix: '' };
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  while (pos < end && SUFFIX_CHARS.includes(str[pos])) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) throw new QuantityError(QUANTITY_FORMAT_ERROR);
  return { positive, value, num, denom, suffix: str.slice(suffixStart) };
}

/** Base, exponent and format of a suffix; undefined for none kube knows. */
function interpretSuffix(suffix: string): { base: 2 | 10; exponent: number; format: QuantityFormat } | undefined {
  if (Object.hasOwn(DECIMAL_SUFFIXES, suffix)) return { base: 10, exponent: DECIMAL_SUFFIXES[suffix], format: 'DecimalSI' };
  if (Object.hasOwn(BINARY_SUFFIXES, suffix)) return { base: 2, exponent: BINARY_SUFFIXES[suffix], format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const digits = suffix.slice(1);
    if (!/^[+-]?\d+$/.test(digits)) return undefined;
    const n = BigInt(digits);
    // An int64 exponent, narrowed to int32 as kube does.
    if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) return undefined;
    return { base: 10, exponent: Number(BigInt.asIntN(32, n)), format: 'DecimalExponent' };
  }
  return undefined;
}

export class Quantity {
  private constructor(
    /** The value is unscaled × 10^exponent. */
    readonly unscaled: bigint,
    readonly exponent: number,
    readonly format: QuantityFormat,
    /** The text as given, when the parser found it canonical already; String() returns it. */
    private readonly text?: string,
  ) {}

  /** A quantity of unscaled × 10^exponent, written in `format`. */
  static of(unscaled: bigint, exponent = 0, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(unscaled, exponent, format);
  }

  /** Parses a quantity text (no surrounding whitespace); throws QuantityError. */
  static parse(str: string): Quantity {
    if (str.length === 0) throw new QuantityError(QUANTITY_FORMAT_ERROR);
    if (str === '0') return new Quantity(0n, 0, 'DecimalSI', str);
    const { positive, value, num, denom, suffix } = scan(str);
    const interpreted = interpretSuffix(suffix);
    if (!interpreted) throw new QuantityError(QUANTITY_SUFFIX_ERROR);
    const { base, exponent, format } = interpreted;

    // The exact path for values of at most 18 digits at nano scale or coarser. Only here may the
    // text be kept as the canonical one.
    let precision: number;
    let scale = 0;
    if (format === 'BinarySI') {
      precision = denom.length === 0 ? 15 - num.length - Math.trunc(Math.fround(exponent) * 3 / 10) - 1 : -1;
    } else {
      scale = exponent;
      precision = 18 - (num.length + denom.length);
    }
    if (precision >= 0) {
      scale = wrap32(scale - denom.length);
      if (scale >= NANO) {
        const shifted = num + denom;
        const digits = BigInt(shifted);
        const magnitude = base === 2 ? digits << BigInt(exponent) : digits;
        if (magnitude <= MAX_BINARY) {
          const signed = positive ? magnitude : -magnitude;
          const keep = format === 'BinarySI'
            ? exponent % 10 === 0 && (digits & 7n) !== 0n
            : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
          return new Quantity(signed, scale, format, keep ? str : undefined);
        }
      }
    }

    // The general path: any number of digits, rounded up to nano, binary capped at 2^63-1.
    const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(value);
    if (!match || (match[2] + (match[3] ?? '')).length === 0) throw new QuantityError(QUANTITY_NUMERIC_ERROR);
    let magnitude = BigInt(match[2] + (match[3] ?? '') || '0');
    let exp: number;
    if (base === 10) {
      exp = -wrap32((match[3] ?? '').length + wrap32(-exponent));
    } else {
      magnitude <<= BigInt(exponent);
      exp = -(match[3] ?? '').length;
    }
    let resultFormat = format;
    if (magnitude !== 0n && exp < NANO) {
      const drop = NANO - exp;
      if (drop > digitCount(magnitude)) magnitude = 1n;
      else {
        const divisor = pow10(drop);
        magnitude = magnitude / divisor + (magnitude % divisor === 0n ? 0n : 1n);
      }
      exp = NANO;
    }
    if (format === 'BinarySI') {
      if (compareMagnitudes(magnitude, exp, MAX_BINARY, 0) > 0) { magnitude = MAX_BINARY; exp = 0; }
      if (magnitude !== 0n && compareMagnitudes(magnitude, exp, 1n, 0) < 0) resultFormat = 'DecimalSI';
    }
    return new Quantity(match[1] === '-' ? -magnitude : magnitude, exp, resultFormat);
  }

  /** Parses a value decoded from JSON as kube's Quantity.UnmarshalJSON does: strings trimmed, numbers as written. */
  static fromJSON(v: unknown): Quantity {
    if (typeof v === 'string') {
      // Quantities are immutable, and the same few texts recur in every object read.
      let parsed = parsedTexts.get(v);
      if (parsed === undefined) {
        parsed = Quantity.parse(goTrimSpace(v));
        if (parsedTexts.size >= CANONICAL_TEXTS_MAX) parsedTexts.clear();
        parsedTexts.set(v, parsed);
      }
      return parsed;
    }
    if (typeof v === 'number' && Number.isFinite(v)) return Quantity.parse(String(v));
    // true, false, objects and arrays reach the parser as their JSON text, which never matches.
    throw new QuantityError(QUANTITY_FORMAT_ERROR);
  }

  get sign(): -1 | 0 | 1 {
    return this.unscaled === 0n ? 0 : this.unscaled < 0n ? -1 : 1;
  }

  isZero(): boolean { return this.unscaled === 0n; }

  /** The exact sum, as Go's Quantity.Add: in this quantity's format, or the other's when this is zero. */
  add(other: Quantity): Quantity {
    const exponent = Math.min(this.exponent, other.exponent);
    const unscaled = this.unscaled * pow10(this.exponent - exponent) + other.unscaled * pow10(other.exponent - exponent);
    return new Quantity(unscaled, exponent, this.isZero() ? other.format : this.format);
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than `other`. */
  cmp(other: Quantity): -1 | 0 | 1 {
    const a = this.sign;
    const b = other.sign;
    if (a !== b) return a < b ? -1 : 1;
    if (a === 0) return 0;
    const c = compareMagnitudes(abs(this.unscaled), this.exponent, abs(other.unscaled), other.exponent);
    if (c === 0 || a > 0) return c;
    return c < 0 ? 1 : -1; // both negative: the larger magnitude is the smaller number
  }

  /** ceil(value / 10^scale), rounding away from zero (kube's ScaledValue), as a JS number. */
  scaledValue(scale: number): number {
    const shift = this.exponent - scale;
    if (this.unscaled === 0n) return 0;
    if (shift >= 0) {
      if (digitCount(this.unscaled) + shift > 400) return this.sign * Infinity;
      return Number(this.unscaled * pow10(shift));
    }
    const drop = -shift;
    const m = abs(this.unscaled);
    let q: bigint;
    if (drop > digitCount(m)) q = 1n;
    else {
      const divisor = pow10(drop);
      q = m / divisor + (m % divisor === 0n ? 0n : 1n);
    }
    return this.sign * Number(q);
  }

  /** Whole units, rounded up away from zero (bytes for memory, a count for pods). */
  value(): number { return this.scaledValue(0); }

  /** Thousandths, rounded up away from zero (millicores for cpu). */
  milliValue(): number { return this.scaledValue(-3); }

  /** The value as the nearest double. */
  toNumber(): number { return Number.parseFloat(`${this.unscaled}e${this.exponent}`); }

  /** The canonical text. */
  toString(): string {
    if (this.text !== undefined) return this.text;
    if (this.unscaled === 0n) return '0';
    let format = this.format;
    if (format === 'BinarySI') {
      const small = compareMagnitudes(abs(this.unscaled), this.exponent, 1024n, 0) < 0;
      if (small || !this.isWhole()) format = 'DecimalSI';
      else return binaryText(this.unscaled * pow10(Math.max(0, this.exponent)) / pow10(Math.max(0, -this.exponent)));
    }
    // Factors of ten move into the exponent, which then steps down to a multiple of three.
    let m = this.unscaled;
    let e = this.exponent;
    while (m % 10n === 0n) { m /= 10n; e++; }
    while (e % 3 !== 0) { m *= 10n; e--; }
    if (format === 'DecimalExponent') return e === 0 ? `${m}` : `${m}e${e}`;
    return `${m}${DECIMAL_BY_EXPONENT.get(e) ?? ''}`;
  }

  toJSON(): string { return this.toString(); }

  private isWhole(): boolean {
    return this.exponent >= 0 || this.unscaled % pow10(-this.exponent) === 0n;
  }
}

function binaryText(value: bigint): string {
  let m = value;
  let power = 0;
  while (abs(m) >= 1024n && m % 1024n === 0n) { m /= 1024n; power++; }
  return `${m}${BINARY_BY_POWER[power] ?? ''}`;
}

/** Compares a × 10^ea with b × 10^eb for non-negative a and b. */
function compareMagnitudes(a: bigint, ea: number, b: bigint, eb: number): -1 | 0 | 1 {
  if (a === 0n || b === 0n) return a === b ? 0 : a === 0n ? -1 : 1;
  const orderA = digitCount(a) + ea;
  const orderB = digitCount(b) + eb;
  if (orderA !== orderB) return orderA < orderB ? -1 : 1;
  const e = Math.min(ea, eb);
  const x = a * pow10(ea - e);
  const y = b * pow10(eb - e);
  return x === y ? 0 : x < y ? -1 : 1;
}

/** Go's strings.TrimSpace: Unicode white space at either end. */
function goTrimSpace(s: string): string {
  return s.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g, '');
}

/** Parses a quantity text; undefined if it is not one. */
export function tryParseQuantity(v: unknown): Quantity | undefined {
  // Absent values are common (a container without limits): no error built and thrown for them.
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    return Quantity.fromJSON(v);
  } catch (e) {
    if (e instanceof QuantityError) return undefined;
    throw e;
  }
}

/**
 * Canonical texts of the quantity strings seen lately: the same few ("100m", "128Mi") recur in
 * every object written, and parsing one (BigInt arithmetic) cost about 5 us. Bounded: cleared when full.
 */
const canonicalTexts = new Map<string, string>();
/** Quantities parsed from the texts seen lately (Quantity.fromJSON), bounded as canonicalTexts is. */
const parsedTexts = new Map<string, Quantity>();
const CANONICAL_TEXTS_MAX = 1024;

/** The canonical text of a quantity (throws QuantityError for one that does not parse). */
export function canonicalQuantity(v: string | number): string {
  if (typeof v !== 'string') return Quantity.fromJSON(v).toString();
  let canonical = canonicalTexts.get(v);
  if (canonical === undefined) {
    canonical = Quantity.fromJSON(v).toString();
    if (canonicalTexts.size >= CANONICAL_TEXTS_MAX) canonicalTexts.clear();
    canonicalTexts.set(v, canonical);
  }
  return canonical;
}

/** The value as a plain number (cores for cpu, bytes for memory); 0 when absent, NaN if malformed. */
export function parseQuantity(q: string | number | undefined): number {
  if (q === undefined) return 0;
  return tryParseQuantity(q)?.toNumber() ?? NaN;
}

// ---- quantities in objects, found through the OpenAPI schemas -------------------------------

export const QUANTITY_SCHEMA = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/**
 * Replaces every quantity in `obj` (a value of the schema at `node`) by its canonical text, in
 * place. Throws QuantityError for the first one, in the object's key order, that does not parse,
 * as kube's decoder stops there. Subtrees whose schema holds no quantity are not walked.
 */
export function canonicalizeQuantities(obj: unknown, node: SchemaNode): unknown {
  if (node.refName === QUANTITY_SCHEMA) return typeof obj === 'string' || typeof obj === 'number' ? canonicalQuantity(obj) : Quantity.fromJSON(obj).toString();
  if (!node.reaches(QUANTITY_SCHEMA)) return obj;
  if (Array.isArray(obj)) {
    const items = node.items();
    for (let i = 0; i < obj.length; i++) if (obj[i] !== null) obj[i] = canonicalizeQuantities(obj[i], items);
  } else if (isJsonObject(obj)) {
    const o = obj;
    for (const k of Object.keys(o)) if (o[k] !== null && o[k] !== undefined) o[k] = canonicalizeQuantities(o[k], node.field(k));
  }
  return obj;
}
