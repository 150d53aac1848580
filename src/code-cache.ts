// Runs the command's bundle (dist/cli.cjs: src/cli.ts and all it imports as one CommonJS script,
// scripts/build.js) from V8's code cache. Compiling that megabyte of JavaScript, and each function
// as it first runs, took 45-70 ms of every start on this project's machine kind, where reading its
// cache takes 25-28 (bench/RESULTS.md, ninth part); Node 20 keeps no code cache for ES modules
// (module.enableCompileCache came in Node 22), while vm.Script both takes one and makes one.
//
// The cache sits beside the bundle, named by Node's version: whoever can write it can write the
// bundle too, so it trusts no one the bundle does not, and a rebuild (which empties dist/) drops
// it. V8 refuses a cache made by another V8, other flags or another source; a start with no
// accepted cache compiles as before and, when it serves, writes one as it exits (by then it holds
// every function the start and the serving ran). A bundle where nothing may write starts without.
import { isAscii } from 'node:buffer';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** Where a bundle's code cache lives for this Node. */
export function codeCachePath(bundle: string): string {
  return `${bundle}.${process.version}-${process.arch}.v8cache`;
}

/** What running a bundle found: whether a cache was there and whether V8 took it. */
export interface CodeCacheUse {
  cache: 'accepted' | 'rejected' | 'none';
}

/**
 * Runs a CommonJS bundle as Node's loader would (exports, require, module, __filename, __dirname),
 * compiled from its code cache when V8 accepts one; otherwise, with `writeCache`, makes one at exit.
 */
export function runCommonJSBundle(bundle: string, options: { writeCache: boolean }): CodeCacheUse {
  const bytes = readFileSync(bundle);
  // esbuild writes ASCII (escapes in strings; the sources escape theirs in regular expressions):
  // read as Latin-1 it is a one-byte string, half the decoding of UTF-8.
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const cacheFile = codeCachePath(bundle);
  const cachedData = readIfPresent(cacheFile);
  // The wrapper has a line of its own, which lineOffset takes back: the bundle's positions (and so
  // its source map's) stay what they are in the file.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {\n${source}\n})`, { filename: bundle, lineOffset: -1, cachedData });
  const cache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted';
  if (options.writeCache && cache !== 'accepted') process.once('exit', () => writeCodeCache(script, cacheFile));
  const module = { exports: {} };
  const wrapper = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  wrapper.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return { cache };
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Written whole or not at all: concurrent starts each rename their own file over the name. */
function writeCodeCache(script: Script, file: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, file);
  } catch {
    // A read-only install: every start compiles, as it would without this module.
    rmSync(temporary, { force: true });
  }
}
