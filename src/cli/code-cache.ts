/**
 * V8 code caches of the CLI bundle, one per command (launch.ts uses them): where they live, and
 * writing one so that no reader ever sees half of it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Where code caches go, in order: beside the bundle (`<bin>/code-cache/`), as Python keeps
 * `__pycache__` beside its modules, so that every user of an install and every cache directory
 * shares one; whoever may write there may change the program itself, so it is trusted as the
 * program is. Then, for an install this user cannot write, `<cache>/bale/code` as the rest of
 * bale's cache (paths.ts).
 */
export function codeCacheDirs(bundlePath: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [join(dirname(bundlePath), 'code-cache')];
  if (env.XDG_CACHE_HOME) dirs.push(join(env.XDG_CACHE_HOME, 'bale', 'code'));
  else {
    try {
      dirs.push(join(env.HOME || homedir(), '.cache', 'bale', 'code'));
    } catch {
      // No home: beside the bundle or nowhere.
    }
  }
  return dirs;
}

/** The cache's file name for this bundle, Node and command (the first word of the arguments; only a name). */
export function codeCacheName(bundle: Buffer, argv: readonly string[]): string {
  const command = argv.find((a) => /^[a-z][a-z-]{0,31}$/.test(a)) ?? 'none';
  const id = createHash('sha256').update(bundle).update(`\0${process.version}\0${process.arch}`).digest('hex').slice(0, 32);
  return `${command}-${id}.v8`;
}

/**
 * Writes the cache atomically into the first directory that takes it and drops this command's
 * caches of other bundles there; false when none did (a failure only costs the next run time).
 */
export function keepCodeCache(dirs: readonly string[], name: string, data: Buffer): boolean {
  for (const dir of dirs) {
    const temp = join(dir, `${name}.${process.pid}.tmp`);
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(temp, data);
      renameSync(temp, join(dir, name));
    } catch {
      try {
        rmSync(temp, { force: true });
      } catch {
        // The directory itself is unusable: nothing was written.
      }
      continue;
    }
    const command = name.slice(0, name.lastIndexOf('-'));
    try {
      for (const old of readdirSync(dir)) {
        if (old !== name && old.slice(0, old.lastIndexOf('-')) === command && /-[0-9a-f]{32}\.v8$/.test(old))
          rmSync(join(dir, old), { force: true });
      }
    } catch {
      // An old cache left behind is only disk space.
    }
    return true;
  }
  return false;
}

/** The first cache of that name the directories hold, if any. */
export function readCodeCache(dirs: readonly string[], name: string): Buffer | undefined {
  for (const dir of dirs) {
    try {
      return readFileSync(join(dir, name));
    } catch {
      // Not there: the next place.
    }
  }
  return undefined;
}
