/**
 * The store as the dashboard shows it: how many packages, their bytes, and the newest ones. Read
 * from the store's local directory (for `oci://` stores, the local copy). A file list and a stat
 * per package, so it is kept for a while rather than read at every page view.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** How long one reading of the store is shown before the directory is read again. */
const FRESH_MS = 30_000;
const NEWEST = 10;
/** stat calls at once. */
const BATCH = 64;

export interface StorePackage {
  name: string;
  version: string;
  purl?: string;
  size: number;
  /** When its file was written, ms since the epoch. */
  mtime: number;
  file: string;
}

export interface StoreView {
  location: string;
  /** When the directory was read. */
  at: number;
  packages: number;
  bytes: number;
  newest: StorePackage[];
}

async function describe(root: string, file: string, size: number, mtime: number): Promise<StorePackage> {
  const manifest = join(root, 'packages', file.replace(/\.tar\.gz$/, '.manifest.json'));
  const m = (await readFile(manifest, 'utf8').then(JSON.parse, () => ({}))) as { name?: unknown; version?: unknown; purl?: unknown };
  const stem = file.replace(/\.tar\.gz$/, '');
  return {
    name: typeof m.name === 'string' ? m.name : stem,
    version: typeof m.version === 'string' ? m.version : '',
    ...(typeof m.purl === 'string' ? { purl: m.purl } : {}),
    size,
    mtime,
    file,
  };
}

export async function readStore(root: string, location: string, now = Date.now()): Promise<StoreView> {
  const files = (await readdir(join(root, 'packages')).catch(() => [] as string[])).filter((f) => f.endsWith('.tar.gz'));
  const seen: { file: string; size: number; mtime: number }[] = [];
  for (let i = 0; i < files.length; i += BATCH) {
    const batch = files.slice(i, i + BATCH);
    const stats = await Promise.all(batch.map((f) => stat(join(root, 'packages', f)).catch(() => undefined)));
    for (const [k, s] of stats.entries()) if (s?.isFile() === true) seen.push({ file: batch[k]!, size: s.size, mtime: s.mtimeMs });
  }
  const newest = seen.sort((a, b) => b.mtime - a.mtime || (a.file < b.file ? -1 : 1)).slice(0, NEWEST);
  return {
    location,
    at: now,
    packages: seen.length,
    bytes: seen.reduce((n, s) => n + s.size, 0),
    newest: await Promise.all(newest.map((s) => describe(root, s.file, s.size, s.mtime))),
  };
}

/** readStore, read again only once the last reading is FRESH_MS old. */
export function storeReader(root: string, location: string): () => Promise<StoreView> {
  let last: Promise<StoreView> | undefined;
  let at = 0;
  return () => {
    if (last === undefined || Date.now() - at > FRESH_MS) {
      at = Date.now();
      last = readStore(root, location, at);
    }
    return last;
  };
}
