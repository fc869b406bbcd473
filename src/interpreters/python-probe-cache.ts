/**
 * What an interpreter said of itself, kept in the cache directory so the next command need not run
 * it again. An entry holds while the binary is the same file (path, device, inode, size, mtime,
 * ctime) on the same C library (ld.so.cache's mtime: a glibc upgrade runs ldconfig); anything else
 * runs the binary again. Only descriptions are kept, never failures (a timeout may not recur).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { probePython, type PythonProbe } from './python-probe.js';

const LIBRARY_CACHE = '/etc/ld.so.cache';
/** Bumped when the probe script prints something else. */
const FORMAT = 1;

async function identity(path: string): Promise<string | undefined> {
  const st = await stat(path).catch(() => undefined);
  return st === undefined ? undefined : `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

/** `probePython(bin)`, answered from `<cacheDir>/pythons/` when the binary has not changed. */
export async function cachedProbe(bin: string, cacheDir: string): Promise<PythonProbe | string> {
  const real = await realpath(bin).catch(() => bin);
  const [self, libc] = await Promise.all([identity(real), identity(LIBRARY_CACHE)]);
  if (self === undefined) return probePython(bin);
  const key = JSON.stringify({ format: FORMAT, real, self, libc: libc ?? '' });
  const dir = join(cacheDir, 'pythons');
  const file = join(dir, `${createHash('sha256').update(real).digest('hex').slice(0, 32)}.json`);
  const kept = await readFile(file, 'utf8')
    .then((t) => JSON.parse(t) as { key?: unknown; probe?: PythonProbe } | null)
    .catch(() => undefined);
  if (kept?.key === key && typeof kept.probe === 'object' && kept.probe !== null) return kept.probe;
  const probe = await probePython(bin);
  if (typeof probe !== 'string') {
    // A cache that cannot be written only costs the next command a run of the binary.
    await mkdir(dir, { recursive: true })
      .then(() => writeFileAtomic(file, JSON.stringify({ key, probe }), { durable: false }))
      .catch(() => undefined);
  }
  return probe;
}
