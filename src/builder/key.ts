import { createHash } from 'node:crypto';
import { baleVersion } from '../util/package-root.js';

/**
 * Content-hash identity of a build: the recipe's digest, the target, bale's version, the zlib
 * that compresses the package (its bytes depend on it) and the keys of the builds it ran against. Same key, same package bytes: a fleet
 * never builds one twice, and a hit in the store is a finished build.
 */
export function buildKey(recipeDigest: string, targetId: string, inputs: string[] = []): string {
  const input = JSON.stringify({
    bale: baleVersion(),
    recipe: recipeDigest,
    target: targetId,
    zlib: process.versions.zlib,
    ...(inputs.length > 0 ? { inputs: [...inputs].sort() } : {}),
  });
  return createHash('sha256').update(input).digest('hex');
}
