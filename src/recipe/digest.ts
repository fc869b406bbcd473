import { createHash } from 'node:crypto';
import type { Recipe } from './schema.js';
import { formatRecipe } from './write.js';

/**
 * Content identity of a recipe: hex sha256 of its canonical text. Hashing the canonical form
 * (not the file) means whitespace, comments and key order edits keep the digest; content edits
 * change it. Queue job ids and package manifests carry it.
 */
export function recipeDigest(r: Recipe): string {
  return createHash('sha256').update(formatRecipe(r), 'utf8').digest('hex');
}
