/** Exports of an image: an OCI image layout, a flat rootfs tar, an SPDX SBOM. */
export { canonicalJson, canonicalJsonPretty } from './canonical-json.js';
export { exportOciLayout, type ExportOciOptions, type ExportOciResult } from './oci-layout.js';
export {
  ANNOTATION_PACKAGE,
  ANNOTATION_PACKAGE_VERSION,
  ANNOTATION_PURL,
  ANNOTATION_REF_NAME,
  ANNOTATION_TITLE,
  ANNOTATION_VERSION,
  MEDIA_TYPE_CONFIG,
  MEDIA_TYPE_INDEX,
  MEDIA_TYPE_LAYER_GZIP,
  MEDIA_TYPE_MANIFEST,
  layerDescriptors,
  ociConfig,
  ociManifest,
  sha256Digest,
  type Descriptor,
} from './oci-spec.js';
export { exportRootfs } from './rootfs.js';
export { spdxSbom, spdxId } from './sbom.js';
