/** The OCI distribution client: see client.ts for the API, reference.ts for `oci://` URLs. */
export { RegistryClient, type RegistryClientOptions, type PushBlobOptions, type PushOutcome, type FetchedManifest } from './client.js';
export { credentialsFromEnv, parseChallenges, type Credentials } from './auth.js';
export { sha256Digest } from './digest.js';
export { nextLink, type ListOptions } from './listing.js';
export {
  EMPTY_DESCRIPTOR,
  EMPTY_JSON,
  MANIFEST_TYPES,
  MediaType,
  encodeJson,
  parseIndex,
  parseManifest,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
} from './media.js';
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
