/**
 * The manifest that lies beside each package: what it is, what it needs, every file it holds.
 * Written canonically (fixed key order, sorted depends) so the same package always gets the
 * same manifest bytes, which a signature can then cover.
 */
import { z } from 'zod';
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
  builder: { bale: string; node: string; zlib: string };
  tar_sha256: string;
  files: ManifestFile[];
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');
const text = z.string().min(1);
const mode = z.number().int().min(0).max(0o7777);

const fileSchema = z.discriminatedUnion('type', [
  z.strictObject({ path: text, type: z.literal('file'), mode, size: z.number().int().min(0), sha256: hex64 }),
  z.strictObject({ path: text, type: z.literal('dir'), mode, size: z.literal(0) }),
  z.strictObject({ path: text, type: z.literal('symlink'), mode, size: z.literal(0), target: text }),
]);

const manifestSchema: z.ZodType<PackageManifest> = z.strictObject({
  format: z.literal(1),
  name: text,
  version: text,
  purl: text,
  interpreter: z.strictObject({ kind: text, version: text, abi: text }).nullable(),
  recipe_digest: text,
  source_date_epoch: z.number().int().min(0),
  depends: z.array(z.strictObject({ name: text, version: text })),
  builder: z.strictObject({ bale: text, node: text, zlib: text }),
  tar_sha256: hex64,
  files: z.array(fileSchema),
});

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
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new UserError('EMANIFEST', `${file}: invalid manifest (${problems.join('; ')}): rebuild the package or restore the file`);
  }
  return result.data;
}
