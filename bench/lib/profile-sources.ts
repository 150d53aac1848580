// Where a profile's frames come from: the bundle's frames mapped to src/ through its source maps
// (a minified build works too; TINYKUBE_BUILD_DEBUG=1 only makes the function names readable),
// and the area of the source each belongs to. Shared by profile-areas.ts (CPU) and
// alloc-areas.ts (allocations).
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }

/** Areas in the order printed; the first matching source prefix decides. */
export const SOURCE_AREAS: [RegExp, string][] = [
  [/\/src\/server\//, 'src/server'],
  [/\/src\/api\//, 'src/api'],
  [/\/src\/resources\//, 'src/resources (strategies)'],
  [/\/src\/storage\//, 'src/storage'],
  [/\/src\/controllers\/(scheduler|scheduling|volume-binding)/, 'scheduler'],
  [/\/src\/controllers\//, 'other controllers'],
  [/\/src\/kubelet\//, 'src/kubelet'],
  [/\/src\/client\//, 'src/client'],
  [/\/src\//, 'other src'],
  [/\/node_modules\/better-sqlite3\//, 'better-sqlite3/native'],
  [/\/node_modules\//, 'libraries'],
];

const maps = new Map<string, SourceMap | null>();
function sourceMapOf(path: string): SourceMap | null {
  if (!maps.has(path)) {
    try {
      maps.set(path, new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))));
    } catch {
      maps.set(path, null);
    }
  }
  return maps.get(path)!;
}

/** The source file and line (1-based) a frame's code came from: through the bundle's source map, or its own. */
export function sourceOf(frame: CallFrame): { file: string; line: number } {
  const own = { file: frame.url, line: frame.lineNumber + 1 };
  if (!frame.url.startsWith('file://')) return own;
  const path = fileURLToPath(frame.url);
  const entry = sourceMapOf(path)?.findEntry(frame.lineNumber, frame.columnNumber);
  if (!entry || !('originalSource' in entry)) return { ...own, file: path };
  const { originalSource: original, originalLine } = entry;
  return { file: resolve(dirname(path), original.startsWith('file://') ? fileURLToPath(original) : original), line: originalLine + 1 };
}

/** The area of SOURCE_AREAS a source file belongs to. */
export function areaOfSource(source: string): string {
  if (source.startsWith('node:')) return 'node internals';
  return SOURCE_AREAS.find(([re]) => re.test(source))?.[1] ?? 'other';
}
