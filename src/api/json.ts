// JSON helpers for comparing objects by content rather than by key order.

/** Whether a JSON value is an object (not null, not an array): the type guard for untyped JSON. */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object at `path` below `v`, or undefined when any step is not an object. */
export function objectAt(v: unknown, ...path: string[]): Record<string, unknown> | undefined {
  let cur: unknown = v;
  for (const p of path) cur = isJsonObject(cur) ? cur[p] : undefined;
  return isJsonObject(cur) ? cur : undefined;
}

/** The string at `path` below `v`, or undefined. */
export function stringAt(v: unknown, ...path: string[]): string | undefined {
  const leaf = path.pop();
  const parent = objectAt(v, ...path);
  const s = leaf === undefined || !parent ? undefined : parent[leaf];
  return typeof s === 'string' ? s : undefined;
}

/** The number at `path` below `v`, or undefined. */
export function numberAt(v: unknown, ...path: string[]): number | undefined {
  const leaf = path.pop();
  const parent = objectAt(v, ...path);
  const n = leaf === undefined || !parent ? undefined : parent[leaf];
  return typeof n === 'number' ? n : undefined;
}

/** JSON with object keys sorted at every level: equal content gives equal text. */
export function canonicalJSON(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (isJsonObject(val)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(val).sort()) sorted[k] = val[k];
      return sorted;
    }
    return val;
  });
}

/**
 * Whether two JSON values are equal with object keys in any order: what comparing their
 * canonicalJSON says, without building the strings (every update asks it, to spot no-ops).
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (!isJsonObject(a) || !isJsonObject(b)) return false; // not reached: both are non-array objects here
  // Counted rather than listed (no arrays per object): every key of a defined in b alike, and b
  // with no more defined keys than a.
  let defined = 0;
  for (const k in a) {
    const v = a[k];
    if (v === undefined) continue;
    if (!jsonEqual(v, b[k])) return false;
    defined++;
  }
  for (const k in b) if (b[k] !== undefined && --defined < 0) return false;
  return defined === 0;
}

/**
 * Whether two objects are equal key by key as `sameAt` judges each key's two values (absent on a
 * side as undefined): jsonEqual with some keys ignored or compared their own way, without copies.
 */
export function jsonEqualBy(a: unknown, b: unknown, sameAt: (key: string, x: unknown, y: unknown) => boolean): boolean {
  if (!isJsonObject(a) || !isJsonObject(b)) return jsonEqual(a, b);
  for (const k in a) if (!sameAt(k, a[k], b[k])) return false;
  for (const k in b) if (!(k in a) && !sameAt(k, undefined, b[k])) return false;
  return true;
}

/** Drops null-valued fields at every level, as Go's decoder leaves such fields at their zero value. */
export function dropNulls<T>(v: T): T {
  if (Array.isArray(v)) return v.map(dropNulls) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) if (val !== null) out[k] = dropNulls(val);
    return out as T;
  }
  return v;
}

/** Whether an object is a plain one (Object's prototype or none), as JSON.parse makes them: not a class's instance. */
export function isPlainObject(v: object): v is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * A deep copy of JSON data, several times faster than structuredClone on objects as decoded from
 * JSON (every write copies one). Anything else (a Date, a Map) is copied by structuredClone.
 */
export function copyJSON<T>(v: T): T;
export function copyJSON(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const items: unknown[] = v;
    const out = new Array<unknown>(items.length);
    for (let i = 0; i < items.length; i++) out[i] = copyJSON(items[i]);
    return out;
  }
  if (!isPlainObject(v)) return structuredClone(v);
  const out: Record<string, unknown> = {};
  const from = v;
  // for-in rather than Object.entries (no array of pairs per object: a third faster); a plain
  // object inherits no enumerable keys.
  for (const k in from) {
    // An own "__proto__" key (JSON.parse makes one) stays a key, not the copy's prototype.
    if (k === '__proto__') Object.defineProperty(out, k, { value: copyJSON(from[k]), enumerable: true, writable: true, configurable: true });
    else out[k] = copyJSON(from[k]);
  }
  return out;
}

