/**
 * Laying a closure of packages into a directory (`bale install --root`): the files of every
 * package, as an image of them would hold them, and nothing else (no package database). The set
 * is checked as compose checks an image (each path owned once, directories aside), each package
 * is read with the safe archive reader after its bytes are checked against the store (the rootfs
 * export's union: no `..`, absolute path or symlink leaving the root, even through another
 * package's link), and written without following anything already there (writeEntries).
 */
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeEntries } from '../archive/index.js';
import { UsageError } from '../errors/index.js';
import { assertNoConflicts } from '../image/conflicts.js';
import { unionEntries } from '../image/export/rootfs.js';
import type { ResolvedPackage } from '../image/types.js';

export interface Laid {
  /** Files, directories and symlinks written. */
  entries: number;
}

/**
 * Writes the union of `packages` (a closure) into `dir`, which must be missing or empty (`label`
 * names it in errors). All or nothing: everything is checked before the first write, and a write
 * that fails removes what was laid.
 */
export async function layRoot(packages: ResolvedPackage[], dir: string, label: string): Promise<Laid> {
  assertNoConflicts(packages.map((p) => ({ name: p.name, version: p.version, files: p.manifest.files })));
  const union = await unionEntries(packages);
  const existed = existsSync(dir);
  // Checked when the flag was parsed; again here, since builds may have taken minutes.
  if (existed && (await readdir(dir)).length > 0)
    throw new UsageError(`${label}: not empty any more (something was put there while bale worked); give a new or empty directory`);
  try {
    await writeEntries(union, dir);
  } catch (err) {
    await undo(dir, existed);
    throw err;
  }
  return { entries: union.length };
}

/** Back to how it was: an empty directory, or none. */
async function undo(dir: string, existed: boolean): Promise<void> {
  if (!existed) return rm(dir, { recursive: true, force: true });
  for (const name of await readdir(dir).catch(() => [])) await rm(join(dir, name), { recursive: true, force: true });
}
