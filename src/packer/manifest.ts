/**
 * The manifest that lies beside each package: what it is, what it needs, every file it holds.
 * Written canonically (fixed key order, sorted depends) so the same package always gets the
 * same manifest bytes, which a signature can then cover.
 */
import * as z from '../util/zod.js';
import { UserError } from '../errors/index.js';
import type { EntryType } from './entry.js';
import { compareBytes } from './normalize.js';

export interface ManifestFile {
  /** As in the tar: directories end with '/'. */
  path: string;
  type: EntryType;
  /** Normalised mode bits (0644, 0755 or 0777). */
  mode: number;
  /** Bytes of content in the tar: 0 for directories and symlinks. */
  size: number;
  /** sha256 of the content, hex; files only. */
  sha256?: string;
  /** Link target; symlinks only. */
  target?: string;
}

export interface PackageManifest {
  format: 1;
  name: string;
  version: string;
  purl: string;
  interpreter: { kind: string; version: string; abi: string } | null;
  recipe_digest: string;
  source_date_epoch: number;
  depends: { name: string; version: string }[];
  /**
   * Maintainer scripts of a Debian package (`postinst`, `triggers`...) that were not run and are not
   * in the package, sorted; [] when it had none. Absent for other ecosystems, so their bytes stay as they were.
   */
  dropped_scripts?: string[];
  builder: { bale: string; node: string; zlib: string };
  tar_sha256: string;
  files: ManifestFile[];
}

const hex64 = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'));
const text = z.string().check(z.minLength(1));

/**
 * The file list is checked by hand, not by zod: composing an image reads thousands of manifests
 * with hundreds of thousands of entries, where zod's per-entry cost dominated. Same rules as a
 * discriminated union on `type`: exactly these keys per type, sizes and modes in range.
 */
const FILE_KEYS: Record<string, readonly string[]> = {
  file: ['path', 'type', 'mode', 'size', 'sha256'],
  dir: ['path', 'type', 'mode', 'size'],
  symlink: ['path', 'type', 'mode', 'size', 'target'],
};

function isHex64(s: unknown): boolean {
  if (typeof s !== 'string' || s.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

const isText = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
const isCount = (v: unknown, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

/** Problems with one entry of `files`, as `files.<i>.<key>: why`. */
function fileProblems(f: unknown, i: number): string[] {
  const at = (k: string, why: string): string => `files.${i}${k === '' ? '' : `.${k}`}: ${why}`;
  if (typeof f !== 'object' || f === null || Array.isArray(f)) return [at('', 'expected an object')];
  const o = f as Record<string, unknown>;
  const keys = FILE_KEYS[String(o['type'])];
  if (keys === undefined) return [at('type', 'expected "file", "dir" or "symlink"')];
  const out: string[] = [];
  // Counting keys is enough on the common path: the checks below require each expected one.
  let n = 0;
  for (const k in o) if (Object.hasOwn(o, k)) n++;
  if (n !== keys.length) for (const k of Object.keys(o)) if (!keys.includes(k)) out.push(at(k, `unknown key for a ${String(o['type'])}`));
  if (!isText(o['path'])) out.push(at('path', 'expected a non-empty string'));
  if (!isCount(o['mode'], 0o7777)) out.push(at('mode', 'expected an integer from 0 to 0o7777'));
  if (o['type'] === 'file') {
    if (!isCount(o['size'], Number.MAX_SAFE_INTEGER)) out.push(at('size', 'expected a whole number'));
    if (!isHex64(o['sha256'])) out.push(at('sha256', 'expected 64 lowercase hex digits'));
  } else if (o['size'] !== 0) out.push(at('size', 'expected 0'));
  if (o['type'] === 'symlink' && !isText(o['target'])) out.push(at('target', 'expected a non-empty string'));
  return out;
}

const manifestSchema: z.ZodMiniType<PackageManifest> = z.strictObject({
  format: z.literal(1),
  name: text,
  version: text,
  purl: text,
  interpreter: z.nullable(z.strictObject({ kind: text, version: text, abi: text })),
  recipe_digest: text,
  source_date_epoch: z.number().check(z.int(), z.gte(0)),
  depends: z.array(z.strictObject({ name: text, version: text })),
  dropped_scripts: z.optional(z.array(text)),
  builder: z.strictObject({ bale: text, node: text, zlib: text }),
  tar_sha256: hex64,
  files: z.array(z.unknown()),
}) as unknown as z.ZodMiniType<PackageManifest>;

/** Rebuild each object with its keys in the documented order: JSON.stringify keeps insertion order. */
function canonicalFile(f: ManifestFile): ManifestFile {
  const out: ManifestFile = { path: f.path, type: f.type, mode: f.mode, size: f.size };
  if (f.sha256 !== undefined) out.sha256 = f.sha256;
  if (f.target !== undefined) out.target = f.target;
  return out;
}

function compareDepends(a: { name: string; version: string }, b: { name: string; version: string }): number {
  return compareBytes(a.name, b.name) || compareBytes(a.version, b.version);
}

/** Canonical JSON: fixed key order, depends sorted bytewise, 2-space indent, trailing newline. */
export function manifestJson(m: PackageManifest): string {
  const canonical: PackageManifest = {
    format: m.format,
    name: m.name,
    version: m.version,
    purl: m.purl,
    interpreter: m.interpreter === null ? null : { kind: m.interpreter.kind, version: m.interpreter.version, abi: m.interpreter.abi },
    recipe_digest: m.recipe_digest,
    source_date_epoch: m.source_date_epoch,
    depends: m.depends.map((d) => ({ name: d.name, version: d.version })).sort(compareDepends),
    ...(m.dropped_scripts === undefined ? {} : { dropped_scripts: [...m.dropped_scripts].sort(compareBytes) }),
    builder: { bale: m.builder.bale, node: m.builder.node, zlib: m.builder.zlib },
    tar_sha256: m.tar_sha256,
    files: m.files.map(canonicalFile),
  };
  return `${JSON.stringify(canonical, null, 2)}\n`;
}

/** Decode and validate a manifest; every problem is reported on one line naming the file. */
export function parseManifest(text: string, file: string): PackageManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new UserError('EMANIFEST', `${file}: not valid JSON (${why}): rebuild the package or restore the file`);
  }
  const result = manifestSchema.safeParse(raw);
  const problems = result.success ? [] : result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  if (result.success) for (const [i, f] of result.data.files.entries()) problems.push(...fileProblems(f, i));
  if (!result.success || problems.length > 0) {
    throw new UserError(
      'EMANIFEST',
      `${file}: invalid manifest (${problems.slice(0, 10).join('; ')}${problems.length > 10 ? `; and ${problems.length - 10} more` : ''}): rebuild the package or restore the file`,
    );
  }
  return result.data;
}
