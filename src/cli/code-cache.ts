/**
 * V8 code caches of the CLI bundle, one per command (launch.ts uses them): where they live, and
 * writing one so that no reader ever sees half of it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Where code caches go: `<cache>/bale/code`, as the rest of bale's cache (paths.ts); undefined when there is no home. */
function cacheDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'bale', 'code');
  try {
    return join(env.HOME || homedir(), '.cache', 'bale', 'code');
  } catch {
    return undefined;
  }
}

/** The cache file for this bundle, Node and command (the first word of the arguments; only a name). */
export function codeCacheFile(bundle: Buffer, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = cacheDir(env);
  if (dir === undefined) return undefined;
  const command = argv.find((a) => /^[a-z][a-z-]{0,31}$/.test(a)) ?? 'none';
  const id = createHash('sha256').update(bundle).update(`\0${process.version}\0${process.arch}`).digest('hex').slice(0, 32);
  return join(dir, `${command}-${id}.v8`);
}

/** Writes the cache atomically and drops this command's caches of other bundles; a failure only costs the next run time. */
export function keepCodeCache(file: string, data: Buffer): void {
  const dir = dirname(file);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(temp, data);
    renameSync(temp, file);
    const name = file.slice(dir.length + 1);
    const command = name.slice(0, name.lastIndexOf('-'));
    for (const old of readdirSync(dir)) {
      if (old !== name && old.slice(0, old.lastIndexOf('-')) === command && /-[0-9a-f]{32}\.v8$/.test(old))
        rmSync(join(dir, old), { force: true });
    }
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // The directory itself is unusable: nothing was written.
    }
  }
}

/** The cache, if there is one to read. */
export function readCodeCache(file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}
