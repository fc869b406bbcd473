/**
 * Temp files a killed worker left in the shared store. Atomic writes name their temp file after
 * the host and process (src/util/atomic-write.ts); a temp file of this host whose process is gone
 * can never be renamed into place, so it is removed. Other hosts' temp files are theirs to sweep:
 * a pid means nothing across machines.
 */
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive as alive } from '../src/util/alive.js';
import { parseTempName } from '../src/util/atomic-write.js';
import { BUILDS_DIR, PACKAGES_DIR } from '../src/store/paths.js';

/** Removes this host's dead writers' temp files from the store; returns how many. */
export async function sweepDeadTemps(storeRoot: string, host: string): Promise<number> {
  let removed = 0;
  for (const dir of [PACKAGES_DIR, BUILDS_DIR]) {
    let names: string[];
    try {
      names = await readdir(join(storeRoot, dir));
    } catch {
      continue;
    }
    for (const name of names) {
      const t = parseTempName(name);
      if (t === undefined || t.host !== host || alive(t.pid)) continue;
      await unlink(join(storeRoot, dir, name)).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}
