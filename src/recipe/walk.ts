/**
 * Every recipe file of a recipes tree (`<root>/<ecosystem>/<name>/<version>.toml`, npm scopes one
 * level deeper), for `bale build --all` and `bale gc`. Only the ecosystems' directories are read:
 * a tree kept in git has a `.git` and perhaps a README beside them.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ECOSYSTEMS } from '../purl/purl.js';

/** Deep enough for `npm/@scope/name/1.0.0.toml`; nothing bale writes is deeper. */
const MAX_DEPTH = 3;

async function entries(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
}

/** Absolute paths of every recipe file under `root`, sorted; hidden and temp files are skipped. */
export async function listRecipeFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    for (const e of await entries(dir)) {
      if (e.name.startsWith('.')) continue; // temp files of atomic writes are dot-files
      const p = path.join(dir, e.name);
      if (e.isDirectory() && depth < MAX_DEPTH) await walk(p, depth + 1);
      else if (e.isFile() && depth >= 2 && e.name.endsWith('.toml')) out.push(p);
    }
  };
  for (const eco of ECOSYSTEMS) await walk(path.join(path.resolve(root), eco), 1);
  return out.sort();
}
