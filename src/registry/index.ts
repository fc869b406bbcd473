/**
 * The OCI distribution client: see client.ts for the API, reference.ts for `oci://` URLs. The
 * OCI vocabulary it speaks (media types, descriptors, digests) is src/oci's.
 */
export { RegistryClient, type RegistryClientOptions, type PushBlobOptions, type PushOutcome, type FetchedManifest } from './client.js';
export { pushBytes, putArtifact } from './artifacts.js';
export { BlobMemo } from './blob-memo.js';
export { credentialsFromEnv, parseChallenges, type Credentials } from './auth.js';
export { nextLink, type ListOptions } from './listing.js';
export { parseIndex, parseManifest } from './replies.js';
export {
  formatImageRef,
  insecureFromEnv,
  isDigest,
  isLoopback,
  isRepository,
  isTag,
  parseImageRef,
  parseRegistryUrl,
  referenceOf,
  registryOrigin,
  type ImageRef,
  type RegistryLocation,
  type RegistryUrl,
} from './reference.js';
export { referrersTag, type AttachOptions } from './referrers.js';
