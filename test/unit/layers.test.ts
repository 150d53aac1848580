// The machinery names no kind: src/server/ and src/api/ serve whatever kinds are registered, so
// adding one is a Strategy and its schemas (docs/adding-a-kind.md). And src/resources/, where
// the kinds live, is imported by the composition root alone.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { OpenAPILibrary } from '../../src/api/openapi.js';

const ROOT = new URL('../..', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The code of a file without its comments (names in comments are examples, not dispatch). */
function code(file: string): string {
  return readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/**
 * Where a kind's name is part of the URL grammar rather than a kind: every namespaced path has a
 * `/namespaces/{namespace}/` segment, which kube's RequestInfoFactory and the OpenAPI path table
 * read as such.
 */
const URL_GRAMMAR: Record<string, RegExp> = {
  'src/server/request-info.ts': /rest\[0\] === 'namespaces'|resource\('namespaces'/g,
  'src/api/openapi.ts': /parts\[0\] === 'namespaces'/g,
  'src/api/defined-kinds.ts': /'\/namespaces\/\{namespace\}'/g,
};

test('src/server/ and src/api/ name no kind that tinykube can serve', () => {
  const plurals = new Set(new OpenAPILibrary().all().flatMap((d) => d.resources.map((r) => r.resource)));
  assert.ok(plurals.has('pods') && plurals.has('deployments') && plurals.has('configmaps'), 'the names come from every group of openapi/');
  const found: string[] = [];
  for (const file of [...sources(join(ROOT, 'src/server')), ...sources(join(ROOT, 'src/api'))]) {
    const rel = relative(ROOT, file);
    const text = code(file).replace(URL_GRAMMAR[rel] ?? /$^/, '');
    for (const m of text.matchAll(/(['"`])([a-z]+)\1/g)) if (plurals.has(m[2])) found.push(`${rel}: ${m[0]}`);
  }
  assert.deepEqual(found, []);
});

test('src/resources/ is imported only by the composition root (src/builtin-kinds.ts)', () => {
  const importers: string[] = [];
  for (const file of sources(join(ROOT, 'src'))) {
    const rel = relative(ROOT, file);
    if (rel.startsWith('src/resources/')) continue;
    if (/from '(\.\.?\/)+(src\/)?resources\//.test(readFileSync(file, 'utf8')) || /from '\.\/resources\//.test(readFileSync(file, 'utf8'))) importers.push(rel);
  }
  assert.deepEqual(importers, ['src/builtin-kinds.ts']);
});
