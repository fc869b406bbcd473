/** Annotation keys bale writes on manifests and descriptors: OCI's pre-defined ones and bale's `dev.bale.*`. */

export const ANNOTATION = {
  /** A blob's file name; an image manifest's image name. */
  title: 'org.opencontainers.image.title',
  /** When a registry store's build record, lease or mark was pushed (RFC 3339). */
  created: 'org.opencontainers.image.created',
  /** An image manifest's tag. */
  imageVersion: 'org.opencontainers.image.version',
  /** The tag of a manifest in an image layout's index.json. */
  refName: 'org.opencontainers.image.ref.name',
  // Which package an image layer or a package artifact is, so a registry can be searched by
  // package (who-uses) without reading blobs.
  package: 'dev.bale.package',
  packageVersion: 'dev.bale.package.version',
  purl: 'dev.bale.purl',
  /**
   * On an image layer: the names of the image's packages this package depends on (its manifest's
   * depends that the image holds), sorted, one space between (package names hold no whitespace);
   * absent when none. Which root brought a package in is read from these, without blobs.
   */
  depends: 'dev.bale.depends',
  /** On a package artifact: `<kind><version>` of its interpreter, or `any`. */
  interpreter: 'dev.bale.interpreter',
  recipeDigest: 'dev.bale.recipe.digest',
  /** On a package artifact: the build key of the build that made it. */
  buildKey: 'dev.bale.build.key',
} as const;
