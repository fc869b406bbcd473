/**
 * Finding image files: `*.image.toml` under a directory, as `gc --keep-images DIR` and the
 * dashboard's `--images DIR` look for them.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Directory levels searched below the one given. */
const DEPTH = 4;

/**
 * Every `*.image.toml` under `dir`, up to DEPTH levels down, sorted; names starting with `.` are
 * passed over. An unreadable `dir` throws its errno error (the caller says what the flag wanted);
 * an unreadable subdirectory is passed over.
 */
export async function findImageFiles(dir: string, depth = 0): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (depth > 0) return [];
    throw err;
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory() && depth < DEPTH) out.push(...(await findImageFiles(p, depth + 1)));
    else if (e.isFile() && e.name.endsWith('.image.toml')) out.push(p);
  }
  return out.sort();
}
