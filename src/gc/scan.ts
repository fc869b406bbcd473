/**
 * What a local store holds, as gc sees it: each package with every file of its stem (archive,
 * manifest, checksum, description and any sidecar such as `.tar.gz.minisig` or
 * `.tar.gz.intoto.jsonl`), the build records, and the recipe texts by digest. Temp files of
 * atomic writes (dot-files) and names gc does not know are never listed, so never removed.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILDS_DIR, PACKAGES_DIR, RECIPES_DIR } from '../store/paths.js';
import { isTempName } from '../util/atomic-write.js';

export interface StoreFile {
  /** Absolute path. */
  path: string;
  size: number;
  mtimeMs: number;
}

export interface DescribedInput {
  build_key: string;
  name: string;
  version: string;
  sha256: string;
}

export interface ScannedPackage {
  /** `<name>-<version>-<sha12>` */
  stem: string;
  files: StoreFile[];
  /** From its manifest; undefined when it has none (a half-written package: never removed before grace ends). */
  recipeDigest?: string;
  /** From its build description, when it has one. */
  recipes: string[];
  inputs: DescribedInput[];
}

export interface ScannedRecord {
  key: string;
  file: StoreFile;
  /** Stems of the packages the record names. */
  stems: string[];
}

export interface StoreScan {
  packages: Map<string, ScannedPackage>;
  records: ScannedRecord[];
  /** Recipe texts by digest. */
  recipes: Map<string, StoreFile>;
}

/** `<stem>.<kind>[.<sidecar>]`: the stem ends in 12 hex digits (paths.ts packageStem). */
const PACKAGE_FILE = /^(.+-[0-9a-f]{12})\.(?:tar\.gz|manifest\.json|sha256|build\.json)(?:\..+)?$/;
const RECORD_FILE = /^([0-9a-f]{16,128})\.json$/;
const RECIPE_FILE = /^([0-9a-f]{64})\.toml$/;

async function names(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith('.') && !isTempName(n)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function fileOf(path: string): Promise<StoreFile | undefined> {
  try {
    const st = await stat(path);
    return st.isFile() ? { path, size: st.size, mtimeMs: st.mtimeMs } : undefined;
  } catch {
    return undefined; // removed since the directory was read
  }
}

async function json(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const v: unknown = JSON.parse(await readFile(path, 'utf8'));
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export async function scanStore(root: string): Promise<StoreScan> {
  const packages = new Map<string, ScannedPackage>();
  const pkgDir = join(root, PACKAGES_DIR);
  for (const name of await names(pkgDir)) {
    const stem = PACKAGE_FILE.exec(name)?.[1];
    const file = stem === undefined ? undefined : await fileOf(join(pkgDir, name));
    if (stem === undefined || file === undefined) continue;
    let p = packages.get(stem);
    if (p === undefined) packages.set(stem, (p = { stem, files: [], recipes: [], inputs: [] }));
    p.files.push(file);
  }
  for (const p of packages.values()) {
    const manifest = await json(join(pkgDir, `${p.stem}.manifest.json`));
    if (typeof manifest?.['recipe_digest'] === 'string') p.recipeDigest = manifest['recipe_digest'];
    const description = await json(join(pkgDir, `${p.stem}.build.json`));
    if (description !== undefined) {
      p.recipes = strings(description['recipes']);
      if (typeof description['recipe_digest'] === 'string') p.recipes.push(description['recipe_digest']);
      p.inputs = (Array.isArray(description['inputs']) ? description['inputs'] : []) as DescribedInput[];
    }
  }
  const records: ScannedRecord[] = [];
  for (const name of await names(join(root, BUILDS_DIR))) {
    const key = RECORD_FILE.exec(name)?.[1];
    const file = key === undefined ? undefined : await fileOf(join(root, BUILDS_DIR, name));
    if (key === undefined || file === undefined) continue;
    const record = await json(file.path);
    const listed = Array.isArray(record?.['packages']) ? (record['packages'] as { file?: unknown }[]) : [];
    const stems = listed.flatMap((p) => {
      const m = typeof p.file === 'string' ? /^packages\/(.+)\.tar\.gz$/.exec(p.file) : null;
      return m === null ? [] : [m[1]!];
    });
    records.push({ key, file, stems });
  }
  const recipes = new Map<string, StoreFile>();
  for (const name of await names(join(root, RECIPES_DIR))) {
    const digest = RECIPE_FILE.exec(name)?.[1];
    const file = digest === undefined ? undefined : await fileOf(join(root, RECIPES_DIR, name));
    if (digest !== undefined && file !== undefined) recipes.set(digest, file);
  }
  return { packages, records, recipes };
}
