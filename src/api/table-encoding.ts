// A Table's JSON written as bytes, row by row, instead of one big object for JSON.stringify:
// a LIST of 10,000 pods as a Table spent most of its time re-encoding every row's metadata.
// Each row reuses what the watch cache already holds for the object's version: its JSON bytes
// (the object, or the metadata sliced out of them) and the JSON of its cells while the cells are
// unchanged. The bytes are exactly JSON.stringify(table(convertor, rows.map(tableRow), ...)).
import { CachedObject } from '../storage/watch-cache.js';
import { rowConditions, type IncludeObject } from './table.js';
import type { KObject, TableConvertor } from './types.js';

/** An object to print: the cache's version of it when there is one, else the object itself. */
export type TableItem = CachedObject<KObject> | KObject;

interface VersionParts {
  convertor: TableConvertor;
  /** The cells last computed and their JSON: reused while a fresh computation gives the same values. */
  cells: unknown[];
  cellsJson: string;
  /** The object's metadata: a view of its cached JSON bytes, once looked up (null: not found). */
  metadata?: Buffer | null;
}

// Per cached object version, made on the first Table request that prints it and collected with it.
const parts = new WeakMap<CachedObject<KObject>, VersionParts>();

export interface TableEncoding {
  apiVersion: string;
  include: IncludeObject;
  listMeta: Record<string, unknown>;
  /** Watch events after the first carry `columnDefinitions: null`, as kube's do. */
  withColumns: boolean;
  now: number;
}

export function encodeTable(convertor: TableConvertor, items: TableItem[], t: TableEncoding): Buffer {
  const out = new ByteWriter(items.length * 512 + 1024);
  out.text(`{"kind":"Table","apiVersion":${JSON.stringify(t.apiVersion)},"metadata":${JSON.stringify(t.listMeta)},"columnDefinitions":${JSON.stringify(t.withColumns ? convertor.columns : null)},"rows":[`);
  const metadataHead = `,"object":{"kind":"PartialObjectMetadata","apiVersion":${JSON.stringify(t.apiVersion)},"metadata":`;
  items.forEach((item, i) => {
    out.text(i ? ',{"cells":' : '{"cells":');
    if (item instanceof CachedObject) cachedRow(out, convertor, item, t, metadataHead);
    else plainRow(out, convertor, item, t);
    const conditions = rowConditions(item instanceof CachedObject ? item.object : item);
    if (conditions) out.text(`,"conditions":${JSON.stringify(conditions)}`);
    out.text('}');
  });
  out.text(']}');
  return out.done();
}

/** A row of an object the cache holds: its cells' JSON and object part reused where they can be. */
function cachedRow(out: ByteWriter, convertor: TableConvertor, cached: CachedObject<KObject>, t: TableEncoding, metadataHead: string): void {
  const obj = cached.object;
  const entry = versionParts(cached, convertor);
  const cells = convertor.cells(obj, t.now);
  // Cells are computed afresh (they may depend on the clock) and encoded only when they changed.
  if (!sameCells(entry.cells, cells)) {
    entry.cells = cells;
    entry.cellsJson = JSON.stringify(cells);
  }
  out.text(entry.cellsJson);
  if (t.include === 'Object') {
    out.text(',"object":');
    out.bytes(cached.jsonBytes());
  } else if (t.include === 'Metadata') {
    if (entry.metadata === undefined) {
      const bytes = cached.jsonBytes();
      const range = topLevelValue(bytes, METADATA_KEY);
      entry.metadata = range && bytes.subarray(range.start, range.end);
    }
    if (!entry.metadata) return plainObjectPart(out, obj, t);
    out.text(metadataHead);
    out.bytes(entry.metadata);
    out.text('}');
  }
}

function plainRow(out: ByteWriter, convertor: TableConvertor, obj: KObject, t: TableEncoding): void {
  out.text(JSON.stringify(convertor.cells(obj, t.now)));
  plainObjectPart(out, obj, t);
}

function plainObjectPart(out: ByteWriter, obj: KObject, t: TableEncoding): void {
  if (t.include === 'Object') out.text(`,"object":${JSON.stringify(obj)}`);
  else if (t.include === 'Metadata') out.text(`,"object":${JSON.stringify({ kind: 'PartialObjectMetadata', apiVersion: t.apiVersion, metadata: obj.metadata })}`);
}

function versionParts(cached: CachedObject<KObject>, convertor: TableConvertor): VersionParts {
  let entry = parts.get(cached);
  if (!entry || entry.convertor !== convertor) {
    entry = { convertor, cells: [], cellsJson: '[]' };
    parts.set(cached, entry);
  }
  return entry;
}

/** Equal primitives cell by cell; objects are never taken as equal (their JSON may differ). */
function sameCells(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] || (typeof a[i] === 'object' && a[i] !== null)) return false;
  }
  return true;
}

const METADATA_KEY = Buffer.from('metadata');

/**
 * Where the value of a top-level key lies in a JSON object's bytes (as JSON.stringify writes
 * them: no whitespace), or null. Strings are skipped by their escapes, so nothing inside a
 * string value or a nested object is taken for the key.
 */
export function topLevelValue(json: Buffer, key: Buffer): { start: number; end: number } | null {
  if (json[0] !== 0x7b) return null; // {
  let i = 1;
  while (i < json.length && json[i] === 0x22) { // "
    const keyEnd = skipString(json, i);
    const start = keyEnd + 1; // past the colon
    const end = skipValue(json, start);
    if (keyEnd - i - 2 === key.length && json.compare(key, 0, key.length, i + 1, keyEnd - 1) === 0) return { start, end };
    if (json[end] !== 0x2c) return null; // ,
    i = end + 1;
  }
  return null;
}

/** The index just past the string starting at `i` (its opening quote). */
function skipString(json: Buffer, i: number): number {
  for (let j = i + 1; j < json.length; j++) {
    const c = json[j];
    if (c === 0x5c) j++; // a backslash escapes the next byte
    else if (c === 0x22) return j + 1;
  }
  return json.length;
}

/** The index just past the value starting at `i`. */
function skipValue(json: Buffer, i: number): number {
  const c = json[i];
  if (c === 0x22) return skipString(json, i);
  if (c === 0x7b || c === 0x5b) { // { [
    let depth = 0;
    for (let j = i; j < json.length; j++) {
      const d = json[j];
      if (d === 0x22) j = skipString(json, j) - 1;
      else if (d === 0x7b || d === 0x5b) depth++;
      else if ((d === 0x7d || d === 0x5d) && --depth === 0) return j + 1;
    }
    return json.length;
  }
  let j = i;
  while (j < json.length && json[j] !== 0x2c && json[j] !== 0x7d && json[j] !== 0x5d) j++;
  return j;
}

/** One growing buffer: copying each part once beats handing the socket tens of thousands of small ones. */
class ByteWriter {
  private buf: Buffer;
  private length = 0;

  constructor(initial: number) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  text(s: string): void {
    this.reserve(s.length * 3); // UTF-8 takes at most 3 bytes per UTF-16 unit
    this.length += this.buf.write(s, this.length);
  }

  bytes(b: Buffer): void {
    this.reserve(b.length);
    this.buf.set(b, this.length); // TypedArray#set: native, where Buffer#copy goes through JS
    this.length += b.length;
  }

  done(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
}
