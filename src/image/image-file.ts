/**
 * The image file (`app.image.toml`): canonical bytes for a set of packages, so one signature
 * covers the set and the same set always has the same file. Written by hand (key order and
 * layout are the format); read strictly with smol-toml and zod, every problem named.
 */
import { parse as parseToml } from 'smol-toml';
import * as z from '../util/zod.js';
import { UserError } from '../errors/index.js';
import { readBoundedText, READ_BOUNDS } from '../util/read-file.js';
import type { ImageFile, ImagePackage } from './types.js';

export const IMAGE_HEADER = '# bale image v1: an unordered set of packages, sorted; signed as a whole (.minisig beside it).';

const hex64 = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'));
const line = z.string().check(z.minLength(1), z.regex(/^[^\n\r"\\]*$/, 'one line without quotes or backslashes'));
const schema = z.strictObject({
  format: z.literal(1),
  name: z
    .string()
    .check(z.regex(/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/, 'lowercase letters, digits, ".", "_", "-" (an OCI repository name)')),
  tag: z.string().check(z.regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, 'an OCI tag: letters, digits, "_", ".", "-", at most 128')),
  package: z._default(
    z.array(
      z.strictObject({
        name: line,
        version: line,
        sha256: hex64,
        size: z.number().check(z.int(), z.gte(0)),
        tar_sha256: hex64,
        purl: line,
      }),
    ),
    [],
  ),
});

export const comparePackages = (a: { name: string; version: string }, b: { name: string; version: string }): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0;

const str = (s: string): string => JSON.stringify(s);

/** The canonical text: header, scalars, then one [[package]] table per package in sorted order. */
export function formatImageFile(image: ImageFile): string {
  const out = [IMAGE_HEADER, 'format = 1', `name = ${str(image.name)}`, `tag = ${str(image.tag)}`];
  for (const p of [...image.packages].sort(comparePackages)) {
    out.push(
      '',
      '[[package]]',
      `name = ${str(p.name)}`,
      `version = ${str(p.version)}`,
      `sha256 = ${str(p.sha256)}`,
      `size = ${p.size}`,
      `tar_sha256 = ${str(p.tar_sha256)}`,
      `purl = ${str(p.purl)}`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** Strict: unknown keys, bad digests, duplicates and unsorted packages are refused (a hand edit that breaks the canonical form). */
export function parseImageFile(text: string, source: string): ImageFile {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    throw new UserError('EIMAGE', `${source}: not TOML (${(err as Error).message.split('\n')[0]}): write it with bale image compose`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new UserError('EIMAGE', `${source}: ${problems.join('; ')}`);
  }
  const packages: ImagePackage[] = r.data.package;
  for (let i = 1; i < packages.length; i++) {
    const c = comparePackages(packages[i - 1]!, packages[i]!);
    if (c === 0) throw new UserError('EIMAGE', `${source}: ${packages[i]!.name} ${packages[i]!.version} is listed twice`);
    if (c > 0)
      throw new UserError(
        'EIMAGE',
        `${source}: packages are not sorted at ${packages[i]!.name} ${packages[i]!.version}: write it with bale image compose`,
      );
  }
  const image: ImageFile = { format: 1, name: r.data.name, tag: r.data.tag, packages };
  if (formatImageFile(image) !== text) {
    throw new UserError('EIMAGE', `${source}: not in canonical form (a signature covers exact bytes): write it with bale image compose`);
  }
  return image;
}

export async function readImageFile(file: string): Promise<{ image: ImageFile; text: string }> {
  const text = await readBoundedText(file, {
    maxBytes: READ_BOUNDS.image,
    what: 'an image file',
    code: 'EIMAGE',
    hint: 'give an image file written by bale image compose or pull',
    missing: 'no such image file: compose one with bale image compose',
  });
  return { image: parseImageFile(text, file), text };
}
