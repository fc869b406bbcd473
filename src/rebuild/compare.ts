/**
 * What differs between two builds of one package, from their manifests alone: the files (path,
 * type, mode, size, sha256 or link target on each side) and the manifest fields that say how it
 * was built. Two archives with the same file list and fields but different sha256 differ only in
 * the archive itself (tar headers or compression).
 */
import type { ManifestFile, PackageManifest } from '../packer/index.js';

export interface Side {
  sha256: string;
  manifest: PackageManifest;
}

export interface FileDifference {
  path: string;
  theirs: ManifestFile | undefined;
  ours: ManifestFile | undefined;
}

export interface FieldDifference {
  field: string;
  theirs: string;
  ours: string;
}

export interface Comparison {
  same: boolean;
  files: FileDifference[];
  fields: FieldDifference[];
  /** The archives differ though every file and field is the same. */
  archiveOnly: boolean;
}

/** Manifest fields that tell two builds apart; `files` and `tar_sha256` are compared on their own. */
const FIELDS = [
  'name',
  'version',
  'purl',
  'interpreter',
  'recipe_digest',
  'source_date_epoch',
  'depends',
  'dropped_scripts',
  'builder',
] as const;

const sameEntry = (a: ManifestFile, b: ManifestFile): boolean =>
  a.type === b.type && a.mode === b.mode && a.size === b.size && a.sha256 === b.sha256 && a.target === b.target;

export function comparePackages(theirs: Side, ours: Side): Comparison {
  const mine = new Map(ours.manifest.files.map((f) => [f.path, f]));
  const files: FileDifference[] = [];
  for (const t of theirs.manifest.files) {
    const o = mine.get(t.path);
    mine.delete(t.path);
    if (o === undefined || !sameEntry(t, o)) files.push({ path: t.path, theirs: t, ours: o });
  }
  for (const o of mine.values()) files.push({ path: o.path, theirs: undefined, ours: o });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const fields: FieldDifference[] = [];
  for (const f of FIELDS) {
    const a = JSON.stringify(theirs.manifest[f] ?? null);
    const b = JSON.stringify(ours.manifest[f] ?? null);
    if (a !== b) fields.push({ field: f, theirs: a, ours: b });
  }
  const same = theirs.sha256 === ours.sha256;
  const archiveOnly = !same && files.length === 0 && fields.length === 0;
  return { same, files, fields, archiveOnly };
}

function describe(f: ManifestFile | undefined): string {
  if (f === undefined) return 'absent';
  const mode = f.mode.toString(8).padStart(4, '0');
  if (f.type === 'symlink') return `symlink -> ${f.target ?? ''}`;
  if (f.type === 'dir') return `dir ${mode}`;
  return `${f.size} bytes, mode ${mode}, sha256 ${(f.sha256 ?? '').slice(0, 12)}`;
}

/** What the two sides are called in the lines: a rebuild's, unless a caller (--check) says otherwise. */
export interface SideLabels {
  theirs: string;
  ours: string;
}

/** One line per difference, at most `max` file lines (the rest counted). */
export function formatDifferences(c: Comparison, max = 20, label: SideLabels = { theirs: 'expected', ours: 'rebuilt' }): string[] {
  if (c.same) return [];
  const out: string[] = [];
  for (const f of c.fields) out.push(`manifest ${f.field}: ${label.theirs} ${f.theirs}, ${label.ours} ${f.ours}`);
  for (const f of c.files.slice(0, max)) out.push(`${f.path}: ${label.theirs} ${describe(f.theirs)}; ${label.ours} ${describe(f.ours)}`);
  if (c.files.length > max) out.push(`... and ${c.files.length - max} more differing files`);
  if (c.archiveOnly) out.push('every file and manifest field is the same: only the archive differs (tar headers or compression)');
  return out;
}
