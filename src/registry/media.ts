/** OCI media types, descriptors, image manifests and indexes, and strict readers for them. */
import * as z from '../util/zod.js';
import { UserError } from '../errors/index.js';
import { sha256Digest } from './digest.js';

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

export const EMPTY_JSON = Buffer.from('{}');
export const EMPTY_DESCRIPTOR = { mediaType: MediaType.ociEmpty, digest: sha256Digest(EMPTY_JSON), size: EMPTY_JSON.length };

const digestSchema = z.string().check(z.regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/));

const descriptorSchema = z.looseObject({
  mediaType: z.string().check(z.minLength(1)),
  digest: digestSchema,
  size: z.number().check(z.int(), z.gte(0)),
  artifactType: z.optional(z.string()),
  annotations: z.optional(z.record(z.string(), z.string())),
});

const manifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.optional(z.string()),
  artifactType: z.optional(z.string()),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: z.optional(descriptorSchema),
  annotations: z.optional(z.record(z.string(), z.string())),
});

const indexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.optional(z.string()),
  artifactType: z.optional(z.string()),
  manifests: z.array(descriptorSchema),
  subject: z.optional(descriptorSchema),
  annotations: z.optional(z.record(z.string(), z.string())),
});

export type Descriptor = z.output<typeof descriptorSchema>;
export type ImageManifest = z.output<typeof manifestSchema>;
export type ImageIndex = z.output<typeof indexSchema>;

/** An image manifest (OCI or Docker v2); `where` names it for the message (e.g. `registry X: bale/app:1`). */
export function parseManifest(bytes: Buffer, where: string): ImageManifest {
  return parseJson(bytes, manifestSchema, where, 'an image manifest');
}

export function parseIndex(bytes: Buffer, where: string): ImageIndex {
  return parseJson(bytes, indexSchema, where, 'an image index');
}

/** Parse JSON and check its shape; anything else is the registry's fault, named in one line. */
export function parseJson<T>(bytes: Buffer, schema: z.ZodMiniType<T>, where: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new UserError('EREGISTRYREPLY', `${where}: answered with something that is not JSON where ${what} was expected: check the registry URL points at an OCI registry`);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const at = issue !== undefined && issue.path.length > 0 ? ` (at ${issue.path.join('.')}: ${issue.message})` : '';
    throw new UserError('EREGISTRYREPLY', `${where}: answered with JSON that is not ${what}${at}: check the registry URL points at an OCI registry`);
  }
  return result.data;
}

/** Manifest bytes as bale writes them: compact JSON, so the digest is over exactly these bytes. */
export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
