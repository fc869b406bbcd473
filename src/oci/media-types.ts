/**
 * Media types: OCI's and Docker's (what bale writes and what registries answer with), and bale's
 * own artifact and blob types, which mark what bale pushed (see registry-layout.ts).
 */

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  /** The placeholder config of an artifact that has no config (OCI image spec 1.1). */
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

/** Every manifest type bale reads; registries answer 404 to an Accept that leaves a stored type out. */
export const MANIFEST_TYPES = [MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest, MediaType.dockerManifestList];

/** The `artifactType` of each artifact manifest bale pushes. */
export const ARTIFACT = {
  package: 'application/vnd.dev.bale.package.v1',
  image: 'application/vnd.dev.bale.image.v1',
  signature: 'application/vnd.dev.bale.signature.v1',
  build: 'application/vnd.dev.bale.build.v1',
  /** A builder's lease or a collector's mark in a registry store (src/store/registry-leases.ts). */
  lease: 'application/vnd.dev.bale.lease.v1',
  /** A build attestation attached to a package: in-toto's own media type, as the in-toto attestation spec asks. */
  attestation: 'application/vnd.in-toto+json',
} as const;

/** The media types of the blobs in those artifacts (a package's archive is an ordinary OCI gzip layer). */
export const BLOB = {
  packageManifest: 'application/vnd.dev.bale.package.manifest.v1+json',
  imageFile: 'application/vnd.dev.bale.image.v1+toml',
  minisig: 'application/vnd.dev.bale.minisig.v1',
  buildRecord: 'application/vnd.dev.bale.build.record.v1+json',
  /** What a lease names (build keys, package stems), its one layer. */
  lease: 'application/vnd.dev.bale.lease.v1+json',
  /** How a package was built (src/store/description.ts): a layer of its artifact. */
  buildDescription: 'application/vnd.dev.bale.build.description.v1+json',
  /** A recipe's canonical text, whose sha256 is its recipe digest: layers of a package artifact. */
  recipe: 'application/vnd.dev.bale.recipe.v1+toml',
  /** A DSSE envelope, the layer of an attestation artifact. */
  dsseEnvelope: 'application/vnd.dsse.envelope.v1+json',
} as const;
