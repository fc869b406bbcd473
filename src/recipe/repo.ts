import type { Dirent } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { readBounded, READ_BOUNDS, type ReadBoundedOptions } from '../util/read-file.js';
import { isUserError, UserError } from '../errors/index.js';
import { ECOSYSTEMS, nameSegments, parsePurl, type Ecosystem, type Purl } from '../purl/purl.js';
import { checkRecipe, parseRecipe } from './parse.js';
import { purlProblem, q, type Recipe } from './schema.js';
import { formatRecipe } from './write.js';

/**
 * The recipes directory: `<root>/<ecosystem>/<name>/<version>.toml`, npm scopes nesting one level
 * (`npm/@types/node/20.11.0.toml`). Names and versions become path segments, so each one is
 * checked here: nothing a registry or a hand edit supplies may point outside the root.
 */

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** A segment is safe if it names one entry and is not hidden (temp files are dot-files). */
function isSafeSegment(s: string): boolean {
  return s !== '' && !s.startsWith('.') && !/[/\\\u0000]/.test(s);
}

function unsafePath(what: string, seg: string): UserError {
  return new UserError('ESPEC', `cannot use ${what} as a recipe path: ${q(seg)} is not a safe file name; check the package spec`);
}

/** The directory holding every recipe version of one package. */
export function packageDir(root: string, type: Ecosystem, name: string): string {
  if (!(ECOSYSTEMS as readonly string[]).includes(type)) throw unsafePath(`${type}:${name}`, type);
  // Only a scope may add a level, and only one: `@scope/name`.
  const parts = nameSegments(type, name);
  const n = parts.join('/');
  if (parts.length > 2 || (parts.length === 2 && parts[0] === '@')) throw unsafePath(`${type}:${name}`, n);
  for (const p of parts) if (!isSafeSegment(p)) throw unsafePath(`${type}:${name}`, p);
  const dir = path.join(root, type, ...parts);
  // Belt and braces: whatever the checks above missed must still land under the root.
  const rel = path.relative(path.resolve(root), path.resolve(dir));
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw unsafePath(`${type}:${name}`, n);
  return dir;
}

/** `<root>/<ecosystem>/<name>/<version>.toml`. Throws UserError 'ESPEC' for unsafe names or versions. */
export function recipePath(root: string, purl: Purl): string {
  if (!isSafeSegment(purl.version)) throw unsafePath(`${purl.type}:${purl.name}@${purl.version}`, purl.version);
  return path.join(packageDir(root, purl.type, purl.name), `${purl.version}.toml`);
}

/** A recipe is read only from a regular file of at most READ_BOUNDS.recipe bytes: `bale build /dev/urandom` is refused, not read forever. */
function recipeRead(file: string): ReadBoundedOptions {
  return {
    maxBytes: READ_BOUNDS.recipe,
    what: 'a recipe',
    code: 'ERECIPE',
    label: `recipe ${file}`,
    hint: 'give the path of a recipe .toml file',
    missing: 'not found; run `bale import <spec>` to create it',
  };
}

/** Read and validate one recipe. Throws UserError 'ERECIPE' if missing, unreadable, not a regular file, too large or invalid. */
export async function readRecipe(file: string): Promise<Recipe> {
  const bytes = await readBounded(file, recipeRead(file));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw new UserError('ERECIPE', `recipe ${file}: not valid UTF-8; save it as UTF-8 or run \`bale import <spec>\` again`, { cause: err });
  }
  return parseRecipe(text, file);
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readBounded(file, { ...recipeRead(file), optional: true });
  } catch (err) {
    // Not a regular file, or too large to be a recipe: not the same bytes; the write decides (it refuses all but a regular file).
    if (isUserError(err)) return undefined;
    throw err;
  }
}

/** A recipe checked exactly as writing it checks it: where it goes, its canonical form and text. */
export interface PreparedRecipe {
  file: string;
  recipe: Recipe;
  text: string;
}

/**
 * Everything writeRecipe checks, without writing: the schema (http(s) URLs, hashes, purls) and a
 * safe path. `request` runs it on every recipe before it builds, so a recipe that could not be
 * written never gets as far as the store. Throws UserError 'ERECIPE' (or 'ESPEC' for a path).
 */
export function prepareRecipe(root: string, r: Recipe): PreparedRecipe {
  if (typeof r.purl !== 'string' || purlProblem(r.purl) !== undefined) {
    // No trustworthy path to name yet: report the purl with every other problem under a label.
    const label = `(new recipe for ${q(String(r.purl))})`;
    checkRecipe(r, label);
    throw new UserError('ERECIPE', `recipe ${label}: purl is not valid`);
  }
  const file = recipePath(root, parsePurl(r.purl));
  const recipe = checkRecipe(r, file);
  return { file, recipe, text: formatRecipe(recipe) };
}

/**
 * Validate, canonicalise and write a recipe to its place under `root`. A file whose bytes already
 * match is left alone (mtime kept), so re-imports touch nothing. Throws UserError 'ERECIPE' for an
 * invalid recipe or a failed write.
 */
export async function writeRecipe(root: string, r: Recipe): Promise<{ file: string; changed: boolean }> {
  return writePrepared(prepareRecipe(root, r));
}

/** Write a recipe prepareRecipe checked. */
export async function writePrepared({ file, text }: PreparedRecipe): Promise<{ file: string; changed: boolean }> {
  try {
    const existing = await readIfExists(file);
    if (existing?.equals(Buffer.from(text, 'utf8'))) return { file, changed: false };
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, text, { durable: false });
  } catch (err) {
    if (isUserError(err)) throw err; // a fifo or device where the recipe goes, or an oversized file: named already
    const why = `cannot write it (${errnoCode(err) ?? String(err)}); check that the recipes directory is writable`;
    throw new UserError('ERECIPE', `recipe ${file}: ${why}`, { cause: err });
  }
  return { file, changed: true };
}

/**
 * Versions with a recipe for one package, sorted by code unit (not by version: ordering is
 * ecosystem-specific, callers sort with semver or PEP 440). [] if the package has none.
 */
export async function listRecipeVersions(root: string, eco: Ecosystem, name: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(packageDir(root, eco, name), { withFileTypes: true });
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.toml') && !e.name.startsWith('.'))
    .map((e) => e.name.slice(0, -'.toml'.length))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
