// Stack traces of the bundle (dist/, minified) that name the sources: `at name (src/api/x.ts:10:5)`.
// Node's own support (process.setSourceMapsEnabled) reads and parses each module's source map as
// the module loads, 3.4 MB of JSON and 15-30 ms of every start; here a map is read the first time
// a stack through its file is formatted, which most runs never do.
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Each generated file's map, or null when it has none that parses. */
const maps = new Map<string, SourceMap | null>();

function mapOf(file: string): SourceMap | null {
  let map = maps.get(file);
  if (map === undefined) {
    try {
      const payload: unknown = JSON.parse(readFileSync(`${file}.map`, 'utf8'));
      map = isSourceMapPayload(payload) ? new SourceMap(payload) : null;
    } catch {
      map = null;
    }
    maps.set(file, map);
  }
  return map;
}

function isSourceMapPayload(v: unknown): v is SourceMapPayload {
  return typeof v === 'object' && v !== null && 'mappings' in v && typeof v.mappings === 'string' && 'sources' in v && Array.isArray(v.sources);
}

/** A V8 call site, which prints itself as a stack trace line (the typings leave toString out). */
type Frame = NodeJS.CallSite & { toString(): string };

/**
 * One frame as V8 prints it, at its position in the source. The name stays V8's: methods keep
 * theirs in the bundle, and a map's names belong to positions, not to the enclosing function.
 */
export function sourceFrame(frame: Frame, under: string): string {
  const text = frame.toString();
  const file = frame.getFileName();
  const line = frame.getLineNumber();
  const column = frame.getColumnNumber();
  if (!file || line === null || column === null) return text;
  // V8 names an ES module's file by its URL, or by its path when a loader gave it one.
  const path = file.startsWith('file:') ? fileURLToPath(file) : file;
  if (!path.startsWith(under)) return text;
  const origin = mapOf(path)?.findOrigin(line, column);
  if (!origin || !('fileName' in origin)) return text;
  const source = fileURLToPath(new URL(origin.fileName, pathToFileURL(path)));
  return text.replace(`${file}:${line}:${column}`, `${source}:${origin.lineNumber}:${origin.columnNumber}`);
}

/** Formats every stack whose frames are in files under `under` (a directory's path, ending in a separator) through their maps. */
export function mapStacksUnder(under: string): void {
  Error.prepareStackTrace = (error: unknown, frames: Frame[]) => {
    let header: string;
    try {
      header = Error.prototype.toString.call(error);
    } catch {
      header = '<error>';
    }
    return header + frames.map((frame) => `\n    at ${sourceFrame(frame, under)}`).join('');
  };
}