/** dropNulls for a value its caller owns: the fields go from the value itself, nothing is copied. */
export function dropNullsInPlace<T>(v: T): T {
  if (Array.isArray(v)) {
    for (const item of v) dropNullsInPlace(item);
  } else if (isJsonObject(v)) {
    for (const k in v) {
      if (v[k] === null) delete v[k]; else dropNullsInPlace(v[k]);
    }
  }
  return v;
}

/**
 * Paths of keys that appear twice in one JSON object (`metadata.name`, `spec.containers[0].image`),
 * which JSON.parse silently resolves to the last. Empty for valid JSON without duplicates or for
 * text that is not JSON (parse errors are reported elsewhere).
 */
export function duplicateFields(text: string, parsed?: unknown): string[] {
  // JSON.parse keeps one key of each name: with as many keys parsed as the text has, none
  // repeats, and the walk below (costlier than the parse) is not needed.
  if (parsed !== undefined && keysInText(text) === keysIn(parsed)) return [];
  const found: string[] = [];
  // The path to the value being read: keys, and indexes into arrays. Joined only for a duplicate.
  const path: (string | number)[] = [];
  const n = text.length;
  let i = 0;
  const ws = () => {
    for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
  };
  /** Reads a string starting at its opening quote; returns its raw (still escaped) contents. */
  const str = (): string => {
    const start = ++i;
    for (;;) {
      const q = text.indexOf('"', i);
      if (q < 0) throw new SyntaxError('unterminated string');
      let backslashes = 0;
      while (text.charCodeAt(q - 1 - backslashes) === 92) backslashes++;
      i = q + 1;
      if (backslashes % 2 === 0) return text.slice(start, q);
    }
  };
  const key = (raw: string): string => (raw.includes('\\') ? String(JSON.parse(`"${raw}"`)) : raw);
  const joined = () => path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${p}` : p), '');
  const value = (): void => {
    ws();
    const c = text.charCodeAt(i);
    if (c === 123) { // {
      i++;
      ws();
      if (text.charCodeAt(i) === 125) { i++; return; }
      const seen = new Set<string>();
      while (i < n) {
        ws();
        const k = key(str());
        path.push(k);
        if (seen.has(k)) found.push(joined());
        seen.add(k);
        ws();
        i++; // ':'
        value();
        path.pop();
        ws();
        if (text.charCodeAt(i++) === 125) return;
      }
    } else if (c === 91) { // [
      i++;
      ws();
      if (text.charCodeAt(i) === 93) { i++; return; }
      for (let index = 0; i < n; index++) {
        path.push(index);
        value();
        path.pop();
        ws();
        if (text.charCodeAt(i++) === 93) return;
      }
    } else if (c === 34) { // "
      str();
    } else {
      for (let d = c; i < n && d !== 44 && d !== 93 && d !== 125 && d !== 32 && d !== 9 && d !== 10 && d !== 13; d = text.charCodeAt(++i));
    }
  };
  try {
    value();
  } catch {
    return [];
  }
  return found;
}

/** How many object keys the JSON text holds: every colon outside a string follows one. */
function keysInText(text: string): number {
  let keys = 0;
  let i = 0;
  for (;;) {
    const quote = text.indexOf('"', i);
    const end = quote < 0 ? text.length : quote;
    for (let colon = text.indexOf(':', i); colon >= 0 && colon < end; colon = text.indexOf(':', colon + 1)) keys++;
    if (quote < 0) return keys;
    // Past the string: its closing quote is the first not escaped by an odd run of backslashes.
    let close = text.indexOf('"', quote + 1);
    for (;;) {
      if (close < 0) return keys;
      let backslashes = 0;
      while (text.charCodeAt(close - 1 - backslashes) === 92) backslashes++;
      if (backslashes % 2 === 0) break;
      close = text.indexOf('"', close + 1);
    }
    i = close + 1;
  }
}

/** How many object keys a parsed JSON value holds, at every depth. */
function keysIn(value: unknown): number {
  if (Array.isArray(value)) {
    let n = 0;
    for (const item of value) n += keysIn(item);
    return n;
  }
  if (!isJsonObject(value)) return 0;
  let n = 0;
  for (const k in value) n += 1 + keysIn(value[k]);
  return n;
}
