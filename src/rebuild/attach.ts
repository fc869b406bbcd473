/**
 * A rebuilder's attestations, attached to the package artifact they are about in a registry: the
 * artifact is found again by its tag (the package's name, version and sha256), so a package
 * removed since it was pulled is named rather than attested in a vacuum.
 */
import { addToBundle, bundleFileFor, formatEnvelope, readBundle } from '../attest/index.js';
import { UserError } from '../errors/index.js';
import { MediaType, packageTag, packagesRepo } from '../oci/index.js';
import type { RegistryClient } from '../registry/index.js';
import { attachAttestation } from '../store/package-artifacts.js';

/** Our envelopes for a rebuilt package file (what the signing store wrote beside it). */
export const envelopesOf = (rebuiltFile: string) => readBundle(bundleFileFor(rebuiltFile));

/** Add our envelopes to the bundle beside a local package. */
export async function addToLocal(originalFile: string, rebuiltFile: string): Promise<void> {
  await addToBundle(bundleFileFor(originalFile), await envelopesOf(rebuiltFile));
}

/** Attach our envelopes to the registry's artifact of `p`; how many were attached. */
export async function attachToRegistry(
  client: RegistryClient,
  ns: string,
  p: { name: string; version: string; sha256: string },
  rebuiltFile: string,
): Promise<number> {
  const ours = await envelopesOf(rebuiltFile);
  const repo = packagesRepo(ns);
  const art = await client.findManifest(repo, packageTag(p), [MediaType.ociManifest]);
  if (art === undefined) throw new UserError('EREBUILD', `registry ${client.host}: ${repo}:${packageTag(p)} is gone: push the image again`);
  const subject = { mediaType: MediaType.ociManifest, digest: art.digest, size: art.bytes.length };
  for (const env of ours) await attachAttestation(client, repo, subject, Buffer.from(formatEnvelope(env)));
  return ours.length;
}
