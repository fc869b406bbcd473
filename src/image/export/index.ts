/** Exports of an image: an OCI image layout, a flat rootfs tar, an SPDX SBOM. */
export { canonicalJson, canonicalJsonPretty } from './canonical-json.js';
export { exportOciLayout, type ExportOciOptions, type ExportOciResult } from './oci-layout.js';
export { layerDescriptors, ociConfig, ociManifest } from './oci-spec.js';
export { exportRootfs } from './rootfs.js';
export { spdxSbom, spdxId } from './sbom.js';
