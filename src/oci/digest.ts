/** Content digests (`sha256:<hex>`), as OCI names blobs and manifests in a registry and in an image layout. */
import { createHash, type Hash } from 'node:crypto';

export function sha256Digest(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A hasher for the digest's own algorithm (sha256 or sha512), so a sha512-named blob is checked as such. */
export function hasherFor(digest: string): Hash {
  return createHash(digest.startsWith('sha512:') ? 'sha512' : 'sha256');
}

export function digestOf(data: Buffer, like: string): string {
  const alg = like.startsWith('sha512:') ? 'sha512' : 'sha256';
  return `${alg}:${hasherFor(like).update(data).digest('hex')}`;
}
