/**
 * The OCI vocabulary, the bottom layer under the registry client, the store and the images:
 * media types, descriptors and the documents made of them, digests, annotation keys, and bale's
 * registry layout (which repository and tag holds each package, build and image). Anything may
 * import it; it imports nothing of bale's but util/zod.
 */
export { ANNOTATION } from './annotations.js';
export { digestOf, hasherFor, sha256Digest } from './digest.js';
export {
  descriptorOf,
  descriptorSchema,
  EMPTY_DESCRIPTOR,
  EMPTY_JSON,
  encodeJson,
  indexSchema,
  manifestSchema,
  OCI_LAYOUT_BYTES,
  OCI_LAYOUT_FILE,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
} from './documents.js';
export { ARTIFACT, BLOB, MANIFEST_TYPES, MediaType } from './media-types.js';
export {
  buildsRepo,
  imageRepo,
  isReferrersTag,
  leasesRepo,
  packageAnnotations,
  packagesRepo,
  packageTag,
  storeRepos,
  type PackageLabels,
} from './registry-layout.js';
