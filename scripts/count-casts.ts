// Counts TypeScript casts: `x as T` (not `as const`) and non-null assertions `x!`, the project's
// measure of how much of the code the type checker takes on trust (issue 15, item 7).
//
//   npx tsx scripts/count-casts.ts [dir-or-file ...] [v]
//
// Prints the totals; with a last argument `v`, also one line per file that has any:
// `<as> <!> <path>`, most first. The default root is src.
import ts from 'typescript';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function walk(path: string, out: string[] = []): string[] {
  if (!statSync(path).isDirectory()) {
    if (path.endsWith('.ts')) out.push(path);
    return out;
  }
  for (const name of readdirSync(path).sort()) walk(join(path, name), out);
  return out;
}

function count(file: string): { as: number; bang: number } {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  let as = 0;
  let bang = 0;
  const visit = (node: ts.Node): void => {
    if (ts.isAsExpression(node) && !(ts.isTypeReferenceNode(node.type) && node.type.typeName.getText() === 'const')) as++;
    if (ts.isNonNullExpression(node)) bang++;
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { as, bang };
}

const args = process.argv.slice(2);
const verbose = args.at(-1) === 'v';
const roots = verbose ? args.slice(0, -1) : args;
const files = (roots.length ? roots : ['src']).flatMap((root) => walk(root));
const perFile = files.map((file) => ({ file, ...count(file) }));
const total = perFile.reduce((sum, f) => ({ as: sum.as + f.as, bang: sum.bang + f.bang }), { as: 0, bang: 0 });
console.log('as', total.as, '!', total.bang, `(${total.as + total.bang} in ${files.length} files)`);
if (verbose) {
  perFile
    .filter((f) => f.as + f.bang > 0)
    .sort((a, b) => b.as + b.bang - (a.as + a.bang) || a.file.localeCompare(b.file))
    .forEach((f) => console.log(f.as, f.bang, f.file));
}
