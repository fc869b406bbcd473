/**
 * Subresource Integrity (SRI) strings, as pinned in recipes: parse, compute, verify.
 * Only sha256 and sha512 are accepted: weaker hashes cannot pin a build.
 */
import { createHash } from 'node:crypto';
import ssri from 'ssri';
import { IntegrityError, UserError } from '../errors/index.js';

export type SriAlgorithm = 'sha256' | 'sha512';

/** One pinned digest: what the data must hash to, and the hex form that names it in the cache. */
export interface PinnedDigest {
  algorithm: SriAlgorithm;
  hex: string;
  sri: string;
}

const DIGEST_BYTES: Record<SriAlgorithm, number> = { sha256: 32, sha512: 64 };
// Strongest first: as in SRI, only the strongest algorithm present is checked.
const BY_STRENGTH: readonly SriAlgorithm[] = ['sha512', 'sha256'];

/**
 * The digests of the strongest supported algorithm in `integrity` (usually exactly one).
 * Garbage, or only weak algorithms, is a UserError naming `what`.
 */
export function parseIntegrity(integrity: string, what: string): PinnedDigest[] {
  if (typeof integrity !== 'string') throw badIntegrity(String(integrity), what);
  // ssri returns null (despite its types) when no token is valid SRI.
  const parsed = ssri.parse(integrity, { strict: true }) as ssri.IntegrityMap | null;
  for (const algorithm of BY_STRENGTH) {
    const hashes = parsed?.[algorithm];
    if (!hashes || hashes.length === 0) continue;
    return hashes.map((hash) => {
      const bytes = Buffer.from(hash.digest, 'base64');
      if (bytes.length !== DIGEST_BYTES[algorithm] || bytes.toString('base64') !== hash.digest) {
        throw badIntegrity(integrity, what);
      }
      return { algorithm, hex: bytes.toString('hex'), sri: `${algorithm}-${hash.digest}` };
    });
  }
  throw badIntegrity(integrity, what);
}

function badIntegrity(integrity: string, what: string): UserError {
  const shown = integrity.length > 100 ? `${integrity.slice(0, 100)}...` : integrity;
  return new UserError(
    'EBADINTEGRITY',
    `${what}: integrity "${shown}" is not a sha256- or sha512- SRI string: fix the recipe's hash or re-import`,
  );
}

export function sriOf(data: Buffer, algorithm: SriAlgorithm): string {
  return `${algorithm}-${createHash(algorithm).update(data).digest('base64')}`;
}

/**
 * Checks `data` against the pinned digests and returns the one it matched (its hex names the cache
 * file). Throws IntegrityError naming `what`, the expected and the actual hash.
 */
export function matchIntegrity(data: Buffer, pinned: PinnedDigest[], what: string): PinnedDigest {
  const first = pinned[0];
  if (!first) throw new Error('matchIntegrity: no pinned digest');
  // All pinned digests share one algorithm, so one hash pass is enough.
  const actualHex = createHash(first.algorithm).update(data).digest('hex');
  const hit = pinned.find((p) => p.hex === actualHex);
  if (hit) return hit;
  const actual = `${first.algorithm}-${Buffer.from(actualHex, 'hex').toString('base64')}`;
  const expected = pinned.map((p) => p.sri).join(' ');
  throw new IntegrityError(
    `${what}: integrity mismatch: expected ${expected}, got ${actual}: the source changed upstream or the recipe's hash is wrong; re-import to re-pin`,
  );
}

/** Throws IntegrityError naming `what`, expected and actual; a malformed `integrity` is a UserError. */
export function verifyIntegrity(data: Buffer, integrity: string, what: string): void {
  matchIntegrity(data, parseIntegrity(integrity, what), what);
}
