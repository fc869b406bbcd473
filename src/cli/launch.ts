#!/usr/bin/env node
/**
 * The `bale` command (dist/bin/main.js): runs the CLI, bundled into one CommonJS module beside it
 * (bale-cli.js, the module's wrapper function as a script), through V8's code cache. Node 20
 * keeps compiled code for no module (Node 22's module compile cache is the same idea), so every
 * command compiled all it ran again: on a typescript build ~70 ms of 0.7 s (measured). One cache
 * per command, as `build` runs other code than `--version`, beside the bundle when it may be
 * written, else in the user's cache directory (code-cache.ts).
 */
import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vm from 'node:vm';
import { LAUNCHER_IMPORT } from '../util/load-module.js';
import { codeCacheDirs, codeCacheName, keepCodeCache, readCodeCache } from './code-cache.js';

function run(): void {
  const bundle = fileURLToPath(new URL('./bale-cli.js', import.meta.url));
  // An import() compiled from a code cache finds no loader in a vm script: the bundle loads
  // packages through this one instead (util/load-module.ts).
  (globalThis as Record<symbol, unknown>)[LAUNCHER_IMPORT] = (specifier: string) => import(specifier);
  const bytes = readFileSync(bundle);
  const dirs = codeCacheDirs(bundle);
  const name = codeCacheName(bytes, process.argv.slice(2));
  const cached = readCodeCache(dirs, name);
  // The bundle is the CommonJS wrapper function itself (npm run bundle), minified to ASCII: one copy, no re-wrapping.
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const script = new vm.Script(source, { filename: bundle, ...(cached !== undefined ? { cachedData: cached } : {}) });
  if (cached === undefined || script.cachedDataRejected === true) {
    // At exit, so the cache holds every function this command compiled, not only the top level.
    process.once('exit', () => keepCodeCache(dirs, name, script.createCachedData()));
  }
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
}

run();
