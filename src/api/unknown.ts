// Reading values of unknown shape (request bodies not yet checked, free-form fields) without
// casts: each accessor checks what it returns.

export type JSONObject = Record<string, unknown>;

export function isObject(v: unknown): v is JSONObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object at `path` below `v`, or undefined when any step is not an object. */
export function objectAt(v: unknown, ...path: string[]): JSONObject | undefined {
  let cur: unknown = v;
  for (const p of path) cur = isObject(cur) ? cur[p] : undefined;
  return isObject(cur) ? cur : undefined;
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
