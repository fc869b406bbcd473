import { createHash } from 'node:crypto';
import { baleVersion } from '../util/package-root.js';

/**
 * Content-hash identity of a build: the recipe's digest, the target, bale's version and the zlib
 * that compresses the package (its bytes depend on it). Same key, same package bytes: a fleet
 * never builds one twice, and a hit in the store is a finished build.
 */
export function buildKey(recipeDigest: string, targetId: string): string {
  const input = JSON.stringify({ bale: baleVersion(), recipe: recipeDigest, target: targetId, zlib: process.versions.zlib });
  return createHash('sha256').update(input).digest('hex');
}
