import { readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Every file under dir, relative with `/`, depth first with each directory's names sorted: the
 * order the fixture builders feed files (and hash them) in, so it must not change.
 */
export async function walk(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const r = path.posix.join(rel, e.name);
    if (e.isDirectory()) out.push(...(await walk(dir, r)));
    else if (e.isFile()) out.push(r);
  }
  return out;
}
