// Generates proto/*.proto: the subset of Kubernetes' protobuf messages tinykube decodes (request
// bodies kubectl 1.32+ and other typed clients send). Only facts are kept from the upstream
// reference: message names, field names, types and numbers; comments and options are dropped.
// Packages the reference lacks (certificates.k8s.io, node.k8s.io) come from scripts/proto-facts/,
// the same facts written here.
//
// The roots are every kind of the OpenAPI documents in openapi/ (each schema with an
// x-kubernetes-group-version-kind of one of their group-versions), plus the envelope and the
// meta kinds below; everything they use comes along.
//
//   npm run proto -- [REFERENCE_DIR] [OUT_DIR] [OPENAPI_DIR]
//   (defaults: <repository>/../shared/reference/protobuf, <repository>/proto, <repository>/openapi)
import { readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schemasFile } from '../src/api/openapi.js';

/** Messages that are no kind of a group-version document but are sent or needed all the same. */
const EXTRA_ROOTS = [
  'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  'k8s.io.apimachinery.pkg.runtime.Unknown',
];

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const refDir = resolve(process.argv[2] ?? join(repoRoot, '..', 'shared', 'reference', 'protobuf'));
const outDir = resolve(process.argv[3] ?? join(repoRoot, 'proto'));
const openapiDir = resolve(process.argv[4] ?? join(repoRoot, 'openapi'));
mkdirSync(outDir, { recursive: true });

/** `io.k8s.api.apps.v1.Deployment` → `k8s.io.api.apps.v1.Deployment` (Go's package path, as the .proto files name it). */
function messageOfSchema(schemaName: string): string {
  return `k8s.io.${schemaName.replace(/^io\.k8s\./, '').replace(/-/g, '_')}`;
}

/** Every kind of the generated documents' group-versions, as message names. */
function kindRoots(): string[] {
  const index = JSON.parse(readFileSync(join(openapiDir, 'index.json'), 'utf8')) as Record<string, string>;
  const gvs = new Set(Object.keys(index).map((p) => (p.startsWith('api/') ? `/${p.slice(4)}` : p.slice(5))));
  const roots = new Set<string>();
  for (const file of Object.values(index)) {
    const schemas = JSON.parse(readFileSync(join(openapiDir, schemasFile(file)), 'utf8'));
    for (const [name, schema] of Object.entries(schemas as Record<string, { 'x-kubernetes-group-version-kind'?: { group: string; version: string }[] }>)) {
      if (name.startsWith('io.k8s.apimachinery.')) continue; // meta kinds (DeleteOptions, WatchEvent, Status) name every group
      if (schema['x-kubernetes-group-version-kind']?.some((g) => gvs.has(`${g.group}/${g.version}`))) roots.add(messageOfSchema(name));
    }
  }
  return [...roots].sort();
}

interface Field { label: string; type: string; name: string; number: number }
interface Message { pkg: string; name: string; fields: Field[] }


/** Facts written here for packages the reference lacks, in the form this script writes. */
const factsDir = join(repoRoot, 'scripts', 'proto-facts');
const sources = [refDir, factsDir].flatMap((dir) => readdirSync(dir).filter((f) => f.startsWith('k8s.io_') && f.endsWith('.proto')).map((f) => join(dir, f)));

const messages = new Map<string, Message>();
for (const path of sources) {
  const text = readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const pkg = /^package\s+([\w.]+);/m.exec(text)![1];
  const re = /message\s+(\w+)\s*\{([^}]*)\}/g;
  for (let m; (m = re.exec(text));) {
    const fields: Field[] = [];
    for (const line of m[2].split(';')) {
      const f = /^\s*(optional|repeated)?\s*(map<[^>]+>|[\w.]+)\s+(\w+)\s*=\s*(\d+)/.exec(line);
      if (f) fields.push({ label: f[1] ?? '', type: f[2], name: f[3], number: Number(f[4]) });
    }
    messages.set(`${pkg}.${m[1]}`, { pkg, name: m[1], fields });
  }
}

function resolveType(type: string, pkg: string): string | undefined {
  const inner = type.startsWith('map<') ? type.slice(4, -1).split(',')[1].trim() : type;
  if (inner.startsWith('.')) return messages.has(inner.slice(1)) ? inner.slice(1) : undefined;
  if (messages.has(`${pkg}.${inner}`)) return `${pkg}.${inner}`;
  return messages.has(inner) ? inner : undefined;
}

const packages = new Set([...messages.values()].map((m) => m.pkg));
const skipped: string[] = [];
const roots = kindRoots().filter((name) => {
  if (packages.has(name.slice(0, name.lastIndexOf('.')))) return true;
  skipped.push(name); // the reference has no .proto for this package
  return false;
});
const needed = new Set<string>();
const queue = [...roots, ...EXTRA_ROOTS];
while (queue.length) {
  const name = queue.pop()!;
  if (needed.has(name)) continue;
  const msg = messages.get(name);
  if (!msg) throw new Error(`no message ${name} in the reference`);
  needed.add(name);
  for (const f of msg.fields) {
    const t = resolveType(f.type, msg.pkg);
    if (t) queue.push(t);
  }
}

const byPackage = new Map<string, Message[]>();
for (const name of [...needed].sort()) {
  const msg = messages.get(name)!;
  byPackage.set(msg.pkg, [...(byPackage.get(msg.pkg) ?? []), msg]);
}
const files: string[] = [];
for (const [pkg, msgs] of byPackage) {
  const lines = ['// tinykube: the subset of this package that tinykube decodes. Generated by scripts/gen-proto.ts.', 'syntax = "proto2";', `package ${pkg};`, ''];
  for (const m of msgs) {
    lines.push(`message ${m.name} {`);
    for (const f of m.fields) lines.push(`  ${f.label ? f.label + ' ' : ''}${f.type} ${f.name} = ${f.number};`);
    lines.push('}', '');
  }
  const file = `${pkg.replace(/^k8s\.io\./, '').replace(/\./g, '_')}.proto`;
  writeFileSync(join(outDir, file), lines.join('\n'));
  files.push(file);
  console.log(`${file}: ${msgs.length} messages`);
}
writeFileSync(join(outDir, 'index.json'), JSON.stringify(files.sort(), null, 1) + '\n');
console.log(`${roots.length} kinds; ${needed.size} messages in all`);
if (skipped.length) console.log(`no .proto in the reference for: ${skipped.join(', ')}`);
