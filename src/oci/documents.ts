/**
 * The OCI documents: descriptors, image manifests and image indexes (as schemas, from which their
 * types follow; the registry client checks replies against them), the empty descriptor of an
 * artifact without a config, and an image layout's `oci-layout` file.
 */
import * as z from '../util/zod.js';
import { sha256Digest } from './digest.js';
import { MediaType } from './media-types.js';

const digestSchema = z.string().check(z.regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/));

const annotationsSchema = z.optional(z.record(z.string(), z.string()));

export const descriptorSchema = z.looseObject({
  mediaType: z.string().check(z.minLength(1)),
  digest: digestSchema,
  size: z.number().check(z.int(), z.gte(0)),
  artifactType: z.optional(z.string()),
  annotations: annotationsSchema,
});

export const manifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.optional(z.string()),
  artifactType: z.optional(z.string()),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: z.optional(descriptorSchema),
  annotations: annotationsSchema,
});

export const indexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.optional(z.string()),
  artifactType: z.optional(z.string()),
  manifests: z.array(descriptorSchema),
  subject: z.optional(descriptorSchema),
  annotations: annotationsSchema,
});

export type Descriptor = z.output<typeof descriptorSchema>;
export type ImageManifest = z.output<typeof manifestSchema>;
export type ImageIndex = z.output<typeof indexSchema>;

/** The descriptor of `data`. */
export function descriptorOf(mediaType: string, data: Buffer, annotations?: Record<string, string>): Descriptor {
  const d: Descriptor = { mediaType, digest: sha256Digest(data), size: data.length };
  if (annotations !== undefined) d.annotations = annotations;
  return d;
}

export const EMPTY_JSON = Buffer.from('{}');
export const EMPTY_DESCRIPTOR = { mediaType: MediaType.ociEmpty, digest: sha256Digest(EMPTY_JSON), size: EMPTY_JSON.length };

/** Manifest bytes as bale pushes them: compact JSON, so the digest is over exactly these bytes. */
export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

export const OCI_LAYOUT_FILE = 'oci-layout';
/** The whole `oci-layout` file. */
export const OCI_LAYOUT_BYTES = Buffer.from('{"imageLayoutVersion":"1.0.0"}');
